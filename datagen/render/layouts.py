"""Page layouts for rendered text. Each returns the image and the text exactly as it reads on it."""

import random

from PIL import Image, ImageDraw

from datagen.render.backgrounds import KINDS, make_background
from datagen.render.fonts import find_fonts, text_fonts
from datagen.render.text_render import TextBlock, line_height, wrapped_block
from datagen.sources.seed_texts import split_sentences


def _bold_font(rng: random.Random):
    bold = [path for path in text_fonts() if "Bold" in path.name]
    return rng.choice(bold or list(text_fonts()))


def _page(rng: random.Random, blocks: list[TextBlock], width: int, margin: int, gap: int):
    height = sum(block.height for block in blocks) + gap * (len(blocks) - 1) + 2 * margin
    ruling = line_height(blocks[-1].font, blocks[-1].spacing)
    background, ink = make_background(rng, (width, height), rng.choice(KINDS), line_gap=ruling)
    draw = ImageDraw.Draw(background)
    y = margin
    for block in blocks:
        block.draw(draw, margin, y, ink)
        y += block.height + gap
    return background


def paragraph(rng: random.Random, title: str, body: str) -> tuple[Image.Image, str]:
    width, margin = rng.randint(520, 1000), rng.randint(16, 48)
    block = wrapped_block(body, rng.choice(text_fonts()), rng.randint(20, 34), width - 2 * margin)
    return _page(rng, [block], width, margin, 0), body


def title_and_body(rng: random.Random, title: str, body: str) -> tuple[Image.Image, str]:
    width, margin = rng.randint(560, 1000), rng.randint(20, 48)
    size = rng.randint(20, 30)
    head = wrapped_block(title, _bold_font(rng), int(size * 1.5), width - 2 * margin, align="center")
    text = wrapped_block(
        body, rng.choice(text_fonts()), size, width - 2 * margin, align=rng.choice(["left", "left", "right"])
    )
    return _page(rng, [head, text], width, margin, gap=size), f"{title}\n{body}"


def sign(rng: random.Random, title: str, body: str) -> tuple[Image.Image, str]:
    width, margin = rng.randint(400, 800), rng.randint(24, 60)
    block = wrapped_block(title, _bold_font(rng), rng.randint(40, 64), width - 2 * margin, align="center")
    return _page(rng, [block], width, margin, 0), title


def dashed_list(rng: random.Random, title: str, body: str) -> tuple[Image.Image, str]:
    items = "\n".join(f"- {sentence}" for sentence in split_sentences(body))
    width, margin = rng.randint(600, 1000), rng.randint(16, 40)
    size = rng.randint(20, 30)
    head = wrapped_block(title, _bold_font(rng), int(size * 1.3), width - 2 * margin)
    block = wrapped_block(items, rng.choice(text_fonts()), size, width - 2 * margin)
    # Wrapped continuation lines of an item are not dashed, so the answer keeps one item per line.
    return _page(rng, [head, block], width, margin, gap=size // 2), f"{title}\n{items}"


def card_on_texture(rng: random.Random, title: str, body: str) -> tuple[Image.Image, str]:
    inner, _ = paragraph(rng, title, body)
    pad = rng.randint(24, 72)
    outer, _ = make_background(rng, (inner.width + 2 * pad, inner.height + 2 * pad), "grain")
    outer.paste(inner, (pad, pad))
    ImageDraw.Draw(outer).rectangle(
        [pad - 2, pad - 2, pad + inner.width + 1, pad + inner.height + 1], outline=(90, 90, 90), width=2
    )
    return outer, body


def monospace(rng: random.Random, title: str, body: str) -> tuple[Image.Image, str]:
    width, margin = rng.randint(600, 1000), rng.randint(16, 40)
    block = wrapped_block(body, rng.choice(find_fonts("mono")), rng.randint(18, 26), width - 2 * margin)
    return _page(rng, [block], width, margin, 0), body


LAYOUTS = {
    "paragraph": paragraph,
    "title_and_body": title_and_body,
    "sign": sign,
    "list": dashed_list,
    "card": card_on_texture,
    "monospace": monospace,
}
