"""The pt-PT example images and questions a release ships: the card's widget, its quick start and the demo's examples.

Drawn here rather than downloaded, so a release is reproducible offline and every example has a known answer.
"""

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw


@dataclass(frozen=True)
class Example:
    file: str  # path inside the release, e.g. "examples/formas.png"
    title: str
    question: str  # pt-PT, with one right answer in the image


def draw_shapes() -> Image.Image:
    """A red square and a blue circle on white."""
    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 50, 130, 150), fill="red")
    draw.ellipse((190, 50, 290, 150), fill="blue")
    return image


def draw_bar_chart() -> Image.Image:
    """Monthly sales as bars, March the highest, labelled under each bar."""
    image = Image.new("RGB", (360, 240), "white")
    draw = ImageDraw.Draw(image)
    for index, (month, height) in enumerate([("jan", 80), ("fev", 120), ("mar", 170), ("abr", 60)]):
        left = 40 + index * 80
        draw.rectangle((left, 200 - height, left + 50, 200), fill=(40, 90, 170))
        draw.text((left + 12, 208), month, fill="black")
    draw.line((30, 200, 340, 200), fill="black", width=2)
    return image


def draw_invoice() -> Image.Image:
    """A small invoice whose total is 45,90 EUR."""
    image = Image.new("RGB", (300, 360), "white")
    draw = ImageDraw.Draw(image)
    lines = ["FATURA n.º 2024/117", "Data: 3 de maio de 2024", "", "Pão           2,40", "Café          1,50"]
    lines += ["Azeite       12,00", "Bacalhau     30,00", "", "TOTAL        45,90 EUR"]
    for row, text in enumerate(lines):
        draw.text((24, 24 + row * 32), text, fill="black")
    draw.rectangle((12, 12, 288, 348), outline="black")
    return image


EXAMPLES = [
    (Example("examples/formas.png", "Formas e cores", "Que formas e cores vês nesta imagem?"), draw_shapes),
    (Example("examples/vendas.png", "Gráfico", "Em que mês foram as vendas mais altas?"), draw_bar_chart),
    (Example("examples/fatura.png", "Fatura", "Qual é o total desta fatura?"), draw_invoice),
]


def write_examples(directory: Path) -> list[Example]:
    """Draws every example image under `directory`; returns the examples (paths relative to it)."""
    written = []
    for example, draw in EXAMPLES:
        path = directory / example.file
        path.parent.mkdir(parents=True, exist_ok=True)
        draw().save(path)
        written.append(example)
    return written
