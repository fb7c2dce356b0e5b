"""What the stage scripts (sft.py for stages 1-2, dpo.py for stage 3) share: their arguments, the model and
processor as a stage configures them, the files the default run makes on a fresh machine, the datasets, the answer
accuracy report, and the final save and push."""

import json
import logging
import math
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import datasets
from accelerate.utils import is_peft_model
from peft import prepare_model_for_kbit_training
from transformers import AutoModelForImageTextToText, AutoProcessor, TrainingArguments
from trl import ModelConfig, TrlParser

from train.answer_accuracy import answer_accuracy, load_answer_set
from train.checkpoints import resolve_resume
from train.data import DEFAULT_MIX_FILE, epoch_size, load_mix, steps_per_epoch, usable_entries
from train.lora import bnb_config, check_trainable_modules
from train.modules import ModuleLearningRates, format_trainable, freeze_modules
from train.precision import check_master_weights
from train.sample_data import ensure_sample_data
from train.sample_guard import ReportSkipped, SkippingCollator, with_undecoded_images
from train.stream_state import resume_stream


REPO = Path(__file__).resolve().parents[1]
logger = logging.getLogger(__name__)


@dataclass
class StageArguments:
    """Arguments of a training stage beyond TRL's own (every one can be set in the YAML or on the command line)."""

    data_mix: str = field(default="sample_sft", metadata={"help": "Name of the mix in `data_mix_file` to train on."})
    data_mix_file: str = field(default=str(DEFAULT_MIX_FILE), metadata={"help": "The YAML file of data mixes."})
    max_tiles: int = field(default=12, metadata={"help": "Tiles per image; 1 turns tiling off (one view, stage 1)."})
    module_learning_rates: dict | str | None = field(
        default=None,
        metadata={"help": "Learning rate per module (JSON on the command line); 0 freezes the module."},
    )
    licenses: str | None = field(
        default=None,
        metadata={
            "help": "Train only on entries with these licences: open (permissive and share-alike, "
            "train/licenses.py), licence ids such as cc-by-4.0,mit, or all (the default)."
        },
    )
    skip_unavailable_sources: bool = field(
        default=False, metadata={"help": "Train on the mix entries that have a source (weights renormalised)."}
    )
    image_packing: bool = field(default=False, metadata={"help": "Pack several samples into each sequence."})
    max_images_per_sequence: int | None = field(default=None, metadata={"help": "Image budget of a packed sequence."})
    packing_in_one_row: bool = field(
        default=False,
        metadata={"help": "Pack a batch into a single unpadded row (what flash-attn's varlen path needs)."},
    )
    answer_eval_mix: str | None = field(
        default=None,
        metadata={"help": "Mix whose eval split carries answers: report answer accuracy before and after."},
    )
    sample_data_dir: str | None = field(
        default=None, metadata={"help": "Make the pt-PT sample dataset here if missing."}
    )
    build_tiny_model: bool = field(
        default=False,
        metadata={
            "help": "Build the tiny random checkpoint at the config's model_name_or_path if it is missing (never at "
            "a path or Hub id given on the command line)."
        },
    )
    max_skipped_fraction: float = field(
        default=0.01,
        metadata={"help": "Share of bad samples (corrupt image, too long) skipped before the run stops with an error."},
    )
    bf16_master_weights: bool = field(
        default=False,
        metadata={
            "help": "Let the optimizer step bf16/fp16 weights directly (most small updates round away); by default "
            "such a run is refused: load fp32 weights (dtype: float32) and compute in bf16 (bf16: true)."
        },
    )
    # Set from --push_to_hub --hub_model_id for a full model (parse_args): the repository the release goes to.
    release_repo_id: str | None = field(default=None, init=False)

    def __post_init__(self):
        if isinstance(self.module_learning_rates, str):
            self.module_learning_rates = json.loads(self.module_learning_rates)
        if not self.module_learning_rates:
            raise ValueError(
                "Set module_learning_rates: a learning rate per module (0 freezes it); see train/configs/."
            )
        self.module_learning_rates = {
            module: _as_rate(module, rate) for module, rate in self.module_learning_rates.items()
        }


