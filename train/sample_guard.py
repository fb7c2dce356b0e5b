"""Bad samples are skipped and counted instead of ending a run that has days to go.

A sample is skipped when one of its images does not decode (a corrupt or truncated file) or when the collator
refuses it (longer than `max_length` where the cut would split its image tokens, the processor's error). Images
reach the collator undecoded (`datasets.Image(decode=False)`), so that a corrupt file is caught here and not inside
the dataloader's fetch. Every skip is logged with its reason; `max_skipped_fraction` turns too many into an error,
since then the data, not a stray sample, is wrong. The counts live in shared memory, so that the dataloader's
worker processes (forked, as on Linux) add to the numbers the main process reports.
"""

import logging
import multiprocessing
from collections.abc import Callable
from typing import Any

import datasets
from PIL import Image
from transformers import TrainerCallback


logger = logging.getLogger(__name__)
REASONS = ("corrupt image", "refused by the collator")
DECODE = datasets.Image()
# Below this many samples seen, the fraction says nothing yet: the threshold waits.
MIN_SAMPLES_FOR_THRESHOLD = 100


class TooManySkippedSamples(RuntimeError):
    pass


def decode_images(example: dict) -> dict:
    """The example with its images as loaded PIL images; raises OSError / ValueError for one that does not decode."""
    images = []
    for image in example.get("images") or []:
        if not isinstance(image, Image.Image):
            image = DECODE.decode_example(image)
        image.load()  # PIL reads lazily: force the whole file now
        images.append(image)
    return {**example, "images": images}


class SkippingCollator:
    """Wraps `collator`: decodes each example's images, collates, and drops the examples that fail, counted."""

    def __init__(self, collator: Callable[[list[dict]], dict], max_skipped_fraction: float = 0.01):
        self.collator = collator
        self.max_skipped_fraction = max_skipped_fraction
        self.seen = multiprocessing.Value("q", 0)
        self.skipped = {reason: multiprocessing.Value("q", 0) for reason in REASONS}

    def __call__(self, examples: list[dict[str, Any]]) -> dict:
        decoded = [example for example in map(self._decoded_or_none, examples) if example is not None]
        try:
            batch = self.collator(decoded) if decoded else None
        except ValueError:
            # One refused sample fails the whole batch: find it by collating each alone, keep the others.
            decoded = [example for example in decoded if self._collates(example)]
            batch = self.collator(decoded) if decoded else None
        self._count(seen=len(examples))
        if batch is None:
            raise TooManySkippedSamples(f"Every sample of a batch of {len(examples)} was skipped: {self.summary()}.")
        return batch

    def _decoded_or_none(self, example: dict) -> dict | None:
        try:
            return decode_images(example)
        except (OSError, ValueError, SyntaxError) as error:  # PIL raises all three for broken files
            self._skip("corrupt image", error)
            return None

    def _collates(self, example: dict) -> bool:
        try:
            self.collator([example])
        except ValueError as error:
            self._skip("refused by the collator", error)
            return False
        return True

    def _skip(self, reason: str, error: Exception) -> None:
        with self.skipped[reason].get_lock():
            self.skipped[reason].value += 1
        logger.warning(f"Skipped a sample ({reason}): {error}")

    def _count(self, seen: int) -> None:
        with self.seen.get_lock():
            self.seen.value += seen
        skipped, total = self.total_skipped(), self.seen.value
        if total >= MIN_SAMPLES_FOR_THRESHOLD and skipped > self.max_skipped_fraction * total:
            raise TooManySkippedSamples(
                f"{skipped} of {total} samples skipped, more than max_skipped_fraction={self.max_skipped_fraction}: "
                f"{self.summary()}. Check the data (or raise the threshold)."
            )

    def total_skipped(self) -> int:
        return sum(counter.value for counter in self.skipped.values())

    def summary(self) -> str:
        counts = ", ".join(f"{counter.value} {reason}" for reason, counter in self.skipped.items())
        return f"{self.total_skipped()} of {self.seen.value} samples skipped ({counts})"


class ReportSkipped(TrainerCallback):
    """Logs the skip counts with the training logs and prints them when training ends."""

    def __init__(self, collator: SkippingCollator):
        self.collator = collator

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs is not None and "loss" in logs:
            logs["skipped_samples"] = self.collator.total_skipped()

    def on_train_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            print(f"Bad samples: {self.collator.summary()}.")


def with_undecoded_images(dataset):
    """`dataset` with its images left as bytes / paths, for `SkippingCollator` to decode."""
    if "images" not in (dataset.column_names or []):
        return dataset
    return dataset.cast_column("images", datasets.List(datasets.Image(decode=False)))
