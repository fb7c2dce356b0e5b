"""AmaliaVLForConditionalGeneration on the tiny checkpoint: batching, loss masking, training paths, errors."""

import pytest
import torch
from transformers import AutoModel, AutoProcessor

from tests.helpers import random_image


@pytest.fixture(scope="module")
def model(tiny_checkpoint):
    return AutoModel.from_pretrained(tiny_checkpoint, trust_remote_code=True, dtype=torch.float32).eval()


@pytest.fixture(scope="module")
def processor(tiny_checkpoint):
    return AutoProcessor.from_pretrained(tiny_checkpoint, trust_remote_code=True)


def _prompt(processor, question, images=1):
    content = [{"type": "image"}] * images + [{"type": "text", "text": question}]
    return processor.apply_chat_template([{"role": "user", "content": content}], add_generation_prompt=True)


SAMPLES = [
    ([random_image(64, 64, seed=1)], "Que cor tem o quadrado?"),
    ([random_image(30, 250, seed=2)], "O que está escrito nesta faixa estreita?"),
    ([], "Diz olá em português europeu."),
    ([random_image(300, 45, seed=3), random_image(90, 120, seed=4)], "Compara as duas imagens."),
]


def _inputs(processor, samples):
    texts = [_prompt(processor, question, len(images)) for images, question in samples]
    return processor(images=[images for images, _ in samples], text=texts, padding=True, return_tensors="pt")


def test_batched_left_padded_generation_equals_one_by_one(model, processor):
    settings = {"max_new_tokens": 10, "do_sample": False}
    batch = _inputs(processor, SAMPLES)
    with torch.no_grad():
        together = model.generate(**batch, **settings)[:, batch["input_ids"].shape[1] :]
        for row, sample in enumerate(SAMPLES):
            alone_inputs = _inputs(processor, [sample])
            alone = model.generate(**alone_inputs, **settings)[:, alone_inputs["input_ids"].shape[1] :]
            assert torch.equal(together[row], alone[0]), f"sample {row} differs when batched"


def test_text_only_sample_in_an_image_batch_gets_the_same_logits(model, processor):
    batch = _inputs(processor, SAMPLES)
    alone = _inputs(processor, [SAMPLES[2]])
    with torch.no_grad():
        batched_logits = model(**batch).logits[2, -1]
        alone_logits = model(**alone).logits[0, -1]
    torch.testing.assert_close(batched_logits, alone_logits, rtol=1e-4, atol=1e-4)


def test_beam_search_and_several_return_sequences_with_images(model, processor):
    batch = _inputs(processor, SAMPLES[:2])
    with torch.no_grad():
        beams = model.generate(**batch, max_new_tokens=4, num_beams=2, do_sample=False)
        several = model.generate(**batch, max_new_tokens=4, do_sample=True, num_return_sequences=3)
    assert beams.shape[0] == 2 and several.shape[0] == 6


def test_token_feature_mismatch_names_both_counts(model, processor):
    batch = _inputs(processor, SAMPLES[:1])
    image_positions = (batch["input_ids"][0] == processor.image_token_id).nonzero()
    batch["input_ids"][0, image_positions[0]] = processor.tokenizer.pad_token_id
    expected = len(image_positions)
    with pytest.raises(ValueError, match=f"{expected - 1} `<image>` tokens in the input, {expected} image features"):
        model(**batch)


def test_pixel_values_must_match_the_grids(model, processor):
    batch = _inputs(processor, SAMPLES[:1])
    batch["pixel_values"] = batch["pixel_values"][:-1]
    with pytest.raises(ValueError, match="views but image_grids describes"):
        model(**batch)


def test_image_and_padding_positions_never_count_in_the_loss(model, processor):
    batch = _inputs(processor, SAMPLES)
    naive_labels = batch["input_ids"].clone()
    explicit = naive_labels.clone()
    explicit[batch["input_ids"] == processor.image_token_id] = -100
    explicit[batch["attention_mask"] == 0] = -100
    with torch.no_grad():
        naive = model(**batch, labels=naive_labels).loss
        masked = model(**batch, labels=explicit).loss
    assert torch.isfinite(naive)
    torch.testing.assert_close(naive, masked)


