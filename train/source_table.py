"""The table of every training source (train/README.md's "Sources"), made from the mix file so it cannot drift.

    python -m train.source_table [--mix-file train/data_mix.yaml]   # prints the markdown table

One row per entry of the three stages: its size, where it loads from, its licence and whether it can be trained on
as it stands (`status`).
"""

import argparse

from train.data import DEFAULT_MIX_FILE, is_usable, read_mix


STAGES = ("stage1", "stage2", "stage3")
HEADER = "| stage | entry | size | source (config, split) | licence | status |\n|---|---|---:|---|---|---|"


def status(entry: dict) -> str:
    """Whether the entry loads now, and if not what makes it: a command, a download, or why it is missing."""
    source = entry["source"]
    if source is None:
        if entry.get("made_by"):
            return f"ours: `{entry['made_by']}`"
        return f"missing: {entry.get('missing', 'not published')}"
    if source.get("prepared_by"):
        then = "; then set `image_root`" if "image_root" in source else ""
        return f"`{source['prepared_by']}`{then}"
    if not is_usable(source):
        return "loads once its images are downloaded (`image_root`)"
    return "loads"


def where(source: dict | None) -> str:
    if source is None:
        return "null"
    place = source["path"]
    if source.get("name"):
        place += f" ({source['name']}, {source.get('split', 'train')})"
    elif source.get("data_files"):
        place = f"{place} files"
    elif source.get("split"):
        place += f" ({source['split']})"
    return place


def source_table(mix_file=DEFAULT_MIX_FILE) -> str:
    rows = [
        f"| {stage[-1]} | {entry['name']} | {entry['size']:,} | {where(entry['source'])} | {entry['license']} "
        f"| {status(entry)} |"
        for stage in STAGES
        for entry in read_mix(stage, mix_file)
    ]
    return "\n".join([HEADER, *rows])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix-file", default=DEFAULT_MIX_FILE)
    print(source_table(parser.parse_args(argv).mix_file))


if __name__ == "__main__":
    main()
