"""Publish a prepared mix (python -m train.prepare_mix) on the Hub: each pt-PT set as a dataset repository with its
card, and the mix manifest: a mix file whose entries read the published sets, with the shares against Table 1.

    python -m train.release_data data/stage2 --repo-prefix ORG/amalia-vl- --private
    # our own sets (licence `to be decided` in train/data_mix.yaml) are published once their owner gives a licence
    python -m train.release_data data/stage2 --repo-prefix ORG/amalia-vl- --own-sets-license apache-2.0

`PT-OCR` goes to `ORG/amalia-vl-pt-ocr` (the entry's folder name), the manifest to `ORG/amalia-vl-stage2-mix`. The
English originals are not published again: the manifest reads them from their own sources. A set whose licence is
not open (train/licenses.py: `unknown`, non-commercial, research-only, `to be decided`) is refused before any
request is made, and so is a set or card that holds the value of a secret environment variable (datagen's check).
Each repository is one commit (hub_release/hub.py): a push that fails leaves nothing half-published.
"""

import argparse
import logging
import sys
from pathlib import Path

import datasets
import yaml
from huggingface_hub import DatasetCardData

from datagen.writing.card import size_category
from datagen.writing.cli import setup_logging
from datagen.writing.secrets import SecretInDataset, check_no_secrets
from hub_release.hub import PushError, push_folder
from train.licenses import OPEN_LICENSES
from train.prepare_mix import MIX, SHARD_PATTERN, SHARES, slug


logger = logging.getLogger(__name__)
UNDECIDED = "to be decided"  # our own sets' licence in data_mix.yaml until their owner chooses one
FIELDS = """- `messages`: the dialogue in TRL's vision format, a list of `{"role", "content"}` turns (user / assistant /
  system) with string contents; the images go before the first user text (TRL's `prepare_multimodal_messages`).
- `images`: the row's images, in order (empty for a text-only row)."""
PREFERENCE_FIELDS = """- `prompt`, `chosen`, `rejected`: TRL's conversational preference format (string contents).
- `images`: the prompt's images, in order."""


class LicenceRefused(ValueError):
    """Raised instead of publishing a set whose licence does not let anyone redistribute it."""


def read_prepared(folder: Path) -> tuple[str, list[dict]]:
    """(mix name, entries) of the mix.yaml that prepare_mix wrote into `folder`."""
    path = Path(folder) / MIX
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: prepare the mix first (python -m train.prepare_mix ...).")
    ((mix, entries),) = yaml.safe_load(path.read_text()).items()
    return mix, entries


def is_pt(entry: dict) -> bool:
    return str(entry.get("language", "")).lower().startswith("pt")


def release_license(entry: dict, own_sets_license: str | None) -> str:
    """The licence a set is published under: its card's, or, for our own sets, the one their owner gives."""
    license = str(entry.get("license", "unknown")).lower()
    return own_sets_license.lower() if license == UNDECIDED and own_sets_license else license


def refusal(entry: dict, own_sets_license: str | None) -> str | None:
    """Why `entry` may not be published, or None. A set from elsewhere needs an open licence: those let anyone
    share the data for any purpose (train/licenses.py); `unknown`, non-commercial and research-only terms do not.
    Our own sets are their owner's to license."""
    license = str(entry.get("license", "unknown")).lower()
    if license == UNDECIDED:
        return (
            None
            if own_sets_license
            else (
                f"{entry['name']} (licence {license!r}): our own set, whose licence is not decided; "
                "give it one with --own-sets-license"
            )
        )
    if license in OPEN_LICENSES:
        return None
    return f"{entry['name']} (licence {license!r}): not a licence that lets anyone redistribute it"


def check_licences(entries: list[dict], own_sets_license: str | None) -> None:
    refused = [reason for reason in (refusal(entry, own_sets_license) for entry in entries) if reason]
    if refused:
        raise LicenceRefused("Not publishing anything: " + "; ".join(refused) + ".")


