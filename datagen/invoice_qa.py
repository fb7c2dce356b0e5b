"""InvoiceQA: invoices with field extraction, bounding-box prediction and rejected field/region pairs.

    python -m datagen.invoice_qa --num-samples 200 --output-dir out/invoice_qa

Invoices are generated (FATURA-style: seller, buyer, numbers, dates, items, totals) and drawn with the
box of every field value recorded, so values and boxes are right by construction. Boxes are
``[x1, y1, x2, y2]`` normalised to [0, 1] with three decimals.

With ``--fatura DATASET --fatura-tags ID=CLASS,...`` the invoices are FATURA's real layouts instead, and
values and boxes come from its annotations (``datagen/sources/fatura.py``):

    python -m datagen.invoice_qa --num-samples 8600 --output-dir out/invoice_qa_fatura \
        --fatura mathieu1256/FATURA2-invoices --fatura-tags 3=TOTAL,5=BUYER,...
"""

import random

from datagen.render.invoice_render import render_invoice
from datagen.sources.fatura import add_fatura_arguments, fatura_from
from datagen.sources.invoice_data import make_invoice
from datagen.tasks.invoice_questions import invoice_turns
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row
from datagen.writing.writer import per_item


CARD = CardInfo(
    pretty_name="InvoiceQA",
    summary="pt-PT invoices with three task formats: field extraction with fluent answers, bounding-box "
    "prediction for a field, and rejection of a wrong field/region pairing.",
    how_made="Invoices are generated (sellers, buyers, NIFs with valid check digits, dates, items at their "
    "legal IVA rates of 6, 13 or 23 %, totals in pt-PT formats) and drawn with varied layouts, labels, "
    "margins and fonts; every field's box is recorded as it is drawn. Region checks pair a field's "
    "name with its own box (answer: yes) or with another field's box (answer: no, naming that field), "
    "half and half. With --fatura, the invoices are FATURA's (Limam et al., 2023; CC BY 4.0) and values "
    "and boxes come from its word annotations.",
    task_categories=["image-text-to-text", "visual-question-answering", "document-question-answering"],
)


def make_sample(rng: random.Random, index: int) -> dict:
    invoice = make_invoice(rng)
    image, boxes = render_invoice(rng, invoice)
    turns, kinds = invoice_turns(rng, invoice.fields, boxes, image.size)
    return make_row([image], turns, task="invoice/" + ",".join(kinds))


def build(args):
    return per_item(fatura_from(args) if args.fatura else make_sample, args.seed)


main = main_for(__doc__.splitlines()[0], CARD, build, add_fatura_arguments)

if __name__ == "__main__":
    main()
