#!/usr/bin/env python3
"""Writes a tiny ONNX model with the signature of an exported EMOTIC model, for the tests.

Same inputs and outputs as tools/export_emotic.py produces -- `context` f32[N,3,224,224], `body`
f32[N,3,128,128] -> `cat` f32[N,26], `cont` f32[N,3] -- but the trunks are replaced by a global
average pool and the head by one random linear layer (seeded), so the file is a few KB and the
Rust side's whole EMOTIC path (crops, normalisation, batching, thresholds, mapping) runs for real.

    python3 tools/make_emotic_fixture.py tests/fixtures/emotic
(needs the `onnx` and `numpy` packages from PyPI)
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/emotic")
out.parent.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(7)
w_cat = rng.normal(0, 1, (6, 26)).astype(np.float32)
b_cat = rng.normal(0, 0.1, (26,)).astype(np.float32)
w_cont = rng.normal(0, 1, (6, 3)).astype(np.float32)
b_cont = np.full((3,), 5.0, np.float32)

nodes = [
    helper.make_node("GlobalAveragePool", ["context"], ["c_pool"]),
    helper.make_node("GlobalAveragePool", ["body"], ["b_pool"]),
    helper.make_node("Flatten", ["c_pool"], ["c_flat"], axis=1),
    helper.make_node("Flatten", ["b_pool"], ["b_flat"], axis=1),
    helper.make_node("Concat", ["c_flat", "b_flat"], ["features"], axis=1),
    helper.make_node("Gemm", ["features", "w_cat", "b_cat"], ["cat"]),
    helper.make_node("Gemm", ["features", "w_cont", "b_cont"], ["cont"]),
]
graph = helper.make_graph(
    nodes,
    "emotic_tiny",
    [
        helper.make_tensor_value_info("context", TensorProto.FLOAT, ["N", 3, 224, 224]),
        helper.make_tensor_value_info("body", TensorProto.FLOAT, ["N", 3, 128, 128]),
    ],
    [
        helper.make_tensor_value_info("cat", TensorProto.FLOAT, ["N", 26]),
        helper.make_tensor_value_info("cont", TensorProto.FLOAT, ["N", 3]),
    ],
    [
        numpy_helper.from_array(w_cat, "w_cat"),
        numpy_helper.from_array(b_cat, "b_cat"),
        numpy_helper.from_array(w_cont, "w_cont"),
        numpy_helper.from_array(b_cont, "b_cont"),
    ],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, str(out) + ".onnx")
# Thresholds at 0: a category is present when its score is positive.
Path(str(out) + ".thresholds.json").write_text(json.dumps([0.0] * 26) + "\n")
print(f"wrote {out}.onnx and {out}.thresholds.json")
