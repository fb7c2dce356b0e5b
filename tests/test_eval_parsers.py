"""The answer parsers and metrics of the pt-PT benchmarks, on hand-made pt-PT answers with known scores."""

import shutil

import pytest

from evaluation.parsers import (
    parse_box,
    parse_mme_yes_no,
    parse_option_letter,
    parse_pope_yes_no,
    strip_final_period,
    to_yes_no_label,
)
from evaluation.tasks.captioning import caption_scorer
from evaluation.tasks.grounding import rec_process_results
from evaluation.tasks.mathvision import mathvision_process_results
from evaluation.tasks.mmmu import parse_mmmu_response
from evaluation.tasks.multiple_choice import ai2d_process_results, seed_process_results
from evaluation.tasks.short_answer import anls_process_results, chartqa_process_results, textvqa_pt_process_results
from evaluation.tasks.yes_no import mme_process_results, mme_score, pope_process_results


@pytest.mark.parametrize(
    "answer, letter",
    [
        ("A resposta é B", "B"),
        ("A resposta é (C).", "C"),
        ("Resposta: D", "D"),
        ("A opção correta é a opção A.", "A"),
        ("a letra correta é C", "C"),
        ("B", "B"),
        ("B.", "B"),
        ("(D)", "D"),
        ("C) o sofá", "C"),
        ("Penso que é a terceira.\nC", "C"),
        ("The answer is A", "A"),
        # "A" is also the pt article: a sentence starting with it is not option A, nor is "a resposta é a segunda".
        ("A imagem mostra um gato.", ""),
        ("a resposta é a segunda", ""),
        ("Não sei.", ""),
    ],
)
def test_option_letter(answer, letter):
    assert parse_option_letter(answer) == letter


def test_option_letter_outside_the_choices_is_no_answer():
    assert parse_option_letter("E", letters="ABCD") == ""


@pytest.mark.parametrize(
    "answer, mme, pope",
    [
        ("Sim", "yes", "yes"),
        ("sim.", "yes", "yes"),
        ("Não", "no", "no"),
        ("nao", "no", "no"),
        ("S", "yes", "yes"),
        ("n", "no", "no"),
        ("Yes", "yes", "yes"),
        ("Sim, há um gato.", "yes", "yes"),
        ("Não, não há.", "no", "no"),
        ("Talvez", "other", "other"),
        ("x", "other", "other"),
        # MME looks for the words in the first four characters; POPE reads the first word only.
        ("Há sim um gato", "other", "other"),
        ("Simplesmente sim", "yes", "other"),
    ],
)
def test_yes_no(answer, mme, pope):
    assert parse_mme_yes_no(answer) == mme
    assert parse_pope_yes_no(answer) == pope


def test_gold_yes_no_labels():
    assert [to_yes_no_label(a) for a in ("Sim", "não", "Nao.", "yes", "outro")] == ["yes", "no", "no", "yes", "other"]


@pytest.mark.parametrize(
    "answer, box",
    [
        ("[0.1, 0.2, 0.5, 0.6]", [0.1, 0.2, 0.5, 0.6]),
        ("A caixa é (0.1, 0.2, 0.5, 0.6).", [0.1, 0.2, 0.5, 0.6]),
        ("[0,1, 0,2, 0,5, 0,6]", [0.1, 0.2, 0.5, 0.6]),  # decimal commas
        ("[0,1; 0,2; 0,5; 0,6]", [0.1, 0.2, 0.5, 0.6]),
        ("[100, 200, 500, 600]", [0.1, 0.2, 0.5, 0.6]),  # 0-1000 scale
        ('{"bbox_2d": [100, 200, 500, 600], "label": "gato"}', [0.1, 0.2, 0.5, 0.6]),  # Qwen JSON
        ('```json\n[{"bbox_2d": [100, 200, 500, 600], "label": "o gato"}]\n```', [0.1, 0.2, 0.5, 0.6]),
        ('{"bbox_2d": [0.1, 0.2, 0.5, 0.6]}', [0.1, 0.2, 0.5, 0.6]),
        ("[100 200 500 600]", [0.1, 0.2, 0.5, 0.6]),  # Molmo's spaces
        ("[0.1 200 0.5 600]", [0.1, 0.2, 0.5, 0.6]),  # ... each value scaled on its own
        ("O gato está à esquerda.", [0.0, 0.0, 0.0, 0.0]),
    ],
)
def test_box(answer, box):
    assert parse_box(answer) == pytest.approx(box)


def test_rec_scores_the_parsed_box_by_iou():
    doc = {"answer": "o gato", "question_id": "1", "bbox": [0.0, 0.0, 0.5, 0.5]}
    half = rec_process_results(doc, ["[0, 0, 500, 250]"])["refcoco_IoU"]
    from lmms_eval.tasks.refcoco.utils_rec import compute_iou

    assert compute_iou(half["bbox"], half["pred"]) == pytest.approx(0.5)


def test_short_answers_lose_their_final_period():
    assert strip_final_period(" Lisboa. ") == "Lisboa"
    assert strip_final_period("3.5") == "3.5"


def test_anls():
    doc = {"answers": ["3 de maio", "03/05"]}
    assert anls_process_results(doc, ["3 de maio."])["anls"] == 1.0
    # One edit in nine characters: 1 - 1/9; under the 0.5 threshold, zero.
    assert anls_process_results(doc, ["3 de mayo"])["anls"] == pytest.approx(1 - 1 / 9)
    assert anls_process_results(doc, ["Lisboa"])["anls"] == 0.0


