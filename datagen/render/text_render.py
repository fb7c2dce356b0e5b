"""Drawing wrapped text: the primitive every text-bearing image in ``datagen`` is made of."""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageDraw, ImageFont


@lru_cache(maxsize=256)
def load_font(path: Path | str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


# A thousands group, a euro or a percent sign after a number: pt-PT writes "1 169,42 €" and "5 %" with a
# space that must not become a line break.
_BOUND_TO_NUMBER = re.compile(r"(?:\d{3}(?:[.,]\d+)?|€|%)[.,;:!?»)]*")


def unbreakable_words(text: str) -> list[str]:
    """The words of ``text``, a number's thousands groups and its € or % kept in one word with it."""
    words: list[str] = []
    for word in text.split():
        if words and words[-1][-1].isdigit() and _BOUND_TO_NUMBER.fullmatch(word):
            words[-1] += " " + word
        else:
            words.append(word)
    return words


def wrap_words(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap to ``max_width`` pixels; a word wider than the line gets a line of its own."""
    lines, line = [], ""
    for word in unbreakable_words(text):
        candidate = f"{line} {word}" if line else word
        if line and font.getlength(candidate) > max_width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def line_height(font: ImageFont.FreeTypeFont, spacing: float = 1.3) -> int:
    ascent, descent = font.getmetrics()
    return int((ascent + descent) * spacing)


@dataclass
class TextBlock:
    """Lines of one font, laid out left, centre or right inside a column of ``width`` pixels."""

    lines: list[str]
    font: ImageFont.FreeTypeFont
    width: int
    align: str = "left"
    spacing: float = 1.3

    @property
    def height(self) -> int:
        return line_height(self.font, self.spacing) * len(self.lines)

    def draw(self, draw: ImageDraw.ImageDraw, x: int, y: int, fill) -> None:
        step = line_height(self.font, self.spacing)
        for number, line in enumerate(self.lines):
            slack = self.width - self.font.getlength(line)
            offset = {"left": 0, "center": slack / 2, "right": slack}[self.align]
            draw.text((x + offset, y + number * step), line, font=self.font, fill=fill)


def wrapped_block(text: str, font_path, size: int, width: int, align: str = "left") -> TextBlock:
    """Wrap every paragraph of ``text`` (paragraphs are separated by newlines) into one block."""
    font = load_font(font_path, size)
    lines = [line for paragraph in text.split("\n") for line in wrap_words(paragraph, font, width)]
    return TextBlock(lines, font, width, align)
