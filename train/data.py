"""Load the sources of a data mix (train/data_mix.yaml) into TRL's vision format and mix them by weight.

TRL's vision format is `messages` (string contents, roles user / assistant / system) + `images` (a list of PIL
images, empty for text-only rows) for SFT, and `prompt` / `chosen` / `rejected` + `images` for DPO. TRL's
`prepare_multimodal_messages` puts the image placeholders before the first user text, so converted rows carry no
`<image>` marker of their own.

    from train.data import load_mix
    train = load_mix("stage2", split="train", seed=42)   # Table 1, streamed from the Hub where the source says so
"""

import logging
import os
from collections.abc import Callable
from pathlib import Path

import datasets
import yaml


logger = logging.getLogger(__name__)
DEFAULT_MIX_FILE = Path(__file__).with_name("data_mix.yaml")
MESSAGES = datasets.List({"role": datasets.Value("string"), "content": datasets.Value("string")})
IMAGES = datasets.List(datasets.Image())
SFT_FEATURES = datasets.Features({"messages": MESSAGES, "images": IMAGES})
DPO_FEATURES = datasets.Features({"prompt": MESSAGES, "chosen": MESSAGES, "rejected": MESSAGES, "images": IMAGES})
# Keys of a source spec that are ours; the others go to `datasets.load_dataset` unchanged.
OWN_KEYS = ("format", "image_root", "eval_split", "split")
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


def _from_caption(row: dict) -> dict:
    messages = [{"role": "user", "content": CAPTION_PROMPT}, {"role": "assistant", "content": row["caption"]}]
    return {"messages": messages, "images": [row["image"]]}


def _text_content(message: dict) -> dict:
    # TRL's vision format also allows typed content items (datagen writes them); TRL places the images itself.
    content = message["content"]
    if isinstance(content, list):
        content = "".join(item["text"] for item in content if item["type"] == "text")
    return {"role": message["role"], "content": content}


def _with_text_contents(row: dict) -> dict:
    return {
        key: [_text_content(m) for m in row[key]] for key in ("messages", "prompt", "chosen", "rejected") if key in row
    }


CONVERTERS: dict[str, Callable[[dict], dict] | None] = {
    "messages": None,
    "llava": _from_llava,
    "cauldron": _from_cauldron,
    "caption": _from_caption,
}


def _resolve_image_paths(dataset, image_root: str):
    # Relative paths in jsonl / llava annotations are relative to the source's image folder, not to the caller.
    def resolve(row):
        return {
            "images": [
                image if not isinstance(image, str) else os.path.join(image_root, image) for image in row["images"]
            ]
        }

    return dataset.map(resolve)


def load_source(source: dict, split: str, extra_columns: tuple[str, ...] = ()):
    """Load one source's `split` and convert it to TRL's vision format (SFT or DPO, from the columns it has).

    `extra_columns` keeps columns beyond the format's own (the sample test set keeps `answer` and `choices`).
    """
    if source is None:
        raise ValueError(
            "This mix entry has no `source` yet (an unpublished set, or one whose Hub layout is unverified): "
            "generate or download it, then fill in its `source` in train/data_mix.yaml, or train on the others "
            "with --skip_unavailable_sources true."
        )
    fmt = source.get("format", "messages")
    if fmt not in CONVERTERS:
        raise ValueError(f"Unknown source format {fmt!r}; use one of {sorted(CONVERTERS)}.")
    load_kwargs = {key: value for key, value in source.items() if key not in OWN_KEYS}
    dataset = datasets.load_dataset(**load_kwargs, split=split)
    converter = CONVERTERS[fmt]
    if converter is None:
        dataset = dataset.map(_with_text_contents)
    else:
        dataset = dataset.map(converter, remove_columns=list(dataset.column_names or []))
    if "images" not in (dataset.column_names or []):
        dataset = dataset.map(lambda row: {"images": []})
    if source.get("image_root"):
        dataset = _resolve_image_paths(dataset, source["image_root"])
    elif fmt == "llava":
        raise ValueError(
            f"Source {source.get('path')!r} stores image paths: set `image_root` to the folder of its images."
        )
    features = DPO_FEATURES if "chosen" in (dataset.column_names or []) else SFT_FEATURES
    dataset = dataset.select_columns(list(features) + list(extra_columns))
    return dataset.cast(datasets.Features({**features, **{name: dataset.features[name] for name in extra_columns}}))


def load_mix(
    mix: str,
    split: str = "train",
    seed: int = 0,
    mix_file: str | os.PathLike = DEFAULT_MIX_FILE,
    shuffle_buffer: int = 10_000,
    skip_unavailable: bool = False,
):
    """Load every source of `mix` and interleave them with their weights as sampling probabilities.

    `split="train"` reads each source's `split`; `split="eval"` reads each source's `eval_split` and returns None
    when no source has one. The order is a function of `seed` alone. Streamed sources are shuffled through a buffer
    (map-style ones are shuffled by the trainer's sampler); one pass over the result visits every sample once.
    `skip_unavailable` trains on the entries that have a source, their weights renormalised, and names the others.
    """
    entries = read_mix(mix, mix_file)
    if skip_unavailable:
        missing = [entry["name"] for entry in entries if not entry["source"]]
        entries = [entry for entry in entries if entry["source"]]
        if missing:
            logger.warning(f"Mix {mix!r} without its unavailable sources: {', '.join(missing)}.")
        if not entries:
            raise ValueError(f"No source of mix {mix!r} is available: fill in their `source` in {mix_file}.")
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
        except ValueError as error:
            raise ValueError(f"{entry['name']} ({entry['category']}): {error}") from error
        if isinstance(part, datasets.IterableDataset):
            part = part.shuffle(seed=seed, buffer_size=shuffle_buffer)
        parts.append(part)
    if len(parts) == 1:
        return parts[0]
    total = sum(entry["weight"] for entry in entries)
    return datasets.interleave_datasets(
        parts,
        probabilities=[entry["weight"] / total for entry in entries],
        seed=seed,
        stopping_strategy="all_exhausted_without_replacement",
    )
