"""LoRA and QLoRA through peft and TRL's real trainers, on the tiny checkpoint: what gets adapters, what changes in
training (tensor by tensor), DPO without a second model, 4-bit loading and training, and merging an adapter into a
checkpoint that loads as remote code in a fresh process.

The training runs call the scripts' `main` in this process, parsed by their own parser from command-line flags, so
that a callback can watch the model the trainer holds."""

import gc
import json
import subprocess
import sys

import datasets
import pytest
import torch
import yaml
from conftest import REPO
from safetensors.torch import load_file
from transformers import AutoModel, TrainerCallback
from trl import DPOConfig, ModelConfig, SFTConfig, TrlParser

from train.data import load_mix
from train.lora import LORA_TARGETS, bnb_config, check_trainable_modules, lora_config
from train.memory import parameter_counts
from train.modules import MODULE_PREFIXES
from train.stage import StageArguments, load_model_and_processor, model_kwargs


CONFIGS = REPO / "train" / "configs"
LORA_RATES = {
    "vision_tower": 0,
    "multi_modal_projector": 1e-3,
    "image_newline": 0,
    "language_model": 5e-3,
    "lm_head": 0,
}
PROJECTIONS = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}


def parse(config_class, config, *flags):
    """The scripts' own arguments from a config file and command-line flags."""
    parser = TrlParser((StageArguments, config_class, ModelConfig))
    return parser.parse_args_and_config(args=["--config", str(config), "--use_cpu", "true", *map(str, flags)])


def run_flags(checkpoint, mix_file, mix, output_dir, max_steps):
    return [
        *("--model_name_or_path", checkpoint, "--build_tiny_model", "false", "--sample_data_dir", ""),
        *("--data_mix_file", mix_file, "--data_mix", mix, "--answer_eval_mix", "", "--output_dir", output_dir),
        *("--max_steps", max_steps, "--logging_steps", 2, "--save_strategy", "no", "--eval_strategy", "no"),
        *("--per_device_train_batch_size", 8, "--report_to", "none"),
    ]


class Watch(TrainerCallback):
    """Copies of every tensor the trained model holds when training begins and ends, the losses logged, and how many
    AMALIA-VL models are alive at the first step (beyond `baseline`)."""

    def __init__(self, baseline: int = 0):
        self.baseline, self.losses, self.models_alive = baseline, [], None

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.before = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}

    def on_step_end(self, args, state, control, **kwargs):
        if self.models_alive is None:
            self.models_alive = count_models() - self.baseline

    def on_log(self, args, state, control, logs=None, **kwargs):
        if "loss" in logs:
            self.losses.append(logs["loss"])

    def on_train_end(self, args, state, control, model=None, **kwargs):
        self.after = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}

    def changed(self) -> set[str]:
        return {name for name, tensor in self.before.items() if not torch.equal(tensor, self.after[name])}


def count_models() -> int:
    """Live AMALIA-VL models, whether their class comes from the package or from a checkpoint's remote code."""
    gc.collect()
    return sum(type(obj).__name__ == "AmaliaVLForConditionalGeneration" for obj in gc.get_objects())


def falls(losses):
    assert len(losses) >= 3 and all(torch.isfinite(torch.tensor(losses))), losses
    return losses[-1] < losses[0]


def assert_only_adapters_and_connector_changed(watch: Watch):
    changed = watch.changed()
    adapters = {name for name in watch.before if ".lora_A." in name or ".lora_B." in name}
    connector = {name for name in watch.before if ".multi_modal_projector.modules_to_save." in name}
    # Every adapter and the connector's trainable copy moved; nothing else did (the base weights, the connector's
    # original kept for the adapter-disabled model, the tower, image_newline, embeddings, norms, lm_head).
    assert adapters and all(".model.language_model.layers." in name for name in adapters), sorted(adapters)
    assert changed == adapters | connector, sorted(changed ^ (adapters | connector))