def test_gradient_checkpointing_gives_the_same_gradients(tiny_checkpoint, processor):
    batch = _inputs(processor, SAMPLES)
    labels = batch["input_ids"].clone()
    grads = []
    for checkpointing in (False, True):
        model = AutoModel.from_pretrained(tiny_checkpoint, trust_remote_code=True, dtype=torch.float32)
        model.train()
        if checkpointing:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model(**batch, labels=labels).loss.backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys()
    assert any(n.startswith("model.vision_tower.") for n in grads[0])
    for name in grads[0]:
        torch.testing.assert_close(grads[0][name], grads[1][name], rtol=1e-5, atol=1e-6)


def test_eager_and_sdpa_agree(tiny_checkpoint, processor):
    batch = _inputs(processor, SAMPLES)
    logits = []
    for implementation in ("eager", "sdpa"):
        model = AutoModel.from_pretrained(tiny_checkpoint, trust_remote_code=True, attn_implementation=implementation)
        with torch.no_grad():
            logits.append(model.eval()(**batch).logits)
    mask = batch["attention_mask"].bool()
    torch.testing.assert_close(logits[0][mask], logits[1][mask], rtol=1e-4, atol=1e-4)


def test_text_only_training_batch_still_runs_every_vision_parameter(tiny_checkpoint, processor):
    model = AutoModel.from_pretrained(tiny_checkpoint, trust_remote_code=True, dtype=torch.float32)
    model.freeze_unused_vision_modules()
    batch = _inputs(processor, [SAMPLES[2]])
    with torch.no_grad():
        eval_loss = model.eval()(**batch, labels=batch["input_ids"]).loss
    model.train()
    loss = model(**batch, labels=batch["input_ids"]).loss
    loss.backward()
    torch.testing.assert_close(loss, eval_loss)  # the dummy tile adds exactly zero
    for name, parameter in model.named_parameters():
        if parameter.requires_grad and not name.startswith(("model.language_model.", "lm_head.")):
            assert parameter.grad is not None, f"{name} got no gradient: DDP/ZeRO-3 ranks would hang"
            assert not parameter.grad.any(), name


def test_modules_that_never_run_are_known_and_freezable(tiny_checkpoint):
    model = AutoModel.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    model.freeze_unused_vision_modules()
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert frozen == {n for n, _ in model.named_parameters() if ".post_layernorm." in n}


def test_an_uncut_tower_runs_only_up_to_the_feature_layer(tiny_checkpoint):
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    config.vision_config.num_hidden_layers = 3
    config.vision_feature_layer = -2
    model = AutoModel.from_config(config, trust_remote_code=True)
    unused = model.model.unused_vision_modules()
    layers = model.model.vision_tower.encoder.layers
    assert layers[2] in unused and layers[1] not in unused
    pixels = torch.randn(2, 3, config.tile_size, config.tile_size)
    with torch.no_grad():
        expected = model.model.vision_tower(pixels, output_hidden_states=True).hidden_states[-2]
        torch.testing.assert_close(model.model._vision_features(pixels), expected)


def test_packed_row_in_training_attends_within_each_sample(model, processor):
    """Two samples in one row, position_ids restarting: in training mode each sample sees only itself."""
    first, second = (_inputs(processor, [sample]) for sample in (SAMPLES[0], SAMPLES[2]))
    packed = {
        "input_ids": torch.cat([first["input_ids"], second["input_ids"]], dim=1),
        "position_ids": torch.cat(
            [torch.arange(first["input_ids"].shape[1]), torch.arange(second["input_ids"].shape[1])]
        )[None],
        "pixel_values": first["pixel_values"],
        "image_sizes": first["image_sizes"],
        "image_grids": first["image_grids"],
    }
    try:
        model.train()
        with torch.no_grad():
            packed_logits = model(**packed).logits[0, first["input_ids"].shape[1] :]
    finally:
        model.eval()
    with torch.no_grad():
        alone = model(**second).logits[0]
    torch.testing.assert_close(packed_logits, alone, rtol=1e-4, atol=1e-4)


def test_text_only_generation_with_explicit_empty_image_inputs(model, processor):
    batch = _inputs(processor, [SAMPLES[2]])
    with torch.no_grad():
        plain = model.generate(**batch, max_new_tokens=4, do_sample=False)
        explicit = model.generate(
            **batch, pixel_values=None, image_sizes=None, image_grids=None, max_new_tokens=4, do_sample=False
        )
    assert torch.equal(plain, explicit)
