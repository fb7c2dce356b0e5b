"""The paper's Table 3 as data: its 18 columns, which lmms-eval metric fills each, and its published rows.

Table 3 does not say which metric key each column reports; the mapping below is the one `../shared/eval_protocol.md`
section 1.2 infers (marked there as to be confirmed on the first full run against the released weights).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One Table 3 column: the task and metric that fill it, and the factor from lmms-eval's value to the table's."""

    name: str
    task: str
    metrics: tuple[str, ...]  # summed (MME's perception + cognition), then scaled
    scale: float = 100.0
    held_in: bool = False  # the paper's dagger: the benchmark's training split is in the training mix

    @property
    def label(self) -> str:
        return f"{self.name}†" if self.held_in else self.name


COLUMNS = [
    Column("MME", "mme_pt", ("mme_perception_score", "mme_cognition_score"), scale=1.0, held_in=True),
    Column("MMMU", "mmmu_pt", ("mmmu_acc",), held_in=True),
    Column("MMStar", "mmstar_pt", ("average",), held_in=True),
    Column("MMPro", "mmmu_pro_pt", ("mmmu_acc",)),
    Column("SEED", "seedbench_pt", ("seed_image",), held_in=True),
    Column("POPE", "pope_pt", ("pope_f1_score",), held_in=True),
    Column("RWQA", "realworldqa_pt", ("exact_match",)),
    Column("OCR", "ocrbench_pt", ("ocrbench_accuracy",)),
    Column("TxtVQA", "textvqa_pt", ("exact_match",), held_in=True),
    Column("DocVQA", "docvqa_pt", ("anls",), held_in=True),
    Column("InfoVQA", "infovqa_pt", ("anls",), held_in=True),
    Column("AI2D", "ai2d_pt", ("exact_match",)),
    Column("ChartQA", "chartqa_pt", ("relaxed_overall",)),
    Column("EmbSp", "embspatial_pt", ("embspatial_acc",)),
    Column("RefRec", "refcoco_bbox_rec_pt", ("refcoco_ACC@0.5",)),
    Column("COCO", "coco2017_cap_pt", ("coco_CIDEr",), held_in=True),
    Column("RefCap", "refcoco_bbox_pt", ("refcoco_CIDEr",)),
    # lmms-eval's MATH-Vision aggregation already reports a percentage.
    Column("MVision", "mathvision_pt", ("mathvision_standard_eval",), scale=1.0, held_in=True),
]

# MME (perception + cognition) is out of 2800; the Average takes it as a percentage.
MME_MAXIMUM = 2800


def percentage(column: Column, value: float) -> float:
    """A cell on the 0-100 scale: MME as its percentage of 2800 (divided by 28), every other column as it is."""
    return value * 100 / MME_MAXIMUM if column.name == "MME" else value


def table_average(values: list[float]) -> float:
    """Table 3's Average: the mean of the 18 columns, MME divided by 28 (its percentage of 2800)."""
    if len(values) != len(COLUMNS):
        raise ValueError(f"the average needs all {len(COLUMNS)} columns, got {len(values)}")
    return sum(percentage(column, value) for column, value in zip(COLUMNS, values)) / len(COLUMNS)