@pytest.fixture(scope="module")
def own_data(sample_mix_file, tmp_path_factory):
    """The worked example of train/README.md: your data as a `save_to_disk` folder (TRL's `messages` + `images`,
    a train and a test split), and a mix file whose `mine` mix reads it."""
    root = tmp_path_factory.mktemp("own_data")
    splits = {
        "train": load_mix("sample_sft", "train", 0, sample_mix_file),
        "test": load_mix("sample_sft", "eval", 0, sample_mix_file),
    }
    datasets.DatasetDict(splits).save_to_disk(root / "my_data")
    pairs = yaml.safe_load(sample_mix_file.read_text())["sample_dpo"]
    source = {
        "path": "arrow",
        "data_files": {split: str(root / "my_data" / split / "*.arrow") for split in splits},
        "split": "train",
        "eval_split": "test",
        "format": "messages",
    }
    mix = {"mine": [{"category": "Mine", "name": "my data", "size": 96, "weight": 1.0, "source": source}]}
    (root / "my_mix.yaml").write_text(yaml.safe_dump({**mix, "my_pairs": pairs}))
    return root / "my_mix.yaml"


@pytest.fixture(scope="module")
def lora_sft(tiny_checkpoint, own_data, tmp_path_factory):
    """LoRA SFT (train/configs/tiny_lora.yaml) on the save_to_disk folder, 8 steps, adapter saved."""
    from train import sft

    output_dir = tmp_path_factory.mktemp("lora_sft")
    watch = Watch()
    sft.main(
        *parse(SFTConfig, CONFIGS / "tiny_lora.yaml", *run_flags(tiny_checkpoint, own_data, "mine", output_dir, 8)),
        callbacks=[watch],
    )
    return output_dir, watch


def test_default_adapters_go_on_the_language_model_projections_only(tiny_checkpoint):
    from peft import get_peft_model

    model, _ = load_model_and_processor(str(tiny_checkpoint), StageArguments(module_learning_rates=LORA_RATES))
    counts = parameter_counts(model, rank=16)  # what train/memory.py computes the README's figures from
    model = get_peft_model(model, lora_config(ModelConfig(use_peft=True, lora_r=16), LORA_RATES))
    assert counts["adapters"] == sum(p.numel() for name, p in model.named_parameters() if ".lora_" in name)
    adapted = {name for name, module in model.named_modules() if hasattr(module, "lora_A")}
    layers = model.get_base_model().config.text_config.num_hidden_layers
    assert len(adapted) == layers * len(PROJECTIONS), sorted(adapted)
    assert all(".model.language_model.layers." in name and name.rsplit(".", 1)[1] in PROJECTIONS for name in adapted)
    trainable = {name for name, parameter in model.named_parameters() if parameter.requires_grad}
    assert {name for name in trainable if "lora_" not in name} == {
        f"base_model.model.model.multi_modal_projector.modules_to_save.default.{name}"
        for name in ("linear_1.weight", "linear_1.bias", "linear_2.weight", "linear_2.bias")
    }
    check_trainable_modules(model, LORA_RATES)  # consistent with the table


def test_a_vision_tower_rate_adds_its_adapters_and_stray_targets_are_refused(tiny_checkpoint):
    from peft import get_peft_model

    assert set(LORA_TARGETS) < set(MODULE_PREFIXES)
    with_tower = {**LORA_RATES, "vision_tower": 1e-4}
    config = lora_config(ModelConfig(use_peft=True), with_tower)
    model, _ = load_model_and_processor(str(tiny_checkpoint), StageArguments(module_learning_rates=with_tower))
    adapted = {name for name, module in get_peft_model(model, config).named_modules() if hasattr(module, "lora_A")}
    assert any(".vision_tower." in name for name in adapted) and any(".language_model." in name for name in adapted)

    # Plain names also match the tower's q_proj / v_proj: with the tower's rate at 0 that is refused.
    config = lora_config(ModelConfig(use_peft=True, lora_target_modules=["q_proj", "v_proj"]), LORA_RATES)
    model, _ = load_model_and_processor(str(tiny_checkpoint), StageArguments(module_learning_rates=LORA_RATES))
    with pytest.raises(ValueError, match=r"\['vision_tower'\].*rate in module_learning_rates is 0"):
        check_trainable_modules(get_peft_model(model, config), LORA_RATES)


