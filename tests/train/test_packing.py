"""Packing must not change what the model learns: same loss and gradients as the same samples unpacked."""

import pytest
import torch
from transformers import AutoModelForImageTextToText, AutoProcessor

from train.data import load_mix
from train.packing import DataCollatorForPackedVision


@pytest.fixture(scope="module")
def processor(tiny_checkpoint):
    return AutoProcessor.from_pretrained(tiny_checkpoint, trust_remote_code=True)


@pytest.fixture(scope="module")
def examples(sample_mix_file):
    rows = load_mix("sample_sft", mix_file=sample_mix_file)
    picked = [rows[index] for index in range(12)]
    assert (
        any(not row["images"] for row in picked) and len({row["images"][0].size for row in picked if row["images"]}) > 2
    )
    return picked


def loss_and_grads(model, batch):
    model.zero_grad()
    loss = model(**batch, use_cache=False).loss  # a cache hides the sample boundaries; trainers pass False too
    loss.backward()
    return loss.detach(), {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("attn_implementation", ["sdpa", "eager"])
@pytest.mark.parametrize("one_row", [False, True])
def test_packed_batch_gives_the_loss_and_gradients_of_the_unpacked_one(
    tiny_checkpoint, processor, examples, attn_implementation, one_row
):
    model = AutoModelForImageTextToText.from_pretrained(
        tiny_checkpoint, trust_remote_code=True, dtype=torch.float32, attn_implementation=attn_implementation
    ).eval()  # eval: no dropout; gradients flow all the same
    packed = DataCollatorForPackedVision(processor, max_length=1024, max_images=6, padding_free=one_row)(examples)
    unpacked = DataCollatorForPackedVision(processor, max_length=1024, pack=False)(examples)
    assert "attention_mask" not in packed and packed["input_ids"].shape[0] < unpacked["input_ids"].shape[0]
    assert (packed["labels"] != -100).sum() == (unpacked["labels"] != -100).sum() > 0

    packed_loss, packed_grads = loss_and_grads(model, packed)
    unpacked_loss, unpacked_grads = loss_and_grads(model, unpacked)
    assert torch.isfinite(packed_loss)
    torch.testing.assert_close(packed_loss, unpacked_loss, rtol=1e-5, atol=1e-6)
    assert packed_grads.keys() == unpacked_grads.keys() and any(
        name.startswith("model.vision_tower") for name in packed_grads
    )
    for name in packed_grads:
        torch.testing.assert_close(packed_grads[name], unpacked_grads[name], rtol=1e-4, atol=1e-6, msg=name)

    # The same rows without restarting position_ids attend across samples: the loss changes (so the check above
    # could fail).
    leaky = {**packed, "position_ids": torch.arange(packed["input_ids"].shape[1]).expand_as(packed["input_ids"])}
    with torch.no_grad():
        assert not torch.allclose(model(**leaky, use_cache=False).loss, unpacked_loss, rtol=1e-4)


def test_labels_are_assistant_text_only(processor, examples):
    batch = DataCollatorForPackedVision(processor, max_length=1024, max_images=6)(examples)
    image_id = processor.image_token_id
    assert not ((batch["input_ids"] == image_id) & (batch["labels"] != -100)).any()
    starts = batch["position_ids"] == 0
    assert (batch["labels"][starts] == -100).all()  # first token of every packed sample (and of padding)
    trained = processor.tokenizer.decode(batch["labels"][batch["labels"] != -100])
    # What trains is exactly the assistant turns, each closed by <|im_end|> (so the model learns to stop).
    answers = [
        turn["content"] + "<|im_end|>" for row in examples for turn in row["messages"] if turn["role"] == "assistant"
    ]
    assert sorted(trained.split("<|im_end|>")) == sorted(answer.removesuffix("<|im_end|>") for answer in answers + [""])
    # Images come in the order of their <image> tokens: as many views as the grids describe.
    grids = batch["image_grids"]
    assert batch["pixel_values"].shape[0] == int((grids[:, 0] * grids[:, 1] + 1).sum())


def test_a_sample_whose_image_does_not_fit_is_dropped_text_is_cut(processor, examples, caplog):
    with_image = next(row for row in examples if row["images"])
    text_only = {
        "messages": [{"role": "user", "content": "Olá " * 200}, {"role": "assistant", "content": "Olá!"}],
        "images": [],
    }
    batch = DataCollatorForPackedVision(processor, max_length=40)([with_image, text_only])
    assert "Dropped a sample" in caplog.text
    assert batch["input_ids"].shape == (1, 40) and "pixel_values" not in batch


def test_trl_fused_head_sees_the_same_loss_packed(tiny_checkpoint, processor, examples):
    """TRL's trainers do not call the model's own loss: they score labels through a fused LM head on the backbone."""
    from trl.trainer.utils import add_fused_lm_head

    model = AutoModelForImageTextToText.from_pretrained(tiny_checkpoint, trust_remote_code=True, dtype=torch.float32)
    add_fused_lm_head(model.eval())
    packed = DataCollatorForPackedVision(processor, max_length=1024, max_images=6)(examples)
    unpacked = DataCollatorForPackedVision(processor, max_length=1024, pack=False)(examples)
    with torch.no_grad():
        losses = [model(**batch, use_cache=False, fused_lm_head=True).loss for batch in (packed, unpacked)]
    torch.testing.assert_close(losses[0], losses[1], rtol=1e-5, atol=1e-6)
