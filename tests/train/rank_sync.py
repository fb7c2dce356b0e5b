"""train/sft.py under `accelerate launch`, with a callback that checks after every optimizer step that all ranks
hold the same weights, and that counts the steps where some rank's batch had no image.

    accelerate launch --num_processes 2 --cpu tests/train/rank_sync.py --config ... --output_dir DIR

writes DIR/rank_sync.json (rank 0). Used by test_training.py.
"""

import json
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from transformers import TrainerCallback

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "train"))
from sft import DEFAULT_CONFIG, main  # noqa: E402
from stage import StageArguments  # noqa: E402
from trl import ModelConfig, SFTConfig, TrlParser  # noqa: E402


class WeightsInSync(TrainerCallback):
    def __init__(self):
        self.steps = []

    def on_step_end(self, args, state, control, model=None, **kwargs):
        # A weighted sum sees any difference in any parameter; float64 so that summation order cannot hide one.
        checksum = sum((p.detach().double() * (i + 1)).sum() for i, p in enumerate(model.parameters()))
        gathered = [torch.zeros((), dtype=torch.float64) for _ in range(dist.get_world_size())]
        dist.all_gather(gathered, checksum)
        self.steps.append([value.item() for value in gathered])
        if dist.get_rank() == 0:
            Path(args.output_dir).mkdir(parents=True, exist_ok=True)
            (Path(args.output_dir) / "rank_sync.json").write_text(json.dumps(self.steps))


if __name__ == "__main__":
    if "--config" not in sys.argv:
        sys.argv[1:1] = ["--config", str(DEFAULT_CONFIG)]
    main(*TrlParser((StageArguments, SFTConfig, ModelConfig)).parse_args_and_config(), callbacks=[WeightsInSync()])