def _as_rate(module: str, rate) -> float:
    # YAML 1.1 reads `5e-4` (no dot) as a string; PyYAML follows it.
    try:
        return float(rate)
    except (TypeError, ValueError):
        raise ValueError(f"module_learning_rates.{module} = {rate!r} is not a number.") from None


def prepare_default_inputs(stage_args: StageArguments, model_path: str, training_args: TrainingArguments) -> None:
    """Make the sample data and the tiny checkpoint that the default run needs, once, on the main process."""
    with training_args.main_process_first(desc="sample data and tiny checkpoint"):
        if stage_args.sample_data_dir:
            ensure_sample_data(stage_args.sample_data_dir)
        if stage_args.build_tiny_model and not Path(model_path).exists():
            # hub_release owns the tiny checkpoint: build it the way its README says.
            builder = REPO / "hub_release" / "build_checkpoint.py"
            subprocess.run([sys.executable, str(builder), "--tiny", model_path], check=True)


def model_kwargs(model_args: ModelConfig, training_args: TrainingArguments) -> dict:
    """`load_model_and_processor` keyword arguments from TRL's model flags (`--load_in_4bit` adds a quantization)."""
    kwargs = {"dtype": model_args.dtype, "attn_implementation": model_args.attn_implementation}
    quantization = bnb_config(model_args, training_args)
    if quantization is not None:
        # bitsandbytes quantizes while loading, on the device the weights land on: every process its own copy (DDP).
        kwargs |= {"quantization_config": quantization, "device_map": {"": training_args.device}}
        # Non-reentrant checkpointing, as torch recommends; it needs no gradient on the inputs and works under DDP
        # with unused parameters (text-only batches). (`gradient_checkpointing_kwargs`: transformers 5.20 has no
        # `activation_checkpointing_kwargs`, later versions mirror it there.)
        kwargs["activation_checkpointing_kwargs"] = training_args.gradient_checkpointing_kwargs or {
            "use_reentrant": False
        }
    return kwargs


def load_model_and_processor(
    model_path: str,
    stage_args: StageArguments,
    quantization_config=None,
    activation_checkpointing_kwargs=None,
    **kwargs,
):
    """The model with the stage's frozen modules, and its processor with the stage's tile budget.

    With a `quantization_config` (QLoRA), the model is loaded quantized and prepared for k-bit training, activation
    checkpointing on.
    """
    model = AutoModelForImageTextToText.from_pretrained(
        model_path, trust_remote_code=True, quantization_config=quantization_config, **kwargs
    )
    if quantization_config is not None:
        # Upcasts the full-precision modules to fp32 (stable training next to 4-bit weights) and turns activation
        # checkpointing on: QLoRA is for a model that would not fit otherwise.
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=True, gradient_checkpointing_kwargs=activation_checkpointing_kwargs
        )
    # The tower's final norm (and any layer past the feature layer) never runs: left trainable, DDP would fail on
    # parameters without gradients. Loading makes every parameter trainable again, so this comes after it.
    model.freeze_unused_vision_modules()
    freeze_modules(model, stage_args.module_learning_rates)
    processor = AutoProcessor.from_pretrained(model_path, trust_remote_code=True)
    # TRL's collators call the processor without `max_tiles`, so the budget is set where it reads its default; the
    # saved processor keeps it, and a checkpoint answers with the tiling it was trained with.
    processor.image_processor.max_tiles = stage_args.max_tiles
    return model, processor


def report_trainable(trainer, stage_args: StageArguments, peft_config) -> None:
    """Print what trains once the trainer has wrapped the model (peft adds its adapters there)."""
    if peft_config is not None:
        check_trainable_modules(trainer.model, stage_args.module_learning_rates)
    trainer.accelerator.print(
        "Trainable parameters per module:\n" + format_trainable(trainer.model, stage_args.module_learning_rates)
    )


def optimizer_cls_and_kwargs(stage_args: StageArguments, training_args: TrainingArguments):
    """The per-module optimizer for `Trainer(optimizer_cls_and_kwargs=...)`: the one `--optim` names (AdamW by
    default), with the run's settings and a rate per module."""
    return ModuleLearningRates, {
        "learning_rates": stage_args.module_learning_rates,
        "weight_decay": training_args.weight_decay,
        "training_args": training_args,
    }


