"""Image preprocessing speed: AmaliaVLImageProcessor against transformers' LlavaNextImageProcessor, same settings.

    python -m benchmarks.bench_preprocessing --num-images 300

Both tile a few hundred images of mixed sizes into 384 px tiles with the 35 grids of 12 tiles, bilinear resampling and
SigLIP normalisation; the script checks that both give the same pixels, then prints images per second and the ratio.
"""

import argparse

import numpy as np
import torch
from PIL import Image
from transformers import LlavaNextImageProcessor

from amalia_vl import AmaliaVLImageProcessor
from amalia_vl.configuration_amalia_vl import grid_pinpoints
from benchmarks.timing import best_times


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
    theirs = LlavaNextImageProcessor(size=tile, crop_size=tile, image_grid_pinpoints=grid_pinpoints(12, 384),
                                     image_mean=[0.5] * 3, image_std=[0.5] * 3, resample=Image.Resampling.BILINEAR)

    sample = images[:6]
    mine, reference = ours(sample), theirs(sample, return_tensors="pt")
    counts = [1 + rows * cols for rows, cols in mine["image_grids"].tolist()]
    expected = torch.cat([pixels[:count] for pixels, count in zip(reference["pixel_values"], counts)])
    assert torch.equal(mine["pixel_values"], expected), "the two processors disagree: benchmark invalid"

    best = best_times({"theirs": lambda: in_batches(lambda b: theirs(b, return_tensors="pt"), images),
                       "ours": lambda: in_batches(ours, images)}, args.repeats, "cpu")
    ours_s, theirs_s = best["ours"], best["theirs"]
    tiles = sum(1 + r * c for r, c in ours(images)["image_grids"].tolist())
    print(f"{len(images)} images, {tiles} views of 384 x 384, {args.threads} threads, batches of 8, best of "
          f"{args.repeats}")
    print(f"  transformers LlavaNextImageProcessor : {len(images) / theirs_s:8.1f} images/s")
    print(f"  AmaliaVLImageProcessor               : {len(images) / ours_s:8.1f} images/s")
    print(f"  speed-up                             : {theirs_s / ours_s:8.2f}x")


if __name__ == "__main__":
    main()
