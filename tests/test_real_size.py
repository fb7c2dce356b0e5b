"""The released architecture's sizes on CPU: a 12-tile image through the real SigLIP2-so400m shapes."""

import torch
from transformers import AutoModel

from amalia_vl import AmaliaVLConfig, AmaliaVLImageProcessor
from tests.helpers import random_image


def _worst_case_inputs():
    processor = AmaliaVLImageProcessor()
    image = random_image(4608, 384)  # a 12 x 1 strip: the most tokens the tiling can cost
    inputs = processor([image])
    expected_tokens = processor.num_image_tokens((4608, 384))
    return inputs, expected_tokens


def test_twelve_tile_image_through_the_released_shapes():
    """Every layer of the real configuration, on the meta device: shapes and token counts without 9B of memory."""
    inputs, expected_tokens = _worst_case_inputs()
    assert inputs["image_grids"].tolist() == [[12, 1]] and inputs["pixel_values"].shape == (13, 3, 384, 384)
    with torch.device("meta"):
        model = AutoModel.from_config(AmaliaVLConfig())
        features = model.model.get_image_features(
            inputs["pixel_values"].to("meta"), inputs["image_sizes"], inputs["image_grids"]
        ).pooler_output
    assert expected_tokens == 7776
    assert [tuple(f.shape) for f in features] == [(7776, 4096)]


def test_real_width_tower_and_connector_compute_finite_features():
    """Real numbers through a real-width (1152) SigLIP layer and the real 1152 -> 4096 -> 4096 connector."""
    torch.manual_seed(0)
    config = AmaliaVLConfig(
        vision_config={**AmaliaVLConfig().vision_config.to_dict(), "num_hidden_layers": 1},
        text_config={
            "model_type": "llama",
            "hidden_size": 4096,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "vocab_size": 128,
        },
        image_token_id=127,
    )
    model = AutoModel.from_config(config).eval()
    inputs, expected_tokens = _worst_case_inputs()
    with torch.no_grad():
        features = model.model.get_image_features(**inputs).pooler_output
    assert [tuple(f.shape) for f in features] == [(expected_tokens, 4096)]
    assert torch.isfinite(features[0]).all() and features[0].std() > 0
