"""Mild image perturbations that mimic scans and camera photos (tilt, blur, noise, JPEG, contrast, an
off-axis view, uneven light) while keeping the text legible."""

import io
import random

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter


def _rotate(rng: random.Random, image: Image.Image) -> Image.Image:
    return image.rotate(rng.uniform(-2.5, 2.5), resample=Image.BICUBIC, expand=True, fillcolor=(255, 255, 255))


def _blur(rng: random.Random, image: Image.Image) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))


def _noise(rng: random.Random, image: Image.Image) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(4, 12), pixels.shape)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))


def _jpeg(rng: random.Random, image: Image.Image) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=rng.randint(35, 75))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _contrast(rng: random.Random, image: Image.Image) -> Image.Image:
    return ImageEnhance.Contrast(image).enhance(rng.uniform(0.6, 0.9))


def _perspective(rng: random.Random, image: Image.Image) -> Image.Image:
    """A page photographed slightly off-axis: each corner pulled in by up to 4 % of the side."""
    width, height = image.size
    dx, dy = width * 0.04, height * 0.04

    def pulled(x: float, y: float) -> tuple[float, float]:  # a corner moved towards the middle
        return (x + (1 if x == 0 else -1) * rng.uniform(0, dx), y + (1 if y == 0 else -1) * rng.uniform(0, dy))

    corners = [pulled(0, 0), pulled(width, 0), pulled(width, height), pulled(0, height)]
    target = [(0, 0), (width, 0), (width, height), (0, height)]
    coefficients = _perspective_coefficients(target, corners)
    return image.transform(image.size, Image.PERSPECTIVE, coefficients, Image.BICUBIC, fillcolor=(255, 255, 255))


def _perspective_coefficients(target: list, source: list) -> list[float]:
    """PIL's eight perspective coefficients mapping output corners ``target`` to input corners ``source``."""
    rows = []
    for (x, y), (u, v) in zip(target, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    solution = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(source, dtype=np.float64).reshape(8))
    return solution.tolist()


def _shadow(rng: random.Random, image: Image.Image) -> Image.Image:
    """Uneven light, as from a lamp or a hand: a soft gradient darkens one side by up to a quarter."""
    width, height = image.size
    axis = np.linspace(0.0, 1.0, width if rng.random() < 0.5 else height)
    if rng.random() < 0.5:
        axis = axis[::-1]
    light = 1.0 - rng.uniform(0.12, 0.25) * axis
    mask = light[None, :, None] if len(axis) == width else light[:, None, None]
    pixels = np.asarray(image, dtype=np.float32) * mask
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


PERTURBATIONS = {
    "rotate": _rotate,
    "blur": _blur,
    "noise": _noise,
    "jpeg": _jpeg,
    "contrast": _contrast,
    "perspective": _perspective,
    "shadow": _shadow,
}


def perturb(rng: random.Random, image: Image.Image, max_ops: int = 2) -> tuple[Image.Image, list[str]]:
    """Apply up to ``max_ops`` distinct perturbations; return the image and their names."""
    names = rng.sample(sorted(PERTURBATIONS), rng.randint(1, max_ops))
    for name in names:
        image = PERTURBATIONS[name](rng, image.convert("RGB"))
    return image, names