def test_unsupported_combinations_say_what_to_set():
    with pytest.raises(ValueError, match="image_newline's rate to 0"):
        lora_config(ModelConfig(use_peft=True), {**LORA_RATES, "image_newline": 1e-3})
    with pytest.raises(ValueError, match="add `--use_peft true`"):
        lora_config(ModelConfig(load_in_4bit=True), LORA_RATES)
    with pytest.raises(ValueError, match="add `--bf16 true`"):
        bnb_config(
            ModelConfig(use_peft=True, load_in_4bit=True), SFTConfig(output_dir="unused", use_cpu=True, bf16=False)
        )


@pytest.mark.parametrize("name, config_class", [("tiny_lora", SFTConfig), ("lora", SFTConfig), ("lora_dpo", DPOConfig)])
def test_lora_configs_parse_into_a_peft_config(name, config_class):
    stage_args, training_args, model_args = parse(config_class, CONFIGS / f"{name}.yaml")
    config = lora_config(model_args, stage_args.module_learning_rates)
    assert config.modules_to_save == ["multi_modal_projector"] and config.r == model_args.lora_r
    assert "language_model" in config.target_modules and "vision_tower" not in config.target_modules
    if name != "tiny_lora":
        assert training_args.bf16 and training_args.gradient_checkpointing and model_args.dtype == "bfloat16"


def test_lora_sft_trains_adapters_and_connector_only(lora_sft):
    output_dir, watch = lora_sft
    assert falls(watch.losses), watch.losses
    assert_only_adapters_and_connector_changed(watch)
    saved = load_file(output_dir / "adapter_model.safetensors")
    assert saved and all("lora_" in name or ".multi_modal_projector." in name for name in saved), sorted(saved)
    card = (output_dir / "README.md").read_text()
    assert json.loads((output_dir / "adapter_config.json").read_text())["base_model_name_or_path"] in card


def test_merged_checkpoint_gives_the_logits_of_base_plus_adapter(lora_sft, tiny_checkpoint, tmp_path):
    from peft import PeftModel

    adapter, _ = lora_sft
    merged = tmp_path / "merged"
    subprocess.run(
        [sys.executable, "hub_release/merge_adapter.py", adapter, merged], cwd=REPO, check=True, capture_output=True
    )
    config = json.loads((merged / "config.json").read_text())
    assert "AutoModel" in config["auto_map"] and (merged / "modeling_amalia_vl.py").exists()

    # Only the language model's projections and the connector differ from the base, tensor by tensor.
    base, ours = load_file(tiny_checkpoint / "model.safetensors"), load_file(merged / "model.safetensors")
    assert base.keys() == ours.keys()
    changed = {name for name in base if not torch.equal(base[name], ours[name])}
    projections = {n for n in base if ".language_model.layers." in n and n.split(".")[-2] in PROJECTIONS}
    assert changed == projections | {n for n in base if ".multi_modal_projector." in n}, sorted(changed)

    # A fresh process, which never imports amalia_vl, loads the merged folder as remote code and answers an image.
    script = FRESH_PROCESS_LOGITS.format(merged=merged, out=tmp_path / "fresh.pt")
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True, capture_output=True, timeout=300)
    fresh = torch.load(tmp_path / "fresh.pt")
    assert fresh["remote_code"], "the merged checkpoint did not load as remote code"

    model = PeftModel.from_pretrained(
        AutoModel.from_pretrained(tiny_checkpoint, trust_remote_code=True), adapter
    ).eval()
    base = AutoModel.from_pretrained(tiny_checkpoint, trust_remote_code=True).eval()
    with torch.no_grad():
        logits = model(**fresh["inputs"]).logits
        # With its adapters disabled (DPO's reference), the model is the base again, the connector included.
        with model.disable_adapter():
            disabled = model(**fresh["inputs"]).logits
        base_logits = base(**fresh["inputs"]).logits
    torch.testing.assert_close(fresh["logits"], logits, rtol=1e-4, atol=1e-5)
    assert torch.equal(disabled, base_logits) and not torch.allclose(logits, base_logits)


