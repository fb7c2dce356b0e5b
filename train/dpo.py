"""Stage 3 of AMALIA-VL: preference optimisation with TRL's DPOTrainer, from the stage-2 checkpoint.

# The default: the tiny model that `accelerate launch train/sft.py` wrote, on the pt-PT sample pairs
accelerate launch train/dpo.py

# Stage 3 on 64 GPUs (8 nodes of 8; run on every node with its --machine_rank)
accelerate launch --config_file train/configs/accelerate/fsdp2.yaml --num_machines 8 --num_processes 64 \
    --machine_rank $NODE_RANK --main_process_ip $MASTER_ADDR --main_process_port 29500 \
    train/dpo.py --config train/configs/stage3.yaml --model_name_or_path checkpoints/amalia-vl-stage2

# LoRA on your own pairs on one GPU (QLoRA: add --load_in_4bit true): the reference is the policy with its adapters
# disabled, so no second copy of the model is held
accelerate launch train/dpo.py --config train/configs/lora_dpo.yaml

Any field of the config can be overridden on the command line (`--beta 0.05`, `--report_to wandb`,
`--resume_from_checkpoint true`, `--push_to_hub --hub_model_id me/amalia-vl-dpo`, `--use_peft true`).
"""

import sys
from pathlib import Path


if __name__ == "__main__" and not __package__:
    # Run as a script (`accelerate launch train/dpo.py`): the repository root replaces train/ on the path, so that
    # `train` imports as a package and its module names (`data`, `stage`) never shadow a user's.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from trl import DPOConfig, DPOTrainer, ModelConfig

from train.lora import lora_config
from train.sharding import FSDP2Fixes
from train.stage import (
    StageArguments,
    guard_and_resume,
    load_datasets,
    load_model_and_processor,
    model_kwargs,
    optimizer_cls_and_kwargs,
    parse_args,
    prepare_default_inputs,
    report_answer_accuracy,
    report_trainable,
    save_and_push,
)


DEFAULT_CONFIG = Path(__file__).with_name("configs") / "tiny_dpo.yaml"


def main(stage_args: StageArguments, training_args: DPOConfig, model_args: ModelConfig, callbacks=None):
    if not Path(model_args.model_name_or_path).exists() and model_args.model_name_or_path.startswith("outputs/"):
        raise FileNotFoundError(
            f"{model_args.model_name_or_path} does not exist: run stage 2 first (`accelerate launch train/sft.py`)."
        )
    prepare_default_inputs(stage_args, model_args.model_name_or_path, training_args)
    peft_config = lora_config(model_args, stage_args.module_learning_rates)
    kwargs = model_kwargs(model_args, training_args)
    model, processor = load_model_and_processor(model_args.model_name_or_path, stage_args, **kwargs)
    # The reference is the starting point, frozen: DPO measures how far the policy moves from it. With LoRA that is
    # the policy with its adapters disabled (TRL's way with ref_model=None), so no second copy is loaded.
    ref_model = None
    if peft_config is None:
        ref_model, _ = load_model_and_processor(model_args.model_name_or_path, stage_args, **kwargs)
    # What a reference copy would hold (4-bit weights count their packed bytes), before peft adds its adapters.
    reference_mib = sum(parameter.numel() * parameter.element_size() for parameter in model.parameters()) / 2**20
    train_dataset, eval_dataset = load_datasets(stage_args, training_args)

    # TRL's DataCollatorForVisionPreference builds the batches: it passes image_sizes and image_grids through.
    trainer = DPOTrainer(
        model=model,
        ref_model=ref_model,
        args=training_args,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        processing_class=processor,
        callbacks=[FSDP2Fixes(), *(callbacks or [])],
        peft_config=peft_config,
    )
    report_trainable(trainer, stage_args, peft_config)
    if trainer.ref_model is None:
        trainer.accelerator.print(
            f"Reference model: the policy with its adapters disabled, no second copy ({reference_mib:,.1f} MiB saved)."
        )
    # DPOTrainer takes no `optimizer_cls_and_kwargs` argument; Trainer reads this attribute when it builds the
    # optimizer, after the model is wrapped (FSDP2, ZeRO-3), as SFTTrainer's argument does.
    trainer.optimizer_cls_and_kwargs = optimizer_cls_and_kwargs(stage_args, training_args)
    # TRL leaves a vision preference set unprocessed until its collator runs, so the bad-sample guard fits it as it is.
    guard_and_resume(trainer, stage_args)
    report_answer_accuracy(trainer, processor, stage_args, "before training")
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    if eval_dataset is not None:
        metrics = trainer.evaluate()
        trainer.accelerator.print(
            f"Held-out preference accuracy: {metrics['eval_rewards/accuracies']:.1%} (chance 50%), "
            f"reward margin {metrics['eval_rewards/margins']:.3f}"
        )
    report_answer_accuracy(trainer, processor, stage_args, "after training")
    save_and_push(trainer, training_args, stage_args, model_args.model_name_or_path)


if __name__ == "__main__":
    main(*parse_args(DPOConfig, DEFAULT_CONFIG))
