"""Reads a streamed mix on every rank through accelerate's dataloader, configured as train/stream_state.py configures
the trainer's (stateful, no dispatching), and writes the sample ids each rank read.

    accelerate launch --multi_gpu --num_processes 2 tests/train/stream_ranks.py MIX_FILE MIX OUT_DIR

Used by test_stream_sharding.py.
"""

import json
import sys
from pathlib import Path

from accelerate import Accelerator
from accelerate.utils import DataLoaderConfiguration
from torch.utils.data import DataLoader


sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: the repository root
from train.data import load_mix  # noqa: E402


def main(mix_file: str, mix: str, output_dir: str) -> None:
    accelerator = Accelerator(
        cpu=True, dataloader_config=DataLoaderConfiguration(dispatch_batches=False, use_stateful_dataloader=True)
    )
    stream = load_mix(mix, seed=0, mix_file=mix_file, num_shards=8)
    loader = accelerator.prepare(
        DataLoader(stream, batch_size=4, collate_fn=lambda rows: [row["messages"][-1]["content"] for row in rows])
    )
    read = [text for batch in loader for text in batch]
    Path(output_dir, f"rank{accelerator.process_index}.json").write_text(json.dumps(read))


if __name__ == "__main__":
    main(*sys.argv[1:4])
