import json
import random
import statistics

import pytest

from datagen import pt_render_text
from datagen.pt_render_text import RenderText, make_sample
from datagen.render.layouts import LAYOUTS


def test_every_layout_is_read_back_by_tesseract(ocr, cer):
    """The drawn text is the answer: a real OCR engine must read it back nearly verbatim."""
    rates = {}
    for index in range(24):
        rng = random.Random(index)
        row = make_sample(rng, index)
        answer = row["messages"][1]["content"][0]["text"]
        rates.setdefault(row["task"], []).append(cer(answer, ocr(row["images"][0])))
    assert set(rates) == {f"render_text/{name}" for name in LAYOUTS}
    mean = statistics.mean(rate for values in rates.values() for rate in values)
    assert mean < 0.02, rates
    assert max(max(values) for values in rates.values()) < 0.05, rates


def test_a_wrong_label_would_fail_the_read_back(ocr, cer):
    """Guards the test above: the OCR of one sample is far from another sample's answer."""
    image = make_sample(random.Random(3), 3)["images"][0]
    other = make_sample(random.Random(6), 6)["messages"][1]["content"][0]["text"]
    assert cer(other, ocr(image)) > 0.5


def test_sample_is_deterministic_in_its_seed():
    first, second = make_sample(random.Random(7), 7), make_sample(random.Random(7), 7)
    assert first["messages"] == second["messages"]
    assert first["images"][0].tobytes() == second["images"][0].tobytes()


def test_a_corpus_replaces_the_seed_and_loses_its_pt_br_texts(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    lines = [
        {"text": "O comboio das oito partiu atrasado. Chegou a Faro ao fim da tarde."},
        {"text": "Peguei o ônibus."},
    ]
    corpus.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    out = pt_render_text.main(["--num-samples", "6", "--output-dir", str(tmp_path / "out"), "--texts", str(corpus)])
    answers = " ".join(row["messages"][1]["content"][0]["text"] for row in out)
    assert "comboio" in answers or "Faro" in answers
    assert "ônibus" not in answers
    only_pt_br = tmp_path / "pt_br.jsonl"
    only_pt_br.write_text(json.dumps({"text": "Você pegou o ônibus?"}, ensure_ascii=False) + "\n")
    with pytest.raises(ValueError, match="holds no pt-PT text"):
        RenderText(str(only_pt_br))(random.Random(0), 0)


def test_numbers_are_never_broken_across_lines():
    from datagen.render.fonts import find_fonts
    from datagen.render.text_render import load_font, wrap_words

    font = load_font(find_fonts("sans")[0], 20)
    text = "Recebemos de Tiago a quantia de 1 169,42 € e um desconto de 5 % sobre 12 345 678 €."
    for width in range(120, 600, 7):
        for line in wrap_words(text, font, width):
            assert not line.startswith(("169", "345", "678", "€", "%")), (width, line)
