#!/usr/bin/env python3
"""Writes the image-format fixtures of tests/vision.rs from justin.jpg (Pillow).

Each file is the same smiling face in another container or colour model, so the test can demand
the same answer (one face, 快乐 on top) from every one: EXIF orientation 6 (stored rotated),
CMYK JPEG, greyscale PNG, RGBA PNG, lossy WebP, and a two-frame GIF whose first frame is the face.

    python3 tools/make_image_fixtures.py tests/fixtures/images
"""
import sys
from pathlib import Path

from PIL import Image

out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/images")
face = Image.open(out / "justin.jpg").convert("RGB")

# Stored turned a quarter to the left; orientation 6 says "turn 90° clockwise to show".
exif = Image.Exif()
exif[0x0112] = 6
face.rotate(90, expand=True).save(out / "justin_exif6.jpg", quality=85, exif=exif.tobytes())
face.convert("CMYK").save(out / "justin_cmyk.jpg", quality=85)
face.convert("L").save(out / "justin_grey.png", optimize=True)
rgba = face.convert("RGBA")
rgba.putalpha(Image.new("L", face.size, 200))
rgba.save(out / "justin_alpha.png", optimize=True)
face.save(out / "justin.webp", quality=80)
black = Image.new("RGB", face.size, (0, 0, 0))
face.save(out / "justin.gif", save_all=True, append_images=[black], duration=500, loop=0)
