#!/usr/bin/env python3
"""Fixes the batch of the bundled FER model (input and both outputs) to the calibration's views.

Why: tract, the built-in backend, optimises the graph for the shapes it knows; with the batch
left open, reading a face through its four views took 33 ms instead of 22 (BENCHMARKS.md,
"Selfies on the built-in backend"). core/src/vision/expression.rs reads the batch from the model
and runs views in batches of that size, so another number of views still works. Weights unchanged.

    pip install onnx
    python3 tools/fer_fixed_batch.py core/data/models/fer-mini-xception.onnx 4
"""
import sys

import onnx


def main(path, batch):
    model = onnx.load(path)
    graph = model.graph
    for value in list(graph.input) + list(graph.output):
        value.type.tensor_type.shape.dim[0].dim_value = batch
    onnx.checker.check_model(model)
    onnx.save(model, path)
    print(f"{path}: batch fixed to {batch}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
