"""Resumable, sharded dataset writing.

Samples are made shard by shard; each finished shard is saved under ``<output_dir>/_shards`` and moved
into place atomically, so a run that is killed loses at most the shard in progress and a re-run skips
every shard already on disk. Once all shards exist they are joined into one ``save_to_disk`` dataset
in ``output_dir`` and the shards are removed.
"""

import json
import logging
import os
import random
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from datasets import Dataset, concatenate_datasets, load_from_disk
from tqdm.auto import tqdm

from datagen.writing.messages import SFT_FORMAT, RowFormat


logger = logging.getLogger(__name__)

MANIFEST = "datagen_manifest.json"

# Given the indices of one shard, yield one row (or None for a dropped sample) per index, in order.
ShardMaker = Callable[[range], Iterator[dict | None]]


def item_rng(seed: int, index: int) -> random.Random:
    """A generator that depends only on (seed, index), so any shard can be rebuilt alone, in any process."""
    return random.Random(f"{seed}:{index}")


def per_item(make_sample: Callable[[random.Random, int], dict | None], seed: int) -> ShardMaker:
    """Turn a per-sample function into a ShardMaker; the function must be picklable for ``num_proc > 1``."""
    return _PerItem(make_sample, seed)


@dataclass
class _PerItem:
    make_sample: Callable[[random.Random, int], dict | None]
    seed: int

    def __call__(self, indices: range) -> Iterator[dict | None]:
        for index in indices:
            yield self.make_sample(item_rng(self.seed, index), index)


def per_item_threaded(make_sample: Callable[[random.Random, int], dict | None], seed: int, threads: int) -> ShardMaker:
    """Like ``per_item`` but ``threads`` samples at a time: for steps that wait on a model server."""
    return _Threaded(make_sample, seed, threads)


@dataclass
class _Threaded(_PerItem):
    threads: int = 8

    def __call__(self, indices: range) -> Iterator[dict | None]:
        with ThreadPoolExecutor(self.threads) as pool:
            futures = [pool.submit(self.make_sample, item_rng(self.seed, index), index) for index in indices]
            try:
                for future in futures:
                    yield future.result()
            finally:
                for future in futures:  # after a failure, stop what has not started; what finished is cached
                    future.cancel()


class NothingKept(RuntimeError):
    """Every sample was dropped or skipped: there is no dataset to save."""


def job_indices(num_samples: int, num_jobs: int, job_index: int) -> range:
    """The contiguous block of sample indices job ``job_index`` of ``num_jobs`` makes.

    The split is ``datasets``' own ``Dataset.shard(num_jobs, job_index, contiguous=True)``, so jobs are
    disjoint, cover every index once and concatenate back in order; sample ``i`` depends only on
    ``(seed, i)``, so any split gives the same samples.
    """
    if not 0 <= job_index < num_jobs:
        raise ValueError(f"--job-index must be 0 to {num_jobs - 1}, not {job_index}")
    block = Dataset.from_dict({"index": range(num_samples)}).shard(num_jobs, job_index, contiguous=True)["index"]
    return range(block[0], block[-1] + 1) if block else range(0)


def _shard_ranges(indices: range, shard_size: int) -> list[range]:
    return [
        range(start, min(start + shard_size, indices.stop)) for start in range(indices.start, indices.stop, shard_size)
    ]


EMPTY_SHARD = "EMPTY"  # datasets cannot reload a saved dataset of no rows, so such a shard is only a marker


def _save_shard(rows: Iterable[dict | None], path: Path, row_format: RowFormat) -> int:
    kept = [row for row in rows if row is not None]
    for row in kept:
        row_format.check(row)
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    if kept:
        Dataset.from_list(kept, features=row_format.features).save_to_disk(str(tmp))
    else:
        tmp.mkdir(parents=True)
        (tmp / EMPTY_SHARD).touch()
    os.replace(tmp, path)  # atomic: a shard directory exists only once it is complete
    return len(kept)


