"""Resume a streamed mix where it stopped, without re-reading what was trained.

The Trainer resumes a stream by iterating it again from the start and throwing away the batches already trained
(`skip_first_batches`): every one of them is read, decoded and collated once more. Here the train dataloader is
torchdata's `StatefulDataLoader` (accelerate's `use_stateful_dataloader`, which records the position of the batches
handed to the training loop, not of those prefetched), whose state, with the `datasets.IterableDataset` state it
holds per worker, is saved in every checkpoint (one file per rank) and loaded before the first batch of the resumed
run; the Trainer's skipping is then turned off.
"""

import logging
from pathlib import Path

import torch
from transformers import TrainerCallback
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR


logger = logging.getLogger(__name__)
STATE_FILE = "stream_state_rank{rank}.pt"


def _state_path(checkpoint: str | Path, rank: int) -> Path:
    return Path(checkpoint) / STATE_FILE.format(rank=rank)


class StreamPosition(TrainerCallback):
    """Saves the train dataloader's position with each checkpoint and restores it when the run resumes."""

    def __init__(self, resume_from: str | None, rank: int):
        self.rank = rank
        self.state = None
        if resume_from is not None:
            path = _state_path(resume_from, rank)
            if path.exists():
                self.state = torch.load(path, weights_only=False)
            else:
                logger.warning(f"{path} is missing: the stream is replayed up to the checkpoint (slow, but exact).")

    @property
    def restores(self) -> bool:
        """True when the resumed run starts from a saved stream position (the Trainer must not skip batches)."""
        return self.state is not None

    def on_train_begin(self, args, state, control, train_dataloader=None, **kwargs):
        if self.state is not None:
            train_dataloader.load_state_dict(self.state)
            logger.info(f"Stream resumed at its saved position (rank {self.rank}); no batch is read twice.")

    def on_save(self, args, state, control, train_dataloader=None, **kwargs):
        checkpoint = Path(args.output_dir) / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}"
        torch.save(train_dataloader.state_dict(), _state_path(checkpoint, self.rank))


def resume_stream(trainer, resume_from: str | None) -> None:
    """Make `trainer` save and restore the position of its streamed train set (call before `trainer.train`)."""
    callback = StreamPosition(resume_from, trainer.args.process_index)
    # The Trainer reads its dataloader settings from its accelerator when it builds the train dataloader.
    trainer.accelerator.dataloader_config.use_stateful_dataloader = True
    # Each rank reads its own shards of the stream (`IterableDataset.shard`) instead of rank 0 reading every batch
    # and sending the others their part.
    trainer.accelerator.dataloader_config.dispatch_batches = False
    trainer.args.ignore_data_skip = callback.restores
    trainer.add_callback(callback)
