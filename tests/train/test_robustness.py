"""A run goes on past bad samples (counted, reported, capped by a threshold), an empty source says which it is, and
the optimizer never steps bf16 weights unless asked: train/sample_guard.py, train/data.py, train/precision.py."""

import json

import pytest
import torch
import yaml
from conftest import REPO
from PIL import Image
from test_peft import parse, run_flags
from transformers import TrainerCallback
from trl import DPOConfig, SFTConfig

from train import dpo, sft
from train.data import load_mix
from train.sample_data import make_sample_data
from train.sample_guard import SkippingCollator, TooManySkippedSamples


CONFIGS = REPO / "train" / "configs"


def write_mix(directory, rows: list[dict], name: str = "bad") -> str:
    with open(directory / f"{name}.jsonl", "w") as file:
        file.writelines(json.dumps(row) + "\n" for row in rows)
    source = {"path": "json", "data_files": str(directory / f"{name}.jsonl"), "split": "train", "format": "messages"}
    source["image_root"] = str(directory)
    mix = {name: [{"category": "a", "name": name, "size": len(rows), "weight": 1.0, "source": source}]}
    (directory / "mix.yaml").write_text(yaml.safe_dump(mix))
    return str(directory / "mix.yaml")


def turn(question: str, answer: str) -> list[dict]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


@pytest.fixture
def bad_mix(tmp_path):
    """48 good samples of the sample set, two whose image file is corrupt, one whose 30 images cannot fit
    max_length without cutting through image tokens."""
    root = make_sample_data(tmp_path, num_train=48, num_test=1, seed=0)
    rows = [json.loads(line) for line in (root / "sft_train.jsonl").read_text().splitlines()]
    rows = [{"messages": row["messages"], "images": row["images"]} for row in rows]
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 8)
    Image.new("RGB", (400, 300), "green").save(tmp_path / "green.png")
    rows += [{"messages": turn("Que cor?", "verde"), "images": ["broken.png"]}] * 2
    rows += [{"messages": turn("Quantas?", "trinta"), "images": ["green.png"] * 30}]
    return write_mix(tmp_path, rows)


def test_bad_samples_are_skipped_counted_and_reported(tiny_checkpoint, bad_mix, tmp_path, capsys):
    flags = run_flags(tiny_checkpoint, bad_mix, "bad", tmp_path / "out", -1)
    stage_args, training_args, model_args = parse(
        SFTConfig, CONFIGS / "tiny_sft.yaml", *flags, "--num_train_epochs", 1, "--max_skipped_fraction", 0.1
    )
    sft.main(stage_args, training_args, model_args)
    output = capsys.readouterr().out
    assert "Bad samples: 3 of 51 samples skipped (2 corrupt image, 1 refused by the collator)." in output
    assert "Trainable parameters per module:" in output
    assert (tmp_path / "out" / "model.safetensors").exists()


def test_bad_preference_pairs_are_skipped_counted_and_reported(tiny_checkpoint, tmp_path, capsys):
    """DPO's collator (TRL's preference one) is behind the same guard: two pairs whose image is corrupt."""
    root = make_sample_data(tmp_path, num_train=30, num_test=1, seed=0)
    rows = [json.loads(line) for line in (root / "dpo_train.jsonl").read_text().splitlines()]
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 8)
    prompt, chosen = turn("Que cor?", "verde")
    bad = {"prompt": [prompt], "chosen": [chosen], "rejected": [{"role": "assistant", "content": "azul"}]}
    rows += [bad | {"images": ["broken.png"]}] * 2
    flags = run_flags(tiny_checkpoint, write_mix(tmp_path, rows), "bad", tmp_path / "out", -1)
    stage_args, training_args, model_args = parse(
        DPOConfig, CONFIGS / "tiny_dpo.yaml", *flags, "--num_train_epochs", 1, "--max_skipped_fraction", 0.1
    )
    dpo.main(stage_args, training_args, model_args)
    output = capsys.readouterr().out
    assert "Bad samples: 2 of 32 samples skipped (2 corrupt image, 0 refused by the collator)." in output
    assert (tmp_path / "out" / "model.safetensors").exists()


def examples_with_corrupt(tmp_path, good: int, corrupt: int) -> list[dict]:
    (tmp_path / "broken.png").write_bytes(b"garbage")
    Image.new("RGB", (8, 8)).save(tmp_path / "fine.png")
    image = {"bytes": None, "path": str(tmp_path / "fine.png")}
    broken = {"bytes": None, "path": str(tmp_path / "broken.png")}
    return [{"images": [image]}] * good + [{"images": [broken]}] * corrupt


def test_too_many_skips_stop_the_run_with_the_counts(tmp_path):
    collator = SkippingCollator(lambda examples: {"n": len(examples)}, max_skipped_fraction=0.05)
    examples = examples_with_corrupt(tmp_path, good=90, corrupt=10)
    assert collator(examples[:50]) == {"n": 50}  # under the threshold's minimum sample count: goes on
    with pytest.raises(TooManySkippedSamples, match=r"10 of 100 samples skipped.*10 corrupt image"):
        collator(examples[50:])


def test_a_batch_with_only_bad_samples_names_them(tmp_path):
    collator = SkippingCollator(lambda examples: {"n": len(examples)}, max_skipped_fraction=1.0)
    with pytest.raises(TooManySkippedSamples, match="Every sample of a batch of 3 was skipped"):
        collator(examples_with_corrupt(tmp_path, good=0, corrupt=3))


def test_an_empty_source_is_named(tmp_path):
    mix_file = write_mix(tmp_path, [], name="empty")
    with pytest.raises(ValueError, match=r"empty \(a\): .*empty.jsonl holds no rows"):
        load_mix("empty", mix_file=mix_file)


class TrainableDtypes(TrainerCallback):
    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.dtypes = {parameter.dtype for parameter in model.parameters() if parameter.requires_grad}


def test_pure_bf16_adamw_is_refused_unless_asked_for(tiny_checkpoint, sample_mix_file, tmp_path):
    flags = [*run_flags(tiny_checkpoint, sample_mix_file, "sample_sft", tmp_path, 1), "--dtype", "bfloat16"]
    with pytest.raises(ValueError, match=r"would step .* bfloat16 trainable weights directly"):
        sft.main(*parse(SFTConfig, CONFIGS / "tiny_sft.yaml", *flags))
    watch = TrainableDtypes()
    sft.main(*parse(SFTConfig, CONFIGS / "tiny_sft.yaml", *flags, "--bf16_master_weights", "true"), callbacks=[watch])
    assert watch.dtypes == {torch.bfloat16}


def test_adapters_over_a_bf16_base_train_in_fp32(tiny_checkpoint, sample_mix_file, tmp_path):
    flags = [*run_flags(tiny_checkpoint, sample_mix_file, "sample_sft", tmp_path, 1), "--dtype", "bfloat16"]
    with pytest.raises(ValueError, match="needs mixed-precision compute: pass --bf16 true"):
        sft.main(*parse(SFTConfig, CONFIGS / "tiny_lora.yaml", *flags))
    watch = TrainableDtypes()
    sft.main(*parse(SFTConfig, CONFIGS / "tiny_lora.yaml", *flags, "--bf16", "true"), callbacks=[watch])
    assert watch.dtypes == {torch.float32}
