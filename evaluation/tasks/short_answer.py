"""Short-answer OCR, document and chart benchmarks: ChartQA, DocVQA, InfographicVQA, TextVQA, OCRBench."""

from lmms_eval.api.metrics import anls
from lmms_eval.tasks.chartqa.utils import relaxed_correctness
from lmms_eval.tasks.ocrbench.utils import ocrbench_process_results
from lmms_eval.tasks.textvqa.utils import textvqa_process_results

from evaluation.parsers import strip_final_period
from evaluation.tasks.spec import Benchmark, authors_prompts, image_visual, mean, question_with_prompts


WORD_OR_PHRASE = "\nResponde à pergunta utilizando uma palavra ou frase."


def chartqa_process_results(doc: dict, results: list[str]) -> dict:
    # relaxed_correctness reads "12.5" as a number but not "12,5": a decimal comma is compared as text, as in
    # the fork (the translated gold answers keep the decimal point).
    score = float(relaxed_correctness(strip_final_period(results[0]), doc["answer"]))
    split = "relaxed_human_split" if doc["type"] == "human_test" else "relaxed_augmented_split"
    return {"relaxed_overall": score, split: score}


CHARTQA = Benchmark(
    task="chartqa_pt",
    dataset="ChartQA-PT",
    split="test",
    doc_to_visual=image_visual(),
    doc_to_text=question_with_prompts,
    process_results=chartqa_process_results,
    metrics={"relaxed_overall": mean, "relaxed_human_split": mean, "relaxed_augmented_split": mean},
    max_new_tokens=16,
    prompts=authors_prompts({"pre_prompt": "", "post_prompt": "\nResponde à pergunta com uma única palavra."}),
)


def anls_process_results(doc: dict, results: list[str]) -> dict:
    return anls(references=doc["answers"], predictions=[strip_final_period(results[0])])


def _document_vqa(task: str, dataset: str) -> Benchmark:
    return Benchmark(
        task=task,
        dataset=dataset,
        split="validation",
        doc_to_visual=image_visual(),
        doc_to_text=question_with_prompts,
        process_results=anls_process_results,
        metrics={"anls": mean},
        target="answers",
        max_new_tokens=32,
        prompts=authors_prompts({"pre_prompt": "", "post_prompt": WORD_OR_PHRASE}),
    )


DOCVQA = _document_vqa("docvqa_pt", "DocVQA-PT")
INFOVQA = _document_vqa("infovqa_pt", "InfographicVQA-PT")


def textvqa_pt_process_results(doc: dict, results: list[str]) -> dict:
    # lmms-eval's function also returns a submission entry we do not report; VQA accuracy is its exact_match.
    return {"exact_match": textvqa_process_results(doc, results)["exact_match"]}


TEXTVQA = Benchmark(
    task="textvqa_pt",
    dataset="TextVQA-PT",
    split="validation",
    doc_to_visual=image_visual(),
    doc_to_text=question_with_prompts,
    process_results=textvqa_pt_process_results,
    metrics={"exact_match": mean},
    target="answers",
    prompts=authors_prompts(
        {
            "pre_prompt": "",
            "post_prompt": "\nQuando a informação fornecida for insuficiente, responde com 'Sem resposta'."
            + WORD_OR_PHRASE,
        }
    ),
)


def ocrbench_accuracy(results: list[dict]) -> float:
    """OCRBench's final score out of 1000, divided by 1000: the share of items answered, the full set being 1000.

    lmms-eval's aggregation adds into a module-level counter (a second run in one process counts twice) and writes
    a report file; the mean is the same number on the full benchmark and stays in [0, 1] on a `--limit` subset.
    """
    return mean([result["score"] for result in results])


OCRBENCH = Benchmark(
    task="ocrbench_pt",
    dataset="OCRBench-PT",
    split="test",
    doc_to_visual=image_visual(),
    doc_to_text=question_with_prompts,
    process_results=ocrbench_process_results,
    metrics={"ocrbench_accuracy": ocrbench_accuracy},
    max_new_tokens=128,
    # Only the authors' model key gets the short-answer instruction in the fork; every other model none.
    prompts=authors_prompts(
        {"pre_prompt": "", "post_prompt": ""},
        llava_hf={"pre_prompt": "", "post_prompt": "\nFornece uma resposta curta e direta."},
        plm={"pre_prompt": "", "post_prompt": "\nFornece uma resposta curta e direta."},
    ),
)

BENCHMARKS = [OCRBENCH, TEXTVQA, DOCVQA, INFOVQA, CHARTQA]
