import json
from collections import Counter

import datasets
import pytest
import yaml
from PIL import Image

from train.data import load_mix, read_mix
from train.sample_data import make_sample_data


# Category shares printed in Table 1 of the paper, in percent.
TABLE_1 = {
    "Grounding": 34.3,
    "General VQA": 22.2,
    "Naive OCR": 13.2,
    "Chart & Table": 8.0,
    "Captioning": 7.5,
    "OCR QA": 6.6,
    "Code Reasoning": 4.2,
    "Mathematics": 2.6,
    "Doc. Understanding": 1.0,
    "Science": 0.2,
    "Text IF": 0.1,
}


def test_stage2_mix_is_table_1():
    entries = read_mix("stage2")
    total = sum(entry["size"] for entry in entries)
    assert 4.6e6 < total < 4.7e6  # "4.7M samples"
    shares = Counter()
    for entry in entries:
        assert entry["weight"] == pytest.approx(entry["size"] / total, abs=1e-6), entry["name"]
        shares[entry["category"]] += 100 * entry["size"] / total
    assert {category: round(share, 1) for category, share in shares.items()} == TABLE_1


@pytest.fixture
def mix_file(tmp_path):
    """Two local sources in two formats: the sample set (TRL's format) and a llava-style caption set."""
    root = make_sample_data(tmp_path / "sample", num_train=60, num_test=12, seed=0)
    Image.new("RGB", (40, 30), "red").save(tmp_path / "red.png")
    with open(tmp_path / "llava.jsonl", "w") as file:
        for index in range(30):
            turns = [{"from": "human", "value": "<image>\nQue cor?"}, {"from": "gpt", "value": f"vermelho {index}"}]
            file.write(json.dumps({"image": "red.png", "conversations": turns}) + "\n")
    sample = {
        "path": "json",
        "data_files": {"train": str(root / "sft_train.jsonl"), "test": str(root / "sft_test.jsonl")},
        "split": "train",
        "eval_split": "test",
        "format": "messages",
        "image_root": str(root),
    }
    llava = {
        "path": "json",
        "data_files": str(tmp_path / "llava.jsonl"),
        "split": "train",
        "format": "llava",
        "image_root": str(tmp_path),
    }
    mixes = {
        "two": [
            {"category": "a", "name": "sample", "size": 60, "weight": 0.5, "source": sample},
            {"category": "b", "name": "llava", "size": 30, "weight": 0.5, "source": llava},
        ],
        "streamed": [
            {"category": "a", "name": "sample", "size": 60, "weight": 1.0, "source": {**sample, "streaming": True}}
        ],
        "missing": [{"category": "c", "name": "PT-OCR", "size": 1, "weight": 1.0, "source": None}],
        "partly": [
            {"category": "c", "name": "PT-OCR", "size": 1, "weight": 0.5, "source": None},
            {"category": "b", "name": "llava", "size": 30, "weight": 0.5, "source": llava},
        ],
    }
    path = tmp_path / "mix.yaml"
    path.write_text(yaml.safe_dump(mixes))
    return path


def test_mix_converts_formats_and_is_deterministic_in_the_seed(mix_file):
    mixed = list(load_mix("two", seed=1, mix_file=mix_file))
    again = list(load_mix("two", seed=1, mix_file=mix_file))
    other = list(load_mix("two", seed=2, mix_file=mix_file))
    order = [row["messages"][-1]["content"] for row in mixed]
    assert order == [row["messages"][-1]["content"] for row in again]
    assert order != [row["messages"][-1]["content"] for row in other]
    assert len(order) == 90  # an epoch is the entries' sizes: 60 + 30
    llava_row = next(row for row in mixed if row["messages"][-1]["content"].startswith("vermelho"))
    assert llava_row["messages"][0] == {"role": "user", "content": "Que cor?"}  # marker gone: TRL places the image
    assert isinstance(llava_row["images"][0], Image.Image) and llava_row["images"][0].size == (40, 30)
    # Equal weights: the first 30 rows hold both sources in roughly equal parts.
    head = Counter(row["messages"][-1]["content"].startswith("vermelho") for row in mixed[:30])
    assert 8 <= head[True] <= 22, head


def _numbered_source(directory, name: str, rows: int) -> dict:
    path = directory / f"{name}.jsonl"
    with open(path, "w") as file:
        for index in range(rows):
            messages = [{"role": "user", "content": "?"}, {"role": "assistant", "content": f"{name} {index}"}]
            file.write(json.dumps({"messages": messages}) + "\n")
    return {"path": "json", "data_files": str(path), "split": "train", "format": "messages"}


