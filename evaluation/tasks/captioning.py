"""Captioning: COCO Caption 2017 and RefCOCO region captions (the region drawn in red), scored with pycocoevalcap."""

from lmms_eval.tasks.refcoco import utils as refcoco

from evaluation.tasks.spec import Benchmark, image_visual


CAPTION_METRICS = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "METEOR", "ROUGE_L", "CIDEr")


def caption_scorer(metric: str):
    """The aggregation for one pycocoevalcap metric (PTB tokenizer and METEOR run Java).

    Each document is its own image with its own references. lmms-eval's RefCOCO aggregation does exactly that and
    writes no file, unlike its COCO one (a submission JSON in the working directory); COCO Caption 2017 has one
    document per image, so both give the same scores, and we use the RefCOCO one for both. CIDEr weighs n-grams by
    their frequency over the evaluated references, so a `--limit` subset changes it.
    """

    def aggregate(results: list[dict]) -> float:
        return refcoco.refcoco_aggregation_result(results, metric)

    aggregate.__name__ = f"caption_{metric}"
    return aggregate


def caption_process_results(prefix: str):
    def process_results(doc: dict, results: list[str]) -> dict:
        entry = {"answer": list(doc["answer"]), "pred": results[0] if results else "", "ann_id": doc["question_id"]}
        return {f"{prefix}_{metric}": entry for metric in CAPTION_METRICS}

    process_results.__name__ = f"{prefix}_process_results"
    return process_results


def _constant_prompt(text: str):
    def doc_to_text(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
        return text

    return doc_to_text


COCO_CAPTION = Benchmark(
    task="coco2017_cap_pt",
    dataset="COCO-Caption2017-PT",
    split="validation",
    doc_to_visual=image_visual(),
    doc_to_text=_constant_prompt("Apresenta uma legenda de uma frase para a imagem fornecida."),
    process_results=caption_process_results("coco"),
    metrics={f"coco_{metric}": caption_scorer(metric) for metric in CAPTION_METRICS},
    max_new_tokens=64,
)

REFCOCO_CAPTION = Benchmark(
    task="refcoco_bbox_pt",
    dataset="RefCOCO-PT",
    split="test",
    # The ground-truth box (COCO x, y, width, height in pixels) is drawn in red on the image.
    doc_to_visual=refcoco.refcoco_bbox_doc_to_visual,
    doc_to_text=_constant_prompt("Apresenta uma breve descrição desta região."),
    process_results=caption_process_results("refcoco"),
    metrics={f"refcoco_{metric}": caption_scorer(metric) for metric in CAPTION_METRICS},
)

BENCHMARKS = [COCO_CAPTION, REFCOCO_CAPTION]
