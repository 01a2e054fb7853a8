#!/usr/bin/env python3
"""Adds a second output, `features`, to the bundled FER mini-Xception ONNX model.

Why: the calibration (core/src/vision/calibration.rs) reads more than the model's seven
probabilities: the 128 channels of its last block, averaged over the face (the same global
average pooling the model's own head applies), carry what tells disgust from anger and a sad face
from a neutral one on real photos. The weights are unchanged; `predictions` stays the first output.
Idempotent: a model that already has the output is left as it is.

    pip install onnx
    python3 tools/fer_features_output.py core/data/models/fer-mini-xception.onnx
"""
import sys

import onnx
from onnx import helper

LAST_BLOCK = "model_1/add_4/add:0"  # [1, 128, 4, 4] after the last residual block


def main(path):
    model = onnx.load(path)
    graph = model.graph
    if any(o.name == "features" for o in graph.output):
        print(f"{path} already has `features`", file=sys.stderr)
        return
    assert any(LAST_BLOCK in n.output for n in graph.node), "unexpected model: no last block"
    graph.node.append(helper.make_node("GlobalAveragePool", [LAST_BLOCK], ["features_pooled"]))
    graph.node.append(helper.make_node("Flatten", ["features_pooled"], ["features"], axis=1))
    graph.output.append(helper.make_tensor_value_info("features", onnx.TensorProto.FLOAT, ["batch", 128]))
    onnx.checker.check_model(model)
    onnx.save(model, path)
    print(f"{path}: added output `features` [batch, 128]", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
