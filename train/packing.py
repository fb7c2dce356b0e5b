"""Packing for image data: several samples in one sequence, which TRL refuses for vision datasets.

The collator encodes each sample on its own (chat template, image tiling), then places the samples of a batch into
as few rows as fit under a token budget (`max_length`) and an image budget (`max_images`), longest first
(first-fit decreasing). Inside a row, `position_ids` restart at 0 for every sample and no `attention_mask` is
returned: transformers then builds a block-diagonal mask from `position_ids` (sdpa, eager, flex), and with
`padding_free=True` (one flat row, what flash-attn's varlen kernels need) it derives `cu_seqlens` from them.
Image tensors are concatenated in sample order, as the processor would for the same samples in one call.
The model must run with `use_cache=False` (TRL's trainers pass it): with a cache, transformers does not look for
sample boundaries in `position_ids`.

Labels keep the assistant tokens only (the chat template's `{% generation %}` mask), never image tokens, padding or
prompts, and the first token of every packed sample is -100 so that no sample is trained to predict the next one.
"""

import logging
from dataclasses import dataclass
from typing import Any

import torch
from transformers import ProcessorMixin
from trl.data_utils import prepare_multimodal_messages


logger = logging.getLogger(__name__)
IMAGE_KEYS = ("pixel_values", "image_sizes", "image_grids")


def first_fit_decreasing(
    lengths: list[int], num_images: list[int], max_length: int, max_images: int | None = None
) -> list[list[int]]:
    """Group sample indices into bins of at most `max_length` tokens and `max_images` images.

    Samples are placed longest first into the first bin with room for both their tokens and their images (the
    classic first-fit-decreasing heuristic, within 11/9 of the optimal bin count); each bin lists its samples in
    their original order, and bins are ordered by their first sample, so the data order survives packing.

    >>> first_fit_decreasing([6, 5, 4, 3], [0, 1, 1, 0], max_length=10, max_images=1)
    [[0, 2], [1, 3]]
    """
    bins: list[list[int]] = []
    room: list[list[int]] = []  # [tokens left, images left] per bin
    image_budget = max_images if max_images is not None else float("inf")
    for index in sorted(range(len(lengths)), key=lambda i: (-lengths[i], i)):
        if lengths[index] > max_length or num_images[index] > image_budget:
            raise ValueError(
                f"Sample {index} ({lengths[index]} tokens, {num_images[index]} images) exceeds the budget of one "
                f"sequence ({max_length} tokens, {max_images} images): raise `max_length` / `max_images_per_sequence`."
            )
        for bin_index, (tokens_left, images_left) in enumerate(room):
            if lengths[index] <= tokens_left and num_images[index] <= images_left:
                bins[bin_index].append(index)
                room[bin_index] = [tokens_left - lengths[index], images_left - num_images[index]]
                break
        else:
            bins.append([index])
            room.append([max_length - lengths[index], image_budget - num_images[index]])
    return sorted((sorted(members) for members in bins), key=lambda members: members[0])


def check_layout(attn_implementation: str | None, padding_free: bool) -> None:
    """Flash-attn finds sample boundaries in `position_ids` only in a batch of one row (transformers'
    `_is_packed_sequence`); packed rows side by side would attend across samples there."""
    if "flash" in (attn_implementation or "") and not padding_free:
        raise ValueError(
            f"attn_implementation={attn_implementation!r} needs packed samples in one row: set packing_in_one_row: "
            "true, or use sdpa / eager / flex attention for packed rows."
        )


