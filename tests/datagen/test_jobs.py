"""A run split into independent jobs and merged is the run made in one piece."""

import io
import json

import pytest

from datagen import jobs, merge, pt_render_text
from datagen.writing.writer import job_indices


def _rows(dataset) -> list[tuple]:
    def png(image) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()

    return [(str(row["messages"]), row["task"], [png(i) for i in row["images"]]) for row in dataset]


def test_jobs_are_disjoint_contiguous_and_cover_every_index():
    blocks = [job_indices(10, 3, k) for k in range(3)]
    assert [list(b) for b in blocks] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    with pytest.raises(ValueError, match="job-index"):
        job_indices(10, 3, 3)


def test_two_jobs_merged_give_the_single_runs_dataset(tmp_path):
    common = ["--num-samples", "9", "--shard-size", "2", "--seed", "5"]
    whole = pt_render_text.main(common + ["--output-dir", str(tmp_path / "whole")])
    for k in (1, 0):  # the order jobs finish in does not matter
        pt_render_text.main(
            common + ["--num-jobs", "2", "--job-index", str(k), "--output-dir", str(tmp_path / f"job{k}")]
        )
    merged = merge.main([str(tmp_path / "job1"), str(tmp_path / "job0"), "--output-dir", str(tmp_path / "merged")])
    assert len(merged) == len(whole) == 9
    assert _rows(merged) == _rows(whole)


def test_jobs_of_different_runs_are_refused(tmp_path):
    for seed, k in ((1, 0), (2, 1)):
        pt_render_text.main(
            ["--num-samples", "4", "--seed", str(seed), "--num-jobs", "2", "--job-index", str(k)]
            + ["--output-dir", str(tmp_path / f"job{k}")]
        )
    with pytest.raises(ValueError, match="different runs"):
        merge.main([str(tmp_path / "job0"), str(tmp_path / "job1"), "--output-dir", str(tmp_path / "merged")])


def test_jobs_made_from_other_inputs_are_refused(tmp_path):
    for k, digest in ((0, "a1"), (1, "b2")):
        (tmp_path / f"job{k}").mkdir()
        manifest = {"num_samples": 4, "shard_size": 100, "seed": 0, "num_jobs": 2, "job_index": k}
        (tmp_path / f"job{k}" / "datagen_manifest.json").write_text(json.dumps(manifest | {"content": {"t": digest}}))
    with pytest.raises(ValueError, match="different runs"):
        merge.ordered_jobs([tmp_path / "job0", tmp_path / "job1"])


def test_a_datatrove_executor_runs_the_jobs_and_gives_the_single_runs_dataset(tmp_path):
    common = ["--num-samples", "7", "--shard-size", "2", "--seed", "3"]
    whole = pt_render_text.main(common + ["--output-dir", str(tmp_path / "whole")])
    run = ["--pipeline", "pt_render_text", "--tasks", "3", "--workers", "2", "--output-dir", str(tmp_path / "run")]
    merged = jobs.main(run + ["--"] + common)
    assert _rows(merged) == _rows(whole)
    assert sorted(p.name for p in (tmp_path / "run").glob("job-*")) == ["job-00000", "job-00001", "job-00002"]
