"""Table 3 of the paper from `evaluation.run` outputs: markdown and a bar chart, our rows beside the published ones.

    python -m evaluation.report results/amalia-vl-dpo results/qwen3-vl-8b --output report.md --chart report.png
    python -m evaluation.report results/sft --paper_rows all --compare_to AMALIA-VL

Each run becomes one row in Table 3's column order (lmms-eval scores x 100; MME as perception + cognition), with the
Average the paper's way (the 18 columns' mean, MME divided by 28; only when all 18 ran) and, for every run, a row
of differences to the paper's row `--compare_to`. Held-in benchmarks carry the paper's dagger; with
`--training_mix stage2` (a mix of train/data_mix.yaml, or of `--mix_file`), the benchmarks held-in for that mix carry
a double dagger and the footnote names the entries that make them so (evaluation/held_in.py). The last column is
pt-PT fidelity: the share of free-form answers the variety filter reads as pt-BR (lower is better). `--table4`
adds the paper's Table 4, RefCOCO REC with the boxes asked for in other formats and scales.
"""

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path

from evaluation.fidelity import fidelity
from evaluation.held_in import WHOLE, held_in_from_mix
from evaluation.paper import COLUMNS, PAPER_ROWS, TABLE4_MODELS, TABLE4_ROWS, paper_row, percentage, table_average
from evaluation.tasks import ABLATION_TAG
from evaluation.tasks.grounding import BOX_FORMATS, SCALES, ablation_task


@dataclass
class Row:
    label: str
    values: list[float | None]  # one per column, None where the task did not run
    pt_br_share: float | None = None
    source: str = "ours"

    @property
    def average(self) -> float | None:
        if any(value is None for value in self.values):
            return None
        return table_average(self.values)


def column_value(results: dict, column) -> float | None:
    """A Table 3 cell from one run's lmms-eval results, or None when its task or metric is missing."""
    scores = results.get(column.task)
    if scores is None:
        return None
    try:
        total = sum(float(scores[f"{metric},none"]) for metric in column.metrics)
    except KeyError:
        return None
    return None if math.isnan(total) else total * column.scale


def load_results(output_dir: Path) -> dict:
    path = Path(output_dir) / "results.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: pass directories written by `python -m evaluation.run`")
    return json.loads(path.read_text())


def load_run(output_dir: Path) -> Row:
    run = load_results(output_dir)
    values = [column_value(run["results"], column) for column in COLUMNS]
    share = fidelity(Path(output_dir))
    return Row(run["label"], values, share.pt_br_share if share.answers else None)


def paper_rows(names: list[str]) -> list[Row]:
    selected = [name for name, _, _ in PAPER_ROWS] if names == ["all"] else names
    return [Row(name, list(paper_row(name)), source="paper") for name in selected if name]


def _cell(value: float | None, column_name: str = "", signed: bool = False) -> str:
    if value is None:
        return "–"
    digits = 0 if column_name == "MME" else 1
    value = round(value, digits) + 0.0  # no "-0.0" for a difference that rounds to zero
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def difference(row: Row, reference: Row) -> Row:
    values = [None if a is None else a - b for a, b in zip(row.values, reference.values)]
    return Row(f"Δ {row.label} − {reference.label} (paper)", values, source="difference")


HELD_IN_MARK = "‡"


def held_in_note(held_in: dict[str, list[tuple[str, str]]], training_mix: str) -> str:
    """The footnote of the double dagger: each held-in column and the mix entries that make it so."""

    def sources(task: str) -> str:
        whole = [name for name, extent in held_in[task] if extent == WHOLE]
        part = [name for name, extent in held_in[task] if extent != WHOLE]
        return "; ".join([*([", ".join(whole)] if whole else []), *([f"part: {', '.join(part)}"] if part else [])])

    columns = [f"{column.name} ({sources(column.task)})" for column in COLUMNS if column.task in held_in]
    if not columns:
        return f"{HELD_IN_MARK} no benchmark is held-in for the training mix {training_mix}."
    return (
        f"{HELD_IN_MARK} held-in for the training mix {training_mix}: the benchmark's training split is in the mix "
        f"(or, marked part, a dataset it draws some of its items from): {' · '.join(columns)}."
    )


