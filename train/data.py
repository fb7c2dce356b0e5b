"""Load the sources of a data mix (train/data_mix.yaml) into TRL's vision format and mix them by weight.

TRL's vision format is `messages` (string contents, roles user / assistant / system) + `images` (a list of PIL
images, empty for text-only rows) for SFT, and `prompt` / `chosen` / `rejected` + `images` for DPO. TRL's
`prepare_multimodal_messages` puts the image placeholders before the first user text, so converted rows carry no
`<image>` marker of their own.

    from train.data import load_mix
    train = load_mix("stage2", split="train", seed=42)   # Table 1, streamed from the Hub where the source says so

A mix of several sources is a stream drawn as Table 1 means it: each entry's `weight` is the probability that the
next sample comes from it, whatever the source's real size (a source smaller than its share repeats, a larger one is
sampled), and one epoch is the sum of the entries' `size`.
"""

import glob
import logging
import math
import os
from collections.abc import Callable
from pathlib import Path

import datasets
import yaml

from train.licenses import accepted_licenses, is_accepted, select_licenses


logger = logging.getLogger(__name__)
DEFAULT_MIX_FILE = Path(__file__).with_name("data_mix.yaml")
MESSAGES = datasets.List({"role": datasets.Value("string"), "content": datasets.Value("string")})
IMAGES = datasets.List(datasets.Image())
SFT_FEATURES = datasets.Features({"messages": MESSAGES, "images": IMAGES})
DPO_FEATURES = datasets.Features({"prompt": MESSAGES, "chosen": MESSAGES, "rejected": MESSAGES, "images": IMAGES})
# Keys of a source spec that are ours; the others go to `datasets.load_dataset` unchanged.
OWN_KEYS = ("format", "image_root", "eval_split", "split", "translated_from", "license", "prepared_by")
CAPTION_PROMPT = "Descreve esta imagem."


def read_mix(mix: str, mix_file: str | os.PathLike = DEFAULT_MIX_FILE) -> list[dict]:
    """The entries (category, name, size, weight, source) of the mix called `mix` in `mix_file`."""
    with open(mix_file) as file:
        mixes = yaml.safe_load(file)
    if mix not in mixes:
        raise KeyError(f"No mix called {mix!r} in {mix_file}; it has {sorted(mixes)}.")
    return mixes[mix]


def _without_image_markers(text: str) -> str:
    return text.replace("<image>", "").strip()


def _from_llava(row: dict) -> dict:
    roles = {"human": "user", "gpt": "assistant", "system": "system"}
    messages = [
        {"role": roles[turn["from"]], "content": _without_image_markers(turn["value"])} for turn in row["conversations"]
    ]
    image = row.get("image")
    return {"messages": messages, "images": [image] if image else []}


def _from_cauldron(row: dict) -> dict:
    messages = []
    for turn in row["texts"]:
        messages += [{"role": "user", "content": turn["user"]}, {"role": "assistant", "content": turn["assistant"]}]
    return {"messages": messages, "images": row["images"]}


def _from_nemotron2(row: dict) -> dict:
    # nvidia/Nemotron-VLM-Dataset-v2 (its data_format.md): TRL-like `messages` whose `content` is a list of typed
    # fragments; an image fragment names a file inside the subset's media archives, so the paths go to `images`.
    images = [item["image"] for message in row["messages"] for item in message["content"] if item["type"] == "image"]
    return {"messages": [text_content(message) for message in row["messages"]], "images": images}


def _from_caption(row: dict) -> dict:
    # `image` + `caption`, or img2dataset's shards (train/pd12m.py): `jpg` bytes + `txt`.
    caption = row["caption"] if "caption" in row else row["txt"]
    messages = [{"role": "user", "content": CAPTION_PROMPT}, {"role": "assistant", "content": caption}]
    return {"messages": messages, "images": [row["image"] if "image" in row else row["jpg"]]}


def _downloaded_only(dataset):
    # img2dataset keeps every URL it could not fetch as a row without an image, its `status` saying why.
    if {"status", "jpg"} <= set(dataset.column_names or []):
        return dataset.filter(lambda status: status == "success", input_columns="status")
    return dataset


def text_content(message: dict) -> dict:
    # TRL's vision format also allows typed content items (datagen writes them); TRL places the images itself.
    content = message["content"]
    if isinstance(content, list):
        content = "".join(item["text"] for item in content if item["type"] == "text")
    return {"role": message["role"], "content": content}


