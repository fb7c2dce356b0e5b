"""LoRA and QLoRA for the stage scripts: TRL's own flags (`--use_peft`, `--lora_r`, `--lora_alpha`, `--lora_dropout`,
`--lora_target_modules`, `--load_in_4bit`, `--load_in_8bit`) with defaults for AMALIA-VL.

The stage's module table (`module_learning_rates`, modules.py) still says what trains, and at which rate. Under
`--use_peft`:

- `language_model`, `vision_tower`: a rate above 0 puts LoRA adapters on the module's attention and MLP projections,
  trained at that rate; 0 leaves the module frozen, without adapters. The tower's linear layers share names with the
  language model's (`q_proj`, `k_proj`, `v_proj`), so the defaults are regexes anchored at the module, not names.
- `multi_modal_projector`, `lm_head`: a rate above 0 trains the module fully, as peft's `modules_to_save` (a trainable
  copy saved with the adapter; the original stays, so the adapter-disabled model is exactly the base model).
- `image_newline` is a bare parameter of the model, which peft can neither adapt nor save with an adapter: its rate
  must be 0 (it keeps the base model's value).

`--lora_target_modules` and `--lora_modules_to_save` replace the defaults; a trainable parameter they create in a
module whose rate is 0 is refused.

`--load_in_4bit` (QLoRA) and `--load_in_8bit` quantize the language model's linear layers with bitsandbytes (nf4 by
default, TRL's `--bnb_4bit_quant_type`); the vision tower, the connector and `lm_head` stay in full precision.
"""

from transformers import TrainingArguments
from trl import ModelConfig, get_peft_config, get_quantization_config

from inference.quantization import UNQUANTISED_MODULES
from train.modules import module_of


# LoRA targets of the modules that get adapters: module names inside AmaliaVLForConditionalGeneration (peft matches a
# string target against the whole name).
LORA_TARGETS = {
    "language_model": r"model\.language_model\.layers\.\d+\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)",
    "vision_tower": r"model\.vision_tower\.encoder\.layers\.\d+\.(self_attn\.(q|k|v|out)_proj|mlp\.fc[12])",
}
# Modules trained fully (peft's `modules_to_save`), by the name peft matches.
FULLY_TRAINED = {"multi_modal_projector": "multi_modal_projector", "lm_head": "lm_head"}


def lora_config(model_args: ModelConfig, learning_rates: dict[str, float]):
    """The `peft.LoraConfig` for the run (None without `--use_peft`), with the defaults read from the module table."""
    if not model_args.use_peft:
        if model_args.load_in_4bit or model_args.load_in_8bit:
            raise ValueError("Quantized weights cannot be trained: add `--use_peft true` to train LoRA adapters.")
        return None
    if learning_rates["image_newline"] != 0:
        raise ValueError(
            "With --use_peft, set image_newline's rate to 0 in module_learning_rates: it is a bare parameter, which "
            "peft can neither adapt nor save with the adapter (train/configs/tiny_lora.yaml has a LoRA table)."
        )
    if model_args.lora_target_modules is None:
        adapted = [f"({LORA_TARGETS[module]})" for module in LORA_TARGETS if learning_rates[module] > 0]
        if not adapted:
            raise ValueError("With --use_peft, give language_model or vision_tower a rate above 0: none gets adapters.")
        model_args.lora_target_modules = "|".join(adapted)
    if model_args.lora_modules_to_save is None:
        model_args.lora_modules_to_save = [name for module, name in FULLY_TRAINED.items() if learning_rates[module] > 0]
    return get_peft_config(model_args)


def bnb_config(model_args: ModelConfig, training_args: TrainingArguments):
    """TRL's `BitsAndBytesConfig` for `--load_in_4bit` / `--load_in_8bit` (None otherwise), the language model only."""
    config = get_quantization_config(model_args)
    if config is None:
        return None
    if not training_args.bf16:
        # TRL keeps the trainable parameters of a quantized model in bf16 (as QLoRA does), next to full-precision ones.
        raise ValueError("--load_in_4bit / --load_in_8bit train in bf16 autocast: add `--bf16 true`.")
    # The same modules inference keeps unquantised: the tower and connector are small and precision-sensitive, and
    # lm_head may train.
    config.llm_int8_skip_modules = UNQUANTISED_MODULES
    return config


def check_trainable_modules(model, learning_rates: dict[str, float]) -> None:
    """Refuse trainable parameters (adapters, copies) in modules whose rate is 0: explicit `--lora_target_modules`
    names such as `q_proj` also match the vision tower."""
    stray = {module_of(name) for name, parameter in model.named_parameters() if parameter.requires_grad}
    stray = sorted(module for module in stray if learning_rates[module] == 0)
    if stray:
        examples = {module: LORA_TARGETS.get(module, FULLY_TRAINED.get(module)) for module in stray}
        raise ValueError(
            f"--lora_target_modules / --lora_modules_to_save make parameters of {stray} trainable, but their rate in "
            f"module_learning_rates is 0. Give them a rate, or target the modules you mean, as the defaults do: "
            f"{examples}."
        )
