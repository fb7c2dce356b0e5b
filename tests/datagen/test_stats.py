"""datagen.stats on small datasets built here, whose figures are known by construction."""

import json

from datasets import Dataset, Features, Image, Sequence, Value
from PIL import Image as PILImage
from PIL import ImageDraw

from datagen import stats
from datagen.writing.messages import make_row


def _image(seed: int) -> PILImage.Image:
    image = PILImage.new("RGB", (120, 80), "white")
    ImageDraw.Draw(image).rectangle([seed * 7 % 100, seed * 13 % 60, seed * 7 % 100 + 20, seed * 13 % 60 + 20], "black")
    return image


def _dataset(rows: list[dict]) -> Dataset:
    features = Features(
        {
            "messages": [{"role": Value("string"), "content": [{"type": Value("string"), "text": Value("string")}]}],
            "images": Sequence(Image()),
            "task": Value("string"),
        }
    )
    return Dataset.from_list(rows, features=features)


def _rows() -> list[dict]:
    rows = []
    for i in range(40):  # a closed question answered "Sim" 36 times in 40: over its fair share
        rows.append(make_row([_image(i)], [("A porta está aberta?", "Sim" if i % 10 else "Não")], "toy/door"))
    for i in range(20):  # a balanced closed question
        rows.append(make_row([_image(100 + i)], [("Quantos gatos há?", str(i % 4 + 1))], "toy/cats"))
    rows += [make_row([_image(0)], [("A porta está aberta?", "Não")], "toy/door")] * 2  # one sample three times
    rows.append(make_row([_image(1)], [("Lê o texto.", "Estou fazendo o jantar.")], "toy/read"))
    return rows


def test_figures_of_a_dataset_built_to_have_them(tmp_path):
    dataset = _dataset(_rows())
    figures = stats.compute(dataset)
    assert figures.samples == 63
    assert figures.duplicate_samples == round(2 / 63, 4)
    assert figures.distinct_questions == 3
    assert figures.min_size == figures.max_size == (120, 80)
    assert figures.pt_br_share == round(1 / 63, 4)
    door = figures.balance["toy: yes/no"]  # verdicts pooled per pipeline, whatever the question
    cats = next(b for name, b in figures.balance.items() if "gatos" in name)
    assert door.over and door.top_answer == "yes"
    assert not cats.over and cats.distinct_answers == 4
    assert figures.unbalanced == ["toy: yes/no"]


def test_perceptual_hash_counts_a_recompressed_image_once():
    image = _image(3)
    recompressed = image.convert("L").convert("RGB")
    rows = [make_row([image], [("Q?", "a")], "toy/x"), make_row([recompressed], [("Q?", "b")], "toy/x")]
    assert stats.compute(_dataset(rows)).duplicate_images == 0.5


def test_command_writes_json_and_a_contact_sheet(tmp_path, capsys):
    _dataset(_rows()).save_to_disk(str(tmp_path / "ds"))
    sheet, figures = tmp_path / "sheet.png", tmp_path / "stats.json"
    stats.main([str(tmp_path / "ds"), "--contact-sheet", str(sheet), "--json", str(figures)])
    assert json.loads(figures.read_text())["samples"] == 63
    assert json.loads(capsys.readouterr().out)["samples"] == 63
    assert PILImage.open(sheet).size == (6 * 256, 4 * 256)


def test_paraphrases_of_a_closed_question_are_one_type():
    rows = [make_row([_image(i)], [("Quantas frases tem o texto?", f"{i % 3 + 1} frases")], "ocr/x") for i in range(9)]
    rows += [
        make_row([_image(50 + i)], [("Conta as frases do texto.", f"{i % 3 + 1} frases")], "ocr/x") for i in range(9)
    ]
    rows += [
        make_row([_image(80 + i)], [("Está certo?", "Não, falta uma vírgula." if i % 2 else "Sim, está.")], "ocr/x")
        for i in range(8)
    ]
    balance = stats.compute(_dataset(rows)).balance
    assert sorted(b.turns for b in balance.values()) == [8, 18]
    assert {b.distinct_answers for b in balance.values()} == {2, 3}


def test_only_an_answer_that_gives_a_verdict_counts_as_yes_or_no():
    answer_key = stats.answer_key
    """A transcription that starts with "Não" is no verdict; "Não, ..." and "Sim." are."""
    assert answer_key("Não use o elevador em caso de incêndio.") == "Não use o elevador em caso de incêndio."
    assert answer_key("Nós vamos ao mercado.") == "Nós vamos ao mercado."
    assert answer_key("Não, a transcrição tem erros. O texto correto é: ...") == "no"
    assert answer_key("Sim.") == "yes" and answer_key("Não") == "no" and answer_key("Yes: it does.") == "yes"
