"""train/sft.py or train/dpo.py under `accelerate launch`, with a callback that records what a sharded run has to
agree on with a single-process one:

    accelerate launch --config_file train/configs/accelerate/fsdp2.yaml --num_processes 2 \
        tests/train/sharded_run.py sft --use_cpu true --output_dir DIR ...

writes DIR/sharded_run.json (rank 0): per optimizer step and rank, a fingerprint of every sample the policy model's
forward saw and whether the batch had images; the run's logged losses; the dtypes the optimizer updates and the
language model head computes in; the wrapper that holds the model. Used by test_sharded.py.
"""

import json
import sys
import zlib
from pathlib import Path

import torch
import torch.distributed as dist
from accelerate.state import AcceleratorState, PartialState
from accelerate.utils import DistributedType
from transformers import TrainerCallback


sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: the repository root
from trl import DPOConfig, SFTConfig  # noqa: E402

from train import dpo, sft  # noqa: E402
from train.stage import parse_args  # noqa: E402


def fingerprint(input_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> int:
    """A checksum of one row's real tokens: the same sample gives the same number padded or not, left or right."""
    tokens = input_ids if attention_mask is None else input_ids[attention_mask.bool()]
    return zlib.crc32(tokens.cpu().numpy().astype("int64").tobytes())


def allow_fsdp_on_cpu():
    """Let accelerate run FSDP on CPU ranks, as it does on GPU ones.

    accelerate 1.15 turns FSDP on only for accelerator process groups (`AcceleratorState.__init__` sets
    `DistributedType.FSDP` inside its MULTI_GPU / MULTI_XPU / ... branch), so a CPU run launched with the FSDP2 config
    silently trains with DDP instead. PyTorch's FSDP2 itself runs on CPU with gloo; after accelerate's own set-up this
    applies the three assignments of that branch to a MULTI_CPU state, and nothing else."""
    original = AcceleratorState.__init__

    def init(self, *args, fsdp_plugin=None, **kwargs):
        original(self, *args, fsdp_plugin=fsdp_plugin, **kwargs)
        if fsdp_plugin is not None and self.distributed_type == DistributedType.MULTI_CPU:
            self.distributed_type = PartialState._shared_state["distributed_type"] = DistributedType.FSDP
            if self._mixed_precision != "no":
                fsdp_plugin.set_mixed_precision(self._mixed_precision)
            self.fsdp_plugin = fsdp_plugin

    AcceleratorState.__init__ = init


def sharding(model) -> str:
    from torch.distributed.fsdp import FSDPModule

    if isinstance(model, FSDPModule):
        return "fsdp2"
    if any(hasattr(parameter, "ds_id") for parameter in model.parameters()):
        return "zero3"
    return "none"


def master_weights(optimizer) -> list[torch.Tensor]:
    """The tensors the optimizer updates: ZeRO-3 keeps its master copy in flat fp32 partitions of its own."""
    inner = getattr(optimizer, "optimizer", optimizer)  # accelerate's wrapper
    flat = getattr(inner, "fp32_partitioned_groups_flat", None)
    return flat if flat is not None else [p for group in optimizer.param_groups for p in group["params"]]


class ShardedRecord(TrainerCallback):
    def __init__(self):
        self.steps, self.samples, self.had_images = [], [], False
        self.compute_dtype = None

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        def saw_batch(module, positional, keywords):
            ids, mask = keywords["input_ids"], keywords.get("attention_mask")
            self.samples += [fingerprint(ids[i], None if mask is None else mask[i]) for i in range(len(ids))]
            self.had_images |= keywords.get("pixel_values") is not None

        def layer_ran(module, positional, output):
            # Inside the forward, FSDP2 holds the layer's unsharded compute copy (its param_dtype) and ZeRO-3 its
            # gathered partition; autocast, where on, shows in the output.
            self.compute_dtype = [str(module.weight.dtype), str(output.dtype)]

        model.register_forward_pre_hook(saw_batch, with_kwargs=True)
        model.model.language_model.layers[0].mlp.down_proj.register_forward_hook(layer_ran)

    def on_step_end(self, args, state, control, **kwargs):
        mine = [sorted(self.samples), self.had_images]
        gathered = [None] * dist.get_world_size() if dist.is_initialized() else None
        if gathered is None:
            gathered = [mine]
        else:
            dist.all_gather_object(gathered, mine)
        self.steps.append(gathered)
        self.samples, self.had_images = [], False

    def on_train_end(self, args, state, control, model=None, optimizer=None, **kwargs):
        if state.is_world_process_zero:
            record = {
                "steps": self.steps,
                "log_history": state.log_history,
                "sharding": sharding(model),
                "master_dtypes": sorted({str(tensor.dtype) for tensor in master_weights(optimizer)}),
                "compute_dtype": self.compute_dtype,
            }
            Path(args.output_dir).mkdir(parents=True, exist_ok=True)
            (Path(args.output_dir) / "sharded_run.json").write_text(json.dumps(record))


if __name__ == "__main__":
    stage = {"sft": (sft, SFTConfig), "dpo": (dpo, DPOConfig)}[sys.argv.pop(1)]
    module, config_class = stage
    allow_fsdp_on_cpu()
    module.main(*parse_args(config_class, module.DEFAULT_CONFIG), callbacks=[ShardedRecord()])
