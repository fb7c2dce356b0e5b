import random
import statistics

from datagen.layouts import LAYOUTS
from datagen.pt_render_text import make_sample


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
