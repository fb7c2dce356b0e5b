"""MMMU and MMMU-Pro: college-level questions over one or more images, interleaved with the text."""

import ast
import re

from lmms_eval.tasks.mmmu import utils as mmmu
from lmms_eval.tasks.mmmu_pro import utils as mmmu_pro

from evaluation.tasks.spec import Benchmark, authors_prompts


# pt-PT words that introduce an open answer ("a área é 12", "portanto 3"), mapped onto the English indicators
# MMMU's official parser splits on, so that its candidate extraction and number matching run unchanged.
PT_ANSWER_INDICATORS = {
    "poderia ser": "could be",
    "pode ser": "could be",
    "então": "so",
    "é": "is",
    "são": "is",
    "assim": "thus",
    "portanto": "therefore",
    "logo": "thus",
    "final": "final",
    "resposta": "answer",
    "resultado": "result",
}
_INDICATOR = re.compile(r"\b(" + "|".join(PT_ANSWER_INDICATORS) + r")\s", re.IGNORECASE)


def english_indicators(response: str) -> str:
    return _INDICATOR.sub(lambda match: PT_ANSWER_INDICATORS[match.group(1).lower()] + " ", response)


def parse_mmmu_response(doc: dict, response: str):
    """A letter for a multiple-choice question; for an open one, the list of candidate answers MMMU's parser finds.

    The candidate list is kept whole, as lmms-eval 0.7.3 does; the fork collapsed it to one string, which makes
    `eval_open` compare characters (Table 3's MMMU carries that on the few open questions).
    """
    if doc["question_type"] == "multiple-choice":
        index2ans, all_choices = mmmu.get_multi_choice_info(ast.literal_eval(doc["options"]))
        return mmmu.parse_multi_choice_response(response, all_choices, index2ans)
    return mmmu.parse_open_response(english_indicators(response))


def mmmu_process_results(doc: dict, results: list[str]) -> dict:
    entry = {
        "id": doc["id"],
        "subdomain": mmmu.extract_subset_name(doc["id"]),
        "question_type": doc["question_type"],
        "answer": doc["answer"],
        "parsed_pred": [parse_mmmu_response(doc, result) for result in results],
    }
    return {"mmmu_acc": entry}


MMMU = Benchmark(
    task="mmmu_pt",
    dataset="MMMU-PT",
    split="validation",
    doc_to_visual=mmmu.mmmu_doc_to_visual,
    doc_to_text=mmmu.mmmu_doc_to_text,
    # The images go where the question names them (`<image 1>`), as lmms-eval's message builder places them.
    doc_to_messages=mmmu.mmmu_doc_to_messages,
    process_results=mmmu_process_results,
    metrics={"mmmu_acc": mmmu.mmmu_aggregate_results},
    max_new_tokens=128,
    prompts=authors_prompts(
        {
            "prompt_type": "format",
            "multiple_choice_prompt": "Responde diretamente com a letra da opção das escolhas disponíveis.",
            "open_ended_prompt": "Responde à pergunta utilizando uma palavra ou frase.",
        }
    ),
)

MMMU_PRO = Benchmark(
    task="mmmu_pro_pt",
    dataset="MMMU-Pro-PT",
    split="test",
    doc_to_visual=mmmu_pro.mmmu_pro_doc_to_visual,
    doc_to_text=mmmu_pro.mmmu_pro_doc_to_text,
    process_results=mmmu_pro.mmmu_pro_process_results,
    metrics={"mmmu_acc": mmmu_pro.mmmu_pro_aggregate_results},
    max_new_tokens=256,
    prompts=authors_prompts(
        {"pre_prompt": "", "post_prompt": "Responda diretamente com a letra da opção entre as escolhas fornecidas."}
    ),
)

BENCHMARKS = [MMMU, MMMU_PRO]
