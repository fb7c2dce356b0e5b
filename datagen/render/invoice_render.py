"""Drawing an invoice and recording the pixel box of every field value drawn on it.

The layout is drawn from a few choices (header side, where the invoice number and dates sit, margins,
gaps, font family and size, labels, rules and tints) so that no field sits where a model could guess it
without reading the page.
"""

import random

from PIL import Image, ImageDraw

from datagen.render.fonts import find_fonts
from datagen.render.text_render import load_font
from datagen.sources.invoice_data import Invoice


# Labels printed before each value (one phrasing drawn per invoice); the box recorded is the value's alone.
LABELS = {
    "invoice_number": ("Fatura n.º", "Fatura", "N.º do documento", "Fatura-recibo n.º"),
    "date": ("Data", "Data de emissão", "Emitida em"),
    "due_date": ("Vencimento", "Data de vencimento", "Pagar até"),
    "seller_nif": ("NIF", "Contribuinte n.º", "NIPC"),
    "buyer_nif": ("NIF", "Contribuinte n.º", "NIF do cliente"),
    "subtotal": ("Subtotal", "Total sem IVA", "Base tributável"),
    "vat": ("IVA", "Total do IVA", "Imposto (IVA)"),
    "total": ("Total", "Total a pagar", "Total (EUR)"),
}
Box = tuple[int, int, int, int]
MAX_HEIGHT = 1600


class _Canvas:
    def __init__(self, rng: random.Random, width: int):
        paper = tuple(rng.randint(245, 255) for _ in range(3))
        self.image = Image.new("RGB", (width, MAX_HEIGHT), paper)
        self.draw = ImageDraw.Draw(self.image)
        fonts = find_fonts(rng.choice(["sans", "serif"]))
        upright = [f for f in fonts if not any(s in f.name for s in ("Bold", "Oblique", "Italic"))]
        self.regular = rng.choice(upright or list(fonts))
        self.bold = rng.choice([f for f in fonts if "Bold" in f.name] or [self.regular])
        self.size = rng.randint(15, 20)
        self.ink = tuple(rng.randint(0, 45) for _ in range(3))
        self.accent = rng.choice([(30, 60, 120), (120, 30, 40), (40, 90, 60), (70, 70, 70)])
        self.labels = {key: rng.choice(options) for key, options in LABELS.items()}

    def text(self, xy, text: str, bold=False, scale=1.0, anchor="la", fill=None) -> Box:
        font = load_font(self.bold if bold else self.regular, int(self.size * scale))
        self.draw.text(xy, text, font=font, fill=fill or self.ink, anchor=anchor)
        return tuple(int(v) for v in self.draw.textbbox(xy, text, font=font, anchor=anchor))

    def labelled(self, x, y, key: str, value: str) -> Box:
        label_box = self.text((x, y), self.labels[key] + ":", bold=True)
        return self.text((label_box[2] + 8, y), value)

    @property
    def line(self) -> int:
        return int(self.size * 1.65)


def _parties(rng, canvas, f, boxes, width, margin, y) -> int:
    """Seller and buyer blocks, side by side (either way round) or one above the other."""
    stacked = rng.random() < 0.3
    left, right = margin, width // 2 + rng.randint(0, 60)
    sx, bx = (right, left) if rng.random() < 0.5 else (left, right)
    if stacked:
        sx = bx = margin + rng.randint(0, 40)
    boxes["seller_name"] = canvas.text((sx, y), f["seller_name"], bold=True, scale=1.25, fill=canvas.accent)
    boxes["seller_address"] = canvas.text((sx, y + int(canvas.line * 1.3)), f["seller_address"])
    boxes["seller_nif"] = canvas.labelled(sx, y + int(canvas.line * 2.3), "seller_nif", f["seller_nif"])
    by = y + int(canvas.line * (4.0 if stacked else 1.0)) + rng.randint(20, 60)
    canvas.text((bx, by), rng.choice(["Cliente", "Exmo.(a) Sr.(a)", "Adquirente", "Faturar a"]), bold=True)
    boxes["buyer_name"] = canvas.text((bx, by + canvas.line), f["buyer_name"])
    boxes["buyer_address"] = canvas.text((bx, by + 2 * canvas.line), f["buyer_address"])
    boxes["buyer_nif"] = canvas.labelled(bx, by + 3 * canvas.line, "buyer_nif", f["buyer_nif"])
    return by + 4 * canvas.line