def _make_and_save_shard(make_shard: ShardMaker, indices: range, path: Path, row_format: RowFormat) -> int:
    return _save_shard(make_shard(indices), path, row_format)


def _manifest(num_samples: int, shard_size: int, seed: int, job: tuple[int, int], content: dict) -> dict:
    manifest = {"num_samples": num_samples, "shard_size": shard_size, "seed": seed}
    if job != (1, 0):
        manifest |= {"num_jobs": job[0], "job_index": job[1]}
    return manifest | {"content": content} if content else manifest


def _check_same_run(shard_dir: Path, manifest: dict) -> None:
    """Refuse to mix shards of runs with other settings: their indices would not line up."""
    path = shard_dir / MANIFEST
    if path.exists():
        previous = json.loads(path.read_text())
        if previous != manifest:
            raise ValueError(
                f"{shard_dir} holds shards of a run with {previous}, not {manifest}; "
                "re-run with the same settings or delete that folder to start over."
            )
    else:
        shard_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest))


def write_sharded(
    make_shard: ShardMaker,
    num_samples: int,
    output_dir: str | Path,
    seed: int,
    shard_size: int = 100,
    num_proc: int = 1,
    desc: str = "samples",
    row_format: RowFormat = SFT_FORMAT,
    job: tuple[int, int] = (1, 0),
    content: dict | None = None,
) -> Dataset:
    """Make ``num_samples`` samples in shards and save them as one dataset in ``output_dir``.

    ``job`` is (number of jobs, this job's index): the job makes only its block of indices
    (``job_indices``), for ``datagen.merge`` to join. ``content`` names what else decides the samples (a
    pipeline's input files, by digest), so that a resumed run never mixes shards made from other inputs. A
    finished dataset with the same settings is loaded, not remade; interrupted runs resume.
    """
    output_dir = Path(output_dir)
    manifest = _manifest(num_samples, shard_size, seed, job, content or {})
    done_path = output_dir / MANIFEST
    if done_path.exists() and json.loads(done_path.read_text()) == manifest:
        logger.info("%s already holds a finished dataset with these settings: nothing to do", output_dir)
        return load_from_disk(str(output_dir))

    shard_dir = output_dir / "_shards"
    _check_same_run(shard_dir, manifest)
    block = job_indices(num_samples, *job)
    ranges = _shard_ranges(block, shard_size)
    paths = [shard_dir / f"shard-{k:05d}" for k in range(len(ranges))]
    todo = [(indices, path) for indices, path in zip(ranges, paths) if not path.exists()]
    done_items = len(block) - sum(len(indices) for indices, _ in todo)
    if done_items:
        logger.info("resuming: %d of %d shards already written", len(ranges) - len(todo), len(ranges))

    with tqdm(total=len(block), initial=done_items, desc=desc, unit="sample") as bar:
        if num_proc == 1:
            for indices, path in todo:
                _save_shard(_counted(make_shard(indices), bar), path, row_format)
        else:
            with ProcessPoolExecutor(num_proc) as pool:
                futures = {pool.submit(_make_and_save_shard, make_shard, i, p, row_format): i for i, p in todo}
                for future in as_completed(futures):
                    future.result()
                    bar.update(len(futures[future]))

    shards = [load_from_disk(str(path)) for path in paths if not (path / EMPTY_SHARD).exists()]
    if not shards:
        raise NothingKept(
            f"every one of the {len(block)} samples was dropped, so there is no dataset to save; the log "
            f"says why. Fix the cause, delete {shard_dir} and run again."
        )
    dataset = concatenate_datasets(shards)
    dataset.save_to_disk(str(output_dir))
    done_path.write_text(json.dumps(manifest))  # before the shards go: a crash in between loses nothing
    shutil.rmtree(shard_dir)
    logger.info("wrote %d samples (%d dropped) to %s", len(dataset), len(block) - len(dataset), output_dir)
    return load_from_disk(str(output_dir))


def _counted(rows: Iterator[dict | None], bar: tqdm) -> Iterator[dict | None]:
    for row in rows:
        bar.update(1)
        yield row
