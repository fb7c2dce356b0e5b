"""`evaluation.translate` through datagen's chat client and the project's fake OpenAI-compatible server."""

import json

import pytest
from datasets import load_from_disk

from evaluation import translate
from evaluation.fixtures import chartqa, mmmu
from evaluation.tasks import lmms_tasks
from tests.datagen.conftest import FakeServer


@pytest.fixture
def server(tmp_path):
    # Its "translator" turns "What is" into "Qual é" and "The answer is" into "A resposta é" and copies the rest.
    started = FakeServer(tmp_path)
    yield started
    started.stop()


def _english_chartqa(tmp_path):
    dataset = chartqa()
    rows = [
        {"question": "What is the value in 2019?", "answer": "12.5"},
        {"question": "What is $x^2$ for the tallest bar?", "answer": "40"},
        {"question": "What is the label você sees?", "answer": "março"},  # the "translation" reads as pt-BR
    ]
    split = dataset["test"].remove_columns(["question", "answer"])
    split = split.add_column("question", [row["question"] for row in rows]).add_column(
        "answer", [row["answer"] for row in rows]
    )
    dataset["test"] = split.select_columns(["type", "question", "answer", "image"])
    dataset.save_to_disk(str(tmp_path / "english"))
    return tmp_path / "english"


def _translate(source, output, server, benchmark="ChartQA-PT", split="test"):
    translate.main(
        [
            "--benchmark",
            benchmark,
            "--source",
            str(source),
            "--split",
            split,
            "--output_dir",
            str(output),
            "--base-url",
            server.url,
            "--max-retries",
            "1",
            "--backoff",
            "0",
            "--concurrency",
            "2",
        ]
    )
    flags = [json.loads(line) for line in (output / f"{benchmark}.review.jsonl").read_text().splitlines()]
    return load_from_disk(str(output / benchmark))[split], flags


def test_translates_questions_keeps_answers_schema_and_notation(tmp_path, server):
    source = _english_chartqa(tmp_path)
    translated, flags = _translate(source, tmp_path / "out", server)
    english = load_from_disk(str(source))["test"]
    assert translated.features == english.features and translated.column_names == english.column_names
    assert translated["question"][:2] == ["Qual é the value in 2019?", "Qual é $x^2$ for the tallest bar?"]
    assert translated["answer"] == english["answer"]  # answers are never sent to the translator
    assert translated[0]["image"].size == english[0]["image"].size
    # The pt-BR translation is flagged, and the item keeps its source text until a reviewer decides.
    assert [(flag["index"], flag["reason"]) for flag in flags] == [(2, "notation lost or reads as pt-BR")]
    assert translated["question"][2] == english["question"][2]
    # The output is what `--data_dir` reads.
    (task,) = lmms_tasks(["chartqa_pt"], tmp_path / "out", model_name="amalia_vl", chat=True)
    assert task.test_docs()[0]["question"] == "Qual é the value in 2019?"


def test_a_rerun_resumes_from_the_reply_cache(tmp_path, server):
    source = _english_chartqa(tmp_path)
    _translate(source, tmp_path / "out", server)
    asked = len(server.answered)
    again, _ = _translate(source, tmp_path / "out", server)
    assert len(server.answered) == asked  # every reply came from OUT/ChartQA-PT.replies.jsonl
    assert again["question"][0] == "Qual é the value in 2019?"


def test_options_stored_as_a_python_list_keep_their_shape(tmp_path, server):
    dataset = mmmu()
    dataset.save_to_disk(str(tmp_path / "english"))
    translated, _ = _translate(tmp_path / "english", tmp_path / "out", server, "MMMU-PT", "validation")
    assert translated["options"][0] == "['Lisboa', 'Porto', 'Coimbra', 'Faro']"
    assert translated["answer"] == dataset["validation"]["answer"]


@pytest.mark.parametrize(
    "source, translation, answers, lost",
    [
        ("What is the value in 2019?", "Qual é o valor em 2019?", ["12"], []),
        ("What is the value in 2019?", "Qual é o valor em 2018?", ["12"], ["2019"]),
        ("Is the 3.5 bar taller?", "A barra de 3,5 é mais alta?", ["yes"], ["3.5"]),  # a decimal comma changes it
        ("Which city: Porto or Lisbon?", "Que cidade: Porto ou Lisboa?", ["Lisbon"], ["Lisbon"]),
        ("Which city: Porto or Lisbon?", "Que cidade: Porto ou Lisbon?", ["Lisbon"], []),
        # A one-letter answer is an option label and "yes"/"no" are the language: neither must survive.
        ("Is it A or B? Answer yes or no.", "É A ou B? Responde sim ou não.", ["A", "yes"], []),
    ],
)
def test_answer_tokens_the_translation_must_keep(source, translation, answers, lost):
    assert translate.lost_tokens(source, translation, answers) == lost


def test_release_sample_verdicts_and_card(tmp_path, server):
    import csv

    from evaluation import release

    source = _english_chartqa(tmp_path)
    _translate(source, tmp_path / "out", server)
    common = [
        "--benchmark",
        "ChartQA-PT",
        "--source",
        str(source),
        "--split",
        "test",
        "--translated_dir",
        str(tmp_path / "out"),
    ]
    release.main(["sample", *common, "--size", "3"])
    sample = tmp_path / "out" / "ChartQA-PT.review_sample.csv"
    rows = list(csv.DictReader(sample.open(encoding="utf-8")))
    assert [(row["index"], row["column"], row["verdict"]) for row in rows] == [
        ("0", "question", ""),
        ("1", "question", ""),
        ("2", "question", ""),
    ]
    assert json.loads(rows[0]["source"]) == "What is the value in 2019?"
    assert json.loads(rows[0]["translation"]) == "Qual é the value in 2019?"
    # Reviewers fill in their verdicts; the card reads them back.
    rows[0]["verdict"], rows[1]["verdict"] = "ok", "Wrong"
    with sample.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=release.SAMPLE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    release.main(["card", *common, "--translator", "fake/translator"])
    card = (tmp_path / "out" / "ChartQA-PT" / "README.md").read_text()
    assert "- Translated: `question`." in card and "`answer`" in card and "`fake/translator`" in card
    assert "1 translated fields were flagged" in card and "1 notation lost or reads as pt-BR" in card
    assert "1 ok; 0 minor; 1 wrong (of 2 reviewed)" in card
    # The card travels with the dataset folder and does not stop it loading.
    assert load_from_disk(str(tmp_path / "out" / "ChartQA-PT"))["test"].num_rows == 3


def test_an_unknown_verdict_is_refused(tmp_path):
    from evaluation import release

    sample = tmp_path / "sample.csv"
    sample.write_text("index,column,source,translation,verdict,comment\n0,question,a,b,bom,\n")
    with pytest.raises(ValueError, match="sample.csv:2: verdict 'bom'"):
        release.read_verdicts(sample)
