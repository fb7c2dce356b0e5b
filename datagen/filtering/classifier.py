"""A variety classifier from any Hugging Face text-classification model, as ``text -> P(pt-BR)``.

The paper pairs its lexical filter with the classifier of [44], published as ``liaad/PtVId`` (a BERT
fine-tuned on the labelled corpus ``liaad/PtBrVId``); any model id or local folder with the same
interface plugs in the same way::

    python -m datagen.pt_vqa_gen ... --variety-classifier liaad/PtVId
"""

import argparse
from collections.abc import Callable
from functools import lru_cache

from datagen.filtering.variety import VarietyFilter


DOCUMENTED_CLASSIFIER = "liaad/PtVId"


def pt_br_label(id2label: dict[int, str]) -> str:
    """The label that means pt-BR: the one naming BR (PtVId and LIAAD's LVI models say "PT-BR"), else class 1."""
    named = [label for label in id2label.values() if "BR" in label.upper().replace("-", "").replace("_", "")]
    if len(named) == 1:
        return named[0]
    if 1 in id2label:
        return id2label[1]
    raise ValueError(f"cannot tell which of the labels {sorted(id2label.values())} means pt-BR; pass br_label")


@lru_cache
def load_classifier(model: str, br_label: str | None = None, device: str | None = None) -> Callable[[str], float]:
    """``text -> P(pt-BR)`` from a text-classification model id (``liaad/PtVId``) or a local folder."""
    from transformers import pipeline  # only runs that ask for a classifier pay for importing it

    classify = pipeline("text-classification", model=model, top_k=None, device=device, truncation=True)
    label = br_label or pt_br_label(classify.model.config.id2label)

    def probability(text: str) -> float:
        scores = classify(text)
        scores = scores[0] if scores and isinstance(scores[0], list) else scores
        return next(item["score"] for item in scores if item["label"] == label)

    return probability


def add_variety_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--variety-classifier",
        metavar="MODEL",
        help=f"a text-classification model (Hub id or folder) joined to the lexical variety filter, "
        f"e.g. {DOCUMENTED_CLASSIFIER}",
    )
    parser.add_argument("--variety-classifier-weight", type=float, default=2.0, help="weight of its log-odds")


def variety_filter_from(args: argparse.Namespace) -> VarietyFilter:
    """The lexical filter, with the classifier the run asked for, if any."""
    model = getattr(args, "variety_classifier", None)
    classifier = load_classifier(model) if model else None
    return VarietyFilter(classifier=classifier, classifier_weight=getattr(args, "variety_classifier_weight", 2.0))
