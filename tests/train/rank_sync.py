"""train/sft.py under `accelerate launch`, with a callback that records after every optimizer step, for every rank,
a checksum of its weights, whether its batch had images and whether its vision tower ran.

    accelerate launch --multi_gpu --num_processes 2 tests/train/rank_sync.py --use_cpu true --output_dir DIR ...

writes DIR/rank_sync.json (rank 0): one [[checksum, had_images, vision_ran] per rank] per step. Used by
test_training.py.
"""

import json
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from transformers import TrainerCallback


sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: the repository root
from trl import SFTConfig  # noqa: E402

from train.sft import DEFAULT_CONFIG, main  # noqa: E402
from train.stage import parse_args  # noqa: E402


class WeightsInSync(TrainerCallback):
    """After every step: a checksum of the weights, whether the batch had images, whether the vision tower ran."""

    def __init__(self):
        self.steps = []
        self.had_images = self.vision_ran = False

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        def saw_batch(module, positional, keywords):
            self.had_images |= keywords.get("pixel_values") is not None

        def vision_ran(module, positional):
            self.vision_ran = True

        model.register_forward_pre_hook(saw_batch, with_kwargs=True)
        model.model.vision_tower.embeddings.register_forward_pre_hook(vision_ran)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        # A weighted sum sees any difference in any parameter; float64 so that summation order cannot hide one.
        checksum = sum((p.detach().double() * (i + 1)).sum() for i, p in enumerate(model.parameters()))
        mine = torch.tensor([checksum.item(), self.had_images, self.vision_ran], dtype=torch.float64)
        gathered = [torch.zeros_like(mine) for _ in range(dist.get_world_size())]
        dist.all_gather(gathered, mine)
        self.steps.append([value.tolist() for value in gathered])
        self.had_images = self.vision_ran = False
        if dist.get_rank() == 0:
            Path(args.output_dir).mkdir(parents=True, exist_ok=True)
            (Path(args.output_dir) / "rank_sync.json").write_text(json.dumps(self.steps))


if __name__ == "__main__":
    main(*parse_args(SFTConfig, DEFAULT_CONFIG), callbacks=[WeightsInSync()])