# (model, the 18 columns in COLUMNS order, the printed Average), as published in Table 3.
PAPER_ROWS: list[tuple[str, list[float], float]] = [
    (
        "Ministral-3-8B",
        [1756, 45.4, 45.3, 26.8, 70.3, 77.1, 47.7, 61.7, 52.8, 70.0, 52.7, 71.9, 49.5, 49.2, 26.9, 22.4, 4.0, 29.5],
        47.3,
    ),
    (
        "Gemma-3-12B",
        [2120, 47.8, 51.4, 32.1, 70.5, 85.1, 42.0, 62.7, 61.2, 67.8, 42.8, 75.9, 54.2, 55.7, 6.1, 26.7, 5.8, 32.4],
        49.8,
    ),
    (
        "GLM-4.6V-Flash",
        [2294, 48.6, 60.7, 36.9, 77.1, 86.8, 56.7, 76.2, 69.9, 66.0, 5.7, 80.6, 42.8, 70.6, 86.9, 25.8, 9.8, 7.8],
        55.0,
    ),
    (
        "MiniCPM-V4",
        [2274, 44.9, 60.4, 27.9, 76.8, 85.7, 56.6, 72.4, 65.1, 70.0, 59.8, 79.0, 74.5, 66.2, 45.1, 32.0, 6.0, 19.1],
        56.8,
    ),
    (
        "Qwen3-VL-8B",
        [2355, 51.3, 60.8, 37.2, 78.1, 85.5, 58.2, 75.7, 67.7, 70.9, 66.0, 80.7, 75.5, 73.9, 0.2, 30.4, 12.2, 24.4],
        57.4,
    ),
    (
        "InternVL3.5-8B",
        [2217, 53.7, 62.4, 38.0, 76.2, 86.3, 53.5, 72.6, 62.3, 66.4, 58.4, 79.0, 74.8, 69.9, 39.2, 29.9, 5.6, 38.1],
        58.1,
    ),
    (
        "Nemotron-Nano-12B",
        [2004, 50.7, 59.9, 36.3, 77.9, 85.2, 63.9, 80.2, 69.0, 69.7, 64.9, 83.9, 78.6, 64.7, 62.3, 18.8, 2.9, 33.1],
        61.2,
    ),
    (
        "Qwen3.5-9B",
        [2226, 52.2, 57.6, 36.7, 78.5, 84.7, 64.7, 71.7, 70.8, 76.3, 71.6, 83.5, 80.3, 69.3, 83.6, 33.7, 13.5, 54.4],
        64.6,
    ),
    (
        "EuroVLM-9B",
        [1581, 34.0, 40.3, 19.8, 66.8, 84.2, 46.9, 46.4, 54.1, 56.4, 34.0, 61.5, 47.6, 38.8, 5.1, 23.9, 5.3, 12.9],
        40.8,
    ),
    (
        "TowerVision-9B",
        [1414, 39.1, 41.9, 21.7, 70.8, 85.1, 42.4, 47.5, 58.3, 56.1, 38.3, 65.0, 39.2, 49.1, 8.3, 24.4, 4.9, 14.6],
        42.1,
    ),
    (
        "LLaVA-OV1.5-8B",
        [2244, 52.9, 64.7, 36.9, 75.8, 86.4, 53.5, 76.1, 63.3, 72.0, 62.6, 81.6, 74.2, 60.2, 78.1, 36.5, 8.2, 23.1],
        60.3,
    ),
    (
        "Salamandra-VL-7B",
        [784, 27.7, 32.0, 11.8, 33.3, 64.9, 16.7, 21.0, 1.6, 6.0, 8.7, 30.1, 14.0, 26.3, 0.0, 19.7, 8.2, 3.1],
        19.6,
    ),
    (
        "Perception-LM-8B",
        [1368, 37.7, 52.8, 22.9, 73.0, 82.8, 45.5, 76.5, 60.8, 65.4, 60.3, 67.6, 69.2, 62.2, 0.0, 15.2, 3.1, 4.7],
        47.1,
    ),
    (
        "Molmo2-8B",
        [1936, 52.7, 61.2, 36.4, 73.0, 87.2, 56.7, 59.0, 61.2, 62.8, 50.2, 80.9, 43.5, 62.1, 3.5, 19.5, 3.8, 22.4],
        50.3,
    ),
    (
        "AMALIA-VL",
        [1886, 41.1, 45.1, 26.6, 72.8, 89.6, 51.5, 61.4, 69.2, 69.1, 44.4, 68.7, 67.7, 51.1, 80.0, 50.8, 11.5, 10.7],
        54.4,
    ),
    (
        "AMALIA-VL-DPO",
        [1891, 40.3, 44.9, 26.4, 73.7, 89.4, 52.2, 63.7, 69.5, 69.7, 46.1, 69.0, 65.8, 54.8, 81.3, 50.3, 11.1, 11.4],
        54.8,
    ),
]

# The two rows whose printed Average the paper's own columns do not give (probably misprints).
AVERAGE_MISPRINTS = {"Ministral-3-8B", "Nemotron-Nano-12B"}


def paper_row(model: str) -> list[float]:
    for name, values, _ in PAPER_ROWS:
        if name == model:
            return values
    raise KeyError(f"Table 3 has no row {model!r}; its rows are {', '.join(name for name, _, _ in PAPER_ROWS)}")


# Table 4: RefRec (ACC@0.5) with the boxes asked for in two formats, each on [0, 1] and [0, 1000]; per model,
# (value on [0, 1], value on [0, 1000]). The second row's [0, 1] values are Table 3's (the paper marks them *), so
# it is Table 3's prompt, a list [x1, y1, x2, y2]; the first row's format is not named in the text we have.
TABLE4_MODELS = ("Gemma3", "GLM4v", "Qwen3vl", "Qwen3.5", "Molmo2", "AMALIA-VL")
TABLE4_ROWS: dict[str, tuple[tuple[float, float], ...]] = {
    "first row (format unnamed)": ((6.3, 1.1), (0.0, 24.7), (0.2, 25.05), (6.6, 23.9), (2.9, 4.1), (23.0, 18.9)),
    "list, as Table 3": ((6.1, 3.6), (86.9, 87.3), (0.2, 88.3), (83.6, 86.4), (3.6, 4.2), (80.0, 67.1)),
}
