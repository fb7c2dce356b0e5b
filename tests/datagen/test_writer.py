import random

import pytest
from datasets import Dataset, load_dataset, load_from_disk
from huggingface_hub import DatasetCard
from PIL import Image

from datagen.writing import cli, hub
from datagen.writing.card import CardInfo, size_category, write_card
from datagen.writing.messages import check_row, make_row
from datagen.writing.writer import per_item, write_sharded


class Interrupted(RuntimeError):
    pass


class CountingSample:
    """A picklable sample maker that records the indices it made and can fail at one index."""

    def __init__(self, fail_at=None):
        self.made, self.fail_at = [], fail_at

    def __call__(self, rng: random.Random, index: int):
        if index == self.fail_at:
            raise Interrupted(index)
        self.made.append(index)
        if index % 5 == 4:
            return None  # a dropped sample
        image = Image.new("RGB", (8 + index, 8), (index, 0, 0))
        return make_row([image], [(f"pergunta {index}", f"resposta {rng.random()}")], task="toy")


def test_interrupted_run_resumes_without_redoing_or_losing_work(tmp_path):
    failing = CountingSample(fail_at=23)
    with pytest.raises(Interrupted):
        write_sharded(per_item(failing, seed=1), 30, tmp_path, seed=1, shard_size=10)
    assert failing.made == list(range(23))

    resumed = CountingSample()
    dataset = write_sharded(per_item(resumed, seed=1), 30, tmp_path, seed=1, shard_size=10)
    assert resumed.made == list(range(20, 30))  # the two finished shards were not remade
    assert [row["messages"][0]["content"][1]["text"] for row in dataset] == [
        f"pergunta {i}" for i in range(30) if i % 5 != 4
    ]
    assert not (tmp_path / "_shards").exists()

    fresh = CountingSample()
    uninterrupted = write_sharded(per_item(fresh, seed=1), 30, tmp_path / "again", seed=1, shard_size=10)
    assert uninterrupted["messages"] == dataset["messages"]

    again = CountingSample()
    write_sharded(per_item(again, seed=1), 30, tmp_path, seed=1, shard_size=10)
    assert again.made == []  # a finished dataset is loaded, not remade


def test_shards_of_other_settings_are_refused(tmp_path):
    with pytest.raises(Interrupted):
        write_sharded(per_item(CountingSample(fail_at=12), seed=1), 30, tmp_path, seed=1, shard_size=10)
    with pytest.raises(ValueError, match="delete that folder"):
        write_sharded(per_item(CountingSample(), seed=2), 30, tmp_path, seed=2, shard_size=10)


def test_shards_made_from_other_inputs_are_refused(tmp_path):
    """A pipeline's inputs (``content``: a topics file's digest) are settings too: no shards of two of them."""
    with pytest.raises(Interrupted):
        write_sharded(per_item(CountingSample(fail_at=12), seed=1), 30, tmp_path, 1, 10, content={"topics": "a1"})
    with pytest.raises(ValueError, match="delete that folder"):
        write_sharded(per_item(CountingSample(), seed=1), 30, tmp_path, 1, 10, content={"topics": "b2"})
    resumed = CountingSample()
    write_sharded(per_item(resumed, seed=1), 30, tmp_path, 1, 10, content={"topics": "a1"})
    assert resumed.made == list(range(10, 30))


def test_parallel_shards_equal_serial_ones(tmp_path):
    serial = write_sharded(per_item(CountingSample(), seed=3), 20, tmp_path / "a", seed=3, shard_size=5)
    parallel = write_sharded(per_item(CountingSample(), seed=3), 20, tmp_path / "b", seed=3, shard_size=5, num_proc=2)
    assert serial["messages"] == parallel["messages"]


def test_check_row_names_the_mismatch():
    row = make_row([Image.new("RGB", (4, 4))] * 2, [("q", "a")], task="toy")
    check_row(row)
    row["images"].pop()
    with pytest.raises(ValueError, match="2 image placeholders but 1 images"):
        check_row(row)


def test_cli_writes_loadable_dataset_card_and_pushes(tmp_path, monkeypatch):
    pushed = {}
    monkeypatch.setattr(
        hub.Dataset, "push_to_hub", lambda self, repo_id, private: pushed.update(repo=repo_id, rows=len(self))
    )
    monkeypatch.setattr(
        hub.HfApi, "upload_file", lambda self, **kw: pushed.update(card=kw["path_or_fileobj"], kind=kw["repo_type"])
    )
    card = CardInfo(pretty_name="Toy", summary="A toy set.", how_made="By a test.")
    main = cli.main_for("toy", card, lambda args: per_item(CountingSample(), args.seed))
    out = tmp_path / "toy"
    main(["--num-samples", "12", "--output-dir", str(out), "--shard-size", "5", "--push_to_hub", "me/toy"])

    assert pushed == {"repo": "me/toy", "rows": 10, "card": str(out / "README.md"), "kind": "dataset"}
    readme = (out / "README.md").read_text()
    assert "license: apache-2.0" in readme and "- pt\n" in readme and "- n<1K" in readme
    assert "pergunta 0" in readme  # the example
    assert "`toy` 10" in readme  # rows per task family
    assert len(load_from_disk(str(out))) == 10
    by_files = load_dataset("arrow", data_files=str(out / "data-*.arrow"), split="train")
    assert by_files[0]["messages"] == load_from_disk(str(out))[0]["messages"]


def test_card_header_is_hub_metadata_whatever_the_name(tmp_path):
    """The header huggingface_hub's own DatasetCard parses, with the tags the model card carries too."""
    info = CardInfo(pretty_name='PT-OCR: "texto" em pt-PT', summary="S.", how_made="M.")
    dataset = Dataset.from_dict({"task": ["ocr/naive"], "images": [[]], "messages": [[]]})
    card = DatasetCard.load(write_card(info, dataset, tmp_path, "python -m datagen.pt_ocr", "fields"))
    assert card.data.pretty_name == 'PT-OCR: "texto" em pt-PT'
    assert card.data.language == ["pt"] and card.data.task_categories == ["image-text-to-text"]
    assert {"pt-PT", "synthetic", "amalia-vl"} <= set(card.data.tags)
    assert card.data.size_categories == ["n<1K"] and card.data.annotations_creators == ["machine-generated"]


def test_size_categories():
    assert [size_category(n) for n in (0, 999, 1000, 250_000, 4_700_000)] == [
        "n<1K",
        "n<1K",
        "1K<n<10K",
        "100K<n<1M",
        "1M<n<10M",
    ]


def test_shards_whose_samples_were_all_dropped(tmp_path):
    keep_first = per_item(lambda rng, index: make_row([], [("q", "a")], "toy") if index == 0 else None, seed=0)
    assert len(write_sharded(keep_first, 4, tmp_path / "some", seed=0, shard_size=2)) == 1
    with pytest.raises(RuntimeError, match="every one of the 4 samples was dropped"):
        write_sharded(per_item(lambda rng, index: None, seed=0), 4, tmp_path / "none", seed=0, shard_size=2)
