"""FATURA (Limam et al., 2023), real invoice layouts for InvoiceQA: questions answered from its annotations.

    python -m datagen.invoice_qa --num-samples 8600 --output-dir out/invoice_qa_fatura \\
        --fatura mathieu1256/FATURA2-invoices --fatura-tags 3=TOTAL,5=BUYER,10=TABLE,...

The Hub copy ``mathieu1256/FATURA2-invoices`` (8,600 train and 1,400 test rows, from the 10,000 images of
50 templates on Zenodo, records 8261508 / 10371464) has the columns ``image``, ``tokens`` (words),
``bboxes`` (one ``[x1, y1, x2, y2]`` of integers per word), ``ner_tags`` (one integer per word) and ``id``.
Neither its card nor its Parquet metadata names the integers, so which id is which FATURA class is an
argument (``--fatura-tags``, required): read it off the Zenodo annotation files, which carry the class
names. Class names become InvoiceQA fields by ``CLASS_FIELDS``, the documented default (FATURA's class
names as its paper gives them; a tag may also name an InvoiceQA field directly, ``5=buyer``); classes
with no question (table, logo, title, notes, ...) are not asked about.

A field's value is the first run of consecutive words with its tag, less a leading key ("Total:",
"Invoice Number:") where the run has one; its box is the union of the value's word boxes, normalised to
[0, 1] like every InvoiceQA box. The card does not say whether boxes are pixels or LayoutLM's 0-1000
scale: ``--fatura-box-units auto`` reads them as pixels when a coordinate exceeds 1000 or the image is
at most 1000 pixels on both sides, else as per-mille.
"""

import argparse
import logging
import random
from dataclasses import dataclass
from functools import cached_property

from datagen.render.invoice_render import Box
from datagen.sources.real_sources import as_image, source_rows
from datagen.tasks.invoice_questions import QUESTIONS, invoice_turns
from datagen.writing.messages import make_row


logger = logging.getLogger(__name__)

# FATURA's classes that InvoiceQA asks about, and the field that asks about each.
CLASS_FIELDS = {
    "NUMBER": "invoice_number",
    "INVOICE_NUMBER": "invoice_number",
    "DATE": "date",
    "DUE_DATE": "due_date",
    "SELLER_NAME": "seller_name",
    "SELLER_ADDRESS": "seller_address",
    "SELLER": "seller",
    "BUYER": "buyer",
    "SUB_TOTAL": "subtotal",
    "SUBTOTAL": "subtotal",
    "TAX": "vat",
    "TOTAL": "total",
}
BOX_UNITS = ("auto", "pixels", "per-mille")


