"""Stages 1 and 2 of AMALIA-VL: supervised fine-tuning with TRL's SFTTrainer.

# The default: the tiny model on the pt-PT sample set, a few minutes on CPU (train/configs/tiny_sft.yaml)
accelerate launch train/sft.py

# Stage 1, connector warm-up on 8 GPUs (one node)
accelerate launch --config_file train/configs/accelerate/fsdp2.yaml train/sft.py --config train/configs/stage1.yaml

# Stage 2, visual SFT on 128 GPUs (16 nodes of 8; run on every node with its --machine_rank)
accelerate launch --config_file train/configs/accelerate/fsdp2.yaml --num_machines 16 --num_processes 128 \
    --machine_rank $NODE_RANK --main_process_ip $MASTER_ADDR --main_process_port 29500 \
    train/sft.py --config train/configs/stage2.yaml --model_name_or_path checkpoints/amalia-vl-stage1

# LoRA on your own data on one GPU (train/README.md: my_mix.yaml names it); QLoRA: add --load_in_4bit true
accelerate launch train/sft.py --config train/configs/lora.yaml

Any field of the config can be overridden on the command line (`--max_steps 10`, `--report_to wandb`,
`--resume_from_checkpoint true`, `--push_to_hub --hub_model_id me/amalia-vl-sft`, `--use_peft true`, `--lora_r 32`).
"""

import sys
from pathlib import Path


if __name__ == "__main__" and not __package__:
    # Run as a script (`accelerate launch train/sft.py`): the repository root replaces train/ on the path, so that
    # `train` imports as a package and its module names (`data`, `stage`) never shadow a user's.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from trl import ModelConfig, SFTConfig, SFTTrainer

from train.lora import lora_config
from train.packing import DataCollatorForPackedVision, check_layout
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


DEFAULT_CONFIG = Path(__file__).with_name("configs") / "tiny_sft.yaml"


def main(stage_args: StageArguments, training_args: SFTConfig, model_args: ModelConfig, callbacks=None):
    prepare_default_inputs(stage_args, model_args.model_name_or_path, training_args)
    peft_config = lora_config(model_args, stage_args.module_learning_rates)
    model, processor = load_model_and_processor(
        model_args.model_name_or_path, stage_args, **model_kwargs(model_args, training_args)
    )
    train_dataset, eval_dataset = load_datasets(stage_args, training_args)

    # Without packing, TRL's own vision collator (assistant_only_loss in the config) builds the batches.
    collator = None
    if stage_args.image_packing:
        check_layout(model_args.attn_implementation, stage_args.packing_in_one_row)
        collator = DataCollatorForPackedVision(
            processor,
            max_length=training_args.max_length,
            max_images=stage_args.max_images_per_sequence,
            padding_free=stage_args.packing_in_one_row,
        )

    trainer = SFTTrainer(
        model=model,
        args=training_args,
        data_collator=collator,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        processing_class=processor,
        optimizer_cls_and_kwargs=optimizer_cls_and_kwargs(stage_args, training_args),
        callbacks=[FSDP2Fixes(), *(callbacks or [])],
        peft_config=peft_config,
    )
    report_trainable(trainer, stage_args, peft_config)
    guard_and_resume(trainer, stage_args)
    report_answer_accuracy(trainer, processor, stage_args, "before training")
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    if eval_dataset is not None:
        trainer.accelerator.print(f"Held-out loss: {trainer.evaluate()['eval_loss']:.4f}")
    report_answer_accuracy(trainer, processor, stage_args, "after training")
    save_and_push(trainer, training_args, stage_args, model_args.model_name_or_path)


if __name__ == "__main__":
    main(*parse_args(SFTConfig, DEFAULT_CONFIG))
