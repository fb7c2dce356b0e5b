"""`evaluation.report`: Table 3's averages the paper's way, our rows from run outputs, pt-PT fidelity."""

import json

import pytest
import yaml

from evaluation import report
from evaluation.fidelity import fidelity
from evaluation.held_in import HELD_IN, held_in
from evaluation.paper import AVERAGE_MISPRINTS, COLUMNS, PAPER_ROWS, paper_row, table_average
from evaluation.tasks import TABLE3


@pytest.mark.parametrize("name, values, printed", PAPER_ROWS, ids=[row[0] for row in PAPER_ROWS])
def test_the_papers_averages_from_its_columns(name, values, printed):
    computed = table_average(values)
    if name in AVERAGE_MISPRINTS:
        assert abs(computed - printed) > 0.5  # the printed Average is not what the row's columns give
    else:
        assert computed == pytest.approx(printed, abs=0.05 + 1e-9)


def write_run(directory, label: str, paper_values: list[float], samples: dict | None = None) -> None:
    """An `evaluation.run` output whose lmms-eval scores give the Table 3 cells `paper_values`."""
    results = {}
    for column, value in zip(COLUMNS, paper_values):
        scores = results.setdefault(column.task, {})
        # MME's cell is perception + cognition: split it 3:1 to check the two are summed.
        shares = [0.75, 0.25] if len(column.metrics) == 2 else [1.0]
        for metric, share in zip(column.metrics, shares):
            scores[f"{metric},none"] = value * share / column.scale
    directory.mkdir(parents=True)
    (directory / "results.json").write_text(json.dumps({"label": label, "results": results}))
    (directory / "samples").mkdir()
    for task, predictions in (samples or {}).items():
        lines = [json.dumps({"doc_id": i, "prediction": p}, ensure_ascii=False) for i, p in enumerate(predictions)]
        (directory / "samples" / f"{task}.jsonl").write_text("\n".join(lines) + "\n")


def test_a_run_becomes_its_table_row(tmp_path):
    write_run(tmp_path / "dpo", "our-dpo", paper_row("AMALIA-VL-DPO"))
    row = report.load_run(tmp_path / "dpo")
    assert row.values == pytest.approx(paper_row("AMALIA-VL-DPO"))
    assert row.average == pytest.approx(54.84, abs=0.01)
    assert row.pt_br_share is None  # no free-form samples


def test_markdown_and_chart(tmp_path):
    values = list(paper_row("AMALIA-VL-DPO"))
    values[0] += 28  # MME one point higher in the Average
    write_run(tmp_path / "run", "ours", values, {"coco2017_cap_pt": ["Um autocarro está a parar na paragem."]})
    report.main([str(tmp_path / "run"), "--output", str(tmp_path / "t.md"), "--chart", str(tmp_path / "t.png")])
    lines = (tmp_path / "t.md").read_text().splitlines()
    assert lines[0].startswith("| Model | MME† | MMMU† | MMStar† | MMPro | SEED† |")
    ours = next(line for line in lines if line.startswith("| ours |"))
    delta = next(line for line in lines if line.startswith("| Δ ours"))
    assert ours.split(" | ")[1] == "1919" and ours.endswith("| 54.9 | 0.0 |")
    assert delta.split(" | ")[1:3] == ["+28", "+0.0"]
    # 28 MME points are one point of MME/28, an 18th of a point on the Average; the other columns do not move.
    assert delta.endswith("| +0.1 | – |") and "-0.0" not in delta
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_partial_runs_have_no_average(tmp_path):
    write_run(tmp_path / "run", "partial", paper_row("AMALIA-VL"))
    data = json.loads((tmp_path / "run" / "results.json").read_text())
    del data["results"]["mme_pt"]
    (tmp_path / "run" / "results.json").write_text(json.dumps(data))
    row = report.load_run(tmp_path / "run")
    assert row.values[0] is None and row.average is None


