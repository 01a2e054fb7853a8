#!/usr/bin/env python3
"""Exports face-api.js's facial-expression network (FaceExpressionNet) to ONNX.

Why: the bundled FER mini-Xception was trained on FER2013's small web crops and hardly knows
fear or disgust on real faces; face-api.js's expression net was trained on other faces (RGB,
112x112) and reads them differently. Its weights ship inside the npm package
`@vladmandic/face-api` (MIT, see NOTICE) as TF.js shards; this script rebuilds the network from
its source (four dense blocks of separable convolutions, average pool, a 256 -> 7 layer) with the
`onnx` helper API, so nothing but the registries is needed:

    npm pack @vladmandic/face-api@1.7.15 && tar xzf vladmandic-face-api-1.7.15.tgz
    pip install onnx numpy
    python3 tools/faceapi_expression_to_onnx.py package/model core/data/models/faceapi-expression.onnx

Input `input` f32[batch,3,112,112]: the face crop padded to a square (centred, black) and resized
to 112x112, RGB, `(x - (122.782, 117.001, 104.298)) / 255`. Outputs `predictions` [batch,7]
softmax over neutral happy sad angry fearful disgusted surprised (face-api's order) and `features`
[batch,256], the pooled channels under them (what the calibration reads). `--batch N` fixes the
batch (the built-in backend optimises for known shapes).
"""
import argparse, json, os
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def load_weights(model_dir, name="face_expression_model"):
    manifest = json.load(open(os.path.join(model_dir, f"{name}-weights_manifest.json")))
    out = {}
    for group in manifest:
        data = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q:
                dt = {"uint8": np.uint8, "uint16": np.uint16}[q["dtype"]]
                raw = np.frombuffer(data, dt, n, off)
                off += n * np.dtype(dt).itemsize
                v = raw.astype(np.float32) * q["scale"] + q["min"]
            else:
                v = np.frombuffer(data, np.float32, n, off).copy()
                off += n * 4
            out[w["name"]] = v.reshape(w["shape"]).astype(np.float32)
    return out


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, base, array):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(array.astype(np.float32), n))
        return n

    def op(self, kind, inputs, **attrs):
        out = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def conv(self, x, w_tf, bias=None, stride=1, depthwise=False):
        """TF 'same' padding: at stride 2 on an even side the extra row/column goes at the end."""
        if depthwise:  # [h, w, C, 1] -> [C, 1, h, w]
            w = np.transpose(w_tf, (2, 3, 0, 1))
            group = w.shape[0]
        else:  # [h, w, in, out] -> [out, in, h, w]
            w = np.transpose(w_tf, (3, 2, 0, 1))
            group = 1
        k = w.shape[2]
        pads = [0, 0, 0, 0] if k == 1 else ([1, 1, 1, 1] if stride == 1 else [0, 0, 1, 1])
        ins = [x, self.const("w", w)] + ([self.const("b", bias)] if bias is not None else [])
        return self.op("Conv", ins, kernel_shape=[k, k], strides=[stride, stride],
                       pads=pads, group=group)

    def separable(self, x, p, prefix, stride):
        y = self.conv(x, p[prefix + "/depthwise_filter"], stride=stride, depthwise=True)
        return self.conv(y, p[prefix + "/pointwise_filter"], p[prefix + "/bias"])


def dense_block4(g, x, p, block, first):
    if first:
        out1 = g.conv(x, p[f"{block}/conv0/filters"], p[f"{block}/conv0/bias"], stride=2)
    else:
        out1 = g.separable(x, p, f"{block}/conv0", 2)
    out1 = g.op("Relu", [out1])
    out2 = g.separable(out1, p, f"{block}/conv1", 1)
    in3 = g.op("Relu", [g.op("Add", [out1, out2])])
    out3 = g.separable(in3, p, f"{block}/conv2", 1)
    s23 = g.op("Add", [out2, out3])
    in4 = g.op("Relu", [g.op("Add", [out1, s23])])
    out4 = g.separable(in4, p, f"{block}/conv3", 1)
    return g.op("Relu", [g.op("Add", [out1, g.op("Add", [out2, g.op("Add", [out3, out4])])])])


def build(p, batch):
    g = Graph()
    x = "input"
    for i in range(4):
        x = dense_block4(g, x, p, f"dense{i}", i == 0)
    pooled = g.op("AveragePool", [x], kernel_shape=[7, 7], strides=[2, 2])
    flat = g.op("Flatten", [pooled], axis=1)
    g.nodes.append(helper.make_node("Identity", [flat], ["features"]))
    logits = g.op("Gemm", [flat, g.const("fc_w", p["fc/weights"]), g.const("fc_b", p["fc/bias"])])
    g.nodes.append(helper.make_node("Softmax", [logits], ["predictions"], axis=1))
    dim = batch if batch else "batch"
    graph = helper.make_graph(
        g.nodes, "faceapi_expression",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [dim, 3, 112, 112])],
        [helper.make_tensor_value_info("predictions", TensorProto.FLOAT, [dim, 7]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, [dim, 256])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="moodtune tools/faceapi_expression_to_onnx.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("out")
    ap.add_argument("--batch", type=int, default=0)
    a = ap.parse_args()
    model = build(load_weights(a.model_dir), a.batch)
    onnx.save(model, a.out)
    print(f"{a.out}: {os.path.getsize(a.out)} bytes")


if __name__ == "__main__":
    main()
