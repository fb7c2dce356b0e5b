"""AmaliaVLProcessor: inputs users really pass, and clear errors for bad ones."""

import io

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import AutoProcessor

from amalia_vl import load_image
from tests.helpers import random_image


@pytest.fixture(scope="module")
def processor(tiny_checkpoint):
    return AutoProcessor.from_pretrained(tiny_checkpoint, trust_remote_code=True)


def _png(image: Image.Image, **save_options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=save_options.pop("format", "PNG"), **save_options)
    return buffer.getvalue()


def test_each_marker_expands_to_the_image_token_count(processor):
    images = [random_image(50, 130), random_image(200, 30)]
    inputs = processor(images=images, text="<image> e <image>", return_tensors="pt")
    expected = sum(processor.num_image_tokens((img.height, img.width)) for img in images)
    assert int((inputs["input_ids"] == processor.image_token_id).sum()) == expected
    assert inputs["pixel_values"].shape[0] == sum(1 + r * c for r, c in inputs["image_grids"].tolist())
    assert inputs["image_sizes"].tolist() == [[50, 130], [200, 30]]


@pytest.mark.parametrize(
    "images, text, message",
    [
        ([random_image(20, 20)], "sem marcador", "0 <image> markers but 1 images"),
        ([], "<image> <image>", "2 <image> markers but 0 images"),
        ([random_image(20, 20)] * 3, "<image><image>", "2 <image> markers but 3 images"),
    ],
)
def test_marker_and_image_counts_must_agree(processor, images, text, message):
    with pytest.raises(ValueError, match=message):
        processor(images=images or None, text=text)


def test_per_sample_counts_are_checked(processor):
    with pytest.raises(ValueError, match="Text 1 has 1 <image> markers but 2 images"):
        processor(
            images=[[random_image(9, 9)], [random_image(9, 9), random_image(9, 9)]], text=["<image> a", "<image> b"]
        )


def test_corrupt_empty_and_missing_images_are_named(processor, tmp_path):
    broken = _png(random_image(30, 30))[:40]
    with pytest.raises(ValueError, match="Image 0 could not be decoded"):
        processor(images=[broken], text="<image>")
    with pytest.raises(ValueError, match="Image 1 is empty"):
        processor(images=[random_image(8, 8), b""], text="<image><image>")
    with pytest.raises(FileNotFoundError, match="no such file"):
        processor(images=[str(tmp_path / "nada.png")], text="<image>")
    with pytest.raises(ValueError, match="could not be decoded"):
        processor(images=[b"isto nao e uma imagem"], text="<image>")


@pytest.mark.parametrize("shape", [(0, 10, 3), (10, 0, 3)])
def test_images_without_pixels_are_refused(processor, shape):
    with pytest.raises(ValueError, match="has no pixels"):
        processor(images=[np.zeros(shape, dtype=np.uint8)], text="<image>")


def test_cutting_through_image_tokens_is_refused(processor):
    image = random_image(64, 64)
    full = processor(images=[image], text="<image>\nDescreve a imagem em pormenor.")
    length = len(full["input_ids"][0])
    with pytest.raises(ValueError, match="would cut through its images"):
        processor(images=[image], text="Olá <image> fim", truncation=True, max_length=5)
    # Cutting text after the last image token is fine.
    cut = processor(
        images=[image], text="<image>\nDescreve a imagem em pormenor.", truncation=True, max_length=length - 2
    )
    assert len(cut["input_ids"][0]) == length - 2


def test_modes_are_converted_as_a_viewer_shows_them():
    rgb = load_image(Image.new("RGB", (4, 3), (10, 20, 30)))
    assert rgb.shape == (3, 3, 4) and rgb[:, 0, 0].tolist() == [10, 20, 30]
    grey = load_image(Image.new("L", (4, 3), 77))
    assert grey[:, 1, 1].tolist() == [77, 77, 77]
    transparent = load_image(Image.new("RGBA", (4, 3), (0, 0, 0, 0)))
    assert transparent[:, 0, 0].tolist() == [255, 255, 255]
    half = load_image(Image.new("RGBA", (4, 3), (0, 0, 0, 128)))
    assert 120 <= half[0, 0, 0] <= 135
    palette = Image.new("RGB", (4, 3), (200, 0, 0)).convert("P", palette=Image.Palette.ADAPTIVE)
    assert load_image(palette)[:, 0, 0].tolist() == [200, 0, 0]
    palette.info["transparency"] = 0  # the only colour is the transparent one
    assert load_image(_png(palette))[:, 0, 0].tolist() == [255, 255, 255]
    cmyk = load_image(_png(Image.new("CMYK", (4, 3), (0, 255, 255, 0)), format="JPEG"))
    assert cmyk[0, 0, 0] > 200 and cmyk[1, 0, 0] < 50
    sixteen = Image.fromarray(np.full((3, 4), 65535, dtype=np.uint16))
    assert load_image(_png(sixteen))[:, 0, 0].tolist() == [255, 255, 255]
    mid = np.full((3, 4), 257 * 100, dtype=np.uint16)
    assert load_image(mid)[:, 0, 0].tolist() == [100, 100, 100]
    rgba_array = np.zeros((3, 4, 4), dtype=np.uint8)
    assert load_image(rgba_array)[:, 0, 0].tolist() == [255, 255, 255]


