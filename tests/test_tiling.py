"""The tiling geometry, against transformers' own llava_next functions, and its token costs."""

import itertools

import pytest
import torch
from transformers.image_processing_utils import select_best_resolution
from transformers.models.llava_next.modeling_llava_next import unpad_image

from amalia_vl import AmaliaVLConfig, AmaliaVLImageProcessor
from configuration_amalia_vl import (
    grid_pinpoints,
    num_image_tokens,
    select_best_canvas,
    unpadded_feature_box,
)


SIZES = [(h, w) for h, w in itertools.product([1, 7, 100, 383, 384, 385, 600, 1080, 4000], repeat=2)]


def test_twelve_tiles_give_the_35_grids_of_the_paper():
    pinpoints = grid_pinpoints(12, 384)
    assert len(pinpoints) == 35
    assert all((h // 384) * (w // 384) <= 12 for h, w in pinpoints)
    assert [384, 4608] in pinpoints and [4608, 384] in pinpoints and [1152, 1536] in pinpoints


@pytest.mark.parametrize("size", SIZES)
def test_canvas_choice_matches_transformers(size):
    pinpoints = grid_pinpoints(12, 384)
    assert select_best_canvas(size, pinpoints) == select_best_resolution(size, pinpoints)


@pytest.mark.parametrize("size", SIZES)
def test_unpadding_matches_transformers(size):
    for rows, cols in [(1, 1), (1, 12), (12, 1), (3, 4), (2, 5)]:
        features = torch.zeros(1, rows * 24, cols * 24)
        expected = unpad_image(features, list(size)).shape[1:]
        top, height, left, width = unpadded_feature_box(size, rows * 24, cols * 24)
        assert (height, width) == tuple(expected)
        assert 0 <= top and top + height <= rows * 24 and 0 <= left and left + width <= cols * 24


def test_worst_case_costs_7776_tokens_and_every_image_fits_under_7800():
    processor = AmaliaVLImageProcessor()
    assert processor.num_image_tokens((4608, 384)) == 576 * 12 + 288 + 576 == 7776
    sizes = [(h, w) for h, w in itertools.product(range(50, 5000, 97), repeat=2)]
    assert max(processor.num_image_tokens(size) for size in sizes) <= 7776


def test_stage_one_view_is_576_tokens_whatever_the_shape():
    processor = AmaliaVLImageProcessor()
    for size in [(10, 3000), (384, 384), (4000, 20)]:
        assert processor.choose_grid(size, max_tiles=1) == (0, 0)
        assert processor.num_image_tokens(size, max_tiles=1) == 576


def test_smaller_tile_budgets_never_choose_bigger_grids():
    processor = AmaliaVLImageProcessor()
    for max_tiles in range(2, 13):
        for size in SIZES:
            rows, cols = processor.choose_grid(size, max_tiles=max_tiles)
            assert 1 <= rows * cols <= max_tiles


def test_without_thumbnail_only_the_grid_costs_tokens():
    with_thumbnail = num_image_tokens((300, 500), (1, 2), 24, use_thumbnail=True)
    without = num_image_tokens((300, 500), (1, 2), 24, use_thumbnail=False)
    assert with_thumbnail - without == 576


def test_default_config_is_the_released_architecture():
    config = AmaliaVLConfig()
    assert config.vision_config.model_type == "siglip_vision_model"
    assert (config.vision_config.hidden_size, config.vision_config.num_hidden_layers) == (1152, 26)
    assert config.vision_config.patch_size == 16 and config.tile_size == 384 and config.tokens_per_side == 24
    assert config.text_config.model_type == "llama"
    assert (config.text_config.hidden_size, config.text_config.num_hidden_layers) == (4096, 42)
    assert (config.text_config.num_key_value_heads, config.text_config.intermediate_size) == (8, 12288)
    assert len(config.image_grid_pinpoints) == 35 and config.use_thumbnail


def test_tile_size_must_match_the_tower():
    with pytest.raises(ValueError, match="tile_size"):
        AmaliaVLConfig(tile_size=448)
