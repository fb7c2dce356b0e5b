"""Rendering code and program output as images, with themes, line numbers and syntax colours."""

import io
import keyword
import random
import tokenize
from dataclasses import dataclass

from PIL import Image, ImageDraw

from datagen.render.fonts import find_fonts
from datagen.render.text_render import line_height, load_font


@dataclass(frozen=True)
class Theme:
    background: tuple
    text: tuple
    keyword: tuple
    string: tuple
    number: tuple
    comment: tuple
    gutter: tuple


THEMES = {
    "light": Theme(
        (255, 255, 255), (20, 20, 20), (0, 0, 180), (160, 20, 20), (0, 110, 0), (110, 110, 110), (140, 140, 140)
    ),
    "paper": Theme(
        (250, 246, 232), (40, 40, 40), (120, 40, 140), (150, 60, 0), (0, 100, 110), (120, 120, 100), (160, 150, 120)
    ),
    "dark": Theme(
        (30, 30, 30),
        (225, 225, 225),
        (110, 170, 255),
        (230, 160, 110),
        (170, 220, 140),
        (140, 140, 140),
        (110, 110, 110),
    ),
}


def _colour(token: tokenize.TokenInfo, theme: Theme) -> tuple:
    if token.type == tokenize.NAME and keyword.iskeyword(token.string):
        return theme.keyword
    return {tokenize.STRING: theme.string, tokenize.NUMBER: theme.number, tokenize.COMMENT: theme.comment}.get(
        token.type, theme.text
    )


def _coloured_spans(source: str, theme: Theme) -> dict[int, list[tuple[int, str, tuple]]]:
    """(column, text, colour) spans per 0-based line; uncoloured text where tokenizing fails."""
    spans: dict[int, list] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            (row, col), (end_row, _) = token.start, token.end
            if token.string.strip() and row == end_row:
                spans.setdefault(row - 1, []).append((col, token.string, _colour(token, theme)))
    except (tokenize.TokenError, SyntaxError):
        return {n: [(0, line, theme.text)] for n, line in enumerate(source.splitlines())}
    return spans


def render_code(
    rng: random.Random,
    source: str,
    highlight: bool | None = None,
    numbers: bool | None = None,
    sizes: tuple[int, int] = (16, 22),
) -> Image.Image:
    """Draw ``source`` in a monospace font; indentation is kept exactly (one column per character).

    ``highlight`` (syntax colours) and ``numbers`` (a line-number gutter) are drawn at random when None.
    """
    theme = THEMES[rng.choice(sorted(THEMES))]
    highlight = rng.random() < 0.7 if highlight is None else highlight
    numbers = rng.random() < 0.4 if numbers is None else numbers
    font = load_font(rng.choice(find_fonts("mono")), rng.randint(*sizes))
    char, step, margin = font.getlength("M"), line_height(font, 1.35), rng.randint(12, 28)
    lines = source.rstrip("\n").split("\n")
    gutter = int(char * (len(str(len(lines))) + 2)) if numbers else 0
    width = int(margin * 2 + gutter + char * max(len(line) for line in lines))
    image = Image.new("RGB", (width, margin * 2 + step * len(lines)), theme.background)
    draw = ImageDraw.Draw(image)
    spans = (
        _coloured_spans(source, theme) if highlight else {n: [(0, line, theme.text)] for n, line in enumerate(lines)}
    )
    for n in range(len(lines)):
        y = margin + n * step
        if numbers:
            draw.text((margin, y), str(n + 1).rjust(len(str(len(lines)))), font=font, fill=theme.gutter)
        for col, text, colour in spans.get(n, []):
            draw.text((margin + gutter + col * char, y), text, font=font, fill=colour)
    return image


def render_output(rng: random.Random, output: str) -> Image.Image:
    """Draw program output as a terminal would show it; outputs are short, so the type is larger."""
    return render_code(rng, output.rstrip("\n") or " ", highlight=False, numbers=False, sizes=(22, 30))
