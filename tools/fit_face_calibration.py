#!/usr/bin/env python3
"""Fits the face-expression calibration shipped in core/data/models/face-calibration.json.

Why: the bundled FER model (mini-Xception on FER2013) is sure of smiles and unsure of the rest;
on real, news-style and posed faces it reads disgust and fear as sadness or anger and sad faces
as neutral or happy. A softmax layer over its log-probabilities and the 128 pooled channels of
its last block (tools/fer_features_output.py), averaged over a few views of the face (crop sizes,
mirrored) and fitted with class-balanced weights, moves its decisions to where the labelled faces
are. It is evaluated the way the bot decides: calibrated probabilities -> DLUT -> main class (a
neutral face should read as calm, 安心). Options are compared with and without the channels.

A second network (face-api.js's expression net, tools/faceapi_expression_to_onnx.py) adds its
averaged log-probabilities as 7 more inputs. An expression with fewer than MIN_FIT labelled faces
(fear: six in the dev legend) is not fitted: its row is the sum of the two networks' averaged
log-probabilities, no channel, bias 0, so that six photos cannot teach the layer to never say it.

Input: the TSV `moodtune eval photos DIR --dump FILE` writes (path, label, faces, then the
largest face's box x1 y1 x2 y2, for each of 4 views 7 FER probabilities and 128 channels, then
for each of 6 views the second network's 7 probabilities). A fifth of the persons is held out; person-grouped
cross-validation over the rest chooses the options, which are then scored once on the held-out
persons; the shipped layer is fitted on all rows. Usage:

    moodtune eval photos /tmp/faces/dev --dump dev.tsv
    python3 tools/fit_face_calibration.py dev.tsv --out core/data/models/face-calibration.json
"""
import argparse, json, re, sys
import numpy as np

FER = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
LABEL = {"Anger": 0, "Disgust": 1, "Contempt": 1, "Fear": 2, "Happiness": 3,
         "Sadness": 4, "Surprise": 5, "Neutral": 6}
# FER output -> main class (joy 0, fondness 1, anger 2, sorrow 3, fear 4, disgust 5, surprise 6);
# neutral goes to calm (安心), whose main class is joy.
MAIN = [2, 5, 4, 0, 3, 6, 0]
VIEWS = [(1.0, False), (1.0, True), (1.25, False), (1.25, True)]
# The second network's dumped views: (scale, mirror, padded).
SECOND_VIEWS = [(1.0, False, True), (1.0, True, True), (1.0, False, False), (1.0, True, False),
                (1.25, False, False), (1.25, True, False)]
MIN_FIT = 30


def person(path):
    stem = re.sub(r"\.[^.]+$", "", path.rsplit("/", 1)[-1])
    m = re.match(r"(.*?)_\d{4}$", stem)
    if m:  # LFW style: Name_Surname_0001
        return m.group(1)
    m = re.search(r"(\d{5,})", stem)
    if m:  # numbered series: neighbours are often the same sitting
        return "n" + m.group(1)[:-2]
    return stem


PER_VIEW = 7 + 128


def load(path):
    rows = []
    end = 7 + 4 * PER_VIEW
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < end or f[1] not in LABEL:
            continue
        v = np.array([float(x) for x in f[7:end]], dtype=np.float64).reshape(4, PER_VIEW)
        second = np.array([float(x) for x in f[end:end + 7 * len(SECOND_VIEWS)]], dtype=np.float64)
        second = second.reshape(len(SECOND_VIEWS), 7) if len(second) == 7 * len(SECOND_VIEWS) else None
        rows.append((f[0], LABEL[f[1]], v[:, :7], v[:, 7:], second))
    return rows


def inputs(P, F, views, channels, mean=None, scale=None, S=None, second=()):
    """FER's averaged log-probabilities, its standardised averaged channels (zero without
    `channels`), then the second network's averaged log-probabilities when `second` names views:
    the layout of core/src/vision/calibration.rs."""
    logp = np.log(P[:, views, :] + 1e-3).mean(axis=1)
    f = F[:, views, :].mean(axis=1)
    if mean is None:
        mean, scale = f.mean(0), f.std(0) + 1e-6
    parts = [logp, (f - mean) / scale if channels else np.zeros_like(f)]
    if len(second):
        parts.append(np.log(S[:, list(second), :] + 1e-3).mean(axis=1))
    return np.hstack(parts), mean, scale


