import random
import re

import pytest

from datagen.invoice_qa import make_sample
from datagen.render.invoice_render import render_invoice
from datagen.sources.invoice_data import ITEMS, euros, make_invoice, nif_check_digit
from datagen.tasks.invoice_questions import NAMES, normalise
from datagen.writing.messages import message_text


def _value(text: str) -> float:
    return float(text.replace(" €", "").replace(" ", "").replace(",", "."))


def test_every_field_box_holds_its_value(ocr, cer):
    rng = random.Random(3)
    invoice = make_invoice(rng)
    image, boxes = render_invoice(rng, invoice)
    assert set(boxes) == set(invoice.fields) <= set(NAMES)  # NAMES also names the blocks real invoices have
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
        lines = sum(_value(line_total) for _, _, _, line_total, _ in invoice.items)
        vat = sum(_value(line_total) * rate / 100 for _, _, _, line_total, rate in invoice.items)
        assert abs(_value(fields["subtotal"]) - lines) < 0.011
        assert abs(_value(fields["vat"]) - round(vat, 2)) < 0.011
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
            elif kind in ("accept", "reject"):
                asked = next(k for k, name in NAMES.items() if f"«{name}»" in question)
                shown = boxes_by_text[re.search(r"\[[^\]]+\]", question).group()]
                assert (shown == asked) == (kind == "accept") == answer.startswith("Sim.")
                assert f"«{NAMES[shown]}»: {invoice.fields[shown].rstrip('.')}" in answer
            else:
                assert any(value in answer for value in invoice.fields.values())
    assert kinds == {"extract", "bbox", "accept", "reject"}


@pytest.fixture(scope="module")
def dialogues() -> list[tuple[list[str], list[tuple[str, str]]]]:
    """(turn kinds, (question, answer) turns) of 120 invoices, made once for the tests below."""
    made = []
    for seed in range(120):
        row = make_sample(random.Random(seed), seed)
        texts = [message_text(m) for m in row["messages"]]
        made.append((row["task"].split("/")[1].split(","), list(zip(texts[::2], texts[1::2]))))
    return made


def test_region_checks_are_half_yes_half_no(dialogues):
    kinds = [kind for dialogue_kinds, _ in dialogues for kind in dialogue_kinds if kind in ("accept", "reject")]
    assert len(kinds) > 60
    assert 0.35 < kinds.count("accept") / len(kinds) < 0.65


def test_no_doubled_full_stop_and_no_repeated_question(dialogues):
    for _, turns in dialogues:
        questions = [question for question, _ in turns]
        assert len(set(questions)) == len(questions)
        assert not any(".." in answer for _, answer in turns)


def test_nifs_pass_the_check_digit():
    assert nif_check_digit("50000000") == 0 and nif_check_digit("12345678") == 9  # 123456789 is valid
    for seed in range(100):
        fields = make_invoice(random.Random(seed)).fields
        for nif in (fields["seller_nif"], fields["buyer_nif"]):
            assert len(nif) == 9 and int(nif[-1]) == nif_check_digit(nif[:8])


def test_bread_and_books_pay_the_reduced_rate():
    rates = {description: rate for description, rate, _ in ITEMS}
    assert rates["Pão de forma"] == rates["Livro de poesia"] == 6
    seen = {rate for seed in range(60) for *_, rate in make_invoice(random.Random(seed)).items}
    assert seen == {6, 13, 23}


def test_field_positions_move_between_invoices():
    """Without looking at the page a box must not be guessable: each field's centre spreads widely."""
    centres = {key: [] for key in make_invoice(random.Random(0)).fields}
    for seed in range(60):
        rng = random.Random(seed)
        image, boxes = render_invoice(rng, make_invoice(rng))
        for key, box in boxes.items():
            x1, y1, x2, y2 = normalise(box, *image.size)
            centres[key].append(((x1 + x2) / 2, (y1 + y2) / 2))
    for key, points in centres.items():
        xs, ys = zip(*points)
        spread = max(max(xs) - min(xs), max(ys) - min(ys))
        assert spread > 0.15, (key, spread)
