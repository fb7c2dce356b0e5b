"""Prepare a stage's data mix once: every entry loaded, converted to TRL's format, cut to its size and written as
Parquet shards, with a mix file that trains on the result.

    python -m train.prepare_mix --stage 2 --output data/stage2 --licenses open --skip-unavailable-sources --num-proc 8
    # the same on 4 machines (each takes its own entries; a re-run of any job, or of the plain command, finishes it)
    python -m train.prepare_mix --stage 2 --output data/stage2 --num-jobs 4 --job-index $SLURM_ARRAY_TASK_ID
    # then train on it
    accelerate launch train/sft.py --config train/configs/stage2.yaml --data_mix_file data/stage2/mix.yaml

Each entry goes to `OUTPUT/<slug>/` (`slug("Nemotron OCR4-5") == "nemotron-ocr4-5"`) as `train-00000.parquet`, ...:
images embedded (a source that names image files gets their bytes), `messages` + `images` rows as train/data.py
makes them (`prompt` / `chosen` / `rejected` for stage 3). `progress.json` beside the shards records each finished
shard and the source stream's position after it, so a killed run resumes at the shard in progress (which is
redone) and a finished entry is skipped. Once every entry of the stage is finished, `OUTPUT/mix.yaml` is written:
the stage's mix with each entry reading its folder, and the final shares are printed against Table 1.
"""

import argparse
import json
import logging
import os
import re
from pathlib import Path

import datasets
import yaml
from datasets.table import embed_table_storage
from tqdm.auto import tqdm

from datagen.writing.cli import setup_logging
from train.data import DEFAULT_MIX_FILE, is_usable, load_source, read_mix, usable_entries


logger = logging.getLogger(__name__)
PROGRESS = "progress.json"
MIX = "mix.yaml"
SHARES = "shares.txt"
SHARD_PATTERN = "train-*.parquet"


def slug(name: str) -> str:
    """The folder (and Hub repository suffix) of an entry: its name in lower case, runs of other characters as -."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def slugs(entries: list[dict]) -> dict[str, str]:
    """{entry name: slug}, refusing two entries that would share a folder."""
    named = {}
    for entry in entries:
        other = next((name for name, taken in named.items() if taken == slug(entry["name"])), None)
        if other is not None:
            raise ValueError(f"Mix entries {other!r} and {entry['name']!r} both make the folder {slug(other)!r}.")
        named[entry["name"]] = slug(entry["name"])
    return named


def job_entries(entries: list[dict], num_jobs: int, job_index: int) -> list[dict]:
    """The entries job `job_index` of `num_jobs` prepares: largest first, each to the job with the fewest rows so
    far, so the jobs are disjoint, cover every entry, and get about the same work; the same on every machine."""
    if not 0 <= job_index < num_jobs:
        raise ValueError(f"--job-index must be 0 to {num_jobs - 1}, not {job_index}.")
    loads = [0] * num_jobs
    mine = []
    for entry in sorted(entries, key=lambda entry: (-int(entry["size"]), entry["name"])):
        job = loads.index(min(loads))
        loads[job] += int(entry["size"])
        if job == job_index:
            mine.append(entry)
    return mine


def entry_settings(entry: dict, seed: int, shard_size: int, decontaminate_index: str | None) -> dict:
    """What an entry's shards depend on: a resumed run must have the same, or its shards would not line up."""
    return {
        "source": entry["source"],
        "size": int(entry["size"]),
        "seed": seed,
        "shard_size": shard_size,
        "decontaminate": decontaminate_index,
    }


def selected_rows(entry: dict, seed: int, num_proc: int | None):
    """The entry's rows in TRL's format as a stream of `size` rows at most, its images left undecoded (bytes or
    paths: written as they are, never re-encoded), and how they were taken from the source.

    A map-style source larger than `size` gives `size` rows drawn at random (`seed`); a stream gives its first `size`
    rows in stored order (drawing at random would read it whole). A smaller source gives all its rows: the
    prepared mix keeps the entry's weight, so training repeats them, as it would the source itself."""
    # Here, not at the top: sample_guard imports transformers, which train.release_data (importing this) never needs.
    from train.sample_guard import with_undecoded_images

    source = dict(entry["source"])
    if num_proc and not source.get("streaming"):
        source["num_proc"] = num_proc  # datasets.load_dataset downloads and prepares in parallel
    size = int(entry["size"])
    part = load_source(source, source.get("split", "train"), num_proc=num_proc)
    if isinstance(part, datasets.Dataset):
        total = len(part)
        if total > size:
            part = part.shuffle(seed=seed).select(range(size))
            taken = f"{size:,} of its {total:,} rows, drawn at random (seed {seed})"
        else:
            taken = f"all its {total:,} rows"
        part = part.to_iterable_dataset()
    else:
        part, taken = part.take(size), f"the first {size:,} rows of the stream"
    return with_undecoded_images(part), taken