def test_exif_rotation_is_applied():
    image = Image.new("RGB", (40, 10), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, 10, 10))  # white on the left
    exif = image.getexif()
    exif[0x0112] = 6  # the camera was turned: rotate 90 degrees clockwise to view
    loaded = load_image(_png(image, format="JPEG", exif=exif.tobytes()))
    assert loaded.shape == (3, 40, 10)
    assert loaded[:, :5, :].float().mean() > 200  # the white block is now on top
    assert loaded[:, -5:, :].float().mean() < 50


def test_arrays_tensors_paths_and_bytes_give_the_same_pixels(processor, tmp_path):
    image = random_image(33, 47)
    path = tmp_path / "imagem.png"
    image.save(path)
    inputs = [image, str(path), path.read_bytes(), np.array(image), torch.from_numpy(np.array(image)).permute(2, 0, 1)]
    pixels = [processor(images=[item], text="<image>")["pixel_values"] for item in inputs]
    for other in pixels[1:]:
        assert torch.equal(pixels[0], other)


def test_max_tiles_per_call(processor):
    image = random_image(100, 400)
    tiled = processor(images=[image], text="<image>", max_tiles=12)
    single = processor(images=[image], text="<image>", max_tiles=1)
    assert tiled["image_grids"].tolist() != [[0, 0]]
    assert single["image_grids"].tolist() == [[0, 0]] and single["pixel_values"].shape[0] == 1
    image_tokens = sum(t == processor.image_token_id for t in single["input_ids"][0])
    assert image_tokens == processor.image_processor.tokens_per_side**2


def test_left_padding_for_generation(processor):
    batch = processor(
        images=[random_image(20, 20), random_image(90, 20)],
        text=["<image>", "<image> frase longa aqui"],
        padding=True,
        return_tensors="pt",
    )
    assert processor.tokenizer.padding_side == "left"
    assert batch["attention_mask"][0, 0] == 0 and batch["attention_mask"][:, -1].all()


def test_chat_template_renders_images_and_marks_assistant_turns(processor):
    messages = [
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Que cor é esta?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Azul."}]},
    ]
    prompt = processor.apply_chat_template(messages)
    assert prompt == "<|im_start|>user\n<image>\nQue cor é esta?<|im_end|>\n<|im_start|>assistant\nAzul.<|im_end|>\n"
    generation = processor.apply_chat_template(messages[:1], add_generation_prompt=True)
    assert generation.endswith("<|im_start|>assistant\n")
    # Images travel inside the messages: the one form every supported transformers version accepts.
    with_image = [
        {
            "role": "user",
            "content": [{"type": "image", "image": random_image(40, 40)}, {"type": "text", "text": "Que cor é esta?"}],
        },
        messages[1],
    ]
    out = processor.apply_chat_template(with_image, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    ids, mask = out["input_ids"][0], out["assistant_masks"][0]
    assert processor.tokenizer.decode([t for t, m in zip(ids, mask) if m]) == "Azul.<|im_end|>"
    assert not any(m for t, m in zip(ids, mask) if t == processor.image_token_id)


def test_assistant_masks_survive_batching_and_padding(processor):
    """TRL's vision collator asks for assistant masks on a padded batch, padded on the right."""
    conversations = [
        [
            {
                "role": "user",
                "content": [{"type": "image", "image": random_image(64, 200)}, {"type": "text", "text": "Que cor?"}],
            },
            {"role": "assistant", "content": [{"type": "text", "text": "Azul."}]},
        ],
        [
            {"role": "user", "content": [{"type": "text", "text": "Diz olá, por favor, com calma."}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Olá!"}]},
        ],
    ]
    out = processor.apply_chat_template(
        conversations,
        tokenize=True,
        return_dict=True,
        return_tensors="pt",
        return_assistant_tokens_mask=True,
        processor_kwargs={"padding": True, "padding_side": "right"},
    )
    assert out["input_ids"].shape == out["assistant_masks"].shape
    rows = zip(out["input_ids"], out["assistant_masks"])
    answers = [processor.tokenizer.decode(ids[mask.bool()]) for ids, mask in rows]
    assert answers == ["Azul.<|im_end|>", "Olá!<|im_end|>"]
    assert out["attention_mask"][1, -1] == 0  # the shorter row is padded on the right
