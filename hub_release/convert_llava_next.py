"""Convert between transformers' `llava_next` checkpoints and AMALIA-VL checkpoints; the direction follows SRC.

    # the released weights (LlavaNextForConditionalGeneration) into our classes
    python hub_release/convert_llava_next.py amalia-llm/AMALIA-VL-DPO checkpoints/amalia-vl-dpo
    # our trained checkpoint for engines that serve `llava_next` (vLLM, SGLang, lmms-eval's `llava_hf`)
    python hub_release/convert_llava_next.py checkpoints/amalia-vl-stage2 checkpoints/amalia-vl-stage2-llava-next

Weights are renamed tensor by tensor, one safetensors shard at a time, so a 9B model converts in the memory of its
largest shard; values are never touched, so converting there and back is bit-identical. The `llava_next` side is
written in the layout transformers and vLLM both read (`language_model.model.*`, `vision_tower.vision_model.*`).
"""

import argparse
import json
import logging
import re
import shutil
from pathlib import Path

from safetensors import safe_open
from safetensors.torch import save_file
from tqdm import tqdm
from transformers import (
    AutoTokenizer,
    GenerationConfig,
    LlavaNextConfig,
    LlavaNextImageProcessor,
    LlavaNextProcessor,
)

from amalia_vl import REMOTE_CODE_FILES, AmaliaVLConfig, AmaliaVLImageProcessor, AmaliaVLProcessor


logger = logging.getLogger("convert_llava_next")

# (pattern, replacement) applied in order, first match wins. The llava_next side accepts both the layout older
# transformers wrote (`vision_tower.vision_model.`) and the one transformers 5 writes (`vision_tower.`).
LLAVA_NEXT_TO_AMALIA = [
    (r"^language_model\.model\.", "model.language_model."),
    (r"^language_model\.lm_head\.", "lm_head."),
    (r"^vision_tower\.vision_model\.", "model.vision_tower."),
    (r"^vision_tower\.", "model.vision_tower."),
    (r"^multi_modal_projector\.", "model.multi_modal_projector."),
    (r"^image_newline$", "model.image_newline"),
]
AMALIA_TO_LLAVA_NEXT = [
    (r"^model\.language_model\.", "language_model.model."),
    (r"^lm_head\.", "language_model.lm_head."),
    (r"^model\.vision_tower\.", "vision_tower.vision_model."),
    (r"^model\.multi_modal_projector\.", "multi_modal_projector."),
    (r"^model\.image_newline$", "image_newline"),
]


def rename(key: str, table: list[tuple[str, str]]) -> str:
    for pattern, replacement in table:
        if re.match(pattern, key):
            return re.sub(pattern, replacement, key, count=1)
    raise KeyError(f"Weight {key!r} matches no rule of the conversion table; is this the right kind of checkpoint?")


def weight_files(src: Path) -> list[Path]:
    index = src / "model.safetensors.index.json"
    if index.exists():
        return sorted({src / name for name in json.loads(index.read_text())["weight_map"].values()})
    single = src / "model.safetensors"
    if not single.exists():
        raise FileNotFoundError(f"{src} has no model.safetensors or model.safetensors.index.json.")
    return [single]


def convert_weights(src: Path, dst: Path, table: list[tuple[str, str]]):
    """Renames every tensor, shard by shard, keeping the shard layout and writing a matching index."""
    files = weight_files(src)
    weight_map = {}
    for path in tqdm(files, desc="converting shards", unit="shard"):
        with safe_open(path, framework="pt") as shard:
            tensors = {rename(key, table): shard.get_tensor(key) for key in shard.keys()}
        save_file(tensors, dst / path.name, metadata={"format": "pt"})
        weight_map |= {key: path.name for key in tensors}
    if len(files) > 1:
        total = sum((dst / name).stat().st_size for name in set(weight_map.values()))
        index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
        (dst / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))


def copy_generation_config(src: Path, dst: Path):
    if (src / "generation_config.json").exists():
        GenerationConfig.from_pretrained(src).save_pretrained(dst)


