"""Our classes against transformers' LlavaNext on the same random weights, images and prompts."""

import json

import pytest
import torch
from safetensors.torch import load_file
from transformers import LlavaNextForConditionalGeneration

from hub_release.convert_llava_next import convert
from tests.helpers import IMAGE_SIZES, random_image


def _views_per_image(reference_inputs):
    """The real (unpadded) patch count of each image in LlavaNext's padded pixel_values."""
    return [int((pixels.flatten(1).abs().sum(1) > 0).sum()) for pixels in reference_inputs["pixel_values"]]


def _both(pair, images, texts):
    reference, reference_processor, ours, our_processor, *_ = pair
    reference_inputs = reference_processor(images=images, text=texts, return_tensors="pt", padding=True)
    our_inputs = our_processor(images=images, text=texts, return_tensors="pt", padding=True)
    return reference_inputs, our_inputs


def test_converted_model_is_our_class(llava_next_pair):
    _, _, ours, our_processor, _, ours_dir = llava_next_pair
    assert type(ours).__name__ == "AmaliaVLForConditionalGeneration"
    assert type(our_processor).__name__ == "AmaliaVLProcessor"
    assert json.loads((ours_dir / "config.json").read_text())["model_type"] == "amalia_vl"


@pytest.mark.parametrize("size", IMAGE_SIZES)
def test_same_tokens_pixels_and_logits_for_each_size(llava_next_pair, size):
    reference, _, ours, _, _, _ = llava_next_pair
    image = random_image(*size)
    reference_inputs, our_inputs = _both(llava_next_pair, [image], ["<image>\nO que se vê na imagem?"])

    assert torch.equal(reference_inputs["input_ids"], our_inputs["input_ids"])
    views = _views_per_image(reference_inputs)[0]
    assert our_inputs["pixel_values"].shape[0] == views
    assert torch.equal(reference_inputs["pixel_values"][0, :views], our_inputs["pixel_values"])
    with torch.no_grad():
        expected = reference(**reference_inputs).logits
        got = ours(**our_inputs).logits
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_mixed_batch_of_sizes_several_images_and_text_only(llava_next_pair):
    reference, _, ours, _, _, _ = llava_next_pair
    images = [random_image(*size, seed=7) for size in IMAGE_SIZES[:6]]
    groups = [[images[0]], [images[1], images[2]], [], [images[3], images[4], images[5]]]
    texts = [
        "<image>\nDescreve a imagem.",
        "Compara <image> com <image>.",
        "Olá, tudo bem?",
        "<image><image><image> Quantas imagens há?",
    ]
    reference_inputs, our_inputs = _both(llava_next_pair, groups, texts)

    assert torch.equal(reference_inputs["input_ids"], our_inputs["input_ids"])
    assert torch.equal(reference_inputs["attention_mask"], our_inputs["attention_mask"])
    reference_views = torch.cat(
        [pixels[:count] for pixels, count in zip(reference_inputs["pixel_values"], _views_per_image(reference_inputs))]
    )
    assert torch.equal(reference_views, our_inputs["pixel_values"])
    with torch.no_grad():
        expected = reference(**reference_inputs).logits
        got = ours(**our_inputs).logits
    mask = our_inputs["attention_mask"].bool()
    torch.testing.assert_close(got[mask], expected[mask], rtol=1e-5, atol=1e-5)


def test_same_greedy_generations(llava_next_pair):
    reference, _, ours, _, _, _ = llava_next_pair
    images = [[random_image(90, 40, seed=3)], [random_image(17, 300, seed=4)], [random_image(200, 199, seed=5)]]
    texts = ["<image>\nDescreve.", "<image>\nQue texto está escrito?", "<image>\nQuantos objetos há?"]
    reference_inputs, our_inputs = _both(llava_next_pair, images, texts)
    settings = {"max_new_tokens": 12, "do_sample": False, "pad_token_id": 0}
    with torch.no_grad():
        expected = reference.generate(**reference_inputs, **settings)
        got = ours.generate(**our_inputs, **settings)
    assert torch.equal(got, expected)


def test_converting_back_is_bit_identical(llava_next_pair, tmp_path):
    reference, _, _, _, reference_dir, ours_dir = llava_next_pair
    back_dir = tmp_path / "back"
    assert convert(ours_dir, back_dir) == "llava_next"
    back = LlavaNextForConditionalGeneration.from_pretrained(back_dir, dtype=torch.float32)
    original, restored = reference.state_dict(), back.state_dict()
    assert original.keys() == restored.keys()
    for name, tensor in original.items():
        assert torch.equal(tensor, restored[name]), name
    assert (
        json.loads((back_dir / "config.json").read_text())["image_grid_pinpoints"]
        == json.loads((reference_dir / "config.json").read_text())["image_grid_pinpoints"]
    )


def test_our_weight_names_are_a_rename_of_llava_next(llava_next_pair):
    *_, reference_dir, ours_dir = llava_next_pair
    ours = load_file(ours_dir / "model.safetensors")
    reference = load_file(reference_dir / "model.safetensors")
    assert len(ours) == len(reference)
    assert {
        "model.image_newline",
        "lm_head.weight",
        "model.multi_modal_projector.linear_1.weight",
        "model.multi_modal_projector.linear_2.bias",
    } <= ours.keys()
    assert torch.equal(ours["model.image_newline"], reference["image_newline"])
