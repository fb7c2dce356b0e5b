"""Behaves like a transformers vision-language model wherever a user touches it, compared with LlavaNext.

Each test runs the same call on transformers' own `LlavaNextForConditionalGeneration` / `LlavaNextProcessor` and on
ours, converted from it (the same weights), and asserts the same result.
"""

import base64
import functools
import http.server
import io
import logging
import threading

import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModel, AutoTokenizer, LlavaNextForConditionalGeneration, LlavaNextProcessor

from amalia_vl import AmaliaVLProcessor
from tests.helpers import random_image


def _views(reference_inputs):
    """LlavaNext pads every image to the batch's largest view count; ours has no padding views."""
    pixels = reference_inputs["pixel_values"]
    counts = [int((image.flatten(1).abs().sum(1) > 0).sum()) for image in pixels]
    return torch.cat([image[:count] for image, count in zip(pixels, counts)])


def _both_inputs(pair, images, texts, **options):
    reference, reference_processor, ours, our_processor, *_ = pair
    return (
        reference_processor(images=images, text=texts, return_tensors="pt", padding=True, **options),
        our_processor(images=images, text=texts, return_tensors="pt", padding=True, **options),
    )


@pytest.fixture(scope="module")
def tiny_llava_next_eager(llava_next_pair):
    """The pair loaded with eager attention, which computes the attention weights that sdpa does not return."""
    *_, reference_dir, ours_dir = llava_next_pair
    reference = LlavaNextForConditionalGeneration.from_pretrained(reference_dir, attn_implementation="eager").eval()
    ours = AutoModel.from_pretrained(ours_dir, trust_remote_code=True, attn_implementation="eager").eval()
    return reference, ours


IMAGES = [[random_image(40, 90, seed=11)], [random_image(120, 30, seed=12)]]
TEXTS = ["<image>\nO que se vê?", "Descreve <image> em pormenor."]


# 1. inputs_embeds instead of input_ids


def test_forward_with_inputs_embeds_and_images_matches_llava_next(llava_next_pair):
    reference, _, ours, *_ = llava_next_pair
    reference_inputs, our_inputs = _both_inputs(llava_next_pair, IMAGES, TEXTS)
    with torch.no_grad():
        expected = reference(
            inputs_embeds=reference.get_input_embeddings()(reference_inputs["input_ids"]),
            **{key: value for key, value in reference_inputs.items() if key != "input_ids"},
        ).logits
        got = ours(
            inputs_embeds=ours.get_input_embeddings()(our_inputs["input_ids"]),
            **{key: value for key, value in our_inputs.items() if key != "input_ids"},
        ).logits
        from_ids = ours(**our_inputs).logits
    mask = our_inputs["attention_mask"].bool()
    torch.testing.assert_close(got[mask], expected[mask], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(got, from_ids, rtol=0, atol=0)


def test_generate_from_ids_and_embeds_matches_llava_next(llava_next_pair):
    reference, _, ours, *_ = llava_next_pair
    reference_inputs, our_inputs = _both_inputs(llava_next_pair, IMAGES, TEXTS)
    settings = {"max_new_tokens": 6, "do_sample": False, "pad_token_id": 0}
    with torch.no_grad():
        reference_embeds = reference.get_input_embeddings()(reference_inputs["input_ids"])
        expected = reference.generate(**reference_inputs, inputs_embeds=reference_embeds, **settings)
        got = ours.generate(
            **our_inputs, inputs_embeds=ours.get_input_embeddings()(our_inputs["input_ids"]), **settings
        )
    assert torch.equal(got, expected)


def test_embeds_whose_image_positions_disagree_with_the_features_say_so(llava_next_pair):
    *_, ours, our_processor, _, _ = llava_next_pair
    inputs = our_processor(images=IMAGES[0], text=TEXTS[0], return_tensors="pt")
    embeds = ours.get_input_embeddings()(inputs["input_ids"])[:, 5:]  # the first image tokens are gone
    with pytest.raises(ValueError, match="image tokens"):
        ours(
            inputs_embeds=embeds,
            pixel_values=inputs["pixel_values"],
            image_sizes=inputs["image_sizes"],
            image_grids=inputs["image_grids"],
        )


# 2. the tower's hidden states and attentions


def test_image_features_return_the_towers_hidden_states_and_attentions(llava_next_pair, tiny_llava_next_eager):
    reference, ours = tiny_llava_next_eager
    _, reference_processor, _, our_processor, *_ = llava_next_pair
    images = [random_image(40, 90, seed=13)]
    reference_inputs = reference_processor(images=images, text=["<image>"], return_tensors="pt")
    our_inputs = our_processor(images=images, text=["<image>"], return_tensors="pt")
    with torch.no_grad():
        expected = reference.get_image_features(
            pixel_values=reference_inputs["pixel_values"],
            image_sizes=reference_inputs["image_sizes"],
            output_hidden_states=True,
            output_attentions=True,
            return_dict=True,
        )
        got = ours.get_image_features(
            pixel_values=our_inputs["pixel_values"],
            image_sizes=our_inputs["image_sizes"],
            image_grids=our_inputs["image_grids"],
            output_hidden_states=True,
            output_attentions=True,
        )
    views = our_inputs["pixel_values"].shape[0]
    assert len(got.hidden_states) == len(expected.hidden_states) > 1
    assert len(got.attentions) == len(expected.attentions) > 0
    for mine, theirs in zip(got.hidden_states, expected.hidden_states):
        torch.testing.assert_close(mine, theirs[:views], rtol=1e-5, atol=1e-5)
    for mine, theirs in zip(got.attentions, expected.attentions):
        torch.testing.assert_close(mine, theirs[:views], rtol=1e-5, atol=1e-5)
    for mine, theirs in zip(got.pooler_output, expected.pooler_output):
        torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-5)


