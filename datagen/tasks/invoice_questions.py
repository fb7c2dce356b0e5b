"""InvoiceQA's questions about an invoice's fields: extraction, bounding boxes and region checks.

Shared by generated invoices (``datagen.invoice_qa``) and real ones (FATURA, ``datagen.sources.fatura``):
both give a field's value as printed and its box in pixels.
"""

import random

from datagen.render.invoice_render import Box


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
    # Real invoices (FATURA) give the buyer and the seller as one block of name and address.
    "buyer": ("Quais são os dados do cliente?", "A quem se destina a fatura? Indica os dados completos."),
    "seller": ("Quais são os dados do fornecedor?",),
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
    "buyer": "Os dados do cliente são: {v}.",
    "seller": "Os dados do fornecedor são: {v}.",
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
    "buyer": "dados do cliente",
    "seller": "dados do fornecedor",
}


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
MAX_DRAWS = 50  # a generated invoice finds its 2-4 distinct questions in a few draws


def invoice_turns(
    rng: random.Random, fields: dict[str, str], boxes: dict[str, Box], size: tuple[int, int]
) -> tuple[list[tuple[str, str]], list[str]]:
    """2-4 turns of extraction, box and region questions on ``fields`` (drawn at ``boxes`` in pixels), and
    their kinds; fewer when the fields cannot give that many distinct questions (a sparse real invoice)."""
    tasks = TASKS if len(fields) > 1 else (_extraction, _box)  # a region check needs a second field
    turns, kinds, target = [], [], rng.randint(2, 4)
    for _ in range(MAX_DRAWS):
        if len(turns) == target:
            break
        kind, turn = rng.choice(tasks)(rng, fields, boxes, size)
        if turn[0] not in {question for question, _ in turns}:  # never the same question twice in a dialogue
            turns.append(turn)
            kinds.append(kind)
    return turns, kinds