def set_card(entry: dict, mix: str, entries: list[dict], repo_id: str, license: str) -> str:
    """The dataset card of a published set: sizes, its share of the mix, licence, provenance, filters, fields."""
    prepared, source = entry["prepared"], entry["prepared"]["from"]
    header = DatasetCardData(
        license=license,
        language=["pt"],
        task_categories=["image-text-to-text"],
        size_categories=[size_category(prepared["rows"])],
        pretty_name=entry["name"],
        tags=["pt-PT", "european-portuguese", "amalia-vl"],
        source_datasets=[source["translated_from"]] if source.get("translated_from") else None,
        configs=[{"config_name": "default", "data_files": [{"split": "train", "path": SHARD_PATTERN}]}],
    ).to_yaml()
    given = " (given by its owner at release)" if license != str(entry.get("license")).lower() else ""
    return f"""---
{header}
---

# {entry["name"]}

A pt-PT set of the AMALIA-VL training mix `{mix}` (category {entry["category"]}), prepared with
`python -m train.prepare_mix` and published with `python -m train.release_data`.

## Size and share

{_size_table(entry, entries)}

The mix file is train/data_mix.yaml (Table 1 of the paper for stage 2); the prepared mix leaves out what could not
be prepared, and its weights are renormalised. Training draws the set with its weight whatever its size: a set with
fewer rows than its size repeats.

## Provenance and filtering

{_provenance(prepared)}

## Licence

`{license}`{given}.

## Fields

{PREFERENCE_FIELDS if mix == "stage3" else FIELDS}

```python
from datasets import load_dataset

rows = load_dataset("{repo_id}", split="train")
```

In a data-mix file: `source: {{path: {repo_id}, split: train, format: messages}}`.
"""


def _size_table(entry: dict, entries: list[dict]) -> str:
    total = sum(other["weight"] for other in entries)
    category = sum(other["weight"] for other in entries if other["category"] == entry["category"])
    cells = [
        f"{entry['prepared']['rows']:,}",
        str(entry["prepared"]["shards"]),
        f"{entry['size']:,}",
        f"{entry['weight']:.6f}",
        f"{entry['prepared']['share_in_mix_file']:.1%}",
        f"{entry['weight'] / total:.1%}",
        f"{entry['weight'] / category:.1%}",
    ]
    head = ["rows", "Parquet shards", "size (an epoch)", "weight", "share in the mix file", "share of the prepared mix"]
    head.append(f"share of its category ({entry['category']})")
    return "\n".join(["| " + " | ".join(row) + " |" for row in (head, ["---"] * len(head), cells)])


def _provenance(prepared: dict) -> str:
    source = prepared["from"]
    config = f", config `{source['name']}`" if source.get("name") else ""
    split, fmt = source.get("split", "train"), source.get("format", "messages")
    lines = [f"source: `{source.get('path')}`{config}, split `{split}`, read as `{fmt}`"]
    if source.get("translated_from"):
        lines.append(f"translated from: {source['translated_from']}")
    lines.append(f"rows taken: {prepared['taken']}")
    lines.append(f"licence filter at preparation: `--licenses {prepared['licenses']}`")
    if prepared["decontaminated_against"]:
        lines.append(
            f"decontamination: checked against the benchmark index `{prepared['decontaminated_against']}`, "
            f"{prepared['dropped_as_overlap']:,} overlapping rows dropped"
        )
    else:
        lines.append("decontamination: none (not checked against the evaluation suite)")
    return "\n".join(f"- {line}" for line in lines)


def hub_manifest(entries: list[dict], repos: dict[str, str]) -> list[dict]:
    """The mix as others can load it: published sets from their repositories, the others from their own sources."""
    return [
        {
            **entry,
            "source": {"path": repos[entry["name"]], "split": "train", "format": "messages"}
            if entry["name"] in repos
            else entry["prepared"]["from"],
        }
        for entry in entries
    ]


def manifest_card(mix: str, entries: list[dict], repos: dict[str, str], licenses: dict[str, str], shares: str) -> str:
    header = DatasetCardData(
        language=["pt", "en"], pretty_name=f"AMALIA-VL {mix} mix", tags=["amalia-vl", "data-mix"]
    ).to_yaml()
    rows = "\n".join(
        f"| {entry['name']} | {entry['category']} | {entry['prepared']['rows']:,} | {entry['size']:,} "
        f"| {licenses.get(entry['name'], entry.get('license'))} | {_loads_from(entry, repos)} |"
        for entry in entries
    )
    return f"""---
{header}
---

# AMALIA-VL {mix} mix

The data mix `{mix}` as `python -m train.prepare_mix` prepared it: `{MIX}` here is a data-mix file
(train/data_mix.yaml's schema) whose pt-PT sets read the repositories below; train on it with
`--data_mix {mix} --data_mix_file {MIX}`.

| set | category | rows prepared | size (an epoch) | licence | loads from |
|---|---|---|---|---|---|
{rows}

## Shares

Per category: its share in the mix file (Table 1 of the paper for stage 2), its share of this mix (weights as
sampling probabilities, renormalised over what was prepared), and the rows prepared against the sizes (an epoch).

```
{shares}```
"""


