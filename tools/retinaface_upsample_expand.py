#!/usr/bin/env python3
"""Rewrites the two FPN upsamplings of a RetinaFace export as Reshape -> Expand -> Reshape.

Why: each is a nearest-neighbour Resize to exactly twice the size, which tract (the built-in
backend) runs through a generic resampler, a libm `roundf` per pixel: about 5% of a selfie's
detector time. Repeating each value twice along both axes is the same computation (outputs equal
to the last bit on ONNX Runtime, checked below) as a copy. Weights untouched. Run it after
`tools/retinaface_input_size.py` (which reads the Resize nodes):

    pip install onnx onnxruntime
    python3 tools/retinaface_upsample_expand.py core/data/models/retinaface_tiny_640.onnx
    python3 tools/retinaface_upsample_expand.py core/data/models/retinaface_tiny_320.onnx
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def rewrite(path: str) -> None:
    m = onnx.load(path)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    nodes, used = [], set()
    for n in g.node:
        if n.op_type != "Resize":
            nodes.append(n)
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        assert attrs.get("mode") == b"nearest", f"{n.name}: not a nearest-neighbour resize"
        b, c, H, W = (int(v) for v in numpy_helper.to_array(inits[n.input[3]]))
        assert H % 2 == 0 and W % 2 == 0, f"{n.name}: not a doubling"
        x, y = n.input[0], n.output[0]
        p = y.replace("/", "_")
        for name, shape in [(p + "_split", [b, c, H // 2, 1, W // 2, 1]),
                            (p + "_twice", [b, c, H // 2, 2, W // 2, 2]),
                            (p + "_size", [b, c, H, W])]:
            g.initializer.append(numpy_helper.from_array(np.array(shape, dtype=np.int64), name))
        nodes += [helper.make_node("Reshape", [x, p + "_split"], [p + "_split_out"]),
                  helper.make_node("Expand", [p + "_split_out", p + "_twice"], [p + "_twice_out"]),
                  helper.make_node("Reshape", [p + "_twice_out", p + "_size"], [y])]
    del g.node[:]
    g.node.extend(nodes)
    for n in g.node:
        used.update(n.input)
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    onnx.checker.check_model(m)
    before = onnx.load(path)
    onnx.save(m, path)
    check(before, path)


def check(before, path: str) -> None:
    """The rewritten model answers exactly as the original on a random input."""
    try:
        import onnxruntime as ort
    except ImportError:
        print("onnxruntime not installed: outputs not compared", file=sys.stderr)
        return
    dims = [d.dim_value for d in before.graph.input[0].type.tensor_type.shape.dim]
    x = np.random.default_rng(0).normal(0, 50, dims).astype(np.float32)
    name = before.graph.input[0].name
    a = ort.InferenceSession(before.SerializeToString()).run(None, {name: x})
    b = ort.InferenceSession(path).run(None, {name: x})
    worst = max(float(np.abs(u - v).max()) for u, v in zip(a, b))
    assert worst == 0.0, f"outputs differ by {worst}"
    print(f"{path}: upsamplings rewritten, outputs identical", file=sys.stderr)


if __name__ == "__main__":
    rewrite(sys.argv[1])
