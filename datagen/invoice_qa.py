"""InvoiceQA: invoices with field extraction, bounding-box prediction and rejected field/region pairs.

    python -m datagen.invoice_qa --num-samples 200 --output-dir out/invoice_qa

Invoices are generated (FATURA-style: seller, buyer, numbers, dates, items, totals) and drawn with the
box of every field value recorded, so values and boxes are right by construction. Boxes are
``[x1, y1, x2, y2]`` normalised to [0, 1] with three decimals.
"""

import random

from datagen.render.invoice_render import Box, render_invoice
from datagen.sources.invoice_data import make_invoice
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row
from datagen.writing.writer import per_item


# Several phrasings per field: the paper paraphrases with a language model; these are written by hand.
QUESTIONS = {
    "invoice_number": ("Qual é o número desta fatura?", "Que número tem a fatura?", "Indica o número da fatura."),
    "date": ("Em que data foi emitida a fatura?", "Qual é a data da fatura?"),
    "due_date": ("Até quando deve ser paga esta fatura?", "Qual é a data de vencimento?"),
    "seller_name": ("Que empresa emitiu a fatura?", "Quem é o fornecedor?"),
    "seller_address": ("Qual é a morada do fornecedor?",),
    "seller_nif": ("Qual é o NIF do fornecedor?",),
    "buyer_name": ("Quem é o cliente desta fatura?", "A quem se destina a fatura?"),
    "buyer_address": ("Qual é a morada do cliente?",),
    "buyer_nif": ("Qual é o NIF do cliente?",),
    "subtotal": ("Qual é o subtotal, sem IVA?",),
    "vat": ("Quanto IVA foi cobrado?", "Qual é o valor do IVA?"),
    "total": ("Qual é o valor total a pagar?", "Quanto custa tudo, com IVA?"),
}
# Fluent answers that wrap the raw value, as the paper's rewriting step does.
ANSWERS = {
    "invoice_number": "O número da fatura é {v}.",
    "date": "A fatura foi emitida a {v}.",
    "due_date": "A fatura vence a {v}.",
    "seller_name": "A fatura foi emitida por {v}.",
    "seller_address": "A morada do fornecedor é {v}.",
    "seller_nif": "O NIF do fornecedor é {v}.",
    "buyer_name": "O cliente é {v}.",
    "buyer_address": "A morada do cliente é {v}.",
    "buyer_nif": "O NIF do cliente é {v}.",
    "subtotal": "O subtotal é {v}.",
    "vat": "O IVA cobrado é {v}.",
    "total": "O total a pagar é {v}.",
}
NAMES = {
    "invoice_number": "número da fatura",
    "date": "data de emissão",
    "due_date": "data de vencimento",
    "seller_name": "nome do fornecedor",
    "seller_address": "morada do fornecedor",
    "seller_nif": "NIF do fornecedor",
    "buyer_name": "nome do cliente",
    "buyer_address": "morada do cliente",
    "buyer_nif": "NIF do cliente",
    "subtotal": "subtotal",
    "vat": "IVA",
    "total": "total",
}

CARD = CardInfo(
    pretty_name="InvoiceQA",
    summary="pt-PT invoices with three task formats: field extraction with fluent answers, bounding-box "
    "prediction for a field, and rejection of a wrong field/region pairing.",
    how_made="Invoices are generated (sellers, buyers, NIFs with valid check digits, dates, items at their "
    "legal IVA rates of 6, 13 or 23 %, totals in pt-PT formats) and drawn with varied layouts, labels, "
    "margins and fonts; every field's box is recorded as it is drawn. Region checks pair a field's "
    "name with its own box (answer: yes) or with another field's box (answer: no, naming that field), "
    "half and half.",
    task_categories=["image-text-to-text", "visual-question-answering", "document-question-answering"],
)


def normalise(box: Box, width: int, height: int) -> list[float]:
    x1, y1, x2, y2 = box
    return [round(x1 / width, 3), round(y1 / height, 3), round(x2 / width, 3), round(y2 / height, 3)]


def sentence(template: str, value: str) -> str:
    """Fill ``template`` (which ends in "{v}.") without doubling the full stop of a value such as "Lda."."""
    text = template.format(v=value)
    return text[:-1] if text.endswith("..") else text


def _extraction(rng, fields, boxes, size):
    key = rng.choice(list(fields))
    return "extract", (rng.choice(QUESTIONS[key]), sentence(ANSWERS[key], fields[key]))


def _box(rng, fields, boxes, size):
    key = rng.choice(list(fields))
    question = (
        f"Indica a caixa delimitadora do campo «{NAMES[key]}», no formato [x1, y1, x2, y2] normalizado entre 0 e 1."
    )
    return "bbox", (question, str(normalise(boxes[key], *size)))


def _region(rng, fields, boxes, size):
    """Does a region hold a field? Half the time it does (else "Não" alone would always be right)."""
    asked, other = rng.sample(list(fields), 2)
    shown = asked if rng.random() < 0.5 else other
    question = f"A região {normalise(boxes[shown], *size)} contém o campo «{NAMES[asked]}»?"
    verdict, kind = ("Sim", "accept") if shown == asked else ("Não", "reject")
    return kind, (question, sentence(f"{verdict}. Essa região contém o campo «{NAMES[shown]}»: {{v}}.", fields[shown]))


TASKS = (_extraction, _box, _region)


def make_sample(rng: random.Random, index: int) -> dict:
    invoice = make_invoice(rng)
    image, boxes = render_invoice(rng, invoice)
    turns, kinds, target = [], [], rng.randint(2, 4)
    while len(turns) < target:
        kind, turn = rng.choice(TASKS)(rng, invoice.fields, boxes, image.size)
        if turn[0] not in {question for question, _ in turns}:  # never the same question twice in a dialogue
            turns.append(turn)
            kinds.append(kind)
    return make_row([image], turns, task="invoice/" + ",".join(kinds))


main = main_for(__doc__.splitlines()[0], CARD, lambda args: per_item(make_sample, args.seed))

if __name__ == "__main__":
    main()