def _embedded(shard: datasets.Dataset) -> datasets.Dataset:
    # to_parquet stores an image given by path as that path; the prepared set must hold the pixels themselves.
    # This is how Dataset.push_to_hub embeds them.
    return shard.with_format("arrow").map(embed_table_storage, batched=True, keep_in_memory=True).with_format(None)


class Decontaminator:
    """The hook to train/decontaminate.py: each shard is checked against the benchmark index before it is written,
    and what overlaps is dropped."""

    def __init__(self, index_path: str):
        from train.decontaminate import BenchmarkIndex  # lazily: only runs that decontaminate need it

        self.index_path = index_path
        self.index = BenchmarkIndex.load(index_path)

    def __call__(self, shard: datasets.Dataset, source_name: str) -> tuple[datasets.Dataset, dict]:
        from train.decontaminate import decontaminate

        decoded = shard.cast_column("images", datasets.List(datasets.Image()))  # pixels, for perceptual hashes
        kept, report = decontaminate(decoded, self.index, source_name, drop=True)
        return kept, {"dropped": len(shard) - len(kept), **report.to_dict()}


def write_shard(rows: list[dict], features, path: Path, name: str, decontaminator=None) -> tuple[int, dict | None]:
    """Write one shard atomically: a hidden temporary file renamed into place once complete. Returns its rows and
    the decontamination report."""
    shard = datasets.Dataset.from_list(rows, features=features)
    report = None
    if decontaminator is not None:
        shard, report = decontaminator(shard, name)
    tmp = path.with_name(f".{path.name}.tmp")
    _embedded(shard).to_parquet(str(tmp))
    os.replace(tmp, path)
    return len(shard), report


