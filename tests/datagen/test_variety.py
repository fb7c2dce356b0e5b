import pytest
import torch

from datagen.filtering.classifier import load_classifier, pt_br_label
from datagen.filtering.tiny_classifier import train_tiny_classifier
from datagen.filtering.variety import VarietyFilter, evaluate, load_labelled_sample, main
from datagen.sources.seed_texts import load_seed_texts


@pytest.mark.parametrize(
    "pt_br, pt_pt",
    [
        ("Ela está lendo o jornal.", "Ela está a ler o jornal."),
        ("Você quer café?", "Tu queres café?"),
        ("Perdi o ônibus.", "Perdi o autocarro."),
        ("Me passa o sal.", "Passa-me o sal."),
        ("A situação econômica é difícil.", "A situação económica é difícil."),
    ],
)
def test_minimal_pairs_are_told_apart(pt_br, pt_pt):
    variety_filter = VarietyFilter()
    assert variety_filter.judge(pt_br).label == "pt-BR"
    assert variety_filter.judge(pt_pt).label == "pt-PT"


@pytest.mark.parametrize("split, min_recall", [("dev", 0.85), ("heldout", 0.6)])
def test_precision_and_recall_on_the_shipped_sample(split, min_recall):
    sample = load_labelled_sample(split)
    assert {label for label, _ in sample} == {"pt-BR", "pt-PT"}
    scores = evaluate(VarietyFilter(), sample)
    assert scores["precision"] >= 0.95
    assert scores["recall"] >= min_recall
    assert scores["pt_pt_kept"] >= 0.95


def test_the_pt_pt_seed_texts_are_kept():
    variety_filter = VarietyFilter()
    assert [seed.id for seed in load_seed_texts() if variety_filter.is_pt_br(seed.text)] == []


def test_classifier_hook_decides_what_cues_cannot():
    neutral = "O jogo foi adiado por causa da chuva."
    assert VarietyFilter().judge(neutral).label == "pt-PT"
    assert VarietyFilter(classifier=lambda text: 0.99).judge(neutral).label == "pt-BR"
    assert VarietyFilter(classifier=lambda text: 0.01).judge("Estou lendo.").label == "pt-PT"


def test_command_line_prints_scores(capsys):
    main(["--evaluate", "Estou fazendo o jantar."])
    out = capsys.readouterr().out
    assert "heldout precision=" in out and "pt-BR\t+3.0\tgerund progressive, gerund in a clause" in out


@pytest.mark.parametrize(
    "text",
    [
        "Junte duzentas gramas de farinha.",
        "Ela comprou um fato de banho novo.",
        "A calçada portuguesa é feita de pedra.",
        "O jantar estava ótimo.",
        "Vocês vêm jantar connosco?",
        "O prazo legal termina amanhã.",
        "O Arquivo Nacional fica em Lisboa.",
        "Os rapazes fizeram fila à porta do cinema.",
    ],
)
def test_valid_pt_pt_is_not_flagged(text):
    assert VarietyFilter().judge(text).label == "pt-PT", VarietyFilter().judge(text).cues


@pytest.mark.parametrize("word", ["existe", "triste", "este", "oeste", "insiste"])
def test_the_second_person_preterite_cue_needs_a_preterite(word):
    assert "second-person past" not in VarietyFilter().judge(f"Ele disse que {word}.").cues
    assert "second-person past" in VarietyFilter().judge("Tu falaste com ele.").cues


def test_the_labelled_sample_is_large_balanced_and_spans_registers():
    for split in ("dev", "heldout"):
        labels = [label for label, _ in load_labelled_sample(split)]
        assert labels.count("pt-BR") >= 100 and labels.count("pt-PT") >= 100


def test_pt_br_label_is_found_in_the_classifiers_label_names():
    assert pt_br_label({0: "PT-PT", 1: "PT-BR"}) == "PT-BR"
    assert pt_br_label({0: "pt_BR", 1: "pt_PT"}) == "pt_BR"
    assert pt_br_label({0: "LABEL_0", 1: "LABEL_1"}) == "LABEL_1"


@pytest.fixture(scope="module")
def tiny_classifier(tmp_path_factory):
    """A text-classification model trained here on the dev half, loaded the way liaad/PtVId would be."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model on shared cores: more threads only contend
    try:
        dev = load_labelled_sample("dev")
        texts, labels = [text for _, text in dev], [label for label, _ in dev]
        folder = train_tiny_classifier(texts, labels, tmp_path_factory.mktemp("clf"), epochs=15)
        yield load_classifier(str(folder))
    finally:
        torch.set_num_threads(threads)


def test_a_local_text_classification_model_plugs_into_the_filter(tiny_classifier):
    dev = load_labelled_sample("dev")
    probabilities = [tiny_classifier(text) for _, text in dev]
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    # What it learnt: it separates the sentences it was trained on.
    mean_br = sum(p for p, (label, _) in zip(probabilities, dev) if label == "pt-BR") / 110
    mean_pt = sum(p for p, (label, _) in zip(probabilities, dev) if label == "pt-PT") / 110
    assert mean_br > 0.7 and mean_pt < 0.3
    combined = evaluate(VarietyFilter(classifier=tiny_classifier, classifier_weight=0.5), dev)
    assert combined["recall"] > evaluate(VarietyFilter(), dev)["recall"]
