#!/usr/bin/env python3
"""Converts the official EMOTIC checkpoints (Tandon-A/emotic, the seed's model) into the one ONNX
file moodtune loads with MOODTUNE_EMOTIC_MODEL, plus its 26 thresholds.

The published weights are three pickled PyTorch modules and a NumPy array:
  model_context1.pth   ResNet-18 trunk (Places365) without its fc layer: context [N,3,224,224] -> [N,512,1,1]
  model_body1.pth      ResNet-18 trunk (ImageNet) without its fc layer:  body    [N,3,128,128] -> [N,512,1,1]
  model_emotic1.pth    the fusion head: Linear(1024, 256) -> BatchNorm1d -> ReLU -> Dropout ->
                       fc_cat (26) and fc_cont (3)
  val_thresholds.npy   26 per-category thresholds chosen on EMOTIC's validation split

Output: OUT.onnx with inputs `context` f32[N,3,224,224] and `body` f32[N,3,128,128] (each already
normalised with its mean/std, see DESIGN.md; moodtune does that), outputs `cat` f32[N,26] and
`cont` f32[N,3]; and OUT.thresholds.json (the 26 thresholds as a JSON array).

    pip install torch torchvision numpy onnx onnxscript onnxruntime
    python3 tools/export_emotic.py --models DIR_WITH_PTH --thresholds val_thresholds.npy --out emotic
    MOODTUNE_EMOTIC_MODEL=$PWD/emotic.onnx moodtune recommend --photo selfie.jpg
"""
import argparse
import inspect
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn


class Emotic(nn.Module):
    """The fusion head exactly as Tandon-A/emotic defines it (the pickle refers to this class)."""

    def __init__(self, num_context_features, num_body_features):
        super().__init__()
        self.num_context_features = num_context_features
        self.num_body_features = num_body_features
        self.fc1 = nn.Linear(num_context_features + num_body_features, 256)
        self.bn1 = nn.BatchNorm1d(256)
        self.d1 = nn.Dropout(p=0.5)
        self.fc_cat = nn.Linear(256, 26)
        self.fc_cont = nn.Linear(256, 3)
        self.relu = nn.ReLU()

    def forward(self, x_context, x_body):
        context_features = x_context.view(-1, self.num_context_features)
        body_features = x_body.view(-1, self.num_body_features)
        fuse_features = torch.cat((context_features, body_features), 1)
        fuse_out = self.fc1(fuse_features)
        fuse_out = self.bn1(fuse_out)
        fuse_out = self.relu(fuse_out)
        fuse_out = self.d1(fuse_out)
        cat_out = self.fc_cat(fuse_out)
        cont_out = self.fc_cont(fuse_out)
        return cat_out, cont_out


class Full(nn.Module):
    """Context trunk + body trunk + head as one graph with moodtune's input/output names."""

    def __init__(self, context, body, head):
        super().__init__()
        self.context, self.body, self.head = context, body, head

    def forward(self, context, body):
        return self.head(self.context(context), self.body(body))


def load(path):
    # The checkpoints are whole pickled modules; the head's class was saved as `emotic.Emotic`
    # (or `__main__.Emotic`): make both names resolve to the class above.
    sys.modules.setdefault("emotic", sys.modules[__name__])
    return torch.load(path, map_location="cpu", weights_only=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, required=True, help="directory with model_context1.pth, model_body1.pth, model_emotic1.pth")
    ap.add_argument("--thresholds", type=Path, required=True, help="val_thresholds.npy")
    ap.add_argument("--out", type=Path, default=Path("emotic"), help="output path without extension")
    ap.add_argument("--opset", type=int, default=13)
    args = ap.parse_args()

    full = Full(
        load(args.models / "model_context1.pth"),
        load(args.models / "model_body1.pth"),
        load(args.models / "model_emotic1.pth"),
    ).eval()
    context = torch.randn(2, 3, 224, 224)
    body = torch.randn(2, 3, 128, 128)
    with torch.no_grad():
        want_cat, want_cont = full(context, body)
    onnx_path = Path(str(args.out) + ".onnx")
    # The TorchScript exporter writes one self-contained file (moodtune loads the model from
    # memory, so weights in a side file would be lost); newer PyTorch defaults to dynamo.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    torch.onnx.export(
        full,
        (context, body),
        str(onnx_path),
        input_names=["context", "body"],
        output_names=["cat", "cont"],
        dynamic_axes={"context": {0: "N"}, "body": {0: "N"}, "cat": {0: "N"}, "cont": {0: "N"}},
        opset_version=args.opset,
        **legacy,
    )
    thresholds = np.load(args.thresholds).astype(float).reshape(-1).tolist()
    if len(thresholds) != 26:
        sys.exit(f"{args.thresholds}: expected 26 thresholds, found {len(thresholds)}")
    Path(str(args.out) + ".thresholds.json").write_text(json.dumps(thresholds) + "\n")

    # Check the export against PyTorch when onnxruntime is installed.
    try:
        import onnxruntime as ort
    except ImportError:
        print(f"wrote {onnx_path} (install onnxruntime to have the export checked)")
        return
    got_cat, got_cont = ort.InferenceSession(str(onnx_path)).run(None, {"context": context.numpy(), "body": body.numpy()})
    err = max(np.abs(got_cat - want_cat.numpy()).max(), np.abs(got_cont - want_cont.numpy()).max())
    print(f"wrote {onnx_path}; max difference from PyTorch {err:.2e}")
    if err > 1e-3:
        sys.exit("the export does not match PyTorch")


if __name__ == "__main__":
    main()