def report_answer_accuracy(trainer, processor, stage_args: StageArguments, when: str) -> None:
    """Print the answer accuracy on the held-out split and its chance level (main process only)."""
    if not stage_args.answer_eval_mix or not trainer.accelerator.is_main_process:
        return
    if trainer.is_fsdp_enabled or trainer.is_deepspeed_enabled:
        # Generation on one rank needs the whole model; sharded runs evaluate with their eval split's loss instead.
        trainer.accelerator.print("Answer accuracy is measured in unsharded runs only; skipped.")
        return
    rows = load_answer_set(stage_args.answer_eval_mix, stage_args.data_mix_file)
    model = trainer.accelerator.unwrap_model(trainer.model)
    accuracy, chance = answer_accuracy(model, processor, rows)
    trainer.accelerator.print(
        f"Answer accuracy {when}: {accuracy:.1%} on {len(rows)} held-out questions (chance {chance:.1%})"
    )
    trainer.log({f"answer_accuracy_{when.replace(' ', '_')}": accuracy, "answer_accuracy_chance": chance})


def parse_args(config_class, default_config: Path):
    """(StageArguments, config_class, ModelConfig) from `--config` and the command line; no `--config` means
    `default_config`, so that the script with no arguments runs the default."""
    if "--config" not in sys.argv:
        sys.argv[1:1] = ["--config", str(default_config)]
    stage_args, training_args, model_args = TrlParser(
        (StageArguments, config_class, ModelConfig)
    ).parse_args_and_config()
    config = _read_config(sys.argv[sys.argv.index("--config") + 1])
    given = {argument[2:].split("=")[0] for argument in sys.argv[1:] if argument.startswith("--")} | set(config)
    if stage_args.build_tiny_model and model_args.model_name_or_path != config.get("model_name_or_path"):
        # The tiny model stands in for the config's own default path only: a Hub id or a typo given on the command
        # line must fail to load, not become a random model trained and saved under that name.
        stage_args.build_tiny_model = False
    if "learning_rate" in given:
        stage_args.module_learning_rates = one_rate_for_trainable_modules(
            stage_args.module_learning_rates, training_args.learning_rate
        )
    training_args.resume_from_checkpoint = resolve_resume(
        training_args.resume_from_checkpoint, training_args.output_dir
    )
    take_over_full_model_push(stage_args, training_args, model_args)
    return stage_args, training_args, model_args


def _read_config(path: str) -> dict:
    import yaml

    with open(path) as file:
        return yaml.safe_load(file) or {}


def one_rate_for_trainable_modules(learning_rates: dict[str, float], learning_rate: float) -> dict[str, float]:
    """`--learning_rate` sets the rate of every module that trains; frozen ones (rate 0) stay frozen."""
    rates = {module: learning_rate if rate > 0 else 0.0 for module, rate in learning_rates.items()}
    logger.warning(f"--learning_rate {learning_rate}: every trained module at that rate ({rates}).")
    return rates


def take_over_full_model_push(stage_args: StageArguments, training_args: TrainingArguments, model_args: ModelConfig):
    """A full model is published as hub_release/release.py publishes it (the project's model card, the release
    check, one commit) instead of TRL's push and generic card, so TRL's push is switched off before its trainer
    creates the repository. Adapters keep TRL's push, whose card names the base model."""
    if not training_args.push_to_hub or model_args.use_peft:
        return
    if not training_args.hub_model_id:
        raise ValueError("--push_to_hub needs --hub_model_id OWNER/NAME: the Hub repository the model is released to.")
    stage_args.release_repo_id, training_args.push_to_hub = training_args.hub_model_id, False