def test_weights_set_the_shares_whatever_each_sources_real_size(tmp_path):
    """Table 1's shares hold when a source is ten times smaller than its share (it repeats) and another five times
    larger (it is sampled): weights are sampling probabilities and an epoch is the entries' sizes."""
    entries = [
        {
            "category": "a",
            "name": "small",
            "size": 1000,
            "weight": 0.5,
            "source": _numbered_source(tmp_path, "small", 100),
        },
        {
            "category": "b",
            "name": "large",
            "size": 1000,
            "weight": 0.3,
            "source": _numbered_source(tmp_path, "large", 3000),
        },
        {
            "category": "c",
            "name": "exact",
            "size": 1000,
            "weight": 0.2,
            "source": _numbered_source(tmp_path, "exact", 1000),
        },
    ]
    (tmp_path / "mix.yaml").write_text(yaml.safe_dump({"unequal": entries}))
    drawn = [row["messages"][-1]["content"] for row in load_mix("unequal", seed=0, mix_file=tmp_path / "mix.yaml")]
    assert len(drawn) == 3000
    shares = Counter(text.split()[0] for text in drawn)
    for entry in entries:
        assert abs(shares[entry["name"]] / len(drawn) - entry["weight"]) < 0.03, shares
    small = [text for text in drawn if text.startswith("small")]
    assert len(set(small)) == 100 < len(small)  # the small source repeats, every row of it seen


def test_a_single_image_column_trains_with_its_image(tmp_path):
    """TRL's format with one `image` per row (not `images`) keeps the image instead of training text-only."""
    Image.new("RGB", (20, 10), "blue").save(tmp_path / "blue.png")
    rows = datasets.Dataset.from_dict(
        {
            "messages": [[{"role": "user", "content": "Cor?"}, {"role": "assistant", "content": "azul"}]],
            "image": [str(tmp_path / "blue.png")],
        }
    ).cast_column("image", datasets.Image())
    rows.save_to_disk(tmp_path / "own")
    mix = [{"category": "a", "name": "own", "size": 1, "weight": 1.0, "source": {"path": str(tmp_path / "own")}}]
    (tmp_path / "mix.yaml").write_text(yaml.safe_dump({"own": mix}))
    (row,) = load_mix("own", mix_file=tmp_path / "mix.yaml")
    assert [image.size for image in row["images"]] == [(20, 10)]


def test_streamed_source_and_eval_split(mix_file):
    streamed = load_mix("streamed", mix_file=mix_file)
    assert isinstance(streamed, datasets.IterableDataset)
    first = next(iter(streamed))
    assert set(first) == {"messages", "images"}
    assert all(isinstance(image, Image.Image) for image in first["images"])
    assert any(row["images"] for row in streamed.take(10))  # a stream keeps its images through the conversion
    assert len(load_mix("two", split="eval", mix_file=mix_file)) == 12  # only the sample source has a test split


def test_unpublished_source_says_what_to_do(mix_file):
    with pytest.raises(ValueError, match="PT-OCR.*fill in its `source`"):
        load_mix("missing", mix_file=mix_file)


def test_an_entry_of_ours_names_the_command_that_makes_it_and_a_missing_one_why(tmp_path):
    ours = {"category": "c", "name": "PT-OCR", "size": 1, "weight": 1.0, "source": None, "made_by": "python -m x"}
    lost = {**ours, "name": "VisDial", "made_by": None, "missing": "no verified Hub copy"}
    (tmp_path / "mix.yaml").write_text(yaml.safe_dump({"ours": [ours], "lost": [lost]}))
    with pytest.raises(ValueError, match="PT-OCR.*make it with `python -m x`"):
        load_mix("ours", mix_file=tmp_path / "mix.yaml")
    with pytest.raises(ValueError, match="VisDial.*Why it is missing: no verified Hub copy"):
        load_mix("lost", mix_file=tmp_path / "mix.yaml")


def test_a_prepared_source_not_made_yet_names_its_entry_and_the_command(tmp_path):
    source = {"data_files": str(tmp_path / "shards" / "*.parquet"), "prepared_by": "python -m train.pd12m"}
    entry = {"category": "captions", "name": "PD12M", "size": 1, "weight": 1.0, "source": source}
    (tmp_path / "mix.yaml").write_text(yaml.safe_dump({"stage1": [entry]}))
    with pytest.raises(FileNotFoundError, match=r"^PD12M \(captions\): .*make it with `python -m train.pd12m`"):
        load_mix("stage1", mix_file=tmp_path / "mix.yaml")


