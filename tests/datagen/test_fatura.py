"""FATURA rows in the Hub copy's schema (mathieu1256/FATURA2-invoices) -> InvoiceQA samples."""

import re

import pytest
from datasets import Dataset, Features, Image, List, Value
from PIL import Image as PILImage
from PIL import ImageDraw

from datagen import invoice_qa
from datagen.sources.fatura import annotated_fields, parse_tags
from datagen.writing.messages import message_text


# The card's features: image, ner_tags (int64 per word), bboxes (int64 x4 per word), tokens, id.
FEATURES = Features(
    {
        "image": Image(),
        "ner_tags": List(Value("int64")),
        "bboxes": List(List(Value("int64"))),
        "tokens": List(Value("string")),
        "id": Value("string"),
    }
)
TAGS = "0=OTHER,1=NUMBER,3=TOTAL,5=BUYER,10=TABLE"
LINES = [  # (words, tag): the first words of a line may be its key, as FATURA's boxes hold them
    (["INVOICE"], 0),
    (["Invoice", "Number:", "INV-0042"], 1),
    (["Bill", "to", "Mary", "Rodriguez", "12", "Oak", "Street"], 5),
    (["Item", "Qty", "Price"], 10),
    (["Total:", "$", "1,250.00"], 3),
]


def _invoice(row_id: str, scale: float = 1.0, lines=LINES, size=(420, 300)) -> dict:
    """An invoice image with its words drawn, and each word's box as FATURA annotates it (pixels x scale)."""
    image = PILImage.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    tokens, bboxes, tags = [], [], []
    for line, (words, tag) in enumerate(lines):
        x, y = 20, 20 + 40 * line
        for word in words:
            box = draw.textbbox((x, y), word)
            draw.text((x, y), word, fill="black")
            tokens.append(word)
            bboxes.append([round(c * scale) for c in box])
            tags.append(tag)
            x = box[2] + 6
    return {"image": image, "ner_tags": tags, "bboxes": bboxes, "tokens": tokens, "id": row_id}


@pytest.fixture
def fatura(tmp_path):
    folder = tmp_path / "fatura"
    folder.mkdir()
    rows = [_invoice(str(k)) for k in range(5)] + [_invoice("7", lines=[(["Item", "Qty"], 10)])]  # the last: no field
    Dataset.from_list(rows, features=FEATURES).to_parquet(str(folder / "train-00000-of-00001.parquet"))
    return folder, rows


def test_fatura_rows_become_invoice_qa_samples(tmp_path, fatura):
    folder, rows = fatura
    args = ["--num-samples", "6", "--output-dir", str(tmp_path / "out"), "--fatura", str(folder)]
    dataset = invoice_qa.main([*args, "--fatura-tags", TAGS])
    assert len(dataset) == 5  # the row with only a table is dropped
    fields, boxes = annotated_fields(rows[0], parse_tags(TAGS), rows[0]["image"].size)
    assert fields == {
        "invoice_number": "INV-0042",
        "buyer": "Bill to Mary Rodriguez 12 Oak Street",
        "total": "$ 1,250.00",
    }
    width, height = rows[0]["image"].size
    seen = set()
    for row in dataset:
        assert row["task"].startswith("invoice_fatura/") and row["images"][0].size == (width, height)
        texts = [message_text(m) for m in row["messages"]]
        for question, answer in zip(texts[::2], texts[1::2]):
            if match := re.fullmatch(r"\[([\d., ]+)\]", answer):  # a box: the value's words only, in [0, 1]
                box = [float(v) for v in match.group(1).split(",")]
                field = next(
                    f
                    for f, name in (("invoice_number", "número"), ("buyer", "cliente"), ("total", "total"))
                    if name in question
                )
                x1, y1, x2, y2 = boxes[field]
                assert box == [round(x1 / width, 3), round(y1 / height, 3), round(x2 / width, 3), round(y2 / height, 3)]
                seen.add("bbox")
            elif answer.startswith(("Sim", "Não")):  # and names what the region really holds
                assert answer.endswith(tuple(f"{value}." for value in fields.values())), answer
                seen.add("region")
            else:
                assert any(value in answer for value in fields.values()), answer
                seen.add("extract")
    assert seen == {"extract", "bbox", "region"}
    assert "Invoice" not in " ".join(fields.values()) and "Total" not in fields["total"]  # keys left out


def test_boxes_in_per_mille_are_read_as_such():
    size = (1240, 1754)  # a FATURA-sized page; LayoutLM-style boxes count in thousandths of it
    pixels = _invoice("1", lines=[*LINES, (["Page", "1"], 0)], size=size)
    pixels["bboxes"][-2:] = [[20, 1700, 60, 1712], [66, 1700, 74, 1712]]  # a footer far down the page
    per_mille = dict(
        pixels, bboxes=[[round(c * 1000 / size[i % 2]) for i, c in enumerate(b)] for b in pixels["bboxes"]]
    )
    tags = parse_tags(TAGS)
    _, in_pixels = annotated_fields(pixels, tags, size)  # "auto": a coordinate over 1000 can only be pixels
    for units in ("auto", "per-mille"):
        _, from_per_mille = annotated_fields(per_mille, tags, size, units)
        for field, box in in_pixels.items():
            assert all(abs(a - b) <= 2 for a, b in zip(box, from_per_mille[field])), (units, field)
    _, misread = annotated_fields(per_mille, tags, size, "pixels")
    assert misread["total"] != in_pixels["total"]


def test_fatura_needs_its_tag_names_and_consistent_rows(tmp_path, fatura):
    folder, rows = fatura
    args = ["--num-samples", "2", "--output-dir", str(tmp_path / "out"), "--fatura", str(folder)]
    with pytest.raises(ValueError, match="does not name its ner_tags ids"):
        invoice_qa.main(args)
    with pytest.raises(ValueError, match="maps no tag to a field"):
        invoice_qa.main([*args, "--fatura-tags", "10=TABLE"])
    with pytest.raises(ValueError, match="is not ID=CLASS"):
        parse_tags("TOTAL")
    with pytest.raises(ValueError, match="exceeds the 6 FATURA rows"):
        invoice_qa.main([*args[:1], "7", *args[2:], "--fatura-tags", TAGS])
    with pytest.raises(ValueError, match="each word needs one box and one tag"):
        annotated_fields(dict(rows[0], ner_tags=rows[0]["ner_tags"][:-1]), parse_tags(TAGS), (420, 300))