def load_datasets(stage_args: StageArguments, training_args: TrainingArguments):
    """The mix's train split and, when the run evaluates, its held-out split. A streamed mix without `max_steps`
    gets the steps of `num_train_epochs` epochs of the entries that are left (Table 1's sizes)."""

    # Selected once, so that what is left out is said once.
    entries = usable_entries(
        stage_args.data_mix, stage_args.data_mix_file, stage_args.skip_unavailable_sources, stage_args.licenses
    )

    def load(split):
        mix, mix_file = stage_args.data_mix, stage_args.data_mix_file
        return load_mix(mix, split, training_args.seed, mix_file, licenses=stage_args.licenses, entries=entries)

    train = load("train")
    if isinstance(train, datasets.IterableDataset) and training_args.max_steps <= 0:
        samples_per_step = (
            training_args.per_device_train_batch_size
            * training_args.gradient_accumulation_steps
            * training_args.world_size
        )
        epoch = epoch_size(entries)
        training_args.max_steps = math.ceil(training_args.num_train_epochs * steps_per_epoch(epoch, samples_per_step))
        logger.warning(
            f"Mix {stage_args.data_mix!r}: {epoch:,} samples an epoch, {samples_per_step} a step: "
            f"max_steps={training_args.max_steps:,} for {training_args.num_train_epochs:g} epochs."
        )
    return train, None if training_args.eval_strategy == "no" else load("eval")


def guard_and_resume(trainer, stage_args: StageArguments) -> None:
    """Before `trainer.train`: bad samples are skipped with a count, a streamed train set resumes from its saved
    position, and the run is refused if the optimizer would step low-precision weights."""
    skip_bad_samples(trainer, stage_args)
    if isinstance(trainer.train_dataset, datasets.IterableDataset):
        resume_stream(trainer, trainer.args.resume_from_checkpoint)
    check_master_weights(trainer, stage_args.bf16_master_weights)


def skip_bad_samples(trainer, stage_args: StageArguments) -> None:
    """Wrap the trainer's collator (TRL's SFT or preference one, or the packing one) so that bad samples are skipped
    and counted."""
    trainer.train_dataset = with_undecoded_images(trainer.train_dataset)
    trainer.data_collator = SkippingCollator(trainer.data_collator, stage_args.max_skipped_fraction)
    trainer.add_callback(ReportSkipped(trainer.data_collator))


def save_and_push(trainer, training_args: TrainingArguments, stage_args: StageArguments, start: str) -> None:
    """Save the final model (weights, processor, code files) and push it with its model card when asked; `start` is
    the `model_name_or_path` the run began from."""
    trainer.save_model(training_args.output_dir)
    if is_peft_model(trainer.model):
        trainer.accelerator.print(
            f"Adapter saved to {training_args.output_dir}; a full checkpoint of it: "
            f"python hub_release/merge_adapter.py {training_args.output_dir} {training_args.output_dir}-merged"
        )
    else:
        trainer.accelerator.print(f"Model saved to {training_args.output_dir}.")
    if stage_args.release_repo_id:
        release_to_hub(trainer, training_args, stage_args, start)
    elif training_args.push_to_hub:  # adapters: TRL's push
        trainer.push_to_hub(dataset_name=stage_args.data_mix)
        trainer.accelerator.print(f"Adapter pushed to https://huggingface.co/{trainer.hub_model_id}.")
    trainer.end()


def release_to_hub(trainer, training_args: TrainingArguments, stage_args: StageArguments, start: str) -> None:
    """Build, check and push the release of the trained model (`hub_release.release.publish`) from the main process.

    A failed check or an unreachable Hub raises after the model was saved, and nothing is pushed half-way.
    """
    from hub_release.release import publish

    trainer.save_state()  # trainer_state.json beside the model: the card's steps and losses
    if trainer.accelerator.is_main_process:
        output = Path(training_args.output_dir)
        stage_config = {
            **{name: value for name, value in vars(stage_args).items() if name != "release_repo_id"},
            "model_name_or_path": start,
            # A Hub id the run started from is the card's base model; a local folder says nothing reliable.
            "base_model": None if Path(start).exists() else start,
            "max_length": training_args.max_length,
            "lr_scheduler_type": str(training_args.lr_scheduler_type),
        }
        release = publish(
            output,
            output.with_name(f"{output.name}-release"),
            stage_config=stage_config,
            repo_id=stage_args.release_repo_id,
            push=True,
            private=bool(training_args.hub_private_repo),
            revision=getattr(training_args, "hub_revision", None) or "main",
        )
        trainer.accelerator.print(f"Released {release} to https://huggingface.co/{stage_args.release_repo_id}.")
    trainer.accelerator.wait_for_everyone()
