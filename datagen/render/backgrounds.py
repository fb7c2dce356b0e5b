"""Backgrounds for rendered text: flat colours, gradients, paper grain and ruled paper.

Every background comes with a text colour of strong contrast, so that the text stays legible (the
labels are only true if a reader can read them).
"""

import random

import numpy as np
from PIL import Image, ImageDraw


KINDS = ("flat", "gradient", "grain", "ruled")


def _light(rng: random.Random) -> tuple[int, int, int]:
    return tuple(rng.randint(215, 255) for _ in range(3))


def _dark(rng: random.Random) -> tuple[int, int, int]:
    return tuple(rng.randint(0, 60) for _ in range(3))


def _gradient(size: tuple[int, int], top: tuple, bottom: tuple) -> Image.Image:
    width, height = size
    t = np.linspace(0.0, 1.0, height)[:, None, None]
    rows = (1 - t) * np.array(top) + t * np.array(bottom)
    return Image.fromarray(np.broadcast_to(rows, (height, width, 3)).astype(np.uint8))


def _grain(rng: random.Random, size: tuple[int, int], base: tuple) -> Image.Image:
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, 6, (size[1], size[0], 1))
    return Image.fromarray(np.clip(np.array(base) + noise, 0, 255).astype(np.uint8))


def _ruled(rng: random.Random, size: tuple[int, int], base: tuple, line_gap: int) -> Image.Image:
    image = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(image)
    line = (170, 200, 230)
    for y in range(line_gap, size[1], line_gap):
        draw.line([(0, y), (size[0], y)], fill=line, width=1)
    return image


def make_background(rng: random.Random, size: tuple[int, int], kind: str, line_gap: int = 32):
    """Return ``(image, text_colour)`` for a background of ``kind`` (one of ``KINDS``)."""
    dark_mode = kind in ("flat", "gradient") and rng.random() < 0.25
    base, ink = (_dark(rng), _light(rng)) if dark_mode else (_light(rng), _dark(rng))
    if kind == "flat":
        return Image.new("RGB", size, base), ink
    if kind == "gradient":
        other = tuple(min(255, max(0, c + rng.randint(-25, 25))) for c in base)
        return _gradient(size, base, other), ink
    if kind == "grain":
        return _grain(rng, size, base), ink
    if kind == "ruled":
        return _ruled(rng, size, base, line_gap), ink
    raise ValueError(f"unknown background {kind!r}; use one of {KINDS}")
