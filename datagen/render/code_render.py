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
    "monokai": Theme(
        (39, 40, 34), (248, 248, 242), (249, 38, 114), (230, 219, 116), (174, 129, 255), (117, 113, 94), (90, 90, 80)
    ),
    "solarized": Theme(
        (253, 246, 227), (88, 110, 117), (133, 153, 0), (42, 161, 152), (211, 54, 130), (147, 161, 161), (160, 160, 150)
    ),
    "night": Theme(
        (0, 43, 54), (220, 220, 210), (38, 139, 210), (181, 137, 0), (203, 75, 22), (88, 110, 117), (88, 110, 117)
    ),
}
# Window chrome around the code: an editor (title bar, a tab) or a terminal (title bar), or none.
FRAMES = ("none", "editor", "terminal")
MIN_FRAMED_WIDTH = 360
MIN_BARE_SIZE = (224, 96)


def _title_bar(draw: ImageDraw.ImageDraw, width: int, height: int, colour: tuple) -> None:
    # A plain band: window buttons drawn as dots are read back by OCR as "..." and would pollute the answer.
    draw.rectangle([0, 0, width, height], fill=colour)
    draw.line([(0, height), (width, height)], fill=tuple(max(0, c - 20) for c in colour), width=1)


def frame(rng: random.Random, content: Image.Image, kind: str, background: tuple) -> Image.Image:
    """``content`` inside an editor or terminal window (no text in the chrome: the answer is the content)."""
    if kind == "none":  # bare, but never a thumbnail: a one-number output still gets a page around it
        if content.width >= MIN_BARE_SIZE[0] and content.height >= MIN_BARE_SIZE[1]:
            return content
        page = Image.new(
            "RGB", (max(content.width, MIN_BARE_SIZE[0]), max(content.height, MIN_BARE_SIZE[1])), background
        )
        page.paste(content, (0, (page.height - content.height) // 2))
        return page
    bar, pad = rng.randint(24, 32), rng.randint(4, 18)
    width = max(MIN_FRAMED_WIDTH, content.width + 2 * pad)
    tab = bar if kind == "editor" else 0
    window = Image.new("RGB", (width, bar + tab + content.height + 2 * pad), background)
    draw = ImageDraw.Draw(window)
    shade = tuple(max(0, min(255, c + (-28 if sum(background) > 380 else 28))) for c in background)
    _title_bar(draw, width, bar, shade)
    if kind == "editor":  # a tab strip with the open file's tab highlighted
        draw.rectangle([0, bar, width, bar + tab], fill=tuple((a + b) // 2 for a, b in zip(shade, background)))
        draw.rectangle([8, bar + 4, 8 + rng.randint(90, 160), bar + tab], fill=background)
    window.paste(content, (pad, bar + tab + pad))
    return window


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
    frames: tuple[str, ...] = ("none", "editor"),
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
    return frame(rng, image, rng.choice(frames), theme.background)


def render_output(rng: random.Random, output: str) -> Image.Image:
    """Draw program output as a terminal would show it; outputs are short, so the type is larger."""
    text = output.rstrip("\n") or " "
    return render_code(
        rng, text, highlight=False, numbers=False, sizes=(22, 30), frames=("terminal", "terminal", "none")
    )
