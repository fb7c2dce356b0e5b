"""python -m train.prepare_mix on a fixture mix of four local sources in their real formats (prepared_mix.py):
what it writes, that a re-run resumes an interrupted shard, the licence filter, that two jobs make what one makes,
and that the prepared mix.yaml trains: a drawn stream's shares are the printed ones."""

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from prepared_mix import ROWS, SIZES, TAGS, tag_of, write_fixture_mix

from train.data import load_mix
from train.prepare_mix import job_entries, main, slug


SHARD = 64


def prepare(mix_file: Path, output: Path, *extra: str):
    argv = ["--stage", "2", "--output", str(output), "--mix", str(mix_file), "--shard-size", str(SHARD)]
    return main([*argv, "--skip-unavailable-sources", *extra])


def shard_rows(folder: Path) -> list[dict]:
    """Every row of a prepared folder, shard after shard, as Parquet holds it (image bytes included)."""
    return [row for path in sorted(folder.glob("train-*.parquet")) for row in pq.read_table(path).to_pylist()]


@pytest.fixture(scope="module")
def fixture_mix(tmp_path_factory) -> Path:
    return write_fixture_mix(tmp_path_factory.mktemp("sources"))


@pytest.fixture(scope="module")
def prepared(fixture_mix, tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("prepared")
    assert prepare(fixture_mix, output) == output / "mix.yaml"
    return output


def test_each_entry_becomes_its_size_of_parquet_shards_with_images_inside(prepared):
    assert sorted(path.name for path in prepared.iterdir() if path.is_dir()) == sorted(slug(name) for name in TAGS)
    taken = {}
    for name, tag in TAGS.items():
        rows = shard_rows(prepared / slug(name))
        # A larger source gives its size, a smaller one all it has (its weight makes training repeat it).
        assert len(rows) == min(SIZES[name], ROWS[name]), name
        answers = [row["messages"][-1]["content"] for row in rows]
        assert all(answer.startswith(f"[{tag} ") for answer in answers)
        assert len(set(answers)) == len(answers)  # no row twice
        assert all(image["bytes"] for row in rows for image in row["images"])  # embedded, also from image files
        taken[name] = [int(answer.split(" ")[1].rstrip("]")) for answer in answers]
    # The map-style source is drawn at random; the stream gives its first rows, in order.
    assert taken["Cauldron VQA"] != sorted(taken["Cauldron VQA"])
    assert taken["VQAv2 pt"] == list(range(SIZES["VQAv2 pt"]))
    assert len(list((prepared / "cauldron-vqa").glob("train-*.parquet"))) == -(-SIZES["Cauldron VQA"] // SHARD)


def test_prepared_mix_keeps_the_weights_and_says_where_each_set_came_from(prepared, fixture_mix):
    original = {entry["name"]: entry for entry in yaml.safe_load(fixture_mix.read_text())["stage2"]}
    entries = yaml.safe_load((prepared / "mix.yaml").read_text())["stage2"]
    assert [entry["name"] for entry in entries] == list(TAGS)  # PT-Missing has no source: left out
    for entry in entries:
        source = original[entry["name"]]
        assert (entry["weight"], entry["size"], entry["license"]) == (
            source["weight"],
            source["size"],
            source["license"],
        )
        assert entry["source"]["path"] == str((prepared / slug(entry["name"])).resolve())
        assert entry["source"]["format"] == "messages"
        assert entry["prepared"]["from"] == source["source"]
    nemotron = next(entry for entry in entries if entry["name"] == "Nemotron OCR")["prepared"]
    assert nemotron["rows"] == 20 and nemotron["taken"] == "all its 20 rows (a stream)"


def test_printed_shares_match_a_drawn_stream_of_the_prepared_mix(fixture_mix, tmp_path, capsys):
    prepare(fixture_mix, tmp_path)
    printed = capsys.readouterr().out
    shares = {}
    for line in printed.splitlines():
        match = re.match(r"(.+?)\s+(\d+\.\d)%\s+(\d+\.\d)%\s+\d", line)
        if match:
            shares[match.group(1)] = (float(match.group(2)), float(match.group(3)))
    original = yaml.safe_load(fixture_mix.read_text())["stage2"]
    total = sum(entry["weight"] for entry in original)
    table_1 = Counter()
    for entry in original:
        table_1[entry["category"]] += 100 * entry["weight"] / total
    assert {category: table for category, (table, _) in shares.items() if category != "Total"} == {
        category: round(share, 1) for category, share in table_1.items()
    }
    # train/data.py draws the prepared mix with its weights (an epoch: the sum of the sizes, 1,200 rows).
    stream = load_mix("stage2", mix_file=tmp_path / "mix.yaml", seed=3)
    category_of = {tag: next(e["category"] for e in original if e["name"] == name) for name, tag in TAGS.items()}
    drawn = Counter(category_of[tag_of(row)] for row in stream)
    assert sum(drawn.values()) == 1200
    for category, (_, prepared_share) in shares.items():
        if category != "Total":
            assert 100 * drawn[category] / 1200 == pytest.approx(prepared_share, abs=4.0), (category, drawn)
    assert shares["Text IF"][1] == 0.0 and shares["Total"] == (100.0, 100.0)


@pytest.mark.parametrize(
    ("interrupted", "finished", "other"),
    [("Cauldron VQA", 3, "VQAv2 pt"), ("VQAv2 pt", 1, "Cauldron VQA")],  # a map-style source, a stream
)
def test_a_rerun_skips_what_is_done_and_redoes_an_interrupted_shard(
    prepared, fixture_mix, tmp_path, caplog, interrupted, finished, other
):
    output = tmp_path / "out"
    prepare(fixture_mix, output)
    folder = output / slug(interrupted)
    # A crash between renaming shard `finished` into place and recording it, while the next one was being written:
    # the progress lists the shards before it only, that shard is on disk, the next half written.
    progress = json.loads((folder / "progress.json").read_text())
    progress["shards"], progress["done"] = progress["shards"][:finished], False
    (folder / "progress.json").write_text(json.dumps(progress))
    for path in sorted(folder.glob("train-*.parquet"))[finished + 1 :]:
        path.unlink()
    (folder / f".train-{finished + 1:05d}.parquet.tmp").write_bytes(b"PAR1 torn")
    untouched = {path: path.stat().st_mtime_ns for path in (output / slug(other)).glob("train-*.parquet")}
    kept = {path: path.stat().st_mtime_ns for path in sorted(folder.glob("train-*.parquet"))[:finished]}
    with caplog.at_level("INFO"):
        prepare(fixture_mix, output)
    assert f"{other}: already prepared" in caplog.text
    assert {path: path.stat().st_mtime_ns for path in untouched} == untouched  # a finished entry is not rewritten
    assert {path: path.stat().st_mtime_ns for path in kept} == kept  # nor a finished shard
    assert not list(folder.glob(".*.tmp"))
    # The same rows as an uninterrupted run, shard for shard: the stream went on from the recorded position.
    assert shard_rows(folder) == shard_rows(prepared / slug(interrupted))
    assert json.loads((folder / "progress.json").read_text())["done"]


def test_a_rerun_with_other_settings_is_refused(prepared, fixture_mix):
    with pytest.raises(ValueError, match=r"cauldron-vqa was prepared with .*'shard_size': 64.*delete that folder"):
        main(["--stage", "2", "--output", str(prepared), "--mix", str(fixture_mix), "--shard-size", "10",
              "--skip-unavailable-sources"])  # fmt: skip


def test_licenses_open_leaves_out_the_entries_that_are_not_open(fixture_mix, tmp_path, capsys):
    prepare(fixture_mix, tmp_path, "--licenses", "open")
    entries = yaml.safe_load((tmp_path / "mix.yaml").read_text())["stage2"]
    # Cauldron VQA (unknown) and PT-OCR (to be decided) are not open.
    assert [entry["name"] for entry in entries] == ["Nemotron OCR", "VQAv2 pt"]
    assert not (tmp_path / "cauldron-vqa").exists() and not (tmp_path / "pt-ocr").exists()
    assert all(entry["prepared"]["licenses"] == "open" for entry in entries)
    table = capsys.readouterr().out
    assert re.search(r"OCR QA\s+19\.2%\s+0\.0%", table) and re.search(r"Naive OCR\s+23\.1%\s+66\.7%", table)


def test_an_entry_without_a_source_is_an_error_before_any_work(fixture_mix, tmp_path):
    with pytest.raises(ValueError, match="without a usable source .*PT-Missing.*--skip-unavailable-sources"):
        main(["--stage", "2", "--output", str(tmp_path / "out"), "--mix", str(fixture_mix)])
    assert not (tmp_path / "out").exists()


def test_two_jobs_make_the_folders_one_job_makes(prepared, fixture_mix, tmp_path):
    output = tmp_path / "two_jobs"
    assert prepare(fixture_mix, output, "--num-jobs", "2", "--job-index", "0") is None  # job 1 has not run yet
    first = sorted(path.name for path in output.iterdir())
    assert prepare(fixture_mix, output, "--num-jobs", "2", "--job-index", "1") == output / "mix.yaml"
    second = sorted(set(path.name for path in output.iterdir()) - set(first) - {"mix.yaml"})
    assert first and second and not set(first) & set(second)
    for name in TAGS:
        assert shard_rows(output / slug(name)) == shard_rows(prepared / slug(name)), name
    ours, reference = (yaml.safe_load((folder / "mix.yaml").read_text())["stage2"] for folder in (output, prepared))
    for entry in (*ours, *reference):
        entry["source"].pop("path")
    assert ours == reference


def test_jobs_split_the_entries_disjointly_and_by_size():
    entries = [{"name": f"e{index}", "size": size} for index, size in enumerate([900, 500, 400, 300, 100, 100])]
    jobs = [[entry["name"] for entry in job_entries(entries, 3, index)] for index in range(3)]
    assert sorted(name for job in jobs for name in job) == sorted(entry["name"] for entry in entries)
    assert jobs == [["e0"], ["e1", "e4", "e5"], ["e2", "e3"]]
    with pytest.raises(ValueError, match="--job-index must be 0 to 2, not 3"):
        job_entries(entries, 3, 3)


def test_sft_trains_on_the_prepared_mix(prepared, tiny_checkpoint, tmp_path):
    from test_release_round_trip import REPO, sft_command

    command = sft_command(tiny_checkpoint, prepared / "mix.yaml", tmp_path / "run") + ["--data_mix", "stage2"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    # train/data.py's log of the mix it drew: the four prepared entries, an epoch of the sum of their sizes.
    assert "Mix 'stage2': 4 sources, 1,200 samples an epoch" in result.stderr
    assert (tmp_path / "run" / "model.safetensors").exists()


def test_num_proc_converts_in_processes_to_the_same_rows(prepared, fixture_mix, tmp_path):
    prepare(fixture_mix, tmp_path, "--num-proc", "2")
    for name in TAGS:
        assert shard_rows(tmp_path / slug(name)) == shard_rows(prepared / slug(name)), name


def test_decontaminate_drops_the_rows_that_ask_a_benchmark_question(tmp_path):
    """--decontaminate with a real index (train/decontaminate.py): the copied questions go, the report counts them."""
    import datasets

    from train.decontaminate import BenchmarkIndex

    asked = "Qual é o nome da loja que aparece no letreiro por cima da porta?"
    BenchmarkIndex.from_items([("textvqa_pt", 0, [], asked)]).save(tmp_path / "index.pkl")
    questions = [
        asked.upper() if index % 7 == 0 else f"Quantas janelas tem a casa número {index} desta rua?"
        for index in range(20)
    ]  # rows 0, 7 and 14 copy the benchmark's question (in capitals)
    rows = [
        {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": f"[own {i}]"}], "images": []}
        for i, q in enumerate(questions)
    ]
    datasets.Dataset.from_list(rows).save_to_disk(tmp_path / "own")
    mix = [
        {
            "category": "VQA",
            "name": "Own VQA",
            "language": "pt-PT",
            "size": 20,
            "weight": 1.0,
            "license": "cc-by-4.0",
            "source": {"path": str(tmp_path / "own"), "format": "messages"},
        }
    ]
    (tmp_path / "mix.yaml").write_text(yaml.safe_dump({"stage2": mix}))
    prepare(tmp_path / "mix.yaml", tmp_path / "out", "--decontaminate", str(tmp_path / "index.pkl"))
    kept = [row["messages"][1]["content"] for row in shard_rows(tmp_path / "out" / "own-vqa")]
    assert len(kept) == 17 and not {"[own 0]", "[own 7]", "[own 14]"} & set(kept)
    (entry,) = yaml.safe_load((tmp_path / "out" / "mix.yaml").read_text())["stage2"]
    assert entry["prepared"]["dropped_as_overlap"] == 3
    report = json.loads((tmp_path / "out" / "decontamination.json").read_text())["sources"]["Own VQA"]
    assert report["checked"] == 20 and report["flagged"] == 3
    assert report["benchmarks"]["textvqa_pt"]["question_rows"] == 3