def start(d, y, second):
    """The layer's starting weights: each network's log-probability of an expression for it.
    Rows of expressions with fewer than MIN_FIT faces stay there (returned as `fixed`)."""
    W = np.zeros((7, d))
    for k in range(7):
        W[k, k] = 1.0
        if second:
            W[k, 7 + 128 + k] = 1.0
    counts = np.bincount(y, minlength=7)
    fixed = [k for k in range(7) if counts[k] < MIN_FIT]
    return W, fixed


def fit(X, y, w, l2, iters=1500, lr=0.5, second=False):
    n, d = X.shape
    W0, fixed = start(d, y, second)
    W = W0.copy()
    b = np.zeros(7)
    Y = np.eye(7)[y]
    mW, vW, mb, vb = 0, 0, 0, 0
    for t in range(1, iters + 1):
        z = X @ W.T + b
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        e = (p - Y) * w[:, None] / w.sum()
        gW = e.T @ X + l2 * (W - W0)
        gb = e.sum(0)
        gW[fixed] = 0.0
        gb[fixed] = 0.0
        mW = 0.9 * mW + 0.1 * gW; vW = 0.999 * vW + 0.001 * gW ** 2
        mb = 0.9 * mb + 0.1 * gb; vb = 0.999 * vb + 0.001 * gb ** 2
        c1, c2 = 1 - 0.9 ** t, 1 - 0.999 ** t
        W -= 0.05 * (mW / c1) / (np.sqrt(vW / c2) + 1e-8)
        b -= 0.05 * (mb / c1) / (np.sqrt(vb / c2) + 1e-8)
    return W, b


