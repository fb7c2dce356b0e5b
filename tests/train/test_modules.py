import pytest
import torch

from train.modules import MODULE_PREFIXES, ModuleLearningRates, freeze_modules, module_of, trainable_parameters


STAGE1 = {"vision_tower": 0, "multi_modal_projector": 1e-3, "image_newline": 1e-3, "language_model": 0, "lm_head": 0}


class Named(torch.nn.Module):
    """A parameter container with the model's parameter names (the modules' maths does not matter here)."""

    def __init__(self):
        super().__init__()
        self.model = torch.nn.Module()
        self.model.vision_tower = torch.nn.Linear(4, 4)
        self.model.multi_modal_projector = torch.nn.Linear(4, 4)
        self.model.image_newline = torch.nn.Parameter(torch.zeros(4))
        self.model.language_model = torch.nn.Linear(4, 4)
        self.lm_head = torch.nn.Linear(4, 4, bias=False)


def test_module_of_knows_every_prefix_and_refuses_strangers():
    for module, prefix in MODULE_PREFIXES.items():
        assert module_of(prefix + "weight") == module
    assert module_of("module.lm_head.weight") == "lm_head"
    with pytest.raises(KeyError, match="belongs to no module"):
        module_of("model.unknown.weight")


def test_zero_rate_freezes_and_groups_carry_the_rates():
    model = Named()
    trainable = freeze_modules(model, STAGE1)
    assert trainable == {
        "vision_tower": 0,
        "multi_modal_projector": 20,
        "image_newline": 4,
        "language_model": 0,
        "lm_head": 0,
    }
    optimizer = ModuleLearningRates()(model, learning_rates=STAGE1, weight_decay=0.1)
    rates = {(group["name"], group["weight_decay"]): group["lr"] for group in optimizer.param_groups}
    assert rates == {
        ("multi_modal_projector", 0.1): 1e-3,
        ("multi_modal_projector", 0.0): 1e-3,
        ("image_newline", 0.0): 1e-3,
    }


@pytest.mark.parametrize("optim, expected", [("adamw_torch", "AdamW"), ("adafactor", "Adafactor"), ("sgd", "SGD")])
def test_optim_picks_the_optimizer_and_the_groups_keep_their_rates(optim, expected, tmp_path):
    """`--optim` is honoured (it used to be ignored for AdamW), with one group per module at its own rate."""
    from transformers import TrainingArguments

    model = Named()
    freeze_modules(model, STAGE1)
    args = TrainingArguments(output_dir=str(tmp_path), optim=optim, use_cpu=True, report_to="none")
    optimizer = ModuleLearningRates()(model, learning_rates=STAGE1, weight_decay=0.1, training_args=args)
    assert type(optimizer).__name__ == expected
    assert {group["name"]: group["lr"] for group in optimizer.param_groups} == {
        "multi_modal_projector": 1e-3,
        "image_newline": 1e-3,
    }


def test_table_must_name_every_module():
    with pytest.raises(ValueError, match="missing \\['lm_head'\\]"):
        freeze_modules(Named(), {k: v for k, v in STAGE1.items() if k != "lm_head"})
    with pytest.raises(ValueError, match="unknown \\['connector'\\]"):
        freeze_modules(Named(), {**STAGE1, "connector": 1.0})


def test_stage_model_freezes_what_never_runs_whatever_the_table(tiny_checkpoint):
    """DDP refuses trainable parameters without gradients: the tower's final norm must not train in stage 2."""
    from train.stage import StageArguments, load_model_and_processor

    everything = dict.fromkeys(MODULE_PREFIXES, 1e-5)
    model, _ = load_model_and_processor(str(tiny_checkpoint), StageArguments(module_learning_rates=everything))
    frozen = {name for name, parameter in model.named_parameters() if not parameter.requires_grad}
    assert frozen == {name for name, _ in model.named_parameters() if ".post_layernorm." in name}


def test_partitioned_parameters_count_their_full_size():
    """Under ZeRO-3 a rank holds an empty placeholder per parameter; the table counts the whole (`ds_numel`)."""
    model = Named()
    for parameter in model.parameters():
        parameter.ds_numel = parameter.numel()
        parameter.data = torch.empty(0)
    assert sum(trainable_parameters(model).values()) == sum(p.ds_numel for p in model.parameters()) > 0