def test_unavailable_sources_can_be_left_out_on_request(mix_file, caplog):
    with pytest.raises(ValueError, match="PT-OCR"):
        load_mix("partly", mix_file=mix_file)
    assert len(load_mix("partly", mix_file=mix_file, skip_unavailable=True)) == 30  # the one left, as it is
    assert "without its unavailable sources: PT-OCR" in caplog.text
    with pytest.raises(ValueError, match="No source of mix 'missing' is available"):
        load_mix("missing", mix_file=mix_file, skip_unavailable=True)


def test_entries_whose_images_are_not_downloaded_are_left_out_too(mix_file, caplog):
    """`image_root: null` (Nemotron's OCR sets before their images are fetched) is no usable source either."""
    mixes = yaml.safe_load(mix_file.read_text())
    no_images = {
        **mixes["two"][1],
        "name": "Nemotron OCR1",
        "source": {**mixes["two"][1]["source"], "image_root": None},
    }
    mixes["undownloaded"] = [mixes["two"][0], no_images]
    mix_file.write_text(yaml.safe_dump(mixes))
    rows = load_mix("undownloaded", mix_file=mix_file, skip_unavailable=True)
    assert len(rows) == 60 and "without its unavailable sources: Nemotron OCR1" in caplog.text


def test_every_stage_entry_says_its_language():
    """The public sets load as their English originals (the paper translated several): each entry says so."""
    for stage in ("stage1", "stage2", "stage3"):
        languages = {entry["name"]: entry.get("language") for entry in read_mix(stage)}
        assert set(languages.values()) <= {"en", "pt-PT"}, languages
    stage2 = {entry["name"]: entry["language"] for entry in read_mix("stage2")}
    assert stage2["PT-OCR"] == "pt-PT" and stage2["VQAv2"] == "en"


def test_a_streamed_mix_schedules_its_epochs_from_the_entries_left(mix_file, tmp_path):
    """max_steps follows the epoch of the entries that are left, not a number written for the full mix."""
    from trl import SFTConfig

    from train.stage import StageArguments, load_datasets

    rates = dict.fromkeys(("vision_tower", "multi_modal_projector", "image_newline", "language_model", "lm_head"), 1.0)
    stage = StageArguments(data_mix="two", data_mix_file=str(mix_file), module_learning_rates=rates)
    args = SFTConfig(
        output_dir=str(tmp_path),
        per_device_train_batch_size=4,
        gradient_accumulation_steps=2,
        num_train_epochs=2,
        use_cpu=True,
    )
    train, _ = load_datasets(stage, args)
    assert isinstance(train, datasets.IterableDataset)
    assert args.max_steps == 2 * 12  # 90 samples an epoch, 8 a step: 12 steps (the last one partial), twice


def test_licenses_select_the_entries_and_the_schedule_follows(tmp_path):
    """`--licenses open` trains on the open-licence entries alone, and max_steps counts only their epoch."""
    from trl import SFTConfig

    from train.stage import StageArguments, load_datasets

    entries = [
        {"category": "a", "name": name, "size": 40, "weight": 1 / 3, "license": license, "source": source}
        for name, license, source in [
            ("open one", "cc-by-4.0", _numbered_source(tmp_path, "first", 40)),
            ("open two", "apache-2.0", _numbered_source(tmp_path, "second", 40)),
            ("research only", "cc-by-nc-4.0", _numbered_source(tmp_path, "third", 40)),
        ]
    ]
    (tmp_path / "mix.yaml").write_text(yaml.safe_dump({"licensed": entries}))
    rates = dict.fromkeys(("vision_tower", "multi_modal_projector", "image_newline", "language_model", "lm_head"), 1.0)
    stage = StageArguments(
        data_mix="licensed", data_mix_file=str(tmp_path / "mix.yaml"), module_learning_rates=rates, licenses="open"
    )
    args = SFTConfig(output_dir=str(tmp_path / "out"), per_device_train_batch_size=8, num_train_epochs=1, use_cpu=True)
    train, _ = load_datasets(stage, args)
    assert {row["messages"][-1]["content"].split()[0] for row in train} == {"first", "second"}
    assert args.max_steps == 10  # 80 samples of the two open entries, 8 a step
