import pytest

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


@pytest.mark.parametrize("split, min_recall", [("dev", 0.85), ("heldout", 0.75)])
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
    assert "heldout precision=" in out and "pt-BR\t+2.0\tgerund progressive" in out
