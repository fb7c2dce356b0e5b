"""Which checkpoint a run resumes from: `--resume_from_checkpoint true` (from the command line, where it arrives as
the string "true", or from the YAML) means the newest *complete* checkpoint in `output_dir`.

A job killed while saving leaves a `checkpoint-N` folder without its `trainer_state.json`, which the Trainer writes
last (after the weights, optimizer, scheduler and RNG states); transformers' own `get_last_checkpoint` would pick
that folder by its number and the resume would crash on it.
"""

import json
import logging
import re
from pathlib import Path

from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR


logger = logging.getLogger(__name__)
TRUE, FALSE = {"true", "yes", "1"}, {"false", "no", "0", "none", ""}
CHECKPOINT = re.compile(rf"^{PREFIX_CHECKPOINT_DIR}-(\d+)$")


def is_complete(checkpoint: Path) -> bool:
    """True when the Trainer finished writing `checkpoint`: its trainer_state.json, written last, parses."""
    try:
        json.loads((checkpoint / "trainer_state.json").read_text())
    except (OSError, ValueError):
        return False
    return True


def last_complete_checkpoint(output_dir: str | Path) -> Path | None:
    """The highest-numbered complete `checkpoint-N` in `output_dir`; incomplete newer ones are named in a warning."""
    folders = [
        path
        for path in Path(output_dir).glob(f"{PREFIX_CHECKPOINT_DIR}-*")
        if CHECKPOINT.match(path.name) and path.is_dir()
    ]
    for checkpoint in sorted(folders, key=lambda path: int(CHECKPOINT.match(path.name).group(1)), reverse=True):
        if is_complete(checkpoint):
            return checkpoint
        logger.warning(f"Skipping {checkpoint}: it was not completely written (no readable trainer_state.json).")
    return None


def resolve_resume(value: str | bool | None, output_dir: str | Path) -> str | None:
    """The checkpoint path `trainer.train(resume_from_checkpoint=...)` gets for a `--resume_from_checkpoint` value.

    true: the last complete checkpoint of `output_dir` (an error if there is none); false / unset: None (a new
    run); a path: that checkpoint, which must be complete.
    """
    if value is None or value is False or (isinstance(value, str) and value.strip().lower() in FALSE):
        return None
    if value is True or value.strip().lower() in TRUE:
        checkpoint = last_complete_checkpoint(output_dir)
        if checkpoint is None:
            raise FileNotFoundError(
                f"--resume_from_checkpoint true: no complete checkpoint-N folder in {output_dir} to resume from."
            )
        return str(checkpoint)
    if not is_complete(Path(value)):
        raise FileNotFoundError(
            f"--resume_from_checkpoint {value}: not a complete checkpoint (no readable trainer_state.json in it)."
        )
    return value
