"""Evaluation results for the model card, read from an `evaluation.run` output folder.

`python -m evaluation.run ... --output_dir RUN` writes RUN/results.json: the run's `label`, `limit`, and `results`,
lmms-eval's scores per task as `{"<metric>,<filter>": value}`. Every numeric score becomes one `model-index` entry
(huggingface_hub's `EvalResult`), named after the Table 3 column it fills when it fills one (evaluation/paper.py).
The Table 3 row itself (scaling, the Average) is the evaluation's to compute: `python -m evaluation.report RUN
--output RUN/report.md` writes it (it needs lmms-eval, the `eval` extra), and the card shows that file as it is;
without it the card lists the scores task by task.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import EvalResult

from evaluation.paper import COLUMNS


TABLE_FILE = "report.md"  # evaluation.report's markdown, when the run folder has it
# (task, metric) -> the Table 3 column it fills (evaluation/paper.py), the name the model-index gives it.
TABLE3_COLUMN = {(column.task, metric): column.name for column in COLUMNS for metric in column.metrics}


@dataclass
class EvalRun:
    label: str
    limit: int | None  # documents per task; set for smoke runs, whose scores are not comparable to the paper's
    scores: dict[str, dict[str, float]]  # task -> metric -> value
    table: str | None  # evaluation.report's Table 3 markdown


def _numeric_scores(task_results: dict) -> dict[str, float]:
    scores = {}
    for key, value in task_results.items():
        metric, _, _ = key.partition(",")
        if metric == "alias" or metric.endswith("_stderr") or isinstance(value, bool):
            continue
        if isinstance(value, int | float) and math.isfinite(value):
            scores[metric] = float(value)
    return scores


def read_eval_run(run_dir: Path) -> EvalRun:
    path = Path(run_dir) / "results.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: pass a folder written by `python -m evaluation.run`")
    run = json.loads(path.read_text())
    scores = {task: _numeric_scores(results) for task, results in run["results"].items()}
    table = Path(run_dir) / TABLE_FILE
    return EvalRun(
        run.get("label", Path(run_dir).name), run.get("limit"), scores, table.read_text() if table.exists() else None
    )


def eval_results(run: EvalRun) -> list[EvalResult]:
    """One model-index entry per task and metric; the datasets are the pt-PT benchmarks, named by their task."""
    return [
        EvalResult(
            task_type="image-text-to-text",
            dataset_type=task,
            dataset_name=task,
            metric_type=metric,
            metric_value=value,
            metric_name=TABLE3_COLUMN.get((task, metric)),
        )
        for task, metrics in run.scores.items()
        for metric, value in metrics.items()
    ]


def evaluation_section(run: EvalRun) -> str:
    parts = ["Measured with lmms-eval on the pt-PT benchmarks (the paper's section 6, temperature 0)."]
    if run.limit:
        parts.append(f"**A smoke run**: {run.limit} documents per task; these scores do not compare to the paper's.")
    if run.table:
        parts.append(run.table.strip())
    else:
        lines = ["| task | metric | score |", "|---|---|---|"]
        lines += [
            f"| {task} | {metric} | {value:.4g} |" for task, m in run.scores.items() for metric, value in m.items()
        ]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
