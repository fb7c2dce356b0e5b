"""The stage configs parse with the scripts' own parser and state the paper's implementation table."""

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