def test_fidelity_counts_free_form_answers_read_as_pt_br(tmp_path):
    captions = [
        "Um ônibus está estacionando na rua.",  # pt-BR: ônibus, gerund
        "Um autocarro está a estacionar na rua.",
        "Uma rapariga come um pequeno-almoço.",
        "Você pode ver um trem na estação.",  # pt-BR: você, trem
    ]
    write_run(tmp_path / "run", "ours", paper_row("AMALIA-VL"), {"refcoco_bbox_pt": captions, "ai2d_pt": ["Você"]})
    result = fidelity(tmp_path / "run")
    assert (result.flagged, result.answers) == (2, 4)  # the letters of ai2d are not free-form
    assert report.load_run(tmp_path / "run").pt_br_share == 0.5


def test_table4_lists_each_format_and_scale(tmp_path):
    write_run(tmp_path / "run", "ours", paper_row("AMALIA-VL"))
    data = json.loads((tmp_path / "run" / "results.json").read_text())
    data["results"]["refcoco_bbox_rec_pt_list_1000"] = {"refcoco_ACC@0.5,none": 0.671}
    data["results"]["refcoco_bbox_rec_pt_json_1000"] = {"refcoco_ACC@0.5,none": 0.25}
    (tmp_path / "run" / "results.json").write_text(json.dumps(data))
    lines = report.ablation_markdown([tmp_path / "run"]).splitlines()
    assert "| AMALIA-VL (paper) | list, as Table 3 | 80.0 | 67.1 |" in lines
    assert "| ours | list | 80.0 | 67.1 |" in lines  # [0-1] is Table 3's RefRec column
    assert "| ours | json | – | 25.0 |" in lines


def _held_in_report(tmp_path, *options) -> list[str]:
    write_run(tmp_path / "run", "ours", paper_row("AMALIA-VL-DPO"))
    report.main([str(tmp_path / "run"), *options, "--output", str(tmp_path / "t.md")])
    return (tmp_path / "t.md").read_text().splitlines()


def test_the_benchmarks_held_in_for_a_training_mix_are_marked(tmp_path):
    lines = _held_in_report(tmp_path, "--training_mix", "stage2")
    marked = [cell.strip() for cell in lines[0].split("|") if "‡" in cell]
    # Table 1's TextVQA, AI2D, OCR-VQA, IIIT5K, ScienceQA and Nemotron's DocVQA set, in the columns' order.
    assert marked == ["MMStar†‡", "OCR‡", "TxtVQA†‡", "DocVQA†‡", "AI2D‡"]
    assert lines[-1] == (
        "‡ held-in for the training mix stage2: the benchmark's training split is in the mix (or, marked part, a "
        "dataset it draws some of its items from): MMStar (part: ScienceQA, AI2D) · OCR (part: IIIT5K, OCR-VQA, "
        "TextVQA, Nemotron2-DocVQA-CoT) · TxtVQA (TextVQA) · DocVQA (Nemotron2-DocVQA-CoT) · AI2D (AI2D)."
    )
    # Without a mix, only the paper's daggers.
    assert "‡" not in "".join(_held_in_report(tmp_path / "plain"))


def test_held_in_follows_the_mix_file(tmp_path):
    mixes = {
        "mine": [{"category": "Science", "name": "AI2D", "size": 10, "weight": 1.0, "source": None}],
        "none": [{"category": "Mine", "name": "my photos", "size": 10, "weight": 1.0, "source": None}],
    }
    (tmp_path / "mix.yaml").write_text(yaml.safe_dump(mixes))
    lines = _held_in_report(tmp_path / "a", "--training_mix", "mine", "--mix_file", str(tmp_path / "mix.yaml"))
    assert [cell.strip() for cell in lines[0].split("|") if "‡" in cell] == ["MMStar†‡", "AI2D‡"]
    lines = _held_in_report(tmp_path / "b", "--training_mix", "none", "--mix_file", str(tmp_path / "mix.yaml"))
    assert "‡" not in lines[0] and lines[-1] == "‡ no benchmark is held-in for the training mix none."


def test_held_in_names_real_tasks():
    assert {task for tasks in HELD_IN.values() for task in tasks} <= set(TABLE3)
    assert held_in(["TextVQA", "ChartQA"])["ocrbench_pt"] == [("TextVQA", "part"), ("ChartQA", "part")]