@dataclass
class DataCollatorForPackedVision:
    """Encode TRL vision samples (`messages` + `images`) one by one and pack them into rows.

    Args:
        processor: an `AmaliaVLProcessor` (any processor whose chat template has `{% generation %}` markers).
        max_length: token budget of one row. A sample longer than this is cut at the end when its images stay
            whole, and dropped with a warning when the cut would split an image.
        max_images: image budget of one row (None: no limit). It bounds the vision tower's work per row.
        pack: False gives one sample per right-padded row with an `attention_mask` (same labels), the reference
            that packing must match.
        padding_free: put every sample of the batch in one row of shape (1, total) without padding, the layout
            flash-attn's varlen path needs; the row is then the batch, so only `max_length` per sample applies.
        pad_to_multiple_of: round the row length up, for tensor-core friendly shapes.

    Example:
    ```python
    >>> collator = DataCollatorForPackedVision(processor, max_length=16384, max_images=16)
    >>> batch = collator([{"messages": [...], "images": [image]}, {"messages": [...], "images": []}])
    >>> batch.keys()  # no attention_mask: the model masks across samples from position_ids
    dict_keys(['input_ids', 'labels', 'position_ids', 'pixel_values', 'image_sizes', 'image_grids'])
    ```
    """

    processor: ProcessorMixin
    max_length: int
    max_images: int | None = None
    pack: bool = True
    padding_free: bool = False
    pad_to_multiple_of: int | None = None

    def encode(self, example: dict[str, Any]) -> dict[str, torch.Tensor] | None:
        """Tokenize and tile one sample; labels keep its assistant tokens. None when it cannot fit `max_length`."""
        images = example.get("images") or []
        messages = prepare_multimodal_messages(example["messages"], images=images)
        # Tiles per image: the image processor's `max_tiles`, which the stage sets (1 in stage 1).
        encoded = self.processor.apply_chat_template(
            [messages],
            tokenize=True,
            return_dict=True,
            return_tensors="pt",
            return_assistant_tokens_mask=True,
            processor_kwargs={"add_special_tokens": False},  # the template writes every special token itself
        )
        input_ids = encoded["input_ids"][0]
        is_image = input_ids == self.processor.image_token_id
        labels = input_ids.masked_fill((encoded["assistant_masks"][0] == 0) | is_image, -100)
        if len(input_ids) > self.max_length:
            if is_image[self.max_length :].any():
                logger.warning(
                    f"Dropped a sample of {len(input_ids)} tokens whose image tokens run past max_length="
                    f"{self.max_length}: raise max_length or lower max_tiles."
                )
                return None
            input_ids, labels = input_ids[: self.max_length], labels[: self.max_length]
        sample = {"input_ids": input_ids, "labels": labels, "num_images": len(images)}
        if images:
            sample.update({key: encoded[key] for key in IMAGE_KEYS})
        return sample

    def rows(self, samples: list[dict]) -> list[list[int]]:
        """Which samples share a row: one per row without packing, all in one row when padding-free, else the bin
        packing of their lengths."""
        if not self.pack:
            return [[index] for index in range(len(samples))]
        if self.padding_free:
            return [list(range(len(samples)))]
        lengths = [len(sample["input_ids"]) for sample in samples]
        images = [sample["num_images"] for sample in samples]
        return first_fit_decreasing(lengths, images, self.max_length, self.max_images)

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        samples = [sample for sample in map(self.encode, examples) if sample is not None]
        if not samples:
            raise ValueError("Every sample of this batch was longer than max_length: raise max_length.")
        rows = [[samples[index] for index in row] for row in self.rows(samples)]
        batch = self._pad_rows([self._concatenate(row) for row in rows])
        with_images = [sample for row in rows for sample in row if sample["num_images"]]
        if with_images:
            # Images follow the rows' sample order, which is the order of their <image> tokens in input_ids.
            batch.update({key: torch.cat([sample[key] for sample in with_images]) for key in IMAGE_KEYS})
        return batch

    @staticmethod
    def _concatenate(row: list[dict]) -> dict[str, torch.Tensor]:
        labels = []
        for sample in row:
            sample_labels = sample["labels"].clone()
            sample_labels[0] = -100  # the previous sample's last token must not learn to predict this one
            labels.append(sample_labels)
        return {
            "input_ids": torch.cat([sample["input_ids"] for sample in row]),
            "labels": torch.cat(labels),
            "position_ids": torch.cat([torch.arange(len(sample["input_ids"])) for sample in row]),
        }

    def _pad_rows(self, rows: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        width = max(len(row["input_ids"]) for row in rows)
        if self.pad_to_multiple_of:
            width = -(-width // self.pad_to_multiple_of) * self.pad_to_multiple_of
        pad_id = self.processor.tokenizer.pad_token_id
        batch = {"input_ids": [], "labels": [], "position_ids": [], "attention_mask": []}
        for row in rows:
            extra = width - len(row["input_ids"])
            batch["input_ids"].append(torch.nn.functional.pad(row["input_ids"], (0, extra), value=pad_id))
            batch["labels"].append(torch.nn.functional.pad(row["labels"], (0, extra), value=-100))
            # Padding gets a position block of its own, so that in a packed row it attends only to itself.
            batch["position_ids"].append(torch.cat([row["position_ids"], torch.arange(extra)]))
            batch["attention_mask"].append(torch.arange(width) < len(row["input_ids"]))
        batch = {key: torch.stack(values) for key, values in batch.items()}
        batch["attention_mask"] = batch["attention_mask"].long()
        if self.pack:
            # A 2-D attention_mask would stop transformers from reading the sample boundaries off position_ids.
            del batch["attention_mask"]
        return batch
