"""pt-BR precision and recall of the variety filter on the labelled sample, cues alone and with a classifier.

    python -m datagen.filtering.measure [--classifier liaad/PtVId] [--weight 0.5]

The sample (``datagen/data/variety_labelled.tsv``) has four splits the cues were tuned on (``tuned1`` to
``tuned4``) and one added after the last revision of the cues and never tuned on (``heldout4``): its rows
are the honest figures. Without ``--classifier`` the classifier is a tiny stand-in trained here on the
tuned splits (``tiny_classifier.py``), since nothing is downloaded; with it, any text-classification model
id or folder.
"""

import argparse
import tempfile

import torch

from datagen.filtering.classifier import load_classifier
from datagen.filtering.tiny_classifier import train_tiny_classifier
from datagen.filtering.variety import HELDOUT_SPLIT, SPLITS, TUNED_SPLITS, VarietyFilter, evaluate, load_labelled_sample


def _row(name: str, split: str, scores: dict) -> str:
    figures = " | ".join(f"{scores[key]:.3f}" for key in ("precision", "recall", "pt_pt_kept"))
    return f"| {name} | {split} | {scores['n']} | {figures} |"


class _ClassifierAlone:
    """The classifier's own verdict, P(pt-BR) > 0.5, in the shape ``evaluate`` reads."""

    def __init__(self, classifier):
        self.classifier = classifier

    def is_pt_br(self, text: str) -> bool:
        return self.classifier(text) > 0.5


def _stand_in(folder: str):
    torch.set_num_threads(1)  # a tiny model: more threads only contend
    tuned = [row for split in TUNED_SPLITS for row in load_labelled_sample(split)]
    train_tiny_classifier([text for _, text in tuned], [label for label, _ in tuned], folder, epochs=15)
    return load_classifier(folder)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classifier", help="a text-classification model id or folder (default: a tiny stand-in)")
    parser.add_argument("--weight", type=float, default=0.5, help="weight of the classifier's log-odds")
    args = parser.parse_args(argv)
    print("| filter | split | sentences | pt-BR precision | pt-BR recall | pt-PT kept |")
    print("|---|---|---:|---:|---:|---:|")
    for split in SPLITS:
        print(_row("cues alone", split, evaluate(VarietyFilter(), load_labelled_sample(split))))
    with tempfile.TemporaryDirectory() as folder:
        classifier = load_classifier(args.classifier) if args.classifier else _stand_in(folder)
        name = args.classifier or "tiny stand-in trained on the tuned splits"
        held = load_labelled_sample(HELDOUT_SPLIT)
        print(_row(f"{name}, alone", HELDOUT_SPLIT, evaluate(_ClassifierAlone(classifier), held)))
        combined = VarietyFilter(classifier=classifier, classifier_weight=args.weight)
        print(_row(f"cues + {name} (weight {args.weight})", HELDOUT_SPLIT, evaluate(combined, held)))


if __name__ == "__main__":
    main()
