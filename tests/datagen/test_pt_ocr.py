import json
import random
import statistics

import pytest
from datasets import Dataset
from datasets import Image as ImageFeature
from PIL import Image

from datagen import pt_ocr
from datagen.pt_ocr import OcrSampler
from datagen.render.concat import concatenate
from datagen.render.perturb import PERTURBATIONS
from datagen.tasks.ocr_tasks import (
    ORDINALS,
    corrupt,
    sentence_question,
    transcription,
    verification,
)


TEXT = "O gato dorme. A Inês lê um livro! Que dia bonito? Amanhã chove."
SENTENCES = ["O gato dorme.", "A Inês lê um livro!", "Que dia bonito?", "Amanhã chove."]


@pytest.mark.parametrize("name", sorted(PERTURBATIONS))
def test_perturbed_documents_stay_legible(name, ocr, cer):
    sampler = OcrSampler()
    rates = []
    for index in range(2):
        rng = random.Random(index)
        document = sampler.document(rng)
        rates.append(cer(document.text, ocr(PERTURBATIONS[name](rng, document.image))))
    assert statistics.mean(rates) < 0.03, rates


def test_concatenated_documents_are_read_in_answer_order(ocr, cer):
    sampler = OcrSampler()
    rng = random.Random(5)
    documents = [sampler.document(rng) for _ in range(3)]
    panel = concatenate([d.image for d in documents], "vertical")
    assert cer("\n\n".join(d.text for d in documents), ocr(panel)) < 0.03


def test_sentence_answers_follow_the_text():
    seen = {}
    for seed in range(40):
        kind, (question, answer) = sentence_question(random.Random(seed), TEXT)
        seen[kind] = answer
        if kind == "nth":
            ordinal = question.split()[3]
            assert answer == SENTENCES[ORDINALS.index(ordinal)]
    assert seen["first"] == SENTENCES[0] and seen["last"] == SENTENCES[-1]
    assert seen["count"] == "O texto tem 4 frases."


def test_every_output_format_holds_the_same_text():
    answers = {}
    for seed in range(30):
        name, (_, answer) = transcription(random.Random(seed), TEXT)
        answers[name] = answer
    assert answers["plain"] == TEXT
    assert json.loads(answers["json"]) == {"texto": TEXT}
    assert answers["lines"].split("\n") == SENTENCES
    assert answers["numbered"].split("\n") == [f"{n}. {s}" for n, s in enumerate(SENTENCES, 1)]


def test_verification_rejects_only_wrong_candidates_and_gives_the_text():
    vocabulary = ["cavalo", "janela", "comboio"]
    verdicts = set()
    for seed in range(30):
        kind, (question, answer) = verification(random.Random(seed), TEXT, vocabulary)
        candidate = question.split("\n\n", 1)[1]
        verdicts.add(kind)
        assert (candidate == TEXT) == (kind == "accept")
        if kind == "reject":
            assert answer.endswith(TEXT)
    assert verdicts == {"accept", "reject"}
    assert all(corrupt(random.Random(s), TEXT, vocabulary) != TEXT for s in range(50))


def test_all_task_families_concatenation_and_perturbation_occur():
    tasks = [OcrSampler()(random.Random(i), i)["task"] for i in range(60)]
    assert {task.split("/")[1] for task in tasks} == {"transcription", "sentences", "verification"}
    assert any("docs=2" in task or "docs=3" in task for task in tasks)
    assert any(name in task for task in tasks for name in PERTURBATIONS)


def test_a_local_seed_dataset_replaces_the_shipped_seed(tmp_path):
    image = Image.new("RGB", (40, 20), "white")
    seed = Dataset.from_dict({"image": [image], "text": ["Texto semente. Segunda frase."]}).cast_column(
        "image", ImageFeature()
    )
    seed.save_to_disk(str(tmp_path / "seed"))
    out = pt_ocr.main(
        ["--num-samples", "6", "--output-dir", str(tmp_path / "out"), "--seed-dataset", str(tmp_path / "seed")]
    )
    answers = [row["messages"][1]["content"][0]["text"] for row in out]
    assert any("Texto semente" in answer or "frase" in answer for answer in answers)
    assert all(img.size[0] >= 40 for row in out for img in row["images"])