def _loads_from(entry: dict, repos: dict[str, str]) -> str:
    if entry["name"] in repos:
        return f"[{repos[entry['name']]}](https://huggingface.co/datasets/{repos[entry['name']]})"
    return f"its own source, `{entry['prepared']['from'].get('path')}` (not published again)"


def _texts(*texts: str) -> datasets.Dataset:
    return datasets.Dataset.from_dict({"text": list(texts)})


def stage(folder: Path, repo_prefix: str, own_sets_license: str | None) -> list[tuple[Path, str, list[str]]]:
    """Check and write everything to publish: [(folder, repo id, files to push)], the manifest last. Raises
    LicenceRefused or SecretInDataset, before any request."""
    mix, entries = read_prepared(folder)
    published = [entry for entry in entries if is_pt(entry)]
    if not published:
        raise ValueError(f"{folder / MIX} has no pt-PT set to publish.")
    check_licences(published, own_sets_license)
    repos = {entry["name"]: f"{repo_prefix}{slug(entry['name'])}" for entry in published}
    licenses = {entry["name"]: release_license(entry, own_sets_license) for entry in published}
    pushes = []
    for entry in published:
        set_folder = folder / slug(entry["name"])  # not the path in mix.yaml: the folder may have moved since
        card = set_folder / "README.md"
        card.write_text(set_card(entry, mix, entries, repos[entry["name"]], licenses[entry["name"]]))
        rows = datasets.load_dataset(
            str(set_folder), data_files={"train": SHARD_PATTERN}, split="train", streaming=True
        )
        check_no_secrets(rows, card)
        pushes.append((set_folder, repos[entry["name"]], [SHARD_PATTERN, "README.md"]))
    manifest = folder / ".release" / "manifest"
    manifest.mkdir(parents=True, exist_ok=True)
    (manifest / MIX).write_text(
        yaml.safe_dump({mix: hub_manifest(entries, repos)}, allow_unicode=True, sort_keys=False)
    )
    shares = (folder / SHARES).read_text()
    (manifest / "README.md").write_text(manifest_card(mix, entries, repos, licenses, shares))
    check_no_secrets(_texts((manifest / MIX).read_text()), manifest / "README.md")
    return [*pushes, (manifest, f"{repo_prefix}{mix}-mix", [MIX, "README.md"])]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prepared", type=Path, help="the --output folder of python -m train.prepare_mix")
    parser.add_argument(
        "--repo-prefix", required=True, help="ORG/amalia-vl-: each set goes to ORG/amalia-vl-<its folder name>"
    )
    parser.add_argument("--private", action="store_true", help="create the repositories private")
    parser.add_argument(
        "--own-sets-license",
        help="the licence (an SPDX id) to publish our own sets under: those whose licence is `to be decided`",
    )
    args = parser.parse_args(argv)
    if "/" not in args.repo_prefix:
        parser.error(f"--repo-prefix {args.repo_prefix!r} names no owner: write it as ORG/amalia-vl-")
    if args.own_sets_license and args.own_sets_license.lower() in ("unknown", UNDECIDED):
        parser.error("--own-sets-license takes the licence id the sets are published under, such as apache-2.0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_logging()
    try:
        pushes = stage(args.prepared, args.repo_prefix, args.own_sets_license)
        for folder, repo_id, files in pushes:
            url = push_folder(
                folder,
                repo_id,
                repo_type="dataset",
                private=args.private,
                commit_message=f"AMALIA-VL data: {folder.name}",
                allow_patterns=files,
            )
            logger.info(f"published {folder} as https://huggingface.co/datasets/{repo_id} ({url})")
    except (LicenceRefused, SecretInDataset) as error:
        logger.error("%s", error)
        return 1
    except PushError as error:
        logger.error("%s", error)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