def _with_text_contents(row: dict) -> dict:
    converted = {
        key: [text_content(m) for m in row[key]] for key in ("messages", "prompt", "chosen", "rejected") if key in row
    }
    if "images" not in row and row.get("image") is not None:
        converted["images"] = [row["image"]]  # TRL also accepts one `image` per row
    return converted


def _with_images_column(row: dict) -> dict:
    # A streamed dataset does not know its columns after a map, so this runs on rows that have `images` already:
    # they keep them (one `image` per row becomes the list).
    if "images" in row:
        return {"images": row["images"]}
    return {"images": [row["image"]] if row.get("image") is not None else []}


CONVERTERS: dict[str, Callable[[dict], dict] | None] = {
    "messages": None,
    "llava": _from_llava,
    "cauldron": _from_cauldron,
    # HuggingFaceM4/FineVision keeps the_cauldron's `images` + `texts` [{user, assistant}] and adds a `source` and
    # per-turn quality ratings, which the conversion drops.
    "finevision": _from_cauldron,
    "nemotron2": _from_nemotron2,
    "caption": _from_caption,
}
# Formats whose rows name image files rather than hold them: their source needs `image_root`.
PATH_FORMATS = ("llava", "nemotron2")
# The features a converter's rows have, where `map` cannot infer them: datasets reads Nemotron v2's mixed content
# fragments as `Json`, and keeps that type for the converted `messages` column of the same name.
CONVERTED_FEATURES = {
    "nemotron2": datasets.Features({"messages": MESSAGES, "images": datasets.List(datasets.Value("string"))})
}


def _resolve_image_paths(dataset, image_root: str, map_kwargs: dict | None = None):
    # Relative paths in jsonl / llava annotations are relative to the source's image folder, not to the caller.
    def resolve(row):
        return {
            "images": [
                image if not isinstance(image, str) else os.path.join(image_root, image) for image in row["images"]
            ]
        }

    return dataset.map(resolve, **(map_kwargs or {}))


def _is_saved_dataset(path) -> bool:
    # `Dataset.save_to_disk` / `DatasetDict.save_to_disk` write these beside their arrow files.
    folder = Path(str(path))
    return folder.is_dir() and any((folder / name).exists() for name in ("dataset_dict.json", "state.json"))


def _load_split(source: dict, split: str):
    """One split of a source: a `save_to_disk` folder through `load_from_disk`, anything else through
    `load_dataset` (a Hub id, a local data folder, or a builder such as `json`)."""
    if not _is_saved_dataset(source.get("path")):
        load_kwargs = {key: value for key, value in source.items() if key not in OWN_KEYS}
        return datasets.load_dataset(**load_kwargs, split=split)
    saved = datasets.load_from_disk(source["path"])
    if isinstance(saved, datasets.DatasetDict):
        if split not in saved:
            raise ValueError(f"{source['path']} has the splits {sorted(saved)}, not {split!r}: set `split`.")
        saved = saved[split]
    return saved.to_iterable_dataset() if source.get("streaming") else saved


def load_source(source: dict, split: str, extra_columns: tuple[str, ...] = (), num_proc: int | None = None):
    """Load one source's `split` and convert it to TRL's vision format (SFT or DPO, from the columns it has).

    `extra_columns` keeps columns beyond the format's own (the sample test set keeps `answer` and `choices`).
    `num_proc` converts a map-style source in that many processes (train/prepare_mix.py); a stream converts lazily.
    """
    if source is None:
        raise ValueError(
            "This mix entry has no `source` yet (an unpublished set, or one whose Hub layout is unverified): "
            "generate or download it, then fill in its `source` in train/data_mix.yaml, or train on the others "
            "with --skip_unavailable_sources true."
        )
    missing = _missing_local_files(source)
    if missing:
        make = f"make it with `{source['prepared_by']}`" if source.get("prepared_by") else "check the path"
        raise FileNotFoundError(f"This mix entry reads {', '.join(missing)}, which matches no file yet: {make}.")
    fmt = source.get("format", "messages")
    if fmt not in CONVERTERS:
        raise ValueError(f"Unknown source format {fmt!r}; use one of {sorted(CONVERTERS)}.")
    try:
        dataset = _load_split(source, split)
    except StopIteration:  # datasets' json builder on an empty file
        dataset = None
    if dataset is None or (isinstance(dataset, datasets.Dataset) and len(dataset) == 0):
        raise ValueError(f"{source.get('data_files') or source.get('path')} holds no rows (split {split!r}).")
    if fmt == "caption":
        dataset = _downloaded_only(dataset)
    converter = CONVERTERS[fmt]
    parallel = {"num_proc": num_proc} if num_proc and not _is_stream(dataset) else {}
    if converter is None:
        dataset = dataset.map(_with_text_contents, **parallel)
    else:
        dataset = dataset.map(
            converter,
            remove_columns=list(dataset.column_names or []),
            features=CONVERTED_FEATURES.get(fmt),
            **parallel,
        )
    if "images" not in (dataset.column_names or []):
        dataset = dataset.map(_with_images_column, **parallel)
    if source.get("image_root"):
        dataset = _resolve_image_paths(dataset, source["image_root"], parallel)
    elif fmt in PATH_FORMATS:
        raise ValueError(
            f"Source {source.get('path')!r} stores image paths: set `image_root` to the folder of its images."
        )
    features = DPO_FEATURES if "chosen" in (dataset.column_names or []) else SFT_FEATURES
    dataset = dataset.select_columns(list(features) + list(extra_columns))
    return dataset.cast(datasets.Features({**features, **{name: dataset.features[name] for name in extra_columns}}))