def amalia_config_from_llava_next(source: LlavaNextConfig) -> AmaliaVLConfig:
    if source.vision_config.model_type != "siglip_vision_model":
        tower = source.vision_config.model_type
        raise ValueError(f"AMALIA-VL uses a SigLIP vision tower; this checkpoint has {tower}.")
    if source.vision_feature_select_strategy != "full":
        raise ValueError(
            "SigLIP has no CLS token: expected vision_feature_select_strategy='full', "
            f"got {source.vision_feature_select_strategy!r}."
        )
    if not isinstance(source.vision_feature_layer, int):
        raise ValueError(f"Only a single vision_feature_layer is supported, got {source.vision_feature_layer}.")
    tile = source.vision_config.image_size
    return AmaliaVLConfig(
        vision_config=source.vision_config.to_dict(),
        text_config=source.text_config.to_dict(),
        image_token_id=source.image_token_id,
        projector_hidden_act=source.projector_hidden_act,
        multimodal_projector_bias=source.multimodal_projector_bias,
        vision_feature_layer=source.vision_feature_layer,
        tile_size=tile,
        max_tiles=max((height // tile) * (width // tile) for height, width in source.image_grid_pinpoints),
        image_grid_pinpoints=[list(pin) for pin in source.image_grid_pinpoints],
        use_thumbnail=True,
        tie_word_embeddings=source.tie_word_embeddings,
    )


def llava_next_config_from_amalia(source: AmaliaVLConfig) -> LlavaNextConfig:
    if not source.use_thumbnail:
        raise ValueError("llava_next always puts a thumbnail first; a use_thumbnail=False model cannot be converted.")
    if source.max_tiles == 1:
        logger.warning("max_tiles=1: llava_next has no single-view mode; it tiles with a 1 x 1 grid and a thumbnail.")
    return LlavaNextConfig(
        vision_config=source.vision_config.to_dict(),
        text_config=source.text_config.to_dict(),
        image_token_index=source.image_token_id,
        projector_hidden_act=source.projector_hidden_act,
        multimodal_projector_bias=source.multimodal_projector_bias,
        vision_feature_layer=source.vision_feature_layer,
        vision_feature_select_strategy="full",
        image_grid_pinpoints=source.image_grid_pinpoints,
        tie_word_embeddings=source.tie_word_embeddings,
        image_seq_length=source.tokens_per_side**2,
    )


def llava_next_to_amalia(src: Path, dst: Path):
    config = amalia_config_from_llava_next(LlavaNextConfig.from_pretrained(src))
    source_processor = LlavaNextProcessor.from_pretrained(src)
    source_images = source_processor.image_processor
    image_processor = AmaliaVLImageProcessor(
        tile_size=config.tile_size,
        max_tiles=config.max_tiles,
        image_grid_pinpoints=config.image_grid_pinpoints,
        patch_size=config.vision_config.patch_size,
        image_mean=source_images.image_mean,
        image_std=source_images.image_std,
        rescale_factor=source_images.rescale_factor,
        resample=source_images.resample,
    )
    processor = AmaliaVLProcessor(
        image_processor=image_processor,
        tokenizer=source_processor.tokenizer,
        chat_template=source_processor.chat_template,
        image_token=source_processor.image_token,
    )
    config.save_pretrained(dst)
    processor.save_pretrained(dst)
    convert_weights(src, dst, LLAVA_NEXT_TO_AMALIA)
    for path in REMOTE_CODE_FILES:
        shutil.copy(path, dst / path.name)


def amalia_to_llava_next(src: Path, dst: Path):
    source = AmaliaVLConfig.from_pretrained(src)
    config = llava_next_config_from_amalia(source)
    source_images = AmaliaVLImageProcessor.from_pretrained(src)
    tile = {"height": source.tile_size, "width": source.tile_size}
    image_processor = LlavaNextImageProcessor(
        size=tile,
        crop_size=tile,
        image_grid_pinpoints=source.image_grid_pinpoints,
        image_mean=source_images.image_mean,
        image_std=source_images.image_std,
        rescale_factor=source_images.rescale_factor,
        resample=source_images.resample,
    )
    tokenizer = AutoTokenizer.from_pretrained(src)
    chat_template = json.loads((src / "processor_config.json").read_text()).get("chat_template")
    if chat_template is None and (src / "chat_template.jinja").exists():
        chat_template = (src / "chat_template.jinja").read_text()
    processor = LlavaNextProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=source.vision_config.patch_size,
        vision_feature_select_strategy="full",
        chat_template=chat_template,
        image_token=tokenizer.convert_ids_to_tokens(source.image_token_id),
    )
    config.save_pretrained(dst)
    processor.save_pretrained(dst)
    convert_weights(src, dst, AMALIA_TO_LLAVA_NEXT)


def local_checkpoint(src: str | Path) -> Path:
    """SRC itself when it is a directory, else a Hub repository id downloaded (weights, configs, tokenizer)."""
    if Path(src).is_dir():
        return Path(src)
    from huggingface_hub import snapshot_download

    logger.info("%s is not a local directory: downloading it from the Hub", src)
    patterns = ["*.json", "*.safetensors", "*.jinja", "*.model", "*.txt"]
    return Path(snapshot_download(str(src), allow_patterns=patterns))


def convert(src: str | Path, dst: Path) -> str:
    """Converts SRC (a directory or a Hub id) into DST; returns the model type written."""
    src = local_checkpoint(src)
    model_type = json.loads((src / "config.json").read_text())["model_type"]
    dst.mkdir(parents=True, exist_ok=True)
    if model_type == "llava_next":
        llava_next_to_amalia(src, dst)
        written = AmaliaVLConfig.model_type
    elif model_type == AmaliaVLConfig.model_type:
        amalia_to_llava_next(src, dst)
        written = "llava_next"
    else:
        raise ValueError(f"{src} is a {model_type!r} checkpoint; expected 'llava_next' or 'amalia_vl'.")
    copy_generation_config(src, dst)
    logger.info("converted %s (%s) into %s (%s)", src, model_type, dst, written)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("src", help="a llava_next or amalia_vl checkpoint: a directory or a Hub id")
    parser.add_argument("dst", type=Path, help="the output directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    convert(args.src, args.dst)


if __name__ == "__main__":
    main()
