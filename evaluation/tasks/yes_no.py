"""Yes/no benchmarks answered "sim" or "não": MME and POPE."""

from collections import Counter

from lmms_eval.tasks.mme.utils import eval_type_dict as MME_CATEGORIES
from lmms_eval.tasks.mme.utils import mme_aggregate_results
from lmms_eval.tasks.pope import utils as pope

from evaluation.parsers import parse_mme_yes_no, parse_pope_yes_no, to_yes_no_label
from evaluation.tasks.multiple_choice import strip_yes_no_boilerplate
from evaluation.tasks.short_answer import WORD_OR_PHRASE
from evaluation.tasks.spec import Benchmark, authors_prompts, image_visual


def yes_no_doc_to_text(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
    kwargs = lmms_eval_specific_kwargs or {}
    question = strip_yes_no_boilerplate(doc["question"].strip())
    return f"{kwargs.get('pre_prompt', '')}{question}{kwargs.get('post_prompt', '')}"


def gold_yes_no(doc: dict) -> str:
    label = to_yes_no_label(doc["answer"])
    if label == "other":
        raise ValueError(f"question {doc['question_id']}: the gold answer {doc['answer']!r} is neither yes nor no")
    return label


def mme_process_results(doc: dict, results: list[str]) -> dict:
    score = float(parse_mme_yes_no(results[0]) == gold_yes_no(doc))
    key = "mme_perception_score" if doc["category"] in MME_CATEGORIES["Perception"] else "mme_cognition_score"
    return {key: {"question_id": doc["question_id"], "category": doc["category"], "score": score}}


def mme_score(results: list[dict]) -> float:
    """MME's score (accuracy + accuracy+ per category, summed), over the images whose two questions were both asked.

    Each MME image has one "yes" and one "no" question and acc+ needs both; lmms-eval's aggregation asserts every
    image is complete, which a `--limit` run breaks, so incomplete images are left out, as the fork does.
    """
    counts = Counter((result["category"], result["question_id"]) for result in results)
    complete = [result for result in results if counts[(result["category"], result["question_id"])] == 2]
    return mme_aggregate_results(complete) if complete else float("nan")


MME = Benchmark(
    task="mme_pt",
    dataset="MME-PT",
    split="test",
    doc_to_visual=image_visual(),
    doc_to_text=yes_no_doc_to_text,
    process_results=mme_process_results,
    metrics={"mme_perception_score": mme_score, "mme_cognition_score": mme_score},
    max_new_tokens=16,
    prompts=authors_prompts(
        {"pre_prompt": "", "post_prompt": WORD_OR_PHRASE}, plm={"pre_prompt": "", "post_prompt": ""}
    ),
)


def pope_process_results(doc: dict, results: list[str]) -> dict:
    entry = {
        "question_id": doc["question_id"],
        "prediction": parse_pope_yes_no(results[0]),
        "ground_truth": gold_yes_no(doc),
    }
    entry["score"] = float(entry["prediction"] == entry["ground_truth"])
    return {key: entry for key in ("pope_accuracy", "pope_precision", "pope_recall", "pope_f1_score", "pope_yes_ratio")}


POPE = Benchmark(
    task="pope_pt",
    dataset="POPE-PT",
    split="test",
    doc_to_visual=image_visual(),
    doc_to_text=yes_no_doc_to_text,
    process_results=pope_process_results,
    # lmms-eval's aggregations; note that its yes_ratio is the share of "yes" in the gold answers, not predictions.
    metrics={
        "pope_accuracy": pope.pope_aggregate_accuracy,
        "pope_precision": pope.pope_aggregate_precision,
        "pope_recall": pope.pope_aggregate_recall,
        "pope_f1_score": pope.pope_aggregate_f1_score,
        "pope_yes_ratio": pope.pope_aggregate_yes_ratio,
    },
    max_new_tokens=128,
    prompts=authors_prompts(
        {"pre_prompt": "", "post_prompt": WORD_OR_PHRASE}, plm={"pre_prompt": "", "post_prompt": ""}
    ),
)

BENCHMARKS = [MME, POPE]