def _document_data(rng, canvas, f, boxes, width, margin, y) -> int:
    """Invoice number, date and due date: in one row, or in a column at either side."""
    keys = ["invoice_number", "date", "due_date"]
    if rng.random() < 0.5:
        xs = [margin, margin + int((width - 2 * margin) * 0.4), margin + int((width - 2 * margin) * 0.7)]
        if rng.random() < 0.5:  # a ruled band under the row
            canvas.draw.line([(margin, y + canvas.line), (width - margin, y + canvas.line)], fill=canvas.accent)
        end = 0
        for x, key in zip(xs, keys):  # never over the previous value, however long it is
            boxes[key] = canvas.labelled(max(x, end + 30), y, key, f[key])
            end = boxes[key][2]
        return y + canvas.line + rng.randint(20, 50)
    x = rng.choice([margin, width // 2 + rng.randint(0, 40)])
    for row, key in enumerate(keys):
        boxes[key] = canvas.labelled(x, y + row * canvas.line, key, f[key])
    return y + 3 * canvas.line + rng.randint(20, 50)


def _items_table(rng, canvas, invoice, width, margin, y) -> int:
    right = width - margin
    columns = (margin, int(width * 0.50), int(width * 0.60), int(width * 0.72), right)
    anchors = ("la", "la", "la", "la", "ra")
    if rng.random() < 0.5:
        canvas.draw.rectangle([margin - 6, y - 6, right + 6, y + canvas.line - 4], fill=(232, 232, 236))
    for x, title, anchor in zip(columns, ("Descrição", "Qtd.", "Preço", "IVA", "Valor"), anchors):
        canvas.text((x, y), title, bold=True, anchor=anchor)
    canvas.draw.line([(margin, y + canvas.line - 2), (right, y + canvas.line - 2)], fill=(120, 120, 120), width=1)
    for description, quantity, price, line_total, rate in invoice.items:
        y += canvas.line
        for x, text, anchor in zip(columns, (description, str(quantity), price, f"{rate}%", line_total), anchors):
            canvas.text((x, y), text, anchor=anchor)
    return y + canvas.line + rng.randint(20, 140)


def _totals(rng, canvas, f, boxes, width, margin, y) -> int:
    right = width - margin - rng.randint(0, int(width * 0.15))
    gap = rng.randint(12, 60)
    for key in ("subtotal", "vat", "total"):
        boxes[key] = canvas.text((right, y), f[key], bold=key == "total", anchor="ra")
        canvas.text((right - 150 - gap, y), canvas.labels[key] + ":", bold=True, anchor="ra")
        y += canvas.line
    return y


def render_invoice(rng: random.Random, invoice: Invoice) -> tuple[Image.Image, dict[str, Box]]:
    """Return the invoice image and ``{field: (x1, y1, x2, y2)}`` in pixels."""
    width, margin = rng.randint(820, 1100), rng.randint(30, 80)
    canvas, f, boxes = _Canvas(rng, width), invoice.fields, {}
    y = rng.randint(25, 90)
    if rng.random() < 0.5:  # a title line ("FATURA") pushes the whole page down
        canvas.text((width - margin, y), rng.choice(["FATURA", "Fatura", "FATURA-RECIBO"]), True, 1.5, "ra")
        y += 2 * canvas.line
    data_first = rng.random() < 0.35
    if data_first:
        y = _document_data(rng, canvas, f, boxes, width, margin, y)
    y = _parties(rng, canvas, f, boxes, width, margin, y) + rng.randint(10, 40)
    if not data_first:
        y = _document_data(rng, canvas, f, boxes, width, margin, y)
    y = _items_table(rng, canvas, invoice, width, margin, y)
    y = _totals(rng, canvas, f, boxes, width, margin, y)
    height = min(MAX_HEIGHT, y + rng.randint(30, 120))
    return canvas.image.crop((0, 0, width, height)), boxes
