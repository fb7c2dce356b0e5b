"""Multiple-choice benchmarks answered with an option letter: AI2D, MMStar, SEED-Bench, RealWorldQA, EmbSpatial."""

import string

from lmms_eval.tasks.embspatial import utils as embspatial
from lmms_eval.tasks.mmstar.utils import mmstar_aggregate_results
from lmms_eval.tasks.realworldqa import utils as realworldqa
from lmms_eval.tasks.seedbench.utils import seed_aggregation_result

from evaluation.parsers import parse_option_letter
from evaluation.tasks.spec import Benchmark, authors_prompts, image_visual, mean, pt_image


LETTERS = string.ascii_uppercase
ANSWER_WITH_LETTER = "\nResponde diretamente com a letra da opção das opções disponíveis."

# Yes/no boilerplate some translated questions still end with; the fork strips it before adding its own prompt.
YES_NO_BOILERPLATE = (
    " Please answer yes or no.",
    " Por favor, responde sim ou não.",
    " Por favor, responda sim ou não.",
)


def strip_yes_no_boilerplate(question: str) -> str:
    for boilerplate in YES_NO_BOILERPLATE:
        question = question.replace(boilerplate, "")
    return question


def lettered_options(options: list[str], separator: str = ". ") -> str:
    """ "A. gato\\nB. cão": the options under the question, lettered in order."""
    return "\n".join(f"{letter}{separator}{option}" for letter, option in zip(LETTERS, options))


def ai2d_doc_to_text(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
    kwargs = lmms_eval_specific_kwargs or {}
    return (
        f"{kwargs.get('pre_prompt', '')}{doc['question']}\n{lettered_options(doc['options'])}"
        f"{kwargs.get('post_prompt', '')}"
    )


def ai2d_process_results(doc: dict, results: list[str]) -> dict:
    gold = LETTERS[int(doc["answer"])]
    return {"exact_match": float(parse_option_letter(results[0]) == gold)}


AI2D = Benchmark(
    task="ai2d_pt",
    dataset="AI2D-PT",
    split="test",
    doc_to_visual=image_visual(),
    doc_to_text=ai2d_doc_to_text,
    process_results=ai2d_process_results,
    metrics={"exact_match": mean},
    max_new_tokens=16,
    prompts=authors_prompts(
        {"pre_prompt": "", "post_prompt": "\nResponda diretamente com a letra da opção entre as escolhas fornecidas."}
    ),
)


MMSTAR_CATEGORIES = (
    "coarse perception",
    "fine-grained perception",
    "instance reasoning",
    "logical reasoning",
    "science & technology",
    "math",
)


def mmstar_doc_to_text(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
    kwargs = lmms_eval_specific_kwargs or {}
    question = strip_yes_no_boilerplate(doc["question"].strip())
    return f"{kwargs.get('pre_prompt', '')}{question}{kwargs.get('post_prompt', '')}"


def mmstar_process_results(doc: dict, results: list[str]) -> dict:
    score = float(parse_option_letter(results[0]) == doc["answer"].strip().upper())
    entry = {"question_id": doc["index"], "l2_category": doc["l2_category"], "score": score}
    return {doc["category"]: entry, "average": entry}


MMSTAR = Benchmark(
    task="mmstar_pt",
    dataset="MMStar-PT",
    split="validation",
    doc_to_visual=image_visual(),
    doc_to_text=mmstar_doc_to_text,
    process_results=mmstar_process_results,
    # lmms-eval's aggregation: the mean over the level-2 categories present.
    metrics={key: mmstar_aggregate_results for key in (*MMSTAR_CATEGORIES, "average")},
    prompts=authors_prompts({"pre_prompt": "", "post_prompt": ANSWER_WITH_LETTER}),
)


def seed_doc_to_visual(doc: dict) -> list:
    return [pt_image(image) for image in doc["image"]]


def seed_doc_to_text(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
    kwargs = lmms_eval_specific_kwargs or {}
    options = [doc[f"choice_{letter}"] for letter in "abcd"]
    return f"{doc['question']}\n{lettered_options(options)}{kwargs.get('post_prompt', '')}"


def seed_process_results(doc: dict, results: list[str]) -> dict:
    entry = {"pred": parse_option_letter(results[0]), "answer": doc["answer"], "question_id": doc["question_id"]}
    return {f"seed_{doc['data_type']}": entry, "seed_all": entry}


SEEDBENCH = Benchmark(
    task="seedbench_pt",
    dataset="SEED-Bench-PT",
    split="test",
    doc_to_visual=seed_doc_to_visual,
    doc_to_text=seed_doc_to_text,
    process_results=seed_process_results,
    # lmms-eval's `seed_aggregation_result_all` also writes ./seed_submission.json; the plain one scores the same.
    metrics={
        "seed_image": seed_aggregation_result,
        "seed_video": seed_aggregation_result,
        "seed_all": seed_aggregation_result,
    },
    prompts=authors_prompts({"pre_prompt": "", "post_prompt": ANSWER_WITH_LETTER}),
)


# RealWorldQA and EmbSpatial use lmms-eval's own functions in the fork, with translated data and prompts.
REALWORLDQA = Benchmark(
    task="realworldqa_pt",
    dataset="RealWorldQA-PT",
    split="test",
    doc_to_visual=image_visual(),
    doc_to_text=realworldqa.realworldqa_doc_to_text,
    process_results=realworldqa.realworldqa_process_results,
    metrics={"exact_match": mean},
    max_new_tokens=16,
    prompts=authors_prompts({"pre_prompt": "", "post_prompt": ""}),
)

EMBSPATIAL = Benchmark(
    task="embspatial_pt",
    dataset="EmbSpatial-Bench-PT",
    split="test",
    doc_to_visual=image_visual(),
    doc_to_text=embspatial.embspatial_doc_to_text,
    process_results=embspatial.embspatial_process_results,
    metrics={
        "embspatial_acc": embspatial.embspatial_aggregate_results,
        "ai2thor_accuracy": embspatial.embspatial_aggregate_ai2thor_accuracy,
        "mp3d_accuracy": embspatial.embspatial_aggregate_mp3d_accuracy,
        "scannet_accuracy": embspatial.embspatial_aggregate_scannet_accuracy,
    },
    max_new_tokens=1024,
    prompts=authors_prompts(
        {
            "pre_prompt": "Nota: Apenas necessita de responder com A, B, C, D sem fornecer qualquer informação "
            "adicional.\n"
        }
    ),
)

BENCHMARKS = [AI2D, MMSTAR, SEEDBENCH, REALWORLDQA, EMBSPATIAL]
