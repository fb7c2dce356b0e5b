import json

from PIL import Image

from train.sample_data import make_sample_data


def read(path):
    return [json.loads(line) for line in open(path)]


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    first = make_sample_data(tmp_path / "a", num_train=40, num_test=10, seed=3)
    second = make_sample_data(tmp_path / "b", num_train=40, num_test=10, seed=3)
    third = make_sample_data(tmp_path / "c", num_train=40, num_test=10, seed=4)
    for name in ("sft_train.jsonl", "sft_test.jsonl", "dpo_train.jsonl", "dpo_test.jsonl"):
        assert (first / name).read_text() == (second / name).read_text()
    assert (first / "sft_train.jsonl").read_text() != (third / "sft_train.jsonl").read_text()
    image = "images/train_00005.png"
    assert (first / image).exists() == (second / image).exists()


def test_rows_are_trl_vision_format_with_mixed_sizes_and_text_only(tmp_path):
    root = make_sample_data(tmp_path, num_train=200, num_test=20, seed=0)
    rows = read(root / "sft_train.jsonl")
    assert any(not row["images"] for row in rows), "some samples must be text-only"
    assert any(len(row["messages"]) == 4 for row in rows), "some samples must have two turns"
    sizes = {Image.open(root / row["images"][0]).size for row in rows if row["images"]}
    assert len(sizes) >= 5, sizes
    for row in rows:
        assert [m["role"] for m in row["messages"]] == ["user", "assistant"] * (len(row["messages"]) // 2)
        assert row["messages"][1]["content"] == row["answer"] in row["choices"]
    for pair in read(root / "dpo_train.jsonl"):
        chosen, rejected = pair["chosen"][0]["content"], pair["rejected"][0]["content"]
        assert chosen != rejected
        assert pair["prompt"][0]["role"] == "user" and pair["prompt"][0]["content"].endswith("?")
