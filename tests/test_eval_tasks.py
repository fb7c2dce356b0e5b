"""The 18 pt-PT tasks through real lmms-eval on the fixture datasets: an oracle scores each task's maximum."""

import shutil

import pytest

from evaluation.fixtures import FIXTURES, write_fixtures
from evaluation.tasks import TABLE3, TAG, lmms_tasks, select
from tests.eval_oracle import GOLD_ANSWERS, OracleModel


# The maximum of every reported metric on the fixtures. MME adds up to 200 (accuracy + accuracy+) per category.
MME_CATEGORIES = {"mme_perception_score": 2, "mme_cognition_score": 1}
PERCENT_METRICS = {"mathvision_standard_eval"}
CIDER = {"coco_CIDEr", "refcoco_CIDEr"}
GROUND_TRUTH_RATIO = {"pope_yes_ratio"}  # not a score: the share of "yes" in the gold answers


@pytest.fixture(scope="module")
def oracle_run(tmp_path_factory):
    from lmms_eval.evaluator import simple_evaluate

    data_dir = write_fixtures(tmp_path_factory.mktemp("eval-data"))
    oracle = OracleModel()
    results = simple_evaluate(
        model=oracle,
        tasks=lmms_tasks([TAG], data_dir, model_name="amalia_vl", chat=True),
        log_samples=True,
        bootstrap_iters=0,
        verbosity="WARNING",
    )
    return results, oracle


def test_every_benchmark_has_a_gold_answer_and_a_fixture():
    assert set(GOLD_ANSWERS) == set(TABLE3)
    assert len(TABLE3) == 18


@pytest.mark.skipif(shutil.which("java") is None, reason="the captioning metrics need Java")
def test_oracle_scores_the_maximum_on_every_task(oracle_run):
    results, _ = oracle_run
    for task, benchmark in TABLE3.items():
        scores = results["results"][task]
        for metric in benchmark.metrics:
            key = f"{metric},none"
            if key not in scores:  # a category the fixture has no document of (MMStar, SEED video)
                continue
            value = scores[key]
            if metric in MME_CATEGORIES:
                assert value == 200 * MME_CATEGORIES[metric], (task, metric)
            elif metric in PERCENT_METRICS:
                assert value == 100.0, (task, metric)
            elif metric in CIDER:
                assert value > 3.0, (task, metric)  # CIDEr has no fixed maximum; a copied reference scores high
            elif metric in GROUND_TRUTH_RATIO:
                assert value == 0.5, (task, metric)
            else:
                assert value == pytest.approx(1.0), (task, metric)


def test_every_document_was_asked(oracle_run):
    results, oracle = oracle_run
    for task in TABLE3:
        assert len(results["samples"][task]) > 1, task
    # RefCOCO REC asks one question per referring expression: 4 expressions over 3 images in the fixture.
    assert len(results["samples"]["refcoco_bbox_rec_pt"]) == 4


def _prompt(oracle: OracleModel, task: str, doc_id: int = 0) -> str:
    content = oracle.prompts[(task, doc_id)][0]["content"]
    return "".join(item["text"] for item in content if item["type"] == "text")


def test_prompts_are_the_forks(oracle_run):
    _, oracle = oracle_run
    assert _prompt(oracle, "mme_pt").endswith("\nResponde à pergunta utilizando uma palavra ou frase.")
    assert "Por favor, responda sim ou não" not in _prompt(oracle, "mme_pt")
    assert _prompt(oracle, "ai2d_pt").endswith(
        "\nA. raiz\nB. caule\nC. folha\nD. flor"
        "\nResponda diretamente com a letra da opção entre as escolhas fornecidas."
    )
    assert _prompt(oracle, "embspatial_pt").startswith("Nota: Apenas necessita de responder com A, B, C, D")
    assert _prompt(oracle, "refcoco_bbox_rec_pt").endswith("que esta frase descreve: o retângulo red no meio da imagem")
    assert _prompt(oracle, "mathvision_pt", 0).endswith(
        "\nOpções: A. 3\nB. 4\nC. 5\nD. 6\nE. 8\nResponde diretamente com a letra da opção das opções disponíveis."
    )
    # Our model class is given the prompts the fork gives llava_hf, the authors' route.
    assert _prompt(oracle, "ocrbench_pt").endswith("\nFornece uma resposta curta e direta.")
    # MMMU places each image where the question names it, the rest of the text after it.
    mmmu = oracle.prompts[("mmmu_pt", 0)][0]["content"]
    assert [item["type"] for item in mmmu] == ["image", "text"]


