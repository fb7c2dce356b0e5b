"""Configuration of AMALIA-VL: a SigLIP2 vision tower, a two-layer GELU connector and a causal language model.

This file travels inside every checkpoint as remote code: it imports only transformers and its siblings.
"""

import math

from transformers import AutoConfig, PreTrainedConfig
from transformers.configuration_utils import SubConfigSpec


# SigLIP2-so400m-patch16-384 cut to 26 layers with no head: the penultimate layer of the released tower is the
# last layer of this one, so every parameter of the tower is used (DDP and FSDP require that).
SIGLIP2_SO400M_CUT = {
    "hidden_size": 1152,
    "intermediate_size": 4304,
    "num_hidden_layers": 26,
    "num_attention_heads": 16,
    "patch_size": 16,
    "image_size": 384,
    "hidden_act": "gelu_pytorch_tanh",
    "layer_norm_eps": 1e-6,
    "vision_use_head": False,
}

# AMALIA-9B (a Llama-architecture continuation of EuroLLM-9B). Rope settings are read from the checkpoint.
AMALIA_9B = {
    "hidden_size": 4096,
    "intermediate_size": 12288,
    "num_hidden_layers": 42,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    # AMALIA's 128000 tokens plus the added `<image>` token.
    "vocab_size": 128001,
    "rms_norm_eps": 1e-5,
    "max_position_embeddings": 32768,
    "tie_word_embeddings": False,
}


# Tiling geometry. The image processor (which cuts the tiles) and the model (which lays their features out again)
# both call these functions, so the number of `<image>` tokens and the number of features always agree. They follow
# LLaVA-NeXT's "anyres" as transformers implements it for `llava_next`, rounding included.


