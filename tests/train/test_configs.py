"""The stage configs parse with the scripts' own parser and state the paper's implementation table."""

import json
import sys

import pytest
from conftest import REPO
from trl import DPOConfig, SFTConfig

from train.stage import parse_args


CONFIGS = REPO / "train" / "configs"
# stage: (config class, GPUs in the paper, global batch, max length, tiles)
PAPER = {
    "stage1": (SFTConfig, 8, 512, 2048, 1),
    "stage2": (SFTConfig, 128, 128, 16384, 12),
    "stage3": (DPOConfig, 64, 128, 16384, 12),
}


def parse(monkeypatch, config_class, config):
    # bf16 is checked against the hardware at parse time: use_cpu lets the GPU configs parse on a CPU machine.
    monkeypatch.setattr(sys, "argv", ["script", "--config", str(config), "--use_cpu", "true"])
    return parse_args(config_class, config)


@pytest.mark.parametrize("stage", sorted(PAPER))
def test_stage_config_is_the_paper_table(monkeypatch, stage):
    config_class, gpus, global_batch, max_length, tiles = PAPER[stage]
    stage_args, training_args, model_args = parse(monkeypatch, config_class, CONFIGS / f"{stage}.yaml")
    assert training_args.per_device_train_batch_size * training_args.gradient_accumulation_steps * gpus == global_batch
    assert (training_args.max_length, stage_args.max_tiles) == (max_length, tiles)
    assert training_args.bf16 and training_args.gradient_checkpointing
    assert model_args.dtype == "float32"  # fp32 master weights, bf16 compute (train/precision.py)
    assert model_args.attn_implementation == "flash_attention_2"
    rates = stage_args.module_learning_rates
    if stage == "stage1":
        assert {module for module, rate in rates.items() if rate > 0} == {"multi_modal_projector", "image_newline"}
        assert training_args.lr_scheduler_type == "constant"
    else:
        assert all(rate > 0 for rate in rates.values()) and training_args.lr_scheduler_type == "cosine"
    if stage == "stage2":
        assert rates["vision_tower"] < rates["language_model"]
    if config_class is SFTConfig:
        assert training_args.assistant_only_loss


@pytest.mark.parametrize("name, config_class", [("tiny_sft", SFTConfig), ("tiny_dpo", DPOConfig)])
def test_default_configs_parse_and_cli_overrides_win(monkeypatch, name, config_class):
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "script",
            "--max_steps",
            "3",
            "--module_learning_rates",
            '{"vision_tower": 0, "multi_modal_projector": 1, "image_newline": 1, "language_model": 0, "lm_head": 0}',
        ],
    )
    stage_args, training_args, model_args = parse_args(config_class, CONFIGS / f"{name}.yaml")
    assert training_args.max_steps == 3 and stage_args.module_learning_rates["multi_modal_projector"] == 1
    assert model_args.model_name_or_path.startswith("outputs/") and not training_args.bf16


@pytest.mark.parametrize("name", ["fsdp2", "zero3"])
def test_accelerate_configs_load(name):
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(CONFIGS / "accelerate" / f"{name}.yaml"))
    assert config.mixed_precision == "bf16" and config.num_processes == 8
    assert config.distributed_type == {"fsdp2": "FSDP", "zero3": "DEEPSPEED"}[name]


def parse_tiny(monkeypatch, *arguments, config=CONFIGS / "tiny_sft.yaml"):
    monkeypatch.setattr(sys, "argv", ["script", "--config", str(config), *map(str, arguments)])
    return parse_args(SFTConfig, config)


def test_resume_true_from_the_command_line_takes_the_last_complete_checkpoint(monkeypatch, tmp_path):
    """`--resume_from_checkpoint true` (a string on the command line) resumes; a checkpoint half-written when the
    job was killed (no trainer_state.json yet) is passed over for the last complete one."""
    for step, complete in ((2, True), (4, True), (6, False)):
        (tmp_path / f"checkpoint-{step}").mkdir()
        (tmp_path / f"checkpoint-{step}" / "model.safetensors").write_bytes(b"")
        if complete:
            (tmp_path / f"checkpoint-{step}" / "trainer_state.json").write_text(f'{{"global_step": {step}}}')
    (tmp_path / "checkpoint-8").mkdir()
    (tmp_path / "checkpoint-8" / "trainer_state.json").write_text('{"global_st')  # cut off mid-write
    _, training_args, _ = parse_tiny(monkeypatch, "--output_dir", tmp_path, "--resume_from_checkpoint", "true")
    assert training_args.resume_from_checkpoint == str(tmp_path / "checkpoint-4")
    _, training_args, _ = parse_tiny(monkeypatch, "--output_dir", tmp_path, "--resume_from_checkpoint", "false")
    assert training_args.resume_from_checkpoint is None
    with pytest.raises(FileNotFoundError, match="not a complete checkpoint"):
        parse_tiny(monkeypatch, "--output_dir", tmp_path, "--resume_from_checkpoint", tmp_path / "checkpoint-6")
    with pytest.raises(FileNotFoundError, match="no complete checkpoint"):
        parse_tiny(monkeypatch, "--output_dir", tmp_path / "empty", "--resume_from_checkpoint", "true")


def test_tiny_model_is_built_only_at_the_configs_own_path(monkeypatch):
    stage_args, _, _ = parse_tiny(monkeypatch)
    assert stage_args.build_tiny_model  # the default run on a fresh machine
    stage_args, _, _ = parse_tiny(monkeypatch, "--model_name_or_path", "utter-gibberish/amalia-vl-typo")
    assert not stage_args.build_tiny_model  # a Hub id or a typo must fail to load, not become a random model


def test_learning_rate_on_the_command_line_sets_every_trained_module(monkeypatch):
    rates = json.dumps(
        {
            "vision_tower": 0,
            "multi_modal_projector": 1e-3,
            "image_newline": 1e-3,
            "language_model": 2e-3,
            "lm_head": 2e-3,
        }
    )
    stage_args, _, _ = parse_tiny(monkeypatch, "--module_learning_rates", rates, "--learning_rate", "3e-4")
    assert stage_args.module_learning_rates == {
        "vision_tower": 0.0,
        "multi_modal_projector": 3e-4,
        "image_newline": 3e-4,
        "language_model": 3e-4,
        "lm_head": 3e-4,
    }
    stage_args, _, _ = parse_tiny(monkeypatch)  # not given: the config's table
    assert stage_args.module_learning_rates["vision_tower"] == 5e-4


def test_yaml_rates_written_without_a_dot_are_numbers(monkeypatch, tmp_path):
    """YAML reads `5e-4` as a string; the table must still hold floats, and a word must be named."""
    text = (CONFIGS / "tiny_sft.yaml").read_text().replace("vision_tower: 5.0e-4", "vision_tower: 5e-4")
    (tmp_path / "config.yaml").write_text(text)
    stage_args, _, _ = parse_tiny(monkeypatch, config=tmp_path / "config.yaml")
    assert stage_args.module_learning_rates["vision_tower"] == 5e-4
    (tmp_path / "bad.yaml").write_text(text.replace("vision_tower: 5e-4", "vision_tower: fast"))
    with pytest.raises(ValueError, match="module_learning_rates.vision_tower = 'fast' is not a number"):
        parse_tiny(monkeypatch, config=tmp_path / "bad.yaml")
