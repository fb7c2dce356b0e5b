"""RefCOCO referring-expression comprehension: the model gives the box a phrase describes, scored by IoU."""

import dataclasses

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


# The Table 4 ablation: the same documents asked for boxes in other formats and scales (the parser reads them
# all). The paper's text does not give its ablation prompts; these say the format and the scale the way the
# Table 3 prompt does. The variants are extra tasks, outside the amalia_vl_eval_pt tag.
_CORNERS = "[x superior esquerdo, y superior esquerdo, x inferior direito, y inferior direito]"
SCALES = {
    "1": "Todos os valores são números de vírgula flutuante limitados entre 0 e 1.",
    "1000": "Todos os valores são números inteiros entre 0 e 1000.",
}
BOX_FORMATS = {
    "list": f'As coordenadas de uma "bounding box" são especificadas no formato {_CORNERS}. {{scale}} Por favor, '
    'fornece as coordenadas da "bounding box" que esta frase descreve: ',
    "json": f'Responde em JSON, no formato {{{{"bbox_2d": {_CORNERS}}}}}. {{scale}} Indica a "bounding box" da '
    "região que esta frase descreve: ",
}


def box_prompt(box_format: str, scale: str) -> str:
    return BOX_FORMATS[box_format].format(scale=SCALES[scale])


def rec_variant(box_format: str, scale: str) -> Benchmark:
    """RefCOCO REC asking for boxes as `box_format` ("list" or "json") on the `scale` ("1" or "1000")."""
    return dataclasses.replace(
        REFCOCO_REC,
        task=f"{REFCOCO_REC.task}_{box_format}_{scale}",
        prompts={"default": {"box_prompt": box_prompt(box_format, scale)}},
    )


# Lists on [0, 1] are Table 3's own task.
ABLATION = [rec_variant(fmt, scale) for fmt in BOX_FORMATS for scale in SCALES if (fmt, scale) != ("list", "1")]


def ablation_task(box_format: str, scale: str) -> str:
    return REFCOCO_REC.task if (box_format, scale) == ("list", "1") else f"{REFCOCO_REC.task}_{box_format}_{scale}"


BENCHMARKS = [REFCOCO_REC]