FRESH_PROCESS_LOGITS = """
import sys, numpy, torch
from PIL import Image
from transformers import AutoModel, AutoProcessor
model = AutoModel.from_pretrained("{merged}", trust_remote_code=True).eval()
processor = AutoProcessor.from_pretrained("{merged}", trust_remote_code=True)
image = Image.fromarray(numpy.random.default_rng(0).integers(0, 256, (70, 150, 3), dtype=numpy.uint8))
messages = [{{"role": "user", "content": [{{"type": "image"}}, {{"type": "text", "text": "Que cor tem o círculo?"}}]}}]
prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
inputs = dict(processor(images=[image], text=prompt, return_tensors="pt"))
with torch.no_grad():
    logits = model(**inputs).logits
remote_code = type(model).__module__.startswith("transformers_modules") and "amalia_vl" not in sys.modules
torch.save({{"inputs": inputs, "logits": logits, "remote_code": remote_code}}, "{out}")
"""


def test_dpo_with_lora_holds_one_model(tiny_checkpoint, own_data, tmp_path, capsys):
    from train import dpo

    flags = run_flags(tiny_checkpoint, own_data, "my_pairs", tmp_path, 6)
    rates = json.dumps(LORA_RATES)
    watch = Watch(baseline=count_models())
    dpo.main(
        *parse(DPOConfig, CONFIGS / "tiny_dpo.yaml", *flags, "--use_peft", "true", "--module_learning_rates", rates),
        callbacks=[watch],
    )
    # The policy is the only model: the reference is the policy with its adapters disabled.
    assert watch.models_alive == 1
    assert "Reference model: the policy with its adapters disabled, no second copy" in capsys.readouterr().out
    assert len(watch.losses) >= 3 and all(torch.isfinite(torch.tensor(watch.losses))), watch.losses
    assert_only_adapters_and_connector_changed(watch)
    assert (tmp_path / "adapter_model.safetensors").exists()


@pytest.mark.parametrize("bits", [4, 8])
def test_quantized_loading_keeps_tower_connector_and_head_in_full_precision(tiny_checkpoint, own_data, bits):
    """bitsandbytes 0.50 (the test extra's floor) quantizes on CPU; 4-bit is nf4."""
    import bitsandbytes as bnb

    flags = [
        *run_flags(tiny_checkpoint, own_data, "mine", "unused", 1),
        f"--load_in_{bits}bit",
        "true",
        "--bf16",
        "true",
    ]
    stage_args, training_args, model_args = parse(SFTConfig, CONFIGS / "tiny_lora.yaml", *flags)
    model, _ = load_model_and_processor(str(tiny_checkpoint), stage_args, **model_kwargs(model_args, training_args))
    layer = {4: bnb.nn.Linear4bit, 8: bnb.nn.Linear8bitLt}[bits]
    linear = {name: module for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)}
    quantized = {name for name, module in linear.items() if isinstance(module, layer)}
    assert quantized == {name for name in linear if name.startswith("model.language_model.")}, sorted(quantized)
    assert all(type(linear[name]) is torch.nn.Linear for name in linear.keys() - quantized)
    if bits == 4:
        assert {linear[name].weight.quant_state.quant_type for name in quantized} == {"nf4"}
    assert model.is_gradient_checkpointing  # transformers 5.20 has no is_activation_checkpointing


def test_qlora_trains_on_cpu(tiny_checkpoint, own_data, tmp_path):
    """QLoRA end to end: bitsandbytes 0.50 runs and backpropagates through nf4 weights on CPU."""
    from train import sft

    flags = [*run_flags(tiny_checkpoint, own_data, "mine", tmp_path, 6), "--load_in_4bit", "true", "--bf16", "true"]
    watch = Watch()
    sft.main(*parse(SFTConfig, CONFIGS / "tiny_lora.yaml", *flags), callbacks=[watch])
    assert falls(watch.losses), watch.losses
    assert_only_adapters_and_connector_changed(watch)
    assert (tmp_path / "adapter_model.safetensors").exists()
