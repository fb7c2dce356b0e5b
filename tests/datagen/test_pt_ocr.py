import json
import random
import statistics
from collections import Counter

import pytest
from datasets import Dataset
from datasets import Image as ImageFeature
from PIL import Image

from datagen import pt_ocr
from datagen.filtering.variety import VarietyFilter
from datagen.pt_ocr import OcrSampler
from datagen.render.concat import concatenate
from datagen.render.perturb import PERTURBATIONS
from datagen.sources.generated_texts import MAX_SENTENCES, generated_text
from datagen.sources.seed_texts import split_sentences
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
        # Three sentences: on a one-line document a single misread space (18,58€) is already 3 %.
        document = sampler.document(rng, num_sentences=3)
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
            ordinal = next(word for word in question.split() if word in ORDINALS)
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


def _sentence_turns(count: int):
    sampler = OcrSampler()
    for index in range(count):
        row = sampler(random.Random(index), index)
        if "/sentences/" in row["task"]:
            yield row["task"].split("/")[2], row["messages"][1]["content"][0]["text"]


def test_sentence_counts_have_no_favourite_answer():
    counts = Counter(answer for kind, answer in _sentence_turns(600) if kind == "count")
    assert len(counts) == MAX_SENTENCES, counts
    assert max(counts.values()) / sum(counts.values()) < 2 / MAX_SENTENCES, counts


def test_generated_documents_have_the_sentences_asked_for_and_what_the_seed_lacks():
    texts = [generated_text(random.Random(seed), 1 + seed % MAX_SENTENCES) for seed in range(400)]
    assert all(len(split_sentences(t.text)) == 1 + seed % MAX_SENTENCES for seed, t in enumerate(texts))
    joined = " ".join(t.text for t in texts)
    for symbol in ("€", "%", "?", "!", "«", "»", "/", ":"):
        assert symbol in joined, symbol
    assert sum(any(c.isdigit() for c in t.text) for t in texts) / len(texts) > 0.6
    assert not any(VarietyFilter().is_pt_br(t.text) for t in texts)


def test_samples_rarely_repeat():
    sampler = OcrSampler()
    dialogues = Counter()
    for index in range(300):
        row = sampler(random.Random(index), index)
        if "/sentences/count/" not in row["task"]:  # six possible answers: these repeat by nature
            dialogues[json.dumps(row["messages"], ensure_ascii=False)] += 1
    assert sum(n - 1 for n in dialogues.values()) / sum(dialogues.values()) < 0.03
