"""Image preprocessing speed: AmaliaVLImageProcessor against transformers' LlavaNextImageProcessor, same settings.

    python -m benchmarks.bench_preprocessing --num-images 300

Both tile a few hundred images of mixed sizes into 384 px tiles with the 35 grids of 12 tiles, bilinear resampling and
SigLIP normalisation; the script checks that both give the same pixels, then prints images per second and the ratio,
for the image processors alone and for the whole processors (images and prompts in, model inputs out).
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from transformers import AutoProcessor, LlavaNextImageProcessor

from amalia_vl import AmaliaVLImageProcessor
from benchmarks.timing import best_times
from configuration_amalia_vl import grid_pinpoints
from hub_release.convert_llava_next import convert
from tests.helpers import llava_next_reference


def mixed_images(count: int, seed: int = 0) -> list[Image.Image]:
    """Photos, screenshots, documents and strips: sides from 64 to 2048 px, aspect ratios from 1:8 to 8:1."""
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(count):
        height, width = (int(side) for side in rng.integers(64, 2048, size=2))
        pixels = rng.integers(0, 256, size=(height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
        images.append(Image.fromarray(pixels).resize((width, height)))
    return images


def in_batches(processor, images: list, batch_size: int = 8):
    for index in range(0, len(images), batch_size):
        processor(images[index : index + batch_size])


def full_processors() -> tuple:
    """LlavaNextProcessor and AmaliaVLProcessor (converted from it) with 384 px tiles and the same tokenizer."""
    model, processor = llava_next_reference(tile=384, patch=16)
    with tempfile.TemporaryDirectory() as scratch:
        reference_dir, ours_dir = Path(scratch) / "llava_next", Path(scratch) / "amalia_vl"
        model.save_pretrained(reference_dir)
        processor.save_pretrained(reference_dir)
        convert(reference_dir, ours_dir)
        return processor, AutoProcessor.from_pretrained(ours_dir, trust_remote_code=True)


def report(title: str, count: int, unit: str, best: dict):
    print(title)
    print(f"  transformers {best['names'][0]:24s}: {count / best['theirs']:8.1f} {unit}/s")
    print(f"  {best['names'][1]:37s}: {count / best['ours']:8.1f} {unit}/s")
    print(f"  speed-up                             : {best['theirs'] / best['ours']:8.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-images", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    images = mixed_images(args.num_images)
    ours = AmaliaVLImageProcessor()
    tile = {"height": 384, "width": 384}
    theirs = LlavaNextImageProcessor(
        size=tile,
        crop_size=tile,
        image_grid_pinpoints=grid_pinpoints(12, 384),
        image_mean=[0.5] * 3,
        image_std=[0.5] * 3,
        resample=Image.Resampling.BILINEAR,
    )

    sample = images[:6]
    mine, reference = ours(sample), theirs(sample, return_tensors="pt")
    counts = [1 + rows * cols for rows, cols in mine["image_grids"].tolist()]
    expected = torch.cat([pixels[:count] for pixels, count in zip(reference["pixel_values"], counts)])
    assert torch.equal(mine["pixel_values"], expected), "the two processors disagree: benchmark invalid"

    best = best_times(
        {
            "theirs": lambda: in_batches(lambda b: theirs(b, return_tensors="pt"), images),
            "ours": lambda: in_batches(ours, images),
        },
        args.repeats,
        "cpu",
    )
    tiles = sum(1 + r * c for r, c in ours(images)["image_grids"].tolist())
    report(
        f"Images only: {len(images)} images, {tiles} views of 384 x 384, {args.threads} threads, batches of 8, "
        f"best of {args.repeats}",
        len(images),
        "images",
        {**best, "names": ("LlavaNextImageProcessor", "AmaliaVLImageProcessor")},
    )

    reference_processor, our_processor = full_processors()
    prompt = "<image>\nDescreve esta imagem em pormenor."

    def whole(processor):
        for index in range(0, len(images), 8):
            batch = images[index : index + 8]
            processor(
                images=[[image] for image in batch], text=[prompt] * len(batch), padding=True, return_tensors="pt"
            )

    best = best_times(
        {"theirs": lambda: whole(reference_processor), "ours": lambda: whole(our_processor)}, args.repeats, "cpu"
    )
    report(
        "Images and prompts (tiling, tokenising, expanding <image>, padding), same batches",
        len(images),
        "samples",
        {**best, "names": ("LlavaNextProcessor", "AmaliaVLProcessor")},
    )


if __name__ == "__main__":
    main()
