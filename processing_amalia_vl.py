"""AMALIA-VL preprocessing: anyres tiling of images and the processor that joins them to the text.

This file travels inside every checkpoint as remote code: it imports only torch, transformers (and the imaging
libraries transformers itself uses) and its siblings.
"""

import io
import os
from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torchvision.transforms.v2 import functional as tvF
from transformers import BatchFeature
from transformers.image_processing_utils import BaseImageProcessor
from transformers.image_utils import load_image as transformers_load_image
from transformers.image_utils import pil_torch_interpolation_mapping
from transformers.processing_utils import ImagesKwargs, ProcessingKwargs, ProcessorMixin
from transformers.utils import logging


# Inside a checkpoint transformers loads these files as one package, where siblings are relative imports; at the
# repository root (and once pip-installed) they are top-level modules. transformers copies the relative import's
# file into the checkpoint and does not check imports inside `try` as packages, so this one form works in both.
try:
    from .configuration_amalia_vl import fit_in_canvas, grid_pinpoints, num_image_tokens, num_views, select_best_canvas
except ImportError:
    from configuration_amalia_vl import fit_in_canvas, grid_pinpoints, num_image_tokens, num_views, select_best_canvas


logger = logging.get_logger(__name__)

EXIF_ORIENTATION = 0x0112

# transformers' image options that have no meaning for tiling: every view is one vision-tower input, of the tower's
# fixed size, and images always become RGB.
FIXED_BY_TILING = ("do_resize", "size", "crop_size", "do_center_crop", "do_pad", "pad_size", "default_to_square")

# ChatML, as AMALIA's own template, with image items rendered as `<image>` markers. The `generation` block marks
# what the assistant says (its closing `<|im_end|>` included, so the model learns to stop) for
# `return_assistant_tokens_mask`.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' -}}"
    "{%- if message['content'] is string -%}{%- set items = [{'type': 'text', 'text': message['content']}] -%}"
    "{%- else -%}{%- set items = message['content'] -%}{%- endif -%}"
    "{%- if message['role'] == 'assistant' -%}"
    "{%- generation -%}"
    "{%- for item in items if item['type'] == 'text' -%}{{- item['text'] -}}{%- endfor -%}"
    "{{- '<|im_end|>' -}}"
    "{%- endgeneration -%}"
    "{%- else -%}"
    "{%- for item in items -%}"
    "{%- if item['type'] == 'image' -%}{{- '<image>\\n' -}}"
    "{%- elif item['type'] == 'text' -%}{{- item['text'] -}}{%- endif -%}"
    "{%- endfor -%}"
    "{{- '<|im_end|>' -}}"
    "{%- endif -%}"
    "{{- '\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)


def _is_remote_or_inline(source) -> bool:
    """An http(s) URL or a base64 data URI, as chat messages carry images (`{"type": "image", "url": ...}`)."""
    return isinstance(source, str) and source.startswith(("http://", "https://", "data:image/"))


def _fetch(source: str, index: int) -> Image.Image:
    """transformers' own loader for URLs and base64, with an error that says which image failed."""
    try:
        return transformers_load_image(source)
    except Exception as error:  # the loader raises whatever its HTTP client or PIL raised
        shown = source if len(source) < 80 else source[:77] + "..."
        raise ValueError(f"Image {index} could not be loaded from {shown}: {error}") from error