def usable_entries(
    mix: str,
    mix_file: str | os.PathLike = DEFAULT_MIX_FILE,
    skip_unavailable: bool = False,
    licenses: str | None = None,
):
    """The entries of `mix` to train on. `licenses` keeps the entries whose licence it accepts ("open": see
    train/licenses.py; None: all). With `skip_unavailable`, entries without a source, or whose images are not
    downloaded (`image_root: null`), are dropped too. Either way a warning names what was dropped."""
    entries = select_licenses(read_mix(mix, mix_file), licenses, mix)
    if not entries:
        raise ValueError(f"No entry of mix {mix!r} has a licence that --licenses {licenses} accepts.")
    if not skip_unavailable:
        return entries
    usable = [entry for entry in entries if is_usable(entry["source"])]
    missing = [entry["name"] for entry in entries if entry not in usable]
    if missing:
        logger.warning(f"Mix {mix!r} without its unavailable sources: {', '.join(missing)}.")
    if not usable:
        raise ValueError(f"No source of mix {mix!r} is available: fill in their `source` in {mix_file}.")
    return usable


def is_usable(source: dict | None) -> bool:
    if not source or ("image_root" in source and not source["image_root"]):
        return False
    return not _missing_local_files(source)


def _missing_local_files(source: dict) -> list[str]:
    """The local `data_files` patterns that match nothing: data a preparation step (`prepared_by`) has not made yet."""
    data_files = source.get("data_files") or {}
    patterns = data_files.values() if isinstance(data_files, dict) else [data_files]
    flat = [pattern for value in patterns for pattern in ([value] if isinstance(value, str) else value)]
    # Relative to the source's folder when `path` is one (as `load_dataset` reads them), else to the working folder.
    base = source["path"] if os.path.isdir(source.get("path", "")) else ""
    return [pattern for pattern in flat if "://" not in pattern and not glob.glob(os.path.join(base, pattern))]


def compass(mix: str, mix_file: str | os.PathLike = DEFAULT_MIX_FILE, licenses: str | None = None) -> str:
    """A table of `mix` by category: its share of the mix as written (Table 1 for stage 2), the share that can be
    trained on (a usable source, and a licence that `licenses` accepts) and the share missing."""
    entries = read_mix(mix, mix_file)
    accepted = accepted_licenses(licenses)
    total = sum(entry["weight"] for entry in entries)
    rows = {}
    for entry in entries:
        share, available = rows.get(entry["category"], (0.0, 0.0))
        usable = is_usable(entry["source"]) and is_accepted(entry, accepted)
        rows[entry["category"]] = (share + entry["weight"] / total, available + usable * entry["weight"] / total)
    rows["Total"] = (sum(share for share, _ in rows.values()), sum(available for _, available in rows.values()))
    width = max(len(category) for category in [*rows, "category"])
    lines = [f"{'category':<{width}}  {'share':>6}  {'usable':>6}  {'missing':>7}"]
    for category, (share, available) in rows.items():
        lines.append(f"{category:<{width}}  {share:>6.1%}  {available:>6.1%}  {share - available:>7.1%}")
    return "\n".join(lines)


def epoch_size(entries: list[dict]) -> int:
    """Samples in one epoch of a mix: the sum of its entries' `size` (Table 1's counts)."""
    unsized = [entry["name"] for entry in entries if not entry.get("size")]
    if unsized:
        raise ValueError(f"Mix entries without a `size` (their samples per epoch): {', '.join(unsized)}.")
    return sum(int(entry["size"]) for entry in entries)


