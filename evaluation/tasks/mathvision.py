"""MATH-Vision: competition mathematics over a figure, answered in `\\boxed{}` or with an option letter."""

import re

from lmms_eval.tasks.mathvision import utils as mathvision

from evaluation.tasks.multiple_choice import ANSWER_WITH_LETTER, lettered_options
from evaluation.tasks.spec import Benchmark, authors_prompts, image_visual


SOLVE_STEP_BY_STEP = "Por favor, resolve o problema passo a passo e coloca a tua resposta dentro de um '\\boxed{}'."

# pt-PT phrases that announce the final answer, mapped onto the English flags lmms-eval's MATH-Vision parser looks
# for ("the final answer is", ...), so that its extraction and `is_equal` run unchanged on pt-PT answers.
PT_ANSWER_FLAGS = {
    "a resposta final é": "the final answer is",
    "a resposta correta é": "the correct answer is",
    "a resposta certa é": "the correct answer is",
    "a resposta deve ser": "the answer should be",
    "a resposta é": "the answer is",
    "resposta final:": "the final answer is",
    "resposta:": "the answer is",
}
_FLAG = re.compile("|".join(re.escape(flag) for flag in PT_ANSWER_FLAGS), re.IGNORECASE)


def english_answer_flags(answer: str) -> str:
    return _FLAG.sub(lambda match: PT_ANSWER_FLAGS[match.group(0).lower()], answer)


def mathvision_doc_to_text(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
    kwargs = lmms_eval_specific_kwargs or {}
    prompt = f"{SOLVE_STEP_BY_STEP}{doc['question']}"
    if doc["options"]:
        prompt += f"\nOpções: {lettered_options(doc['options'])}{kwargs.get('mc_prompt', '')}"
    return prompt


def mathvision_process_results(doc: dict, results: list[str]) -> dict:
    return mathvision.mathvision_process_results(doc, [english_answer_flags(result) for result in results])


MATHVISION = Benchmark(
    task="mathvision_pt",
    dataset="MATH-Vision-PT",
    split="test",
    doc_to_visual=image_visual("decoded_image"),
    doc_to_text=mathvision_doc_to_text,
    process_results=mathvision_process_results,
    # lmms-eval's aggregation already reports a percentage.
    metrics={"mathvision_standard_eval": mathvision.mathvision_aggregate_results_eval},
    max_new_tokens=16384,
    prompts=authors_prompts({"mc_prompt": ANSWER_WITH_LETTER}),
)

BENCHMARKS = [MATHVISION]