def probs(X, W, b):
    z = X @ W.T + b
    z -= z.max(1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(1, keepdims=True)


def decide(p):
    """Main class of each face as the bot decides it, and whether calm is the strongest category."""
    totals = np.zeros((len(p), 7))
    for k in range(7):
        totals[:, MAIN[k]] += p[:, k]
    main = totals.argmax(1)
    # DLUT categories: fear splits 0.8/0.2, sorrow 0.8/0.2; calm (neutral) vs the largest other.
    cat = p.copy()
    cat[:, 2] *= 0.8
    cat[:, 4] *= 0.8
    calm = cat.argmax(1) == 6
    return main, calm


def score(y, p):
    main, calm = decide(p)
    gold = np.array([MAIN[k] for k in y])
    expr = y != 6
    right = (main == gold) & expr
    f1s, recalls = [], {}
    for c in sorted(set(gold[expr])):
        tp = ((main == c) & (gold == c) & expr).sum()
        read = ((main == c) & expr).sum()
        n = ((gold == c) & expr).sum()
        pr, rc = tp / max(read, 1), tp / max(n, 1)
        f1s.append(0 if pr + rc == 0 else 2 * pr * rc / (pr + rc))
        recalls[c] = rc
    return {
        "accuracy": right.sum() / max(expr.sum(), 1),
        "balanced_accuracy": float(np.mean(list(recalls.values()))),
        "macro_f1": float(np.mean(f1s)),
        "recall": {["joy", "fondness", "anger", "sorrow", "fear", "disgust", "surprise"][c]: round(float(r), 3)
                   for c, r in recalls.items()},
        "neutral_calm": float(calm[~expr].mean()) if (~expr).any() else None,
    }


def weights(y, balance):
    counts = np.bincount(y, minlength=7).astype(float)
    cw = (len(y) / (7 * np.maximum(counts, 1))) ** balance
    return cw[y]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("--out")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    rows = load(args.dump)
    P = np.stack([r[2] for r in rows])
    F = np.stack([r[3] for r in rows])
    S = np.stack([r[4] for r in rows]) if all(r[4] is not None for r in rows) else None
    y = np.array([r[1] for r in rows])
    groups = [person(r[0]) for r in rows]
    ids = {g: i for i, g in enumerate(sorted(set(groups)))}
    fold = np.array([(ids[g] * 7919) % args.folds for g in groups])
    print(f"faces={len(rows)} persons={len(ids)} per class={np.bincount(y, minlength=7).tolist()}"
          f" second network={'yes' if S is not None else 'no'}", file=sys.stderr)
    base = score(y, P[:, 0, :])
    print("uncalibrated (tight view):", json.dumps(base), file=sys.stderr)
    # Persons of fold 0 are a held-out split: options are chosen by cross-validation over the
    # other folds, and the chosen options are then scored once on fold 0.
    held = fold == 0
    best = None
    # The second network reads the padded box and its mirror image (one run of its batch of two):
    # with the 1.25 squares as well (four views, twice the time on tract) cross-validated macro-F1
    # was the same (0.6005 vs 0.6016, BENCHMARKS.md).
    seconds = ([], [0, 1]) if S is not None else ([],)
    for second in seconds:
        for channels in (False, True):
            for views in ([0, 1], [0, 1, 2, 3]):
                for balance in (0.75, 1.0):
                    for l2 in (0.03, 0.1, 0.3):
                        pred = np.zeros((len(y), 7))
                        for f in range(1, args.folds):
                            tr = (fold != f) & ~held
                            te = fold == f
                            X, m, sc = inputs(P[tr], F[tr], views, channels, S=S[tr] if second else None, second=second)
                            W, b = fit(X, y[tr], weights(y[tr], balance), l2, second=bool(second))
                            Xte = inputs(P[te], F[te], views, channels, m, sc, S[te] if second else None, second)[0]
                            pred[te] = probs(Xte, W, b)
                        s = score(y[~held], pred[~held])
                        key = s["macro_f1"] + 0.5 * min(s["recall"].values()) + 0.25 * (s["neutral_calm"] or 0)
                        print(f"second={second} channels={channels} views={views} balance={balance} l2={l2}: "
                              f"{json.dumps(s)}", file=sys.stderr)
                        if best is None or key > best[0]:
                            best = (key, second, channels, views, balance, l2, s)
    _, second, channels, views, balance, l2, s = best
    print(f"chosen second={second} channels={channels} views={views} balance={balance} l2={l2}, "
          f"cross-validated: {json.dumps(s)}", file=sys.stderr)
    Ssel = S if second else None
    X, m, sc = inputs(P[~held], F[~held], views, channels, S=None if Ssel is None else Ssel[~held], second=second)
    W, b = fit(X, y[~held], weights(y[~held], balance), l2, second=bool(second))
    X = inputs(P, F, views, channels, m, sc, Ssel, second)[0]
    held_out = score(y[held], probs(X[held], W, b))
    held_base = score(y[held], P[held][:, 0, :])
    print(f"held-out persons, uncalibrated: {json.dumps(held_base)}", file=sys.stderr)
    print(f"held-out persons, calibrated:   {json.dumps(held_out)}", file=sys.stderr)
    if args.out:
        X, m, sc = inputs(P, F, views, channels, S=Ssel, second=second)
        if not channels:  # the channels are read but weigh nothing; keep real statistics
            f_all = F[:, views, :].mean(axis=1)
            m, sc = f_all.mean(0), f_all.std(0) + 1e-6
        W, b = fit(X, y, weights(y, balance), l2, second=bool(second))
        _, fixed = start(X.shape[1], y, bool(second))
        out = {
            "why": "softmax over the mean log FER probabilities and standardised mean last-block "
                   "channels of these views, then the second network's mean log probabilities; "
                   "fitted by tools/fit_face_calibration.py",
            "views": [{"scale": VIEWS[v][0], "mirror": VIEWS[v][1]} for v in views],
            "second_views": [{"scale": SECOND_VIEWS[v][0], "mirror": SECOND_VIEWS[v][1], "pad": SECOND_VIEWS[v][2]}
                             for v in second],
            "feature_mean": [round(float(x), 5) for x in m],
            "feature_scale": [round(float(x), 5) for x in sc],
            "weights": [[round(float(x), 5) for x in row] for row in W],
            "bias": [round(float(x), 5) for x in b],
            "fitted_with": {"channels": channels, "balance": balance, "l2": l2, "faces": len(rows), "persons": len(ids),
                            "per_class": np.bincount(y, minlength=7).tolist(),
                            "unfitted_rows": [FER[k] for k in fixed]},
            "cross_validated": {"folds": args.folds - 1, "by": "person", **s},
            "held_out": {"faces": int(held.sum()), "calibrated": held_out, "uncalibrated": held_base},
            "uncalibrated": base,
        }
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
