"""The KV cache through a loaded checkpoint, on every supported transformers version.

transformers 5.24 renamed the cache from `past_key_values` to `cache` in model forwards and outputs. A checkpoint's
own code file runs inside whatever version a user has, so these tests call the model the way that version's
`generate` and users' code do, and compare with transformers' own LlavaNext on the same weights.
"""

import inspect
import warnings

import pytest
import torch
from transformers import AutoModel, AutoProcessor, LlamaModel

from tests.helpers import random_image


# The name the installed transformers gives the cache, read off its own language model (not off our code).
CACHE_NAME = "cache" if "cache" in inspect.signature(LlamaModel.forward).parameters else "past_key_values"


@pytest.fixture(scope="module")
def loaded(tiny_checkpoint):
    model = AutoModel.from_pretrained(tiny_checkpoint, trust_remote_code=True, dtype=torch.float32).eval()
    processor = AutoProcessor.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Que cor é esta?"}]}]
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
    inputs = processor(images=[random_image(60, 110)], text=prompt, return_tensors="pt")
    return model, inputs


def _step_inputs(inputs, next_token):
    """The inputs of one decoding step after the prompt: the new token and the grown attention mask."""
    mask = torch.cat([inputs["attention_mask"], torch.ones_like(next_token)], dim=1)
    return {"input_ids": next_token, "attention_mask": mask}


def test_forward_of_a_loaded_checkpoint_returns_the_cache(loaded):
    """The call that failed on 5.24: a plain forward in evaluation mode, where the cache is on by default."""
    model, inputs = loaded
    with torch.no_grad():
        out = model(**inputs)
    cache = out[CACHE_NAME]
    assert cache is not None
    assert cache.get_seq_length() == inputs["input_ids"].shape[1]
    assert out.logits.shape[:2] == inputs["input_ids"].shape


@pytest.mark.parametrize("cache_keyword", sorted({CACHE_NAME, "past_key_values"}))
def test_a_decoding_step_with_the_cache_equals_the_full_forward(loaded, cache_keyword):
    """Passing the cache back, under today's name or the old one users' code still writes, continues the sequence."""
    model, inputs = loaded
    with torch.no_grad():
        prefill = model(**inputs)
        next_token = prefill.logits[:, -1:].argmax(-1)
        with warnings.catch_warnings():
            # Where `past_key_values` is a deprecated alias, transformers says so; the call must still work.
            warnings.simplefilter("ignore", FutureWarning)
            step = model(**_step_inputs(inputs, next_token), **{cache_keyword: prefill[CACHE_NAME]})
        full_ids = torch.cat([inputs["input_ids"], next_token], dim=1)
        full = model(**{**inputs, **_step_inputs(inputs, next_token), "input_ids": full_ids}, use_cache=False)
    torch.testing.assert_close(step.logits[:, -1], full.logits[:, -1], rtol=1e-5, atol=1e-5)


def test_reading_past_key_values_from_the_output_still_works(loaded):
    model, inputs = loaded
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        out = model(**inputs)
        assert out.past_key_values is out[CACHE_NAME]


def test_cached_decoding_matches_llava_next_step_by_step(llava_next_pair):
    """Prefill, then three cached steps, against LlavaNext doing the same on the same weights."""
    reference, reference_processor, ours, our_processor, *_ = llava_next_pair
    texts, images = (
        ["<image>\nDescreve.", "Olá <image> e <image>?"],
        [[random_image(90, 40)], [random_image(17, 300), random_image(50, 50)]],
    )
    reference_inputs = reference_processor(images=images, text=texts, return_tensors="pt", padding=True)
    our_inputs = our_processor(images=images, text=texts, return_tensors="pt", padding=True)
    with torch.no_grad():
        expected, got = reference(**reference_inputs), ours(**our_inputs)
        for _ in range(3):
            torch.testing.assert_close(got.logits[:, -1], expected.logits[:, -1], rtol=1e-5, atol=1e-5)
            next_token = expected.logits[:, -1:].argmax(-1)
            reference_inputs = _step_inputs(reference_inputs, next_token)
            our_inputs = _step_inputs(our_inputs, next_token)
            expected = reference(**reference_inputs, **{CACHE_NAME: expected[CACHE_NAME]})
            got = ours(**our_inputs, **{CACHE_NAME: got[CACHE_NAME]})
    torch.testing.assert_close(got.logits, expected.logits, rtol=1e-5, atol=1e-5)
