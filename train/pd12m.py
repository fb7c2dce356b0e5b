"""Stage 1's data: 500k PD12M image-caption pairs, drawn from its metadata and fetched with img2dataset.

    pip install -e ".[stage1]"
    python -m train.pd12m --output outputs/pd12m --size 500000 --processes 16 --threads 64

Spawning/PD12M publishes captions and image URLs (parquet files under `metadata/`: `id`, `url`, `caption`, `width`,
`height`, `mime_type`, `hash` (MD5), `license`, `source`); the images sit in its own S3 bucket. This draws `--size`
rows uniformly (fixed by `--seed`) into `urls.parquet`, then runs img2dataset, the bulk downloader made for such
lists (processes and threads on one machine, `--distributor pyspark` or `ray` across many), which verifies each
image against its MD5, resizes it and writes parquet shards (`shards/*.parquet`: `jpg`, `txt`, `key`, `status`, ...).
A re-run draws the same rows and img2dataset skips the shards already finished. Stage 1 reads the shards with the
`caption` format (train/data_mix.yaml; failed downloads, stored without an image, are left out).
"""

import argparse
import json
import logging
import os
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from train.sampling import draw_rows


logger = logging.getLogger(__name__)
PD12M_METADATA = "hf://datasets/Spawning/PD12M/metadata"
COLUMNS = ["id", "url", "caption", "hash"]


def _metadata_files(metadata: str) -> tuple[fsspec.AbstractFileSystem, list[str]]:
    fs, root = fsspec.core.url_to_fs(metadata)
    files = sorted(fs.glob(f"{root.rstrip('/')}/*.parquet"))
    if not files:
        raise FileNotFoundError(f"No parquet file in {metadata}: give PD12M's `metadata/` folder or {PD12M_METADATA}.")
    return fs, files


def select_rows(metadata: str, size: int, seed: int) -> pa.Table:
    """`size` rows of the metadata, drawn uniformly; only the footers of the files are read to count them."""
    fs, files = _metadata_files(metadata)
    counts = {}
    for path in files:
        with fs.open(path) as handle:
            counts[path] = pq.ParquetFile(handle).metadata.num_rows
    picks = draw_rows(counts, size, seed)
    tables = []
    for path, rows in picks.items():
        if rows:
            with fs.open(path) as handle:
                table = pq.read_table(handle, columns=COLUMNS)
            tables.append(table.take(sorted(rows)))
    selected = pa.concat_tables(tables)
    if len(selected) < size:
        logger.warning(
            "PD12M's metadata at %s holds %d rows, fewer than the %d asked for.", metadata, len(selected), size
        )
    return selected


def write_url_list(metadata: str, output: Path, size: int, seed: int) -> Path:
    """`output/urls.parquet`, kept if it was drawn with the same settings (so a resumed download sees the same list)."""
    urls, settings_path = output / "urls.parquet", output / "selection.json"
    settings = {"metadata": metadata, "size": size, "seed": seed}
    if urls.is_file() and settings_path.is_file() and json.loads(settings_path.read_text()) == settings:
        return urls
    output.mkdir(parents=True, exist_ok=True)
    partial = output / "urls.parquet.partial"
    pq.write_table(select_rows(metadata, size, seed), partial)
    partial.replace(urls)
    settings_path.write_text(json.dumps(settings))
    return urls


def download(urls: Path, shards: Path, args: argparse.Namespace) -> None:
    """img2dataset over the list; its incremental mode skips finished shards, so a killed run resumes."""
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")  # img2dataset imports albumentations, which calls home
    from img2dataset import download as img2dataset_download

    img2dataset_download(
        url_list=str(urls),
        input_format="parquet",
        url_col="url",
        caption_col="caption",
        save_additional_columns=["id"],
        verify_hash=["hash", "md5"],
        compute_hash="md5",
        output_format="parquet",
        output_folder=str(shards),
        # Stage 1 disables tiling: every image becomes one 384 x 384 view, so images larger than twice that are
        # scaled down to save disk; smaller ones are kept as they are.
        image_size=args.image_size,
        resize_mode="keep_ratio_largest",
        resize_only_if_bigger=True,
        encode_quality=90,
        processes_count=args.processes,
        thread_count=args.threads,
        number_sample_per_shard=args.shard_size,
        distributor=args.distributor,
        retries=args.retries,
        timeout=args.timeout,
        incremental_mode="incremental",
    )


def summarise(shards: Path) -> dict:
    """Downloaded, failed and bytes on disk, from img2dataset's per-shard stats files."""
    stats = [json.loads(path.read_text()) for path in sorted(shards.glob("*_stats.json"))]
    summary = {
        "samples": sum(entry["count"] for entry in stats),
        "downloaded": sum(entry["successes"] for entry in stats),
        "failed": sum(entry["failed_to_download"] + entry["failed_to_resize"] for entry in stats),
        "bytes": sum(path.stat().st_size for path in shards.glob("*.parquet")),
    }
    (shards.parent / "summary.json").write_text(json.dumps(summary))
    return summary


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True, help="urls.parquet, shards/ and summary.json go here")
    parser.add_argument("--metadata", default=PD12M_METADATA, help="PD12M's metadata folder (local, hf:// or s3://)")
    parser.add_argument("--size", type=int, default=500_000, help="image-caption pairs (the paper: 500k)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--image-size", type=int, default=768, help="longest side kept (larger images scaled down)")
    parser.add_argument("--processes", type=int, default=os.cpu_count(), help="img2dataset processes")
    parser.add_argument("--threads", type=int, default=64, help="download threads per process")
    parser.add_argument("--shard-size", type=int, default=10_000, help="samples per parquet shard")
    parser.add_argument("--distributor", default="multiprocessing", choices=["multiprocessing", "pyspark", "ray"])
    parser.add_argument("--retries", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=10, help="seconds per image request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    urls = write_url_list(args.metadata, args.output, args.size, args.seed)
    download(urls, args.output / "shards", args)
    summary = summarise(args.output / "shards")
    logger.info(
        "PD12M: %d of %d images downloaded (%d failed), %.1f GB in %s; stage 1 reads them with "
        "source: {path: parquet, data_files: {train: %s/shards/*.parquet}, format: caption}",
        summary["downloaded"],
        summary["samples"],
        summary["failed"],
        summary["bytes"] / 1e9,
        args.output / "shards",
        args.output,
    )
    return summary


if __name__ == "__main__":
    main()
