#!/usr/bin/env python3
"""Writes the face development set used to fit and measure the expression calibration.

From a snapshot of github.com/muxspace/facial_expressions (a bare git directory, as `fetch`
brings it) and ../shared/data/faces/muxspace-dev-legend.csv (the only images of that repository
we may use), it copies every listed photo of the rarer expressions and a fixed sample of the
happy and neutral ones (the legend is 92% happy or neutral), with a `legend.csv` beside them:

    python3 tools/face_dev_set.py /work/.mirror/muxspace+facial_expressions/repo \
        ../shared/data/faces/muxspace-dev-legend.csv /tmp/faces/dev
    moodtune eval photos /tmp/faces/dev
"""
import csv, hashlib, os, subprocess, sys

PER_COMMON = 500  # happy and neutral photos kept (first by MD5 of the name: fixed, unbiased)


def main(repo, legend, out):
    rows = list(csv.DictReader(open(legend)))
    md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
    keep = [r for r in rows if r["emotion"] not in ("happiness", "neutral")]
    for label in ("happiness", "neutral"):
        same = sorted((r for r in rows if r["emotion"] == label), key=lambda r: md5(r["image"]))
        keep += same[:PER_COMMON]
    tree = subprocess.run(["git", "-C", repo, "ls-tree", "HEAD", "images/"],
                          capture_output=True, text=True, check=True).stdout.splitlines()
    blobs = {line.split("\t")[1][len("images/"):]: line.split()[2] for line in tree}
    os.makedirs(out, exist_ok=True)
    written = 0
    with open(os.path.join(out, "legend.csv"), "w") as f:
        f.write("image,emotion\n")
        for r in keep:
            blob = blobs.get(r["image"])
            if blob is None:
                continue
            data = subprocess.run(["git", "-C", repo, "cat-file", "blob", blob],
                                  capture_output=True, check=True).stdout
            with open(os.path.join(out, r["image"]), "wb") as img:
                img.write(data)
            f.write(f"{r['image']},{r['emotion']}\n")
            written += 1
    print(f"{written} photos in {out}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