def _read_json(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _write_json(path: Path, content: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(content, indent=1, ensure_ascii=False, default=str))
    os.replace(tmp, path)  # a crash leaves the previous progress, never half of it


def _start(folder: Path, settings: dict) -> dict:
    """The entry's progress: a new one, or the one on disk if it has the same settings. Shard files that the
    progress does not list (the shard a crash interrupted) are removed: they are redone."""
    folder.mkdir(parents=True, exist_ok=True)
    progress = _read_json(folder / PROGRESS) or {"settings": settings, "shards": [], "done": False}
    if progress["settings"] != json.loads(json.dumps(settings)):
        raise ValueError(
            f"{folder} was prepared with {progress['settings']}, not {settings}: prepare into another --output, "
            "or delete that folder to start it over."
        )
    listed = {shard["file"] for shard in progress["shards"]}
    for path in [*folder.glob(SHARD_PATTERN), *folder.glob(".*.tmp")]:
        if path.name not in listed:
            path.unlink()
    return progress


def prepare_entry(entry: dict, folder: Path, seed: int, shard_size: int, num_proc=None, decontaminator=None) -> dict:
    """Write one entry's shards into `folder` (resuming what a previous run left) and return its progress."""
    index_path = decontaminator.index_path if decontaminator else None
    progress = _start(folder, entry_settings(entry, seed, shard_size, index_path))
    if progress["done"]:
        logger.info(f"{entry['name']}: already prepared ({progress['rows']:,} rows in {folder}).")
        return progress
    stream, progress["taken"] = selected_rows(entry, seed, num_proc)
    if progress["shards"]:  # continue after the last finished shard: nothing before it is read again
        stream.load_state_dict(progress["shards"][-1]["state"])
    done_rows = sum(shard["rows_read"] for shard in progress["shards"])
    rows = []
    with tqdm(total=int(entry["size"]), initial=done_rows, desc=entry["name"], unit="row") as bar:
        for row in stream:
            rows.append(row)
            bar.update(1)
            if len(rows) == shard_size:
                _finish_shard(progress, folder, rows, stream, entry["name"], decontaminator)
                rows = []
        if rows:
            _finish_shard(progress, folder, rows, stream, entry["name"], decontaminator)
    progress["rows"] = sum(shard["rows"] for shard in progress["shards"])
    read = sum(shard["rows_read"] for shard in progress["shards"])
    if not read:
        raise ValueError(f"its source gave no rows to prepare ({entry['source']}).")
    if read < int(entry["size"]) and progress["taken"].startswith("the first"):
        progress["taken"] = f"all its {read:,} rows (a stream)"
    progress["done"] = True
    _write_json(folder / PROGRESS, progress)
    logger.info(f"{entry['name']}: {progress['rows']:,} rows, {progress['taken']}, in {folder}.")
    return progress


def _finish_shard(progress: dict, folder: Path, rows: list[dict], stream, name: str, decontaminator) -> None:
    path = folder / f"train-{len(progress['shards']):05d}.parquet"
    written, report = write_shard(rows, stream.features, path, name, decontaminator)
    progress["shards"].append(
        {
            "file": path.name,
            "rows": written,
            "rows_read": len(rows),
            "decontamination": report,
            "state": stream.state_dict(),  # the stream's position after this shard's last row
        }
    )
    _write_json(folder / PROGRESS, progress)


def prepared_entry(entry: dict, folder: Path, progress: dict, licenses: str | None, table_share: float) -> dict:
    """The entry as the prepared mix file holds it: the same category, size and weight (so the shares stay Table
    1's), its source the prepared folder, and where the rows came from."""
    prepared = {key: value for key, value in entry.items() if key != "source"}
    prepared["source"] = {
        "path": str(folder.resolve()),
        "data_files": {"train": SHARD_PATTERN},
        "split": "train",
        "format": "messages",
    }
    dropped = sum((shard.get("decontamination") or {}).get("dropped", 0) for shard in progress["shards"])
    prepared["prepared"] = {
        "rows": progress["rows"],
        "shards": len(progress["shards"]),
        "share_in_mix_file": round(table_share, 6),  # Table 1's share for stage 2, before any entry was left out
        "taken": progress["taken"],
        "from": entry["source"],
        "licenses": licenses or "all",
        "decontaminated_against": progress["settings"]["decontaminate"],
        "dropped_as_overlap": dropped,
    }
    return prepared


def shares_table(stage_entries: list[dict], prepared: list[dict]) -> str:
    """Per category: its share of the stage's mix as written (Table 1 for stage 2), its share of the prepared mix
    (the weights of what was prepared, renormalised: what training on mix.yaml draws), and the rows prepared."""
    table_total = sum(entry["weight"] for entry in stage_entries)
    prepared_total = sum(entry["weight"] for entry in prepared)
    rows = {}
    for entry in stage_entries:
        table, share, count, size = rows.get(entry["category"], (0.0, 0.0, 0, 0))
        rows[entry["category"]] = (table + entry["weight"] / table_total, share, count, size + int(entry["size"]))
    for entry in prepared:
        table, share, count, size = rows[entry["category"]]
        share += entry["weight"] / prepared_total
        rows[entry["category"]] = (table, share, count + entry["prepared"]["rows"], size)
    rows["Total"] = tuple(sum(values[i] for values in rows.values()) for i in range(4))
    width = max(len(category) for category in [*rows, "category"])
    lines = [f"{'category':<{width}}  {'Table 1':>7}  {'prepared':>8}  rows prepared / size"]
    for category, (table, share, count, size) in rows.items():
        lines.append(f"{category:<{width}}  {table:>7.1%}  {share:>8.1%}  {count:,} / {size:,}")
    return "\n".join(lines)


def write_mix(output: Path, mix: str, stage_entries: list[dict], selected: list[dict], licenses) -> Path | None:
    """`output/mix.yaml` once every selected entry is prepared (by this job or others); None before that."""
    names = slugs(selected)
    progress = {entry["name"]: _read_json(output / names[entry["name"]] / PROGRESS) for entry in selected}
    waiting = [name for name, state in progress.items() if not (state and state["done"])]
    if waiting:
        logger.warning(f"{len(waiting)} entries are not prepared yet ({', '.join(waiting)}): mix.yaml comes after.")
        return None
    total = sum(entry["weight"] for entry in stage_entries)
    prepared = [
        prepared_entry(entry, output / names[entry["name"]], progress[entry["name"]], licenses, entry["weight"] / total)
        for entry in selected
    ]
    path = output / MIX
    header = f"# Prepared by python -m train.prepare_mix from mix {mix!r}: train with --data_mix {mix} "
    header += f"--data_mix_file {path}\n"
    tmp = path.with_name(f".{MIX}.tmp")
    tmp.write_text(header + yaml.safe_dump({mix: prepared}, allow_unicode=True, sort_keys=False, width=120))
    os.replace(tmp, path)
    table = shares_table(stage_entries, prepared)
    (output / SHARES).write_text(table + "\n")  # for the release's card
    _write_overlaps(output, progress.values())
    print(f"Mix {mix!r} prepared in {output} ({path}); its shares against the mix file's:")
    print(table)
    return path


def _write_overlaps(output: Path, progresses) -> None:
    """`output/decontamination.json`: the shards' overlap reports joined, per source and benchmark; and its table."""
    reports = [
        shard["decontamination"] for state in progresses for shard in state["shards"] if shard.get("decontamination")
    ]
    if not reports:
        return
    from train.overlap_report import OverlapReport

    joined = OverlapReport.from_dict(reports[0])
    for report in reports[1:]:
        joined.merge(OverlapReport.from_dict(report))
    joined.save(output / "decontamination.json")
    print(f"Dropped as overlapping the evaluation suite ({output / 'decontamination.json'}):")
    print(joined.table())


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", type=int, choices=(1, 2, 3), required=True, help="the mix stageN to prepare")
    parser.add_argument("--output", type=Path, required=True, help="the folder the prepared mix goes to")
    parser.add_argument("--mix", type=Path, default=DEFAULT_MIX_FILE, help="the data-mix file (train/data_mix.yaml)")
    parser.add_argument("--licenses", help="open, licence ids (cc-by-4.0,mit) or all (default): train/licenses.py")
    parser.add_argument(
        "--skip-unavailable-sources", action="store_true", help="leave out the entries without a usable source"
    )
    parser.add_argument("--num-proc", type=int, help="processes that load and convert a map-style source")
    parser.add_argument("--shard-size", type=int, default=10_000, help="rows per Parquet shard (the unit of resume)")
    parser.add_argument("--seed", type=int, default=0, help="which rows of a larger map-style source are drawn")
    parser.add_argument("--num-jobs", type=int, default=1, help="machines the entries are split over")
    parser.add_argument("--job-index", type=int, default=0, help="which of them this is (a Slurm array task id)")
    parser.add_argument(
        "--decontaminate",
        metavar="INDEX",
        help="a benchmark index (train/decontaminate.py): rows that overlap the evaluation suite are dropped",
    )
    return parser.parse_args(argv)


def stage_entries(mix: str, mix_file: Path, licenses: str | None, skip_unavailable: bool) -> list[dict]:
    """The entries to prepare; without `skip_unavailable`, an entry without a usable source is an error before any
    work starts (not hours into the run)."""
    entries = usable_entries(mix, mix_file, licenses=licenses)
    usable = [entry for entry in entries if is_usable(entry["source"])]
    missing = [entry["name"] for entry in entries if entry not in usable]
    if missing and skip_unavailable:
        logger.warning(f"Mix {mix!r} without its unavailable sources: {', '.join(missing)}.")
    elif missing:
        raise ValueError(
            f"Mix {mix!r} has entries without a usable source (no `source`, or `image_root: null`): "
            f"{', '.join(missing)}. Fill them in in {mix_file}, or pass --skip-unavailable-sources."
        )
    return usable


def main(argv=None) -> Path | None:
    args = parse_args(argv)
    setup_logging()  # datagen's: INFO, and one progress bar per entry instead of datasets' per-map bars
    mix = f"stage{args.stage}"
    selected = stage_entries(mix, args.mix, args.licenses, args.skip_unavailable_sources)
    names = slugs(selected)
    decontaminator = Decontaminator(args.decontaminate) if args.decontaminate else None
    mine = job_entries(selected, args.num_jobs, args.job_index)
    logger.info(f"Job {args.job_index} of {args.num_jobs}: {len(mine)} of the {len(selected)} entries of {mix!r}.")
    for entry in mine:
        try:
            prepare_entry(
                entry, args.output / names[entry["name"]], args.seed, args.shard_size, args.num_proc, decontaminator
            )
        except ValueError as error:
            raise ValueError(f"{entry['name']} ({entry['category']}): {error}") from error
    return write_mix(args.output, mix, read_mix(mix, args.mix), selected, args.licenses)


if __name__ == "__main__":
    main()