def test_other_models_get_the_forks_default_prompts(tmp_path):
    data_dir = write_fixtures(tmp_path, ["OCRBench-PT"])
    (ocrbench,) = lmms_tasks(["ocrbench_pt"], data_dir, model_name="qwen3_vl", chat=False)
    assert ocrbench.doc_to_text(ocrbench.test_docs()[0]) == "Que texto está escrito na imagem?"


def test_unknown_tasks_and_missing_data_are_named(tmp_path):
    with pytest.raises(ValueError, match="unknown task 'mme'"):
        select(["mme"])
    with pytest.raises(FileNotFoundError, match="MME-PT"):
        lmms_tasks(["mme_pt"], tmp_path, model_name="amalia_vl", chat=True)


def test_the_table4_ablation_asks_other_formats_and_scores_them_alike(tmp_path):
    from lmms_eval.evaluator import simple_evaluate

    from evaluation.tasks import ABLATION_TAG

    data_dir = write_fixtures(tmp_path, ["RefCOCO-PT"])
    tasks = lmms_tasks([ABLATION_TAG], data_dir, model_name="amalia_vl", chat=True)
    names = [task.config.task for task in tasks]
    assert names[0] == "refcoco_bbox_rec_pt" and len(names) == 4
    # The oracle answers every variant on the 0-1000 scale; the parser scores them all the same.
    oracle = OracleModel({name: GOLD_ANSWERS["refcoco_bbox_rec_pt"] for name in names})
    results = simple_evaluate(model=oracle, tasks=tasks, bootstrap_iters=0, verbosity="WARNING")
    assert all(results["results"][name]["refcoco_ACC@0.5,none"] == 1.0 for name in names)
    prompts = {name: _prompt(oracle, name) for name in names}
    assert "entre 0 e 1000" in prompts["refcoco_bbox_rec_pt_list_1000"]
    assert '{"bbox_2d": [x superior esquerdo' in prompts["refcoco_bbox_rec_pt_json_1"]
    assert len(set(prompts.values())) == 4


def test_the_native_suites_score_the_oracle_at_the_maximum(tmp_path):
    from lmms_eval.evaluator import simple_evaluate

    from tests.eval_oracle import NATIVE_GOLD_ANSWERS

    data_dir = write_fixtures(tmp_path, [name for name in FIXTURES if name.startswith(("PorTEXTO", "CARAVELA"))])
    tasks = lmms_tasks(["portexto_pt", "caravela"], data_dir, model_name="amalia_vl", chat=True)
    assert {task.config.task for task in tasks} == set(NATIVE_GOLD_ANSWERS)
    oracle = OracleModel(NATIVE_GOLD_ANSWERS)
    results = simple_evaluate(model=oracle, tasks=tasks, bootstrap_iters=0, verbosity="WARNING")["results"]
    for task, scores in results.items():
        if task.startswith("portexto"):
            assert scores["anls,none"] == 1.0 and scores["bleu,none"] == pytest.approx(100.0), task
        else:
            assert scores["caravela_score,none"] == pytest.approx(100.0), task
    assert _prompt(oracle, "caravela_mcq").endswith(
        "D. d1\nResponde apenas com a letra da opção correta. "
        "Termina a tua resposta escrevendo 'ANSWER:' seguido da letra."
    )


def test_caravela_scoring():
    from evaluation.tasks.native import final_answer, normalise, word_f1

    assert final_answer("Penso que sim. ANSWER: Lisboa") == "Lisboa"
    assert final_answer("Lisboa") == "Lisboa"
    assert normalise("O Mosteiro dos Jerónimos.") == normalise("mosteiro jerónimos") == "mosteiro jerónimos"
    # Words over three letters: {mosteiro, jerónimos} against {mosteiro, belém}: P = R = 1/2.
    assert word_f1("O mosteiro de Belém", "Mosteiro dos Jerónimos") == pytest.approx(0.5)
