"""Self-Identification: 156 distinct pt-PT dialogues, balanced over topics, in the format the training code reads."""

import json
from collections import Counter

import pytest
import yaml

from datagen import self_identification
from datagen.filtering.variety import VarietyFilter
from datagen.self_identification import TEMPLATES, SelfIdentification, load_pairs
from train.data import load_mix


def _texts(row: dict) -> tuple[str, str]:
    question, answer = row["messages"]
    return question["content"][0]["text"], answer["content"][0]["text"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("self_id") / "out"
    return self_identification.main(["--num-samples", "156", "--output-dir", str(out), "--num-proc", "1"]), out


def test_the_papers_156_samples_are_distinct_and_balanced_over_topics(dataset):
    rows, _ = dataset
    assert len(rows) == 156
    pairs = [_texts(row) for row in rows]
    assert len(set(pairs)) == 156
    topics = Counter(row["task"] for row in rows)
    assert len(topics) == 12 and set(topics.values()) == {13}
    # Inside a topic every question paraphrase and every answer variant is used, not one favourite.
    by_topic = {}
    for row, (question, answer) in zip(rows, pairs, strict=True):
        by_topic.setdefault(row["task"], (set(), set()))
        by_topic[row["task"]][0].add(question)
        by_topic[row["task"]][1].add(answer)
    assert all(len(questions) == 5 and len(answers) == 3 for questions, answers in by_topic.values())


def test_every_text_is_pt_pt_and_the_model_says_its_name(dataset):
    rows, _ = dataset
    variety = VarietyFilter()
    assert not [text for row in rows for text in _texts(row) if variety.is_pt_br(text)]
    names = [_texts(row)[1] for row in rows if row["task"] == "self_identification/name"]
    assert names and all("AMALIA-VL" in answer for answer in names)
    assert all(row["images"] == [] for row in rows)


def test_the_set_trains_through_the_mix_loader(dataset):
    _, out = dataset
    mix = [
        {"category": "Text IF", "name": "Self Identification", "size": 156, "weight": 1.0, "source": {"path": str(out)}}
    ]
    mix_file = out.parent / "mix.yaml"
    mix_file.write_text(yaml.safe_dump({"self_id": mix}))
    loaded = load_mix("self_id", mix_file=mix_file)
    assert len(loaded) == 156
    assert [message["role"] for message in loaded[0]["messages"]] == ["user", "assistant"]


def test_other_facts_make_a_derived_model_say_its_own_name(tmp_path):
    templates = json.loads(TEMPLATES.read_text(encoding="utf-8"))
    templates["facts"]["name"] = "Cegonha-VL"
    path = tmp_path / "templates.json"
    path.write_text(json.dumps(templates, ensure_ascii=False))
    answers = [pair.answer for pair in load_pairs(str(path), 0) if pair.topic == "name"]
    assert all("Cegonha-VL" in answer and "AMALIA-VL" not in answer for answer in answers)


def test_broken_templates_are_refused_with_their_topic(tmp_path):
    templates = json.loads(TEMPLATES.read_text(encoding="utf-8"))
    templates["topics"]["name"]["answers"].append("Sou o {nome}.")
    path = tmp_path / "missing_fact.json"
    path.write_text(json.dumps(templates, ensure_ascii=False))
    with pytest.raises(ValueError, match="topic 'name'.*nome"):
        load_pairs(str(path), 0)
    templates["topics"]["name"]["answers"][-1] = "Você pode me chamar de {name}."
    path = tmp_path / "pt_br.json"
    path.write_text(json.dumps(templates, ensure_ascii=False))
    with pytest.raises(ValueError, match="topic 'name'.*pt-BR"):
        load_pairs(str(path), 0)


def test_more_samples_than_distinct_pairs_is_refused():
    total = len(load_pairs(str(TEMPLATES), 0))
    with pytest.raises(ValueError, match=f"holds {total} distinct"):
        SelfIdentification()(None, total)
