"""Mild image perturbations that mimic scans and photos while keeping the text legible."""

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


PERTURBATIONS = {"rotate": _rotate, "blur": _blur, "noise": _noise, "jpeg": _jpeg, "contrast": _contrast}


def perturb(rng: random.Random, image: Image.Image, max_ops: int = 2) -> tuple[Image.Image, list[str]]:
    """Apply up to ``max_ops`` distinct perturbations; return the image and their names."""
    names = rng.sample(sorted(PERTURBATIONS), rng.randint(1, max_ops))
    for name in names:
        image = PERTURBATIONS[name](rng, image.convert("RGB"))
    return image, names
