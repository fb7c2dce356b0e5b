"""Held-in benchmarks of a training mix: those whose training split (or a dataset they draw items from) it trains on.

    from evaluation.held_in import held_in_from_mix
    held_in_from_mix("stage2")   # {"textvqa_pt": ["TextVQA"], "ocrbench_pt": ["OCR-VQA", "TextVQA", ...], ...}

The paper's dagger (evaluation/paper.py, `Column.held_in`) is the paper's statement about its own runs; this is what
a mix file says, so a run trained on another mix is marked for that mix (`python -m evaluation.report ...
--training_mix stage2`). Held-in is about splits, not items: a held-in benchmark's test items need not be in the
training data (`python -m train.decontaminate report` counts those), but its questions, images and answers come
from the same distribution as training ones, so its score is not a zero-shot score.
"""

import os


WHOLE = "whole"  # the benchmark is the dataset's test or validation split
PART = "part"  # the benchmark draws some of its items from the dataset's test split

# A mix entry's `name` (train/data_mix.yaml) -> the Table 3 tasks it is held-in for.
HELD_IN: dict[str, dict[str, str]] = {
    "TextVQA": {"textvqa_pt": WHOLE, "ocrbench_pt": PART},  # OCRBench's scene-text VQA includes TextVQA items
    "OCR-VQA": {"ocrbench_pt": PART},  # ... and OCR-VQA items
    "IIIT5K": {"ocrbench_pt": PART},  # OCRBench's text recognition includes IIIT 5K-word test words
    "AI2D": {"ai2d_pt": WHOLE, "mmstar_pt": PART},  # MMStar selected part of its items from AI2D's test set
    "ScienceQA": {"mmstar_pt": PART},  # ... and from ScienceQA's
    # Nemotron's DocVQA chain-of-thought set is made on DocVQA's training pages.
    "Nemotron2-DocVQA-CoT": {"docvqa_pt": WHOLE, "ocrbench_pt": PART},
    "DocVQA": {"docvqa_pt": WHOLE, "ocrbench_pt": PART},
    "InfographicVQA": {"infovqa_pt": WHOLE, "ocrbench_pt": PART},
    "ChartQA": {"chartqa_pt": WHOLE, "ocrbench_pt": PART},
    # VQAv2 and LLaVA-150K are COCO train images with other questions: no benchmark here is their test split, though
    # RefCOCO's images are COCO train2014 images too; that overlap is of images, which train.decontaminate finds.
}


def held_in(entry_names: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Task -> the (entry, WHOLE or PART) of `entry_names` that make it held-in, in the entries' order."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name in entry_names:
        for task, extent in HELD_IN.get(name, {}).items():
            found.setdefault(task, []).append((name, extent))
    return found


def held_in_from_mix(mix: str, mix_file: str | os.PathLike | None = None) -> dict[str, list[tuple[str, str]]]:
    """`held_in` of every entry of `mix` in `mix_file` (default train/data_mix.yaml), with or without a source:
    an entry is held-in as soon as the mix names it, since a run may have downloaded what the file leaves open."""
    from train.data import DEFAULT_MIX_FILE, read_mix

    return held_in([entry["name"] for entry in read_mix(mix, mix_file or DEFAULT_MIX_FILE)])