def _decode(source, index: int) -> Image.Image:
    """Opens a path, URL, base64 data URI, bytes or PIL image, with errors that say which image is wrong and why."""
    if isinstance(source, Image.Image):
        return source
    if _is_remote_or_inline(source):
        return _fetch(source, index)
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isfile(source):
            raise FileNotFoundError(f"Image {index}: no such file: {source}")
        opener = source
    elif isinstance(source, (bytes, bytearray)):
        if not source:
            raise ValueError(f"Image {index} is empty (0 bytes).")
        opener = io.BytesIO(source)
    else:
        raise TypeError(f"Image {index} is a {type(source).__name__}; pass a PIL image, a path, bytes or an array.")
    try:
        image = Image.open(opener)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"Image {index} could not be decoded ({error}); is the file a complete image?") from error
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB as a viewer shows it: EXIF rotation applied, transparency over white, 16-bit scaled to 8-bit."""
    if image.getexif().get(EXIF_ORIENTATION, 1) != 1:
        image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: 65535 / 257 = 255 keeps white white.
        image = Image.fromarray((np.asarray(image, dtype=np.float64) / 257).round().clip(0, 255).astype(np.uint8))
    elif image.mode == "F":
        image = Image.fromarray(np.asarray(image).clip(0, 255).round().astype(np.uint8))
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return image if image.mode == "RGB" else image.convert("RGB")


def load_image(source, index: int = 0) -> torch.Tensor:
    """Any supported image input as a ``(3, height, width)`` uint8 tensor.

    Accepts PIL images, paths, http(s) URLs and base64 data URIs (fetched by transformers' `load_image`), encoded
    bytes, ``(height, width[, channels])`` arrays (as PIL reads them) and ``(channels, height, width)`` uint8 tensors.
    """
    if isinstance(source, np.ndarray):
        # Through PIL, so that alpha, 16-bit and greyscale arrays get the same treatment as files.
        source = Image.fromarray(source[..., 0] if source.ndim == 3 and source.shape[2] == 1 else source)
    if isinstance(source, torch.Tensor):
        pixels = source if source.ndim == 3 else source[None]
        if pixels.dtype != torch.uint8:
            raise ValueError(f"Image {index}: tensors must be uint8 in [0, 255], got {pixels.dtype}.")
        if pixels.shape[0] == 1:
            pixels = pixels.expand(3, -1, -1)
        elif pixels.shape[0] != 3:
            raise ValueError(f"Image {index}: expected 1 or 3 channels, got shape {tuple(source.shape)}.")
    else:
        pixels = tvF.pil_to_tensor(_to_rgb(_decode(source, index)))
    if pixels.shape[1] == 0 or pixels.shape[2] == 0:
        raise ValueError(f"Image {index} has no pixels: its size is {pixels.shape[2]} x {pixels.shape[1]}.")
    return pixels


class AmaliaVLImageProcessor(BaseImageProcessor):
    r"""
    Cuts each image into a grid of square tiles chosen for its aspect ratio, after a thumbnail of the whole image.

    For each image the grid is the candidate canvas (every `rows x cols <= max_tiles` grid of `tile_size` tiles) that
    keeps the most of its pixels; the image is resized into that canvas keeping its aspect ratio, centred on black
    padding, and cut into tiles, row by row. The thumbnail is the whole image resized to one tile. With
    `max_tiles=1` an image is the thumbnail alone.

    Returns `pixel_values` of shape `(total_views, 3, tile_size, tile_size)`: the views of all images one after the
    other (no padding between images), `image_sizes` `(num_images, 2)` as `[height, width]`, and `image_grids`
    `(num_images, 2)` as `[rows, cols]` (`[0, 0]` when tiling is off).
    """

    model_input_names = ["pixel_values", "image_sizes", "image_grids"]

    def __init__(
        self,
        tile_size: int = 384,
        max_tiles: int = 12,
        image_grid_pinpoints: list | None = None,
        use_thumbnail: bool = True,
        patch_size: int = 16,
        image_mean: Sequence[float] = (0.5, 0.5, 0.5),
        image_std: Sequence[float] = (0.5, 0.5, 0.5),
        rescale_factor: float = 1 / 255,
        resample: int = Image.Resampling.BILINEAR,
        do_rescale: bool = True,
        do_normalize: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.tile_size = tile_size
        self.max_tiles = max_tiles
        self.image_grid_pinpoints = image_grid_pinpoints or grid_pinpoints(max_tiles, tile_size)
        self.use_thumbnail = use_thumbnail
        self.patch_size = patch_size
        self.image_mean = list(image_mean)
        self.image_std = list(image_std)
        self.rescale_factor = rescale_factor
        self.do_rescale = do_rescale
        self.do_normalize = do_normalize
        # PIL's resampling codes, as transformers' image processors store them; SigLIP2 resamples bilinearly.
        self.resample = int(resample)

    @property
    def tokens_per_side(self) -> int:
        return self.tile_size // self.patch_size

    def choose_grid(self, image_size: tuple[int, int], max_tiles: int | None = None) -> tuple[int, int]:
        """The ``(rows, cols)`` grid an image of ``(height, width)`` is cut into; ``(0, 0)`` when tiling is off."""
        max_tiles = self.max_tiles if max_tiles is None else max_tiles
        if max_tiles < 1:
            raise ValueError(f"max_tiles must be at least 1, got {max_tiles}.")
        if max_tiles == 1:
            return 0, 0
        tile = self.tile_size
        candidates = [pin for pin in self.image_grid_pinpoints if (pin[0] // tile) * (pin[1] // tile) <= max_tiles]
        canvas_height, canvas_width = select_best_canvas(image_size, candidates)
        return canvas_height // tile, canvas_width // tile

    def num_image_tokens(self, image_size: tuple[int, int], max_tiles: int | None = None) -> int:
        """How many `<image>` tokens an image of ``(height, width)`` costs; this is what vLLM-style servers ask."""
        grid = self.choose_grid(image_size, max_tiles)
        return num_image_tokens(image_size, grid, self.tokens_per_side, self.use_thumbnail)

    @staticmethod
    def _rescale_and_normalize_(pixels: torch.Tensor, options: dict) -> torch.Tensor:
        """In place, with the same float operations as transformers' image processors: rescale and normalise fused
        into one `normalize` when both are on."""
        rescale = options["rescale_factor"] if options["do_rescale"] else None
        if options["do_normalize"]:
            scale = 1.0 / rescale if rescale is not None else 1.0
            mean = torch.tensor(options["image_mean"]) * scale
            std = torch.tensor(options["image_std"]) * scale
            return tvF.normalize(pixels, mean.tolist(), std.tolist(), inplace=True)
        return pixels.mul_(rescale) if rescale is not None else pixels

    @staticmethod
    def _resize(pixels: torch.Tensor, size: tuple[int, int], resample) -> torch.Tensor:
        mode = pil_torch_interpolation_mapping.get(int(resample))
        if mode is None:
            supported = sorted(int(code) for code in pil_torch_interpolation_mapping)
            raise ValueError(f"resample={resample} is not supported; use one of {supported}.")
        return tvF.resize(pixels, list(size), interpolation=mode, antialias=True)

    def _options(self, **given) -> dict:
        """This call's image options: the given ones over the processor's own; unusable ones named in a warning."""
        fixed = sorted(name for name in FIXED_BY_TILING if given.pop(name, None) is not None)
        given.pop("do_convert_rgb", None)  # images always become RGB
        given.pop("return_tensors", None)  # pixel values are always tensors
        unknown = sorted(name for name, value in given.items() if value is not None and not hasattr(self, name))
        if fixed:
            logger.warning(
                f"AmaliaVLImageProcessor ignores {fixed}: views are always {self.tile_size} x "
                f"{self.tile_size}, the vision tower's input; set max_tiles to change the tile budget."
            )
        if unknown:
            logger.warning(f"AmaliaVLImageProcessor ignores unknown options {unknown}.")
        names = ("max_tiles", "do_rescale", "rescale_factor", "do_normalize", "image_mean", "image_std", "resample")
        return {name: getattr(self, name) if given.get(name) is None else given[name] for name in names}

    def _tiles(self, pixels: torch.Tensor, grid: tuple[int, int], resample) -> torch.Tensor:
        """The image resized into the grid's canvas, centred on black padding, as a ``(rows, cols, 3, T, T)`` view."""
        rows, cols = grid
        tile = self.tile_size
        canvas = (rows * tile, cols * tile)
        new_height, new_width = fit_in_canvas(tuple(pixels.shape[1:]), canvas)
        left, extra_x = divmod(canvas[1] - new_width, 2)
        top, extra_y = divmod(canvas[0] - new_height, 2)
        resized = self._resize(pixels, (new_height, new_width), resample)
        padded = tvF.pad(resized, [left, top, left + extra_x, top + extra_y])
        return padded.view(3, rows, tile, cols, tile).permute(1, 3, 0, 2, 4)

    def _write_views(self, pixels: torch.Tensor, grid: tuple[int, int], out: torch.Tensor, resample):
        """Writes one image's views, still in [0, 255], into `out`: the thumbnail first, then the tiles row by row."""
        rows, cols = grid
        if self.use_thumbnail or rows == 0:
            out[0].copy_(self._resize(pixels, (self.tile_size, self.tile_size), resample))
            out = out[1:]
        if rows:
            out.view(rows, cols, *out.shape[1:]).copy_(self._tiles(pixels, grid, resample))

    def preprocess(self, images, **options) -> BatchFeature:
        """Tiles a list of images (PIL images, paths, URLs, base64, bytes, uint8 arrays or tensors).

        Options (each defaults to the processor's own): `max_tiles`, `do_rescale`, `rescale_factor`,
        `do_normalize`, `image_mean`, `image_std`, `resample`.
        """
        options = self._options(**options)
        if not isinstance(images, (list, tuple)):
            images = [images]
        pixels = [load_image(image, index) for index, image in enumerate(images)]
        sizes = [tuple(image.shape[1:]) for image in pixels]
        grids = [self.choose_grid(size, options["max_tiles"]) for size in sizes]
        counts = [num_views(grid, self.use_thumbnail) for grid in grids]
        # One buffer for the whole batch: each view is written once, and normalised with the rest in one pass.
        views = torch.empty(sum(counts), 3, self.tile_size, self.tile_size, dtype=torch.float32)
        for image, grid, out in zip(pixels, grids, torch.split(views, counts)):
            self._write_views(image, grid, out, options["resample"])
        data = {
            "pixel_values": self._rescale_and_normalize_(views, options),
            "image_sizes": torch.tensor(sizes, dtype=torch.long).reshape(-1, 2),
            "image_grids": torch.tensor(grids, dtype=torch.long).reshape(-1, 2),
        }
        return BatchFeature(data)

    def __call__(self, images, **kwargs) -> BatchFeature:
        return self.preprocess(images, **kwargs)


def _flatten_images(images, num_texts: int) -> tuple[list, list[int] | None]:
    """A flat image list, and the number of images per sample when they came nested one list per sample."""
    if images is None:
        return [], None
    if not isinstance(images, (list, tuple)):
        return [images], None
    if any(isinstance(item, (list, tuple)) for item in images):
        if len(images) != num_texts:
            raise ValueError(f"Got {len(images)} lists of images for {num_texts} texts; pass one list per text.")
        nested = [list(item) if isinstance(item, (list, tuple)) else [] if item is None else [item] for item in images]
        return [image for group in nested for image in group], [len(group) for group in nested]
    return list(images), None


def _pad_list(values: list, length: int, filler, side: str) -> list:
    padding = [filler] * (length - len(values))
    return padding + list(values) if side == "left" else list(values) + padding


class AmaliaVLImagesKwargs(ImagesKwargs, total=False):
    """transformers' image options (`do_rescale`, `rescale_factor`, `do_normalize`, `image_mean`, ...) and the tile
    budget: `max_tiles=1` turns tiling off (one thumbnail view per image, as in stage 1)."""

    max_tiles: int | None


class AmaliaVLProcessorKwargs(ProcessingKwargs, total=False):
    """The options contract transformers' processors share: flat or nested per modality (`text_kwargs`,
    `images_kwargs`), over the tokenizer's own defaults, unknown ones named in a warning (`_merge_kwargs`)."""

    images_kwargs: AmaliaVLImagesKwargs
    _defaults = {"text_kwargs": {"padding": False}}


# Text options the processor applies itself, after `<image>` expansion, rather than the tokenizer.
LAYOUT_OPTIONS = ("padding", "truncation", "max_length", "pad_to_multiple_of", "padding_side", "return_tensors")


class AmaliaVLProcessor(ProcessorMixin):
    r"""
    Joins AMALIA-VL's image processor and tokenizer.

    Each `<image>` marker in the text stands for the next image, in order; it is expanded into exactly as many
    `<image>` tokens as the model has features for that image. The expansion happens on token ids, after the text
    is tokenised, so a 12-tile image costs no string work.

    Args:
        image_processor ([`AmaliaVLImageProcessor`]): the tiling image processor.
        tokenizer ([`PreTrainedTokenizerBase`]): the language model's tokenizer, with `<image>` added.
        chat_template (`str`, *optional*): a Jinja template rendering messages with image items.
        image_token (`str`, *optional*, defaults to `"<image>"`): the image placeholder.
    """

    def __init__(self, image_processor=None, tokenizer=None, chat_template=None, image_token="<image>", **kwargs):
        self.image_token = image_token
        self.image_token_id = tokenizer.convert_tokens_to_ids(image_token)
        if self.image_token_id is None or self.image_token_id == tokenizer.unk_token_id:
            raise ValueError(f"The tokenizer has no {image_token!r} token; add it with `add_special_tokens` first.")
        super().__init__(image_processor, tokenizer, chat_template=chat_template or CHAT_TEMPLATE)

    def __call__(self, images=None, text=None, **kwargs) -> BatchFeature:
        """Tokenises `text` and tiles `images`; see the class docstring.

        Args:
            images: one image, a flat list in `<image>` order, or one list per text.
            text (`str` or `list[str]`): the prompts, with one `<image>` marker per image.
            kwargs: tokenizer and image options (`AmaliaVLProcessorKwargs`), flat or nested as `text_kwargs` /
                `images_kwargs`, e.g. `max_tiles=4`, `padding=True`, `do_normalize=False`. Truncating text after
                the images is allowed; a `max_length` that would cut through image tokens raises an error instead
                of silently misaligning images and features.
        """
        if text is None:
            raise ValueError("AmaliaVLProcessor needs `text`, with one `<image>` marker per image.")
        texts = [text] if isinstance(text, str) else list(text)
        flat_images, per_sample = _flatten_images(images, len(texts))
        self._check_markers(texts, flat_images, per_sample)

        options = self._merge_kwargs(
            AmaliaVLProcessorKwargs, tokenizer_init_kwargs=self.tokenizer.init_kwargs, **kwargs
        )
        text_options = options["text_kwargs"]
        layout = {name: text_options.pop(name, None) for name in LAYOUT_OPTIONS}
        padding, truncation, max_length, return_tensors = (
            layout["padding"] or False,
            layout["truncation"],
            layout["max_length"],
            layout["return_tensors"],
        )
        encoding = self.tokenizer(texts, padding=False, truncation=False, **text_options)
        data = {key: list(values) for key, values in encoding.items()}
        if flat_images:
            image_inputs = self.image_processor(flat_images, **options["images_kwargs"])
            token_counts = [
                num_image_tokens(
                    tuple(size), tuple(grid), self.image_processor.tokens_per_side, self.image_processor.use_thumbnail
                )
                for size, grid in zip(image_inputs["image_sizes"].tolist(), image_inputs["image_grids"].tolist())
            ]
            data = self._expand_image_tokens(data, iter(token_counts))
        else:
            image_inputs = {}
        if truncation and max_length is not None:
            data = self._truncate(data, max_length, self.tokenizer.truncation_side)
        offsets = data.pop("offset_mapping", None)
        text_inputs = self.tokenizer.pad(
            data,
            padding=padding,
            max_length=max_length,
            pad_to_multiple_of=layout["pad_to_multiple_of"],
            padding_side=layout["padding_side"],
            return_tensors=return_tensors,
        )
        if offsets is not None:
            # The tokenizer does not pad offsets; padding covers no characters, which assistant masks rely on.
            side = layout["padding_side"] or self.tokenizer.padding_side
            text_inputs["offset_mapping"] = [
                _pad_list(row, len(ids), (0, 0), side) for row, ids in zip(offsets, text_inputs["input_ids"])
            ]
        return BatchFeature({**text_inputs, **image_inputs}, tensor_type=return_tensors)

    def _check_markers(self, texts: list[str], images: list, per_sample: list[int] | None):
        markers = [text.count(self.image_token) for text in texts]
        if per_sample is not None:
            for index, (found, given) in enumerate(zip(markers, per_sample)):
                if found != given:
                    raise ValueError(
                        f"Text {index} has {found} {self.image_token} markers but {given} images were given for it."
                    )
        elif sum(markers) != len(images):
            raise ValueError(
                f"The text has {sum(markers)} {self.image_token} markers but {len(images)} images were given; "
                f"put one {self.image_token} where each image goes."
            )

    def _expand_image_tokens(self, data: dict, token_counts) -> dict:
        """Repeats every per-token entry (ids, masks, offsets) at each `<image>` position by that image's count."""
        expanded = {key: [] for key in data}
        for row, ids in enumerate(data["input_ids"]):
            repeats = [next(token_counts) if token == self.image_token_id else 1 for token in ids]
            for key in data:
                expanded[key].append([value for value, count in zip(data[key][row], repeats) for _ in range(count)])
        return expanded

    def _truncate(self, data: dict, max_length: int, side: str) -> dict:
        """Cuts rows to `max_length`, refusing to cut through or drop image tokens."""
        for row, ids in enumerate(data["input_ids"]):
            if len(ids) <= max_length:
                continue
            kept = slice(0, max_length) if side == "right" else slice(len(ids) - max_length, len(ids))
            image_tokens = sum(token == self.image_token_id for token in ids)
            if sum(token == self.image_token_id for token in ids[kept]) != image_tokens:
                positions = [i for i, token in enumerate(ids) if token == self.image_token_id]
                raise ValueError(
                    f"Sample {row} is {len(ids)} tokens long, with image tokens at positions {positions[0]} to "
                    f"{positions[-1]}; truncating it to max_length={max_length} would cut through its images. "
                    "Raise max_length, lower max_tiles, or drop this sample."
                )
            for key in data:
                data[key][row] = data[key][row][kept]
        return data

    def num_image_tokens(self, image_size: tuple[int, int], max_tiles: int | None = None) -> int:
        return self.image_processor.num_image_tokens(image_size, max_tiles)

    def _get_num_multimodal_tokens(self, image_sizes=None, **kwargs):
        """Token counts per image size, the hook serving engines use to plan memory."""
        from transformers.processing_utils import MultiModalData

        counts = [self.num_image_tokens(tuple(size), kwargs.get("max_tiles")) for size in image_sizes or []]
        return MultiModalData(num_image_tokens=counts, num_image_patches=[1] * len(counts))

    @property
    def model_input_names(self) -> list[str]:
        return ["input_ids", "attention_mask", *self.image_processor.model_input_names]


__all__ = ["AmaliaVLImageProcessor", "AmaliaVLProcessor", "load_image"]