def test_chartqa_relaxed_accuracy_and_decimal_comma():
    human = {"type": "human_test", "answer": "12.5"}
    assert chartqa_process_results(human, ["13"]) == {"relaxed_overall": 1.0, "relaxed_human_split": 1.0}  # 4 %
    assert chartqa_process_results(human, ["14"])["relaxed_overall"] == 0.0  # 12 %
    # A decimal comma is not read as a number (as in the fork): "12,5" is compared as text and misses.
    assert chartqa_process_results(human, ["12,5"])["relaxed_overall"] == 0.0
    augmented = {"type": "augmented_test", "answer": "Março"}
    assert chartqa_process_results(augmented, ["março."]) == {"relaxed_overall": 1.0, "relaxed_augmented_split": 1.0}


def test_textvqa_accuracy():
    doc = {"answers": ["lisboa"] * 2 + ["porto"] * 8, "question_id": 1}
    # Leave-one-out over ten annotators, min(matches / 3, 1): two "lisboa" give 8 x 2/3 + 2 x 1/3, over 10.
    assert textvqa_pt_process_results(dict(doc), ["Lisboa"])["exact_match"] == pytest.approx((8 * 2 / 3 + 2 / 3) / 10)
    assert textvqa_pt_process_results(dict(doc), ["Porto."])["exact_match"] == pytest.approx(1.0)


def test_ai2d_and_seed_letters():
    assert ai2d_process_results({"answer": "2"}, ["A resposta é C."])["exact_match"] == 1.0
    assert ai2d_process_results({"answer": "2"}, ["A imagem mostra C"])["exact_match"] == 0.0
    entry = seed_process_results({"answer": "B", "question_id": "1", "data_type": "image"}, ["Resposta: B"])
    assert entry["seed_image"]["pred"] == "B"


def test_mme_score_pairs_and_skips_incomplete_images():
    docs = [
        {"question_id": "a.jpg", "category": "existence", "answer": "Sim"},
        {"question_id": "a.jpg", "category": "existence", "answer": "Não"},
        {"question_id": "b.jpg", "category": "existence", "answer": "Sim"},
        {"question_id": "b.jpg", "category": "existence", "answer": "Não"},
        {"question_id": "c.jpg", "category": "existence", "answer": "Sim"},  # its pair was not asked
    ]
    answers = ["Sim", "Não", "Sim", "Sim", "Não"]
    results = [mme_process_results(doc, [answer])["mme_perception_score"] for doc, answer in zip(docs, answers)]
    # Image a: acc 100 + acc+ 100; image b: acc 50 + acc+ 0; mean over the two complete images.
    assert mme_score(results) == pytest.approx((200 + 50) / 2)


def test_pope_metrics():
    from lmms_eval.tasks.pope.utils import pope_aggregate_f1_score, pope_aggregate_yes_ratio

    docs = [("sim", "Sim, há."), ("sim", "Não."), ("não", "Não"), ("não", "Sim")]
    results = [
        pope_process_results({"question_id": str(i), "answer": gold}, [answer])["pope_f1_score"]
        for i, (gold, answer) in enumerate(docs)
    ]
    assert pope_aggregate_f1_score(results) == pytest.approx(0.5)  # precision 1/2, recall 1/2
    assert pope_aggregate_yes_ratio(results) == 0.5  # lmms-eval's yes_ratio counts gold answers


def test_mmmu_open_answers_in_portuguese():
    doc = {"question_type": "open", "options": "[]"}
    assert 12.0 in parse_mmmu_response(doc, "Somando as partes, o resultado é 12.")
    assert "lisboa" in parse_mmmu_response(doc, "Portanto a capital é Lisboa")
    choice = {"question_type": "multiple-choice", "options": "['Lisboa', 'Porto', 'Faro']"}
    assert parse_mmmu_response(choice, "A resposta é (B).") == "B"


@pytest.mark.parametrize(
    "answer, correct",
    [
        ("Contando os lados, \\boxed{4}", True),
        ("A resposta é B.", True),
        ("A resposta final é 4", True),
        ("Resposta: 5", False),
    ],
)
def test_mathvision(answer, correct):
    doc = {"answer": "B", "options": ["3", "4", "5", "6", "8"]}
    assert mathvision_process_results(doc, [answer])["mathvision_standard_eval"]["scores"] == [correct]


@pytest.mark.skipif(shutil.which("java") is None, reason="pycocoevalcap's tokenizer and METEOR need Java")
def test_captioning_metrics_with_java():
    references = [
        ["um gato preto dorme no sofá da sala", "um gato dorme num sofá"],
        ["uma rapariga come um pastel de nata", "uma menina a comer um doce"],
    ]
    exact = [{"answer": refs, "pred": refs[0], "ann_id": str(i)} for i, refs in enumerate(references)]
    wrong = [
        {"answer": refs, "pred": "um autocarro amarelo na estrada", "ann_id": str(i)}
        for i, refs in enumerate(references)
    ]
    assert caption_scorer("Bleu_4")(exact) == pytest.approx(1.0)
    assert caption_scorer("ROUGE_L")(exact) == pytest.approx(1.0)
    assert caption_scorer("Bleu_1")(wrong) < 0.2
    # CIDEr: tf-idf of n-grams over these references; a copy of one reference scores far above an unrelated caption.
    assert caption_scorer("CIDEr")(exact) > 3.0
    assert caption_scorer("CIDEr")(wrong) == pytest.approx(0.0, abs=0.05)
