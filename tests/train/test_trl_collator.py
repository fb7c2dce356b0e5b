"""Without packing, sft.py hands batching to TRL's own vision collator: it must build the batch ours builds."""

import torch
from transformers import AutoProcessor
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from train.data import load_mix
from train.packing import DataCollatorForPackedVision


def test_trl_collator_matches_ours_unpacked(tiny_checkpoint, sample_mix_file):
    processor = AutoProcessor.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    rows = load_mix("sample_sft", mix_file=sample_mix_file)
    examples = [rows[index] for index in range(6)]
    ours = DataCollatorForPackedVision(processor, max_length=1024, pack=False)(examples)
    trl = DataCollatorForVisionLanguageModeling(processor, max_length=1024, assistant_only_loss=True)(examples)
    for key in ("input_ids", "attention_mask", "labels", "pixel_values", "image_sizes", "image_grids"):
        torch.testing.assert_close(trl[key], ours[key], msg=key)