def parse_tags(spec: str) -> dict[int, str]:
    """``"3=TOTAL,5=BUYER,10=TABLE"`` -> {tag id: InvoiceQA field} for the classes InvoiceQA asks about."""
    tags: dict[int, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        number, _, name = item.partition("=")
        if not number.strip().isdigit() or not name.strip():
            raise ValueError(f"--fatura-tags: {item!r} is not ID=CLASS (e.g. 5=BUYER)")
        key = name.strip().upper().replace("-", "_").replace(" ", "_")
        field = CLASS_FIELDS.get(key) or (name.strip() if name.strip() in QUESTIONS else None)
        if field is None:
            logger.info("FATURA tag %s (%s) has no InvoiceQA question: its words are not asked about", number, name)
            continue
        tags[int(number)] = field
    if not tags:
        raise ValueError(
            f"--fatura-tags maps no tag to a field InvoiceQA asks about; name some of {sorted(CLASS_FIELDS)}"
        )
    return tags


def _value_span(tokens: list[str], start: int, end: int) -> range:
    """The words of a run after its key: "Total : $ 120" -> "$ 120"; the whole run when it has no key."""
    for k in range(start, min(end, start + 4)):
        if tokens[k].endswith(":") and k + 1 < end:
            return range(k + 1, end)
    return range(start, end)


def _scale(bboxes: list[list[int]], size: tuple[int, int], units: str) -> tuple[float, float]:
    """Pixels per box unit along x and y."""
    if units == "auto":
        largest = max((max(box) for box in bboxes if box), default=0)
        units = "pixels" if largest > 1000 or max(size) <= 1000 else "per-mille"
    return (1.0, 1.0) if units == "pixels" else (size[0] / 1000, size[1] / 1000)


def annotated_fields(row: dict, tags: dict[int, str], size: tuple[int, int], units: str = "auto"):
    """{field: value} and {field: pixel box} of a FATURA row, one per field (its first run of words)."""
    tokens, bboxes, ner = row["tokens"], row["bboxes"], row["ner_tags"]
    if not len(tokens) == len(bboxes) == len(ner):
        raise ValueError(
            f"FATURA row {row.get('id')}: {len(tokens)} tokens, {len(bboxes)} boxes and {len(ner)} tags; "
            "each word needs one box and one tag"
        )
    sx, sy = _scale(bboxes, size, units)
    fields, boxes, k = {}, {}, 0
    while k < len(tokens):
        end = k + 1
        while end < len(tokens) and ner[end] == ner[k]:
            end += 1
        field = tags.get(ner[k])
        if field and field not in fields:
            span = _value_span(tokens, k, end)
            value = " ".join(tokens[i] for i in span).strip()
            if value:
                fields[field] = value
                boxes[field] = _union([bboxes[i] for i in span], sx, sy)
        k = end
    return fields, boxes


def _union(word_boxes: list[list[int]], sx: float, sy: float) -> Box:
    x1, y1 = min(b[0] for b in word_boxes), min(b[1] for b in word_boxes)
    x2, y2 = max(b[2] for b in word_boxes), max(b[3] for b in word_boxes)
    return round(x1 * sx), round(y1 * sy), round(x2 * sx), round(y2 * sy)


@dataclass
class FaturaInvoices:
    """Sample ``i`` asks about FATURA row ``i``; rows with none of the mapped fields are dropped."""

    dataset: str
    tags: dict[int, str]
    split: str = "train"
    box_units: str = "auto"

    @cached_property
    def rows(self):
        return source_rows(self.dataset, None, self.split, streaming=False)

    def __len__(self) -> int:
        return len(self.rows)

    def __call__(self, rng: random.Random, index: int) -> dict | None:
        row = self.rows[index]
        image = as_image(row["image"])
        fields, boxes = annotated_fields(row, self.tags, image.size, self.box_units)
        if not fields:
            logger.info("FATURA row %s holds none of the mapped fields", row.get("id", index))
            return None
        turns, kinds = invoice_turns(rng, fields, boxes, image.size)
        return make_row([image], turns, task="invoice_fatura/" + ",".join(kinds))


def add_fatura_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fatura", metavar="DATASET", help="ask about FATURA invoices (Hub id or local folder)")
    parser.add_argument(
        "--fatura-tags", help="FATURA's ner_tags ids and their class names, e.g. 3=TOTAL,5=BUYER (required)"
    )
    parser.add_argument("--fatura-split", default="train")
    parser.add_argument("--fatura-box-units", choices=BOX_UNITS, default="auto", help="what bboxes count in")


def fatura_from(args: argparse.Namespace) -> FaturaInvoices:
    if not args.fatura_tags:
        raise ValueError(
            "--fatura needs --fatura-tags ID=CLASS,...: the dataset does not name its ner_tags ids "
            "(read them off FATURA's annotation files)"
        )
    invoices = FaturaInvoices(args.fatura, parse_tags(args.fatura_tags), args.fatura_split, args.fatura_box_units)
    if args.num_samples > len(invoices):
        raise ValueError(f"--num-samples {args.num_samples} exceeds the {len(invoices)} FATURA rows of {args.fatura}")
    return invoices