def grid_pinpoints(max_tiles: int, tile_size: int) -> list[list[int]]:
    """The candidate canvas sizes ``[height, width]`` in pixels: every grid of at most `max_tiles` tiles (35 for 12)."""
    grids = [(rows, cols) for rows in range(1, max_tiles + 1) for cols in range(1, max_tiles // rows + 1)]
    return [[rows * tile_size, cols * tile_size] for rows, cols in grids]


def select_best_canvas(image_size: tuple[int, int], pinpoints: list) -> tuple[int, int]:
    """The canvas ``(height, width)`` that keeps the most of the image's pixels, then wastes the least canvas.

    Ties keep the earlier candidate, so the order of `pinpoints` matters (as it does in `llava_next`).
    """
    height, width = image_size
    best, best_effective, best_wasted = None, 0, float("inf")
    for canvas_height, canvas_width in pinpoints:
        scale = min(canvas_width / width, canvas_height / height)
        effective = min(int(width * scale) * int(height * scale), width * height)
        wasted = canvas_width * canvas_height - effective
        if effective > best_effective or (effective == best_effective and wasted < best_wasted):
            best, best_effective, best_wasted = (canvas_height, canvas_width), effective, wasted
    return best


def fit_in_canvas(image_size: tuple[int, int], canvas: tuple[int, int]) -> tuple[int, int]:
    """The size ``(height, width)`` the image is resized to so that it fills the canvas on one side."""
    height, width = image_size
    canvas_height, canvas_width = canvas
    scale_width, scale_height = canvas_width / width, canvas_height / height
    if scale_width < scale_height:
        return min(math.ceil(height * scale_width), canvas_height), canvas_width
    return canvas_height, min(math.ceil(width * scale_height), canvas_width)


def unpadded_feature_box(image_size: tuple[int, int], grid_height: int, grid_width: int) -> tuple[int, int, int, int]:
    """Which rows and columns of a tile grid's feature map show the image rather than the padding around it.

    Returns ``(top, height, left, width)`` in feature units, for a feature map of `grid_height` x `grid_width`.
    """
    height, width = image_size
    if width / height > grid_width / grid_height:
        kept = int(round(height * (grid_width / width), 7))
        top = (grid_height - kept) // 2
        return top, grid_height - 2 * top, 0, grid_width
    kept = int(round(width * (grid_height / height), 7))
    left = (grid_width - kept) // 2
    return 0, grid_height, left, grid_width - 2 * left


def num_views(grid: tuple[int, int], use_thumbnail: bool = True) -> int:
    """Vision-tower inputs for an image cut into `grid`: the thumbnail (when used, or alone), then the tiles."""
    rows, cols = grid
    return rows * cols + (1 if use_thumbnail or rows == 0 else 0)


def num_image_tokens(
    image_size: tuple[int, int], grid: tuple[int, int], tokens_per_side: int, use_thumbnail: bool = True
) -> int:
    """How many `<image>` tokens an image of `image_size` cut into a `(rows, cols)` grid fills.

    The thumbnail gives ``tokens_per_side ** 2``; the grid gives its un-padded features plus one newline per feature
    row. Grid ``(0, 0)`` means tiling is off: the thumbnail alone.
    """
    rows, cols = grid
    count = tokens_per_side**2 if use_thumbnail or rows == 0 else 0
    if rows:
        _, kept_height, _, kept_width = unpadded_feature_box(image_size, rows * tokens_per_side, cols * tokens_per_side)
        count += kept_height * kept_width + kept_height
    return count


class AmaliaVLConfig(PreTrainedConfig):
    r"""
    Configuration of [`AmaliaVLForConditionalGeneration`]. The defaults are the released AMALIA-VL architecture.

    Args:
        vision_config (`dict` or `PreTrainedConfig`, *optional*):
            The vision tower (`siglip_vision_model`). Defaults to SigLIP2-so400m-patch16-384 cut to 26 layers.
        text_config (`dict` or `PreTrainedConfig`, *optional*):
            Any causal language model transformers knows. Defaults to AMALIA-9B (`llama`).
        image_token_id (`int`):
            The id of the `<image>` placeholder token the image features replace.
        projector_hidden_act (`str`):
            Activation between the two connector layers.
        multimodal_projector_bias (`bool`):
            Whether the connector layers have biases.
        vision_feature_layer (`int`):
            Which hidden state of the vision tower feeds the connector (-1: the last layer of the cut tower).
        tile_size (`int`):
            Side of one square tile in pixels; also the thumbnail size. Must equal `vision_config.image_size`.
        max_tiles (`int`):
            Largest number of tiles in a grid; 1 turns tiling off (one thumbnail view per image, as in stage 1).
        image_grid_pinpoints (`list[list[int]]`, *optional*):
            Candidate canvas sizes `[height, width]`, in pixels. Derived from `max_tiles` when not given.
        use_thumbnail (`bool`):
            Whether a resized view of the whole image comes before the grid tiles.
    """

    model_type = "amalia_vl"
    sub_configs_defaults = {
        "text_config": SubConfigSpec(config_class=AutoConfig, model_type="llama", init_kwargs=AMALIA_9B),
        "vision_config": SubConfigSpec(
            config_class=AutoConfig, model_type="siglip_vision_model", init_kwargs=SIGLIP2_SO400M_CUT
        ),
    }

    vision_config: dict | PreTrainedConfig | None = None
    text_config: dict | PreTrainedConfig | None = None
    image_token_id: int = 128000
    projector_hidden_act: str = "gelu"
    multimodal_projector_bias: bool = True
    vision_feature_layer: int = -1
    tile_size: int = 384
    max_tiles: int = 12
    image_grid_pinpoints: list | None = None
    use_thumbnail: bool = True
    tie_word_embeddings: bool = False

    def __post_init__(self, **kwargs):
        super().__post_init__(**kwargs)
        if getattr(self, "auto_map", None) is None:
            # `save_pretrained` records one Auto class per saved object; the model answers to two of them.
            self.auto_map = {
                "AutoConfig": "configuration_amalia_vl.AmaliaVLConfig",
                "AutoModel": "modeling_amalia_vl.AmaliaVLForConditionalGeneration",
                "AutoModelForImageTextToText": "modeling_amalia_vl.AmaliaVLForConditionalGeneration",
            }
        if self.image_grid_pinpoints is None:
            self.image_grid_pinpoints = grid_pinpoints(self.max_tiles, self.tile_size)
        if self.vision_config.image_size != self.tile_size:
            raise ValueError(
                f"tile_size ({self.tile_size}) must equal the vision tower's image_size "
                f"({self.vision_config.image_size}): each tile is one vision-tower input."
            )

    @property
    def tokens_per_side(self) -> int:
        """Features along one side of a tile: 384 / 16 = 24, so 576 per tile."""
        return self.tile_size // self.vision_config.patch_size


__all__ = ["AmaliaVLConfig"]
