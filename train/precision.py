"""fp32 master weights, bf16 compute: the precision every training path here uses by default.

The stage configs load the weights in fp32 (`dtype: float32`) and compute in bf16 (`bf16: true`: the Trainer's
autocast, or the mixed-precision policy of FSDP2 / DeepSpeed in train/configs/accelerate/). AdamW stepping bf16
weights directly loses most updates: an update below half a bf16 ulp (about 0.4 % of the weight) rounds away, and
at fine-tuning rates most do. Such a run is refused unless asked for, except under DeepSpeed, whose bf16 optimizer
keeps an fp32 master copy of its own.
"""

import logging

import torch


logger = logging.getLogger(__name__)
LOW_PRECISION = (torch.bfloat16, torch.float16)


def low_precision_trainable(model: torch.nn.Module) -> dict[torch.dtype, int]:
    """Trainable parameter counts per low-precision dtype."""
    counts: dict[torch.dtype, int] = {}
    for parameter in model.parameters():
        if parameter.requires_grad and parameter.dtype in LOW_PRECISION:
            counts[parameter.dtype] = counts.get(parameter.dtype, 0) + parameter.numel()
    return counts


def upcast_trainable(model: torch.nn.Module) -> int:
    """Cast the trainable low-precision parameters to fp32 in place; returns how many values were cast."""
    cast = 0
    for parameter in model.parameters():
        if parameter.requires_grad and parameter.dtype in LOW_PRECISION:
            parameter.data = parameter.data.float()
            cast += parameter.numel()
    return cast


def check_master_weights(trainer, allow_low_precision: bool) -> None:
    """Refuse (or, with adapters, fix) a run whose optimizer would step bf16/fp16 weights.

    With peft the trainable parameters are the adapters and the copies of fully trained modules, a small share of
    the model: they are kept in fp32 beside the frozen low-precision base, which is what QLoRA does too.
    """
    counts = low_precision_trainable(trainer.model)
    if not counts or trainer.is_deepspeed_enabled:
        return
    if allow_low_precision:
        logger.warning(f"bf16_master_weights: the optimizer steps {counts} low-precision values directly.")
        return
    if getattr(trainer.model, "peft_config", None):
        if not (trainer.args.bf16 or trainer.args.fp16):
            raise ValueError(
                "Adapters train in fp32 beside the low-precision base, which needs mixed-precision compute: "
                "pass --bf16 true (as train/configs/lora.yaml does), or load the base in fp32 (--dtype float32)."
            )
        cast = upcast_trainable(trainer.model)
        logger.info(f"{cast:,} trainable adapter and module values kept in fp32 beside the low-precision base.")
        return
    summary = ", ".join(f"{count:,} {str(dtype).removeprefix('torch.')}" for dtype, count in counts.items())
    raise ValueError(
        f"The optimizer would step {summary} trainable weights directly: most updates would round away. Load the "
        "weights in fp32 (--dtype float32) and compute in bf16 (--bf16 true), which the stage configs do, or pass "
        "--bf16_master_weights true to train this way anyway."
    )
