import random
import re

from datagen.invoice_qa import NAMES, make_sample, normalise
from datagen.render.invoice_render import render_invoice
from datagen.sources.invoice_data import euros, make_invoice


def _value(text: str) -> float:
    return float(text.replace(" €", "").replace(" ", "").replace(",", "."))


def test_every_field_box_holds_its_value(ocr, cer):
    rng = random.Random(3)
    invoice = make_invoice(rng)
    image, boxes = render_invoice(rng, invoice)
    assert set(boxes) == set(invoice.fields) == set(NAMES)
    rates = {}
    for key, (x1, y1, x2, y2) in boxes.items():
        crop = image.crop((x1 - 3, y1 - 3, x2 + 3, y2 + 3))
        rates[key] = cer(invoice.fields[key], ocr(crop, psm=7))
    assert sum(rates.values()) / len(rates) < 0.05, rates
    assert max(rates.values()) < 0.2, rates


def test_amounts_add_up():
    for seed in range(50):
        invoice = make_invoice(random.Random(seed))
        fields = invoice.fields
        lines = sum(_value(line_total) for *_, line_total in invoice.items)
        assert abs(_value(fields["subtotal"]) - lines) < 0.011
        assert abs(_value(fields["vat"]) - round(lines * 0.23, 2)) < 0.011
        assert abs(_value(fields["subtotal"]) + _value(fields["vat"]) - _value(fields["total"])) < 0.011
    assert euros(1234.5) == "1 234,50 €"


def test_dialogue_answers_match_the_invoice():
    kinds = set()
    for seed in range(30):
        rng = random.Random(seed)
        row = make_sample(rng, seed)
        replay = random.Random(seed)
        invoice = make_invoice(replay)
        image, boxes = render_invoice(replay, invoice)
        boxes_by_text = {str(normalise(box, *image.size)): key for key, box in boxes.items()}
        turns = zip(row["messages"][::2], row["messages"][1::2])
        for kind, (user, assistant) in zip(row["task"].split("/")[1].split(","), turns):
            kinds.add(kind)
            question, answer = user["content"][-1]["text"], assistant["content"][0]["text"]
            if kind == "bbox":
                field = next(k for k, name in NAMES.items() if f"«{name}»" in question)
                assert boxes_by_text[answer] == field
            elif kind == "reject":
                asked = next(k for k, name in NAMES.items() if f"«{name}»" in question)
                shown = boxes_by_text[re.search(r"\[[^\]]+\]", question).group()]
                assert shown != asked and answer.endswith(f"«{NAMES[shown]}»: {invoice.fields[shown]}.")
            else:
                assert any(value in answer for value in invoice.fields.values())
    assert kinds == {"extract", "bbox", "reject"}