def load_mix(
    mix: str,
    split: str = "train",
    seed: int = 0,
    mix_file: str | os.PathLike = DEFAULT_MIX_FILE,
    shuffle_buffer: int = 0,
    skip_unavailable: bool = False,
    num_shards: int = 64,
    licenses: str | None = None,
    entries: list[dict] | None = None,
):
    """Load the sources of `mix`; several are drawn as one stream with their weights as sampling probabilities.

    `split="train"` reads each source's `split`; `split="eval"` reads each source's `eval_split` and returns None
    when no source has one. A mix of one source is that source (map-style or streamed, as it is stored). A mix of
    several is an `IterableDataset` of `epoch_size` samples: every source repeated without end and interleaved
    with probabilities `weight / sum(weights)`, so the shares of any stretch of it are the weights whatever each
    source's real size. The order is a function of `seed` alone. Map-style sources are shuffled (an exact
    permutation) and become streams of `num_shards` shards, so that the trainer's dataloader splits the stream by
    rank (`IterableDataset.shard`). Streamed sources keep their stored order unless `shuffle_buffer` > 0: a shuffle
    buffer mixes them further, but `datasets` does not save its content with the stream's state, so a resumed run
    would skip the samples it held; without one, a resume continues exactly (train/stream_state.py).
    `skip_unavailable` trains on the entries that have a usable source, `licenses` on those whose licence it
    accepts (train/licenses.py), their weights renormalised; a caller that has selected them already
    (`usable_entries`) passes them as `entries`. The log starts with the mix's `compass`.
    """
    if split == "train":  # once a run, not again for its held-out split
        logger.warning(f"Mix {mix!r} by category (--licenses {licenses}):\n{compass(mix, mix_file, licenses)}")
    if entries is None:
        entries = usable_entries(mix, mix_file, skip_unavailable, licenses)
    if split == "eval":
        entries = [entry for entry in entries if entry["source"] and entry["source"].get("eval_split")]
        if not entries:
            return None
    parts = []
    for entry in entries:
        source = entry["source"] or {}
        try:
            part = load_source(
                entry["source"], source.get("eval_split") if split == "eval" else source.get("split", "train")
            )
        except (ValueError, FileNotFoundError) as error:  # the entry's name, so a user knows which one to fix
            raise type(error)(f"{entry['name']} ({entry['category']}): {error}{_what_makes(entry)}") from error
        parts.append(part)
    if len(parts) == 1:  # map-style: the trainer's sampler shuffles it
        return _shuffled_stream(parts[0], seed, shuffle_buffer) if _is_stream(parts[0]) else parts[0]
    if split == "eval":  # held-out sets are measured whole, once each
        if all(isinstance(part, datasets.Dataset) for part in parts):
            return datasets.concatenate_datasets(parts)
        return datasets.concatenate_datasets([_as_stream(part, num_shards) for part in parts])
    size = epoch_size(entries)
    streams = [
        _shuffled_stream(part, seed + index, shuffle_buffer, num_shards).repeat(None)
        for index, part in enumerate(parts)
    ]
    total = sum(entry["weight"] for entry in entries)
    mixed = datasets.interleave_datasets(
        streams,
        probabilities=[entry["weight"] / total for entry in entries],
        seed=seed,
        stopping_strategy="first_exhausted",
    )
    english = sum(entry["weight"] for entry in entries if entry.get("language") == "en") / total
    logger.warning(
        f"Mix {mix!r}: {len(entries)} sources, {size:,} samples an epoch; {english:.1%} of it from English originals "
        "(train/data_mix.yaml says how to translate them)."
    )
    return mixed.take(size)


def _what_makes(entry: dict) -> str:
    if entry.get("made_by"):
        return f" This set is ours: make it with `{entry['made_by']}`."
    return f" Why it is missing: {entry['missing']}." if entry.get("missing") else ""


def _is_stream(part) -> bool:
    return isinstance(part, datasets.IterableDataset)


def _as_stream(part, num_shards: int):
    return part if _is_stream(part) else part.to_iterable_dataset(num_shards=max(1, min(num_shards, len(part))))


def _shuffled_stream(part, seed: int, shuffle_buffer: int, num_shards: int = 1):
    if not _is_stream(part):
        return _as_stream(part.shuffle(seed=seed), num_shards)
    return part.shuffle(seed=seed, buffer_size=shuffle_buffer) if shuffle_buffer > 0 else part


def steps_per_epoch(samples: int, samples_per_step: int) -> int:
    """Optimizer steps in one epoch of `samples` (the last, partial step counts)."""
    return math.ceil(samples / samples_per_step)