# 3. tensor-parallel plans


def test_tensor_parallel_plan_is_llava_nexts(llava_next_pair):
    reference, _, ours, *_ = llava_next_pair
    assert ours.tp_plan == reference.tp_plan
    assert ours.tp_plan["lm_head"] == "colwise_gather_output"


# 4. images by URL and as base64


@pytest.fixture(scope="module")
def image_server(tmp_path_factory):
    """A real HTTP server on loopback serving one PNG, never the internet."""
    folder = tmp_path_factory.mktemp("served")
    image = random_image(50, 70, seed=21)
    image.save(folder / "foto.png")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield image, f"http://127.0.0.1:{server.server_address[1]}/foto.png"
    server.shutdown()
    server.server_close()


def _data_uri(image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_processor_loads_urls_and_base64_like_llava_next(llava_next_pair, image_server):
    _, reference_processor, _, our_processor, *_ = llava_next_pair
    image, url = image_server
    expected = our_processor(images=[image], text="<image>", return_tensors="pt")
    reference = reference_processor(images=[url], text="<image>", return_tensors="pt")
    for source in (url, _data_uri(image)):
        got = our_processor(images=[source], text="<image>", return_tensors="pt")
        assert torch.equal(got["pixel_values"], expected["pixel_values"])
        assert torch.equal(got["pixel_values"], _views(reference))


def test_chat_messages_with_an_image_url(llava_next_pair, image_server):
    _, reference_processor, _, our_processor, *_ = llava_next_pair
    image, url = image_server
    messages = [{"role": "user", "content": [{"type": "image", "url": url}, {"type": "text", "text": "Que é?"}]}]
    got = our_processor.apply_chat_template(messages, tokenize=True, return_dict=True, return_tensors="pt")
    expected = our_processor(images=[image], text=our_processor.apply_chat_template(messages), return_tensors="pt")
    assert torch.equal(got["input_ids"], expected["input_ids"])
    assert torch.equal(got["pixel_values"], expected["pixel_values"])


def test_a_missing_file_still_says_which_image(llava_next_pair, tmp_path):
    *_, our_processor, _, _ = llava_next_pair
    with pytest.raises((FileNotFoundError, ValueError), match="Image 1"):
        our_processor(images=[random_image(9, 9), str(tmp_path / "nada.png")], text="<image><image>")


# 5. image options are applied, unknown ones are named


@pytest.mark.parametrize(
    "options",
    [
        {"do_rescale": True, "rescale_factor": 1 / 127.5},
        {"do_normalize": False},
        {"image_mean": [0.1, 0.2, 0.3]},
        {"do_rescale": False, "do_normalize": False},
    ],
)
def test_image_options_change_pixels_as_in_llava_next(llava_next_pair, options):
    reference_inputs, our_inputs = _both_inputs(llava_next_pair, IMAGES, TEXTS, **options)
    default = _both_inputs(llava_next_pair, IMAGES, TEXTS)[1]
    # With neither rescaling nor normalising, LlavaNext keeps uint8; ours are float32 views of the same values.
    torch.testing.assert_close(our_inputs["pixel_values"], _views(reference_inputs).float(), rtol=1e-6, atol=1e-5)
    assert not torch.equal(our_inputs["pixel_values"], default["pixel_values"])


def test_unknown_processor_option_is_named_in_a_warning(llava_next_pair, caplog):
    *_, our_processor, _, _ = llava_next_pair
    with caplog.at_level(logging.WARNING):
        out = our_processor(images=IMAGES[0], text=TEXTS[0], max_tile=1)
    assert "max_tile" in caplog.text
    assert out["image_grids"].tolist() != [[0, 0]]  # the typo did not turn tiling off


def test_max_tiles_as_an_image_option(llava_next_pair):
    *_, our_processor, _, _ = llava_next_pair
    flat = our_processor(images=IMAGES[0], text=TEXTS[0], max_tiles=1)
    nested = our_processor(images=IMAGES[0], text=TEXTS[0], images_kwargs={"max_tiles": 1})
    assert flat["image_grids"].tolist() == nested["image_grids"].tolist() == [[0, 0]]


# 6. the tokenizer's own defaults and nested option dicts


def test_tokenizer_defaults_and_nested_text_options_as_in_llava_next(llava_next_pair):
    _, reference_processor, _, our_processor, reference_dir, ours_dir = llava_next_pair
    reference_tokenizer = AutoTokenizer.from_pretrained(reference_dir, padding="max_length", max_length=40)
    our_tokenizer = AutoTokenizer.from_pretrained(ours_dir, padding="max_length", max_length=40)
    reference_with = LlavaNextProcessor(
        image_processor=reference_processor.image_processor,
        tokenizer=reference_tokenizer,
        patch_size=reference_processor.patch_size,
        vision_feature_select_strategy="full",
        image_token="<image>",
    )
    ours_with = AmaliaVLProcessor(image_processor=our_processor.image_processor, tokenizer=our_tokenizer)
    expected, got = reference_with(text=["Olá!"]), ours_with(text=["Olá!"])
    assert len(got["input_ids"][0]) == len(expected["input_ids"][0]) == 40
    nested = {"text_kwargs": {"padding": "max_length", "max_length": 25}}
    expected = reference_processor(text=["Bom dia"], **nested)
    got = our_processor(text=["Bom dia"], **nested)
    assert got["input_ids"] == expected["input_ids"]


def test_padding_that_would_not_fit_the_image_tokens_still_raises(llava_next_pair):
    *_, our_processor, _, _ = llava_next_pair
    with pytest.raises(ValueError, match="cut through its images"):
        our_processor(images=IMAGES[0], text=TEXTS[0], truncation=True, max_length=8)


# 7. initialisation of weights a checkpoint lacks


def test_weights_missing_from_a_checkpoint_get_the_towers_own_init(llava_next_pair, tmp_path):
    *_, reference_dir, ours_dir = llava_next_pair
    for directory in (ours_dir, reference_dir):
        weights = load_file(directory / "model.safetensors")
        kept = {name: tensor for name, tensor in weights.items() if "vision_tower" not in name}
        target = tmp_path / directory.name
        target.mkdir()
        for path in directory.iterdir():
            if path.name != "model.safetensors":
                target.joinpath(path.name).write_bytes(path.read_bytes())
        save_file(kept, target / "model.safetensors", metadata={"format": "pt"})
    loaded_ours = AutoModel.from_pretrained(tmp_path / ours_dir.name, trust_remote_code=True)
    loaded_reference = LlavaNextForConditionalGeneration.from_pretrained(tmp_path / reference_dir.name)
    ours_tower = loaded_ours.model.vision_tower
    reference_tower = loaded_reference.model.vision_tower
    pairs = list(zip(ours_tower.named_parameters(), reference_tower.named_parameters()))
    assert len(pairs) == len(list(reference_tower.parameters()))
    for (name, mine), (_, theirs) in pairs:
        # SigLIP draws its MLP biases with std 1e-6 and its weights by fan-in; a generic init gives 0 and 0.02.
        torch.testing.assert_close(mine.std(), theirs.std(), rtol=0.25, atol=1e-8, msg=name)
