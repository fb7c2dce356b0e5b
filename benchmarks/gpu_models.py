"""The models and processor the GPU check trains and times: our classes at the given sizes, random weights made on the
device, and the tiny pt-PT tokenizer (the real one would be a download)."""

import torch
from transformers import AutoModelForImageTextToText

from amalia_vl import AmaliaVLConfig, AmaliaVLImageProcessor, AmaliaVLProcessor
from benchmarks.gpu_sizes import Sizes
from tests.helpers import reference_tokenizer


MAX_TILES = 12


def processor_for(sizes: Sizes) -> AmaliaVLProcessor:
    image_processor = AmaliaVLImageProcessor(tile_size=sizes.tile, max_tiles=MAX_TILES, patch_size=sizes.patch)
    return AmaliaVLProcessor(image_processor=image_processor, tokenizer=reference_tokenizer())


def model_config(sizes: Sizes, processor: AmaliaVLProcessor, layers: int) -> AmaliaVLConfig:
    tokenizer = processor.tokenizer
    return AmaliaVLConfig(
        vision_config={
            "model_type": "siglip_vision_model",
            **sizes.vision,
            "patch_size": sizes.patch,
            "image_size": sizes.tile,
            "vision_use_head": False,
        },
        text_config={
            "model_type": "llama",
            **sizes.text,
            "num_hidden_layers": layers,
            "vocab_size": sizes.vocab_size or len(tokenizer),
            "pad_token_id": tokenizer.pad_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "bos_token_id": tokenizer.bos_token_id,
        },
        image_token_id=processor.image_token_id,
        tile_size=sizes.tile,
        max_tiles=MAX_TILES,
    )


def build_model(config: AmaliaVLConfig, device: str, dtype: torch.dtype):
    with torch.device(device):  # random weights made where they live
        model = AutoModelForImageTextToText.from_config(config, dtype=dtype, attn_implementation="sdpa")
    return model
