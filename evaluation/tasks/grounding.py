"""RefCOCO referring-expression comprehension: the model gives the box a phrase describes, scored by IoU."""

from lmms_eval.tasks.refcoco import utils_rec

from evaluation.parsers import parse_box
from evaluation.tasks.spec import Benchmark, image_visual


REC_METRICS = {
    "IoU": utils_rec.refcoco_bbox_rec_iou,
    "ACC@0.1": utils_rec.refcoco_bbox_rec_acc01,
    "ACC@0.3": utils_rec.refcoco_bbox_rec_acc03,
    "ACC@0.5": utils_rec.refcoco_bbox_rec_acc05,
    "ACC@0.7": utils_rec.refcoco_bbox_rec_acc07,
    "ACC@0.9": utils_rec.refcoco_bbox_rec_acc09,
    "Center_ACC": utils_rec.refcoco_bbox_rec_center_acc,
}

# The fork's prompt: boxes as [x1, y1, x2, y2] in [0, 1]. The parser also reads 0-1000 boxes and Qwen's JSON.
BOX_PROMPT = (
    'As coordenadas de uma "bounding box" são especificadas no formato [x superior esquerdo, y superior esquerdo, '
    "x inferior direito, y inferior direito]. Todos os valores são números de vírgula flutuante limitados entre 0 e "
    '1. Por favor, fornece as coordenadas da "bounding box" que esta frase descreve: '
)


def rec_doc_to_text(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
    kwargs = lmms_eval_specific_kwargs or {}
    return f"{kwargs.get('box_prompt', BOX_PROMPT)}{doc['answer']}"


def rec_process_results(doc: dict, results: list[str]) -> dict:
    entry = {"answer": doc["answer"], "pred": parse_box(results[0]), "ann_id": doc["question_id"], "bbox": doc["bbox"]}
    return {f"refcoco_{metric}": entry for metric in REC_METRICS}


REFCOCO_REC = Benchmark(
    task="refcoco_bbox_rec_pt",
    dataset="RefCOCO-PT",
    split="test",
    # One document per referring expression, the gold COCO box (x, y, width, height in pixels) as [0, 1] corners.
    process_docs=utils_rec.refcoco_bbox_rec_preprocess_dataset,
    doc_to_visual=image_visual(),
    doc_to_text=rec_doc_to_text,
    process_results=rec_process_results,
    metrics={f"refcoco_{metric}": aggregation for metric, aggregation in REC_METRICS.items()},
    target="bbox",
    prompts={"default": {"box_prompt": BOX_PROMPT}},
)

BENCHMARKS = [REFCOCO_REC]
