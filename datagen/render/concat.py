"""Joining several images into one panel, for multi-document and multi-chart samples."""

from PIL import Image


def concatenate(images: list[Image.Image], direction: str, gap: int = 24, fill=(255, 255, 255)) -> Image.Image:
    """Place ``images`` side by side (``"horizontal"``) or one under another (``"vertical"``).

    Reading order is left to right or top to bottom, which is the order the answers follow.
    """
    if direction == "horizontal":
        size = (sum(im.width for im in images) + gap * (len(images) - 1), max(im.height for im in images))
    elif direction == "vertical":
        size = (max(im.width for im in images), sum(im.height for im in images) + gap * (len(images) - 1))
    else:
        raise ValueError(f"direction must be 'horizontal' or 'vertical', got {direction!r}")
    panel = Image.new("RGB", size, fill)
    offset = 0
    for image in images:
        panel.paste(image.convert("RGB"), (offset, 0) if direction == "horizontal" else (0, offset))
        offset += (image.width if direction == "horizontal" else image.height) + gap
    return panel