def markdown(
    rows: list[Row],
    compare_to: Row | None,
    held_in: dict[str, list[tuple[str, str]]] | None = None,
    training_mix: str = "",
) -> str:
    """Table 3 in markdown; `held_in` (task -> the mix entries, `evaluation.held_in`) marks the benchmarks held-in
    for `training_mix`."""
    marked = held_in or {}
    labels = [column.label + (HELD_IN_MARK if column.task in marked else "") for column in COLUMNS]
    header = ["Model", *labels, "Average", "pt-BR %"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        shown = [row]
        if compare_to is not None and row.source == "ours":
            shown.append(difference(row, compare_to))
        for item in shown:
            signed = item.source == "difference"
            average = item.average
            if signed:
                own, reference = row.average, compare_to.average
                average = None if own is None else own - reference
            label = f"{item.label} (paper)" if item.source == "paper" else item.label
            fidelity_cell = "–" if item.pt_br_share is None else f"{100 * item.pt_br_share:.1f}"
            cells = [_cell(value, column.name, signed) for value, column in zip(item.values, COLUMNS)]
            lines.append("| " + " | ".join([label, *cells, _cell(average, signed=signed), fidelity_cell]) + " |")
    lines.append("")
    lines.append(
        "† held-in benchmark in the paper (Table 3's notation, which the paper does not explain further). Scores are "
        "lmms-eval's x 100; MME is perception + cognition (of 2800) and counts as MME/28 in the Average, the mean of "
        "the 18 columns."
    )
    if held_in is not None:
        lines.append(held_in_note(held_in, training_mix))
    return "\n".join(lines) + "\n"


def ablation_markdown(runs: list[Path]) -> str:
    """Table 4: RefRec (ACC@0.5 x 100) per box format and scale, the paper's rows, then each run's."""
    lines = ["| Model | format | [0-1] | [0-1000] |", "|---|---|---|---|"]
    for row_name, values in TABLE4_ROWS.items():
        for model, (unit, thousand) in zip(TABLE4_MODELS, values):
            lines.append(f"| {model} (paper) | {row_name} | {unit:.1f} | {thousand:.1f} |")
    for output_dir in runs:
        run = load_results(output_dir)
        for box_format in BOX_FORMATS:
            cells = []
            for scale in SCALES:
                scores = run["results"].get(ablation_task(box_format, scale), {})
                value = scores.get("refcoco_ACC@0.5,none")
                cells.append("–" if value is None else f"{100 * float(value):.1f}")
            if any(cell != "–" for cell in cells):
                lines.append(f"| {run['label']} | {box_format} | {cells[0]} | {cells[1]} |")
    lines.append("")
    lines.append(
        f"Run `--tasks {ABLATION_TAG}` to fill our rows: `list` is Table 3's prompt, `json` asks for Qwen's "
        '`{"bbox_2d": [...]}`; the parser reads every format and scale the same way.'
    )
    return "\n".join(lines) + "\n"


def chart(rows: list[Row], path: Path) -> Path:
    """Grouped bars, one group per column (MME as its percentage, MME/28), one colour per row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [column.label for column in COLUMNS] + ["Average"]
    width = 0.8 / max(len(rows), 1)
    figure, axes = plt.subplots(figsize=(16, 5))
    for index, row in enumerate(rows):
        values = [0.0 if value is None else percentage(column, value) for value, column in zip(row.values, COLUMNS)]
        values.append(row.average or 0.0)
        positions = [x + (index - (len(rows) - 1) / 2) * width for x in range(len(names))]
        label = f"{row.label} (paper)" if row.source == "paper" else row.label
        axes.bar(positions, values, width, label=label)
    axes.set_xticks(range(len(names)), names, rotation=45, ha="right")
    axes.set_ylabel("score (MME as % of 2800)")
    axes.set_title("pt-PT benchmarks (Table 3 layout)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return Path(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="output directories of `python -m evaluation.run`")
    parser.add_argument(
        "--paper_rows",
        default="AMALIA-VL,AMALIA-VL-DPO",
        help="published rows to show beside ours: comma-separated names, or all",
    )
    parser.add_argument("--compare_to", default="AMALIA-VL-DPO", help="the published row the differences refer to")
    parser.add_argument(
        "--training_mix",
        help="mark the benchmarks held-in for this mix of --mix_file (e.g. stage2): its training split is in the mix",
    )
    parser.add_argument("--mix_file", type=Path, help="the mix file of --training_mix (default train/data_mix.yaml)")
    parser.add_argument("--output", type=Path, help="write the markdown here too (it is always printed)")
    parser.add_argument("--chart", type=Path, help="write a PNG bar chart here")
    parser.add_argument(
        "--table4",
        action="store_true",
        help="also the Table 4 ablation: RefCOCO boxes per format and scale, beside the paper's",
    )
    args = parser.parse_args(argv)

    ours = [load_run(path) for path in args.runs]
    published = paper_rows([name.strip() for name in args.paper_rows.split(",")])
    reference = paper_rows([args.compare_to])[0] if args.compare_to else None
    rows = published + ours
    held_in = held_in_from_mix(args.training_mix, args.mix_file) if args.training_mix else None
    text = markdown(rows, reference, held_in, args.training_mix or "")
    if args.table4:
        text += "\n" + ablation_markdown(args.runs)
    print(text)
    if args.output:
        args.output.write_text(text)
    if args.chart:
        chart(rows, args.chart)


if __name__ == "__main__":
    main()
