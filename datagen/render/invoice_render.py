"""Drawing an invoice and recording the pixel box of every field value drawn on it."""

import random

from PIL import Image, ImageDraw

from datagen.render.fonts import find_fonts
from datagen.render.text_render import load_font
from datagen.sources.invoice_data import Invoice


# Labels printed before each value; the box recorded is the value's alone.
LABELS = {
    "invoice_number": "Fatura n.º",
    "date": "Data",
    "due_date": "Vencimento",
    "seller_nif": "NIF",
    "buyer_nif": "NIF",
    "subtotal": "Subtotal",
    "vat": "IVA (23%)",
    "total": "Total",
}
Box = tuple[int, int, int, int]


class _Canvas:
    def __init__(self, rng: random.Random, width: int, height: int):
        self.image = Image.new("RGB", (width, height), (255, 255, 255))
        self.draw = ImageDraw.Draw(self.image)
        fonts = find_fonts(rng.choice(["sans", "serif"]))
        self.regular = [
            f for f in fonts if "Bold" not in f.name and "Oblique" not in f.name and "Italic" not in f.name
        ] or list(fonts)
        self.bold = [f for f in fonts if "Bold" in f.name] or self.regular
        self.size = rng.randint(15, 18)

    def text(self, xy, text: str, bold=False, scale=1.0, anchor="la") -> Box:
        font = load_font((self.bold if bold else self.regular)[0], int(self.size * scale))
        self.draw.text(xy, text, font=font, fill=(20, 20, 20), anchor=anchor)
        return tuple(int(v) for v in self.draw.textbbox(xy, text, font=font, anchor=anchor))

    def labelled(self, x, y, key: str, value: str) -> Box:
        label_box = self.text((x, y), LABELS[key] + ":", bold=True)
        return self.text((label_box[2] + 8, y), value)


def render_invoice(rng: random.Random, invoice: Invoice) -> tuple[Image.Image, dict[str, Box]]:
    """Return the invoice image and ``{field: (x1, y1, x2, y2)}`` in pixels."""
    width = rng.randint(820, 980)
    height = 560 + 34 * len(invoice.items)
    canvas, f, boxes = _Canvas(rng, width, height), invoice.fields, {}
    seller_right = rng.random() < 0.5  # two header layouts: seller left or right
    sx, bx = (width // 2 + 20, 40) if seller_right else (40, width // 2 + 20)
    boxes["seller_name"] = canvas.text((sx, 40), f["seller_name"], bold=True, scale=1.2)
    boxes["seller_address"] = canvas.text((sx, 74), f["seller_address"])
    boxes["seller_nif"] = canvas.labelled(sx, 100, "seller_nif", f["seller_nif"])
    canvas.text((bx, 150), "Cliente", bold=True)
    boxes["buyer_name"] = canvas.text((bx, 176), f["buyer_name"])
    boxes["buyer_address"] = canvas.text((bx, 202), f["buyer_address"])
    boxes["buyer_nif"] = canvas.labelled(bx, 228, "buyer_nif", f["buyer_nif"])
    boxes["invoice_number"] = canvas.labelled(40, 280, "invoice_number", f["invoice_number"])
    boxes["date"] = canvas.labelled(width // 2 + 20, 280, "date", f["date"])
    boxes["due_date"] = canvas.labelled(width // 2 + 20, 306, "due_date", f["due_date"])
    y = 350
    columns = (40, int(width * 0.55), int(width * 0.66), width - 40)
    for x, title, anchor in zip(columns, ("Descrição", "Qtd.", "Preço", "Valor"), ("la", "la", "la", "ra")):
        canvas.text((x, y), title, bold=True, anchor=anchor)
    canvas.draw.line([(40, y + 24), (width - 40, y + 24)], fill=(120, 120, 120), width=1)
    for description, quantity, price, line_total in invoice.items:
        y += 34
        for x, text, anchor in zip(columns, (description, str(quantity), price, line_total), ("la", "la", "la", "ra")):
            canvas.text((x, y), text, anchor=anchor)
    y += 56
    for key in ("subtotal", "vat", "total"):
        canvas.text((int(width * 0.55), y), LABELS[key] + ":", bold=True)
        boxes[key] = canvas.text((width - 40, y), f[key], bold=key == "total", anchor="ra")
        y += 30
    return canvas.image, boxes
