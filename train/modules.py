"""Which modules train, and at which learning rate: one table per stage (a learning rate of 0 freezes a module).

    module_learning_rates: {vision_tower: 2.0e-6, multi_modal_projector: 1.0e-5, image_newline: 1.0e-5,
                            language_model: 1.0e-5, lm_head: 1.0e-5}

`freeze_modules` sets `requires_grad` from the table before the trainer wraps the model (DDP, FSDP and ZeRO-3 read it
when they wrap), and `ModuleLearningRates` is the optimizer factory the trainer calls once the model is prepared:
one AdamW parameter group per module and decay class, so the scheduler scales every module's own rate.
"""

import torch


# Parameter-name prefixes of the modules of AmaliaVLForConditionalGeneration.
MODULE_PREFIXES = {
    "vision_tower": "model.vision_tower.",
    "multi_modal_projector": "model.multi_modal_projector.",
    "image_newline": "model.image_newline",
    "language_model": "model.language_model.",
    "lm_head": "lm_head.",
}


def module_of(parameter_name: str) -> str:
    """The module (a key of MODULE_PREFIXES) that a parameter belongs to."""
    # DDP's wrapper, then peft's (PeftModel.base_model is a LoraModel whose .model is ours)
    name = parameter_name.removeprefix("module.").removeprefix("base_model.model.")
    for module, prefix in MODULE_PREFIXES.items():
        if name.startswith(prefix):
            return module
    raise KeyError(f"Parameter {parameter_name!r} belongs to no module of {sorted(MODULE_PREFIXES)}.")


def check_table(learning_rates: dict[str, float]) -> None:
    """Every module must have a rate, and only known modules: a forgotten module would silently freeze or train."""
    missing, unknown = set(MODULE_PREFIXES) - set(learning_rates), set(learning_rates) - set(MODULE_PREFIXES)
    if missing or unknown:
        raise ValueError(
            f"module_learning_rates must give a rate (0 to freeze) for exactly {sorted(MODULE_PREFIXES)}; "
            f"missing {sorted(missing)}, unknown {sorted(unknown)}."
        )


def freeze_modules(model: torch.nn.Module, learning_rates: dict[str, float]) -> dict[str, int]:
    """Freeze the modules whose rate is 0; return the number of trainable parameters per module.

    Parameters frozen before (the vision tower's modules that never run, see `freeze_unused_vision_modules`) stay
    frozen: a rate above 0 never turns `requires_grad` back on.
    """
    check_table(learning_rates)
    for name, parameter in model.named_parameters():
        if learning_rates[module_of(name)] == 0:
            parameter.requires_grad_(False)
    return trainable_parameters(model)


def full_numel(parameter: torch.nn.Parameter) -> int:
    """Values of the whole parameter: ZeRO-3 leaves each rank an empty placeholder and records the size in
    `ds_numel`."""
    return getattr(parameter, "ds_numel", parameter.numel())


def trainable_parameters(model: torch.nn.Module) -> dict[str, int]:
    """The number of trainable parameters per module (LoRA adapters count in the module they adapt)."""
    trainable = dict.fromkeys(MODULE_PREFIXES, 0)
    for name, parameter in model.named_parameters():
        trainable[module_of(name)] += full_numel(parameter) if parameter.requires_grad else 0
    return trainable


def format_trainable(model: torch.nn.Module, learning_rates: dict[str, float]) -> str:
    """The table of what trains: per module, its rate, its trainable parameters and all it holds (peft's copies of
    fully trained modules included; a 4-bit weight counts its packed storage, two values per element)."""
    total = dict.fromkeys(MODULE_PREFIXES, 0)
    for name, parameter in model.named_parameters():
        total[module_of(name)] += full_numel(parameter)
    trainable = trainable_parameters(model)
    lines = [f"{'module':<24}{'lr':>10}{'trainable':>14}{'held':>14}"]
    for module in MODULE_PREFIXES:
        lines.append(f"{module:<24}{learning_rates[module]:>10.3g}{trainable[module]:>14,}{total[module]:>14,}")
    lines.append(f"{'all':<24}{'':>10}{sum(trainable.values()):>14,}{sum(total.values()):>14,}")
    return "\n".join(lines)


class ModuleLearningRates:
    """Optimizer factory for `Trainer(optimizer_cls_and_kwargs=(ModuleLearningRates, kwargs))`.

    The trainer calls `ModuleLearningRates()(model, **kwargs)` once the model is prepared, so the groups hold the
    parameters the wrapped model trains. Matrices decay, vectors (biases, norms, image_newline) do not. The optimizer
    is the one `training_args.optim` names, built as the Trainer would (`Trainer.get_optimizer_cls_and_kwargs`), with
    one parameter group per module at that module's rate; without `training_args`, torch's AdamW.
    """

    def __call__(
        self,
        model: torch.nn.Module,
        learning_rates: dict[str, float],
        weight_decay: float = 0.0,
        training_args=None,
        **adamw_kwargs,
    ) -> torch.optim.Optimizer:
        check_table(learning_rates)
        groups: dict[tuple[str, bool], list] = {}
        for name, parameter in model.named_parameters():
            if parameter.requires_grad:
                groups.setdefault((module_of(name), parameter.ndim >= 2), []).append(parameter)
        if not groups:
            raise ValueError("No parameter trains: give at least one module a learning rate above 0.")
        param_groups = [
            {
                "params": params,
                "lr": learning_rates[module],
                "weight_decay": weight_decay if decays else 0.0,
                "name": module,
            }
            for (module, decays), params in groups.items()
        ]
        if training_args is None:
            return torch.optim.AdamW(param_groups, **adamw_kwargs)
        from transformers import Trainer

        optimizer_cls, optimizer_kwargs = Trainer.get_optimizer_cls_and_kwargs(training_args, model)
        # The groups carry each module's rate and decay; the Trainer's kwargs bring the rest (betas, eps, fused...).
        optimizer_kwargs = {key: value for key, value in optimizer_kwargs.items() if key not in ("lr", "params")}
        return optimizer_cls(param_groups, **optimizer_kwargs)
