#!/usr/bin/env python3
"""Measures the three bundled-candidate face detectors on the same photos: BlazeFace short range
(128x128), BlazeFace full range (192x192), RetinaFace-MobileNet0.25 (640x640 letterbox, what
moodtune ships). Prints faces found and milliseconds per photo (ONNX Runtime, one thread).

    pip install onnxruntime numpy pillow
    python3 tools/compare_detectors.py ../shared/data/models tests/fixtures/images/*.jpg tests/fixtures/images/*.png

Pre/post-processing follows MediaPipe (BlazeFace: letterbox, RGB in [-1,1], SSD anchors, sigmoid
scores, NMS) and the RetinaFace reference (BGR minus (104,117,123), priors with variances 0.1/0.2,
score > 0.8, NMS 0.4).
"""
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps


def letterbox(img, side):
    w, h = img.size
    s = side / max(w, h)
    resized = img.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BILINEAR)
    canvas = Image.new("RGB", (side, side))
    canvas.paste(resized, (0, 0))
    return canvas, s


def nms(boxes, scores, iou=0.3):
    order = np.argsort(-scores)
    keep = []
    for i in order:
        ok = True
        for j in keep:
            a, b = boxes[i], boxes[j]
            ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
            iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
            inter = ix * iy
            union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
            if union > 0 and inter / union > iou:
                ok = False
                break
        if ok:
            keep.append(i)
    return keep


def ssd_anchors(side, strides, per_layer):
    anchors = []
    for stride, n in zip(strides, per_layer):
        fm = side // stride
        for y in range(fm):
            for x in range(fm):
                for _ in range(n):
                    anchors.append(((x + 0.5) / fm, (y + 0.5) / fm))
    return np.array(anchors, np.float32)


def blazeface(session, img, side, anchors, threshold):
    canvas, s = letterbox(img, side)
    x = (np.asarray(canvas, np.float32) / 127.5 - 1.0)[None]
    reg, cls = session.run(None, {session.get_inputs()[0].name: x})
    reg, cls = reg[0], cls[0, :, 0]
    scores = 1 / (1 + np.exp(-np.clip(cls, -80, 80)))
    found = scores > threshold
    cx = reg[found, 0] / side + anchors[found, 0]
    cy = reg[found, 1] / side + anchors[found, 1]
    w = reg[found, 2] / side
    h = reg[found, 3] / side
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1) * side / s
    return [boxes[i] for i in nms(boxes, scores[found])]


def retinaface_priors(side):
    out = []
    for step, sizes in [(8, [16, 32]), (16, [64, 128]), (32, [256, 512])]:
        cells = -(-side // step)
        for i in range(cells):
            for j in range(cells):
                for m in sizes:
                    out.append([(j + 0.5) * step / side, (i + 0.5) * step / side, m / side, m / side])
    return np.array(out, np.float32)


def retinaface(session, img, side=640):
    canvas, s = letterbox(img, side)
    x = np.asarray(canvas, np.float32)[:, :, ::-1] - np.array([104, 117, 123], np.float32)
    x = x.transpose(2, 0, 1)[None].copy()
    loc, conf, _ = session.run(None, {"input": x})
    loc, scores = loc[0], conf[0, :, 1]
    p = retinaface_priors(side)
    found = scores > 0.8
    l, p = loc[found], p[found]
    cx = p[:, 0] + l[:, 0] * 0.1 * p[:, 2]
    cy = p[:, 1] + l[:, 1] * 0.1 * p[:, 3]
    w = p[:, 2] * np.exp(l[:, 2] * 0.2)
    h = p[:, 3] * np.exp(l[:, 3] * 0.2)
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1) * side / s
    return [boxes[i] for i in nms(boxes, scores[found], 0.4)]


def main():
    models = Path(sys.argv[1])
    photos = [Path(p) for p in sys.argv[2:]]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    load = lambda name: ort.InferenceSession(str(models / name), opts, providers=["CPUExecutionProvider"])
    short, full, retina = load("face_detection_short_range.onnx"), load("face_detection_full_range.onnx"), load("retinaface_tiny.onnx")
    detectors = [
        ("blazeface-short", lambda im: blazeface(short, im, 128, ssd_anchors(128, [8, 16], [2, 6]), 0.5)),
        ("blazeface-full", lambda im: blazeface(full, im, 192, ssd_anchors(192, [4], [1]), 0.6)),
        ("retinaface-640", lambda im: retinaface(retina, im)),
    ]
    print(f"{'photo':<28}" + "".join(f"{n:>26}" for n, _ in detectors))
    for path in photos:
        img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        row = f"{path.name:<28}"
        for _, detect in detectors:
            detect(img)  # warm
            t = time.perf_counter()
            for _ in range(5):
                faces = detect(img)
            ms = (time.perf_counter() - t) / 5 * 1e3
            row += f"{f'{len(faces)} faces, {ms:.1f} ms':>26}"
        print(row)


if __name__ == "__main__":
    main()
