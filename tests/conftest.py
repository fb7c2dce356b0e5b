import pytest
import torch

from hub_release.build_checkpoint import build_tiny
from hub_release.convert_llava_next import convert
from tests.helpers import llava_next_reference
from tests.serving import served_tiny_vlm  # noqa: F401 - a session fixture: imported here, it serves every test


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """A tiny random AMALIA-VL checkpoint directory, built the way users build it."""
    return build_tiny(tmp_path_factory.mktemp("tiny") / "amalia-vl-tiny")


@pytest.fixture(scope="session")
def llava_next_pair(tmp_path_factory):
    """A random transformers LlavaNext checkpoint and its conversion into AMALIA-VL, both loaded.

    Returns ``(reference_model, reference_processor, our_model, our_processor, reference_dir, our_dir)``.
    """
    from transformers import AutoModel, AutoProcessor, LlavaNextForConditionalGeneration, LlavaNextProcessor

    reference_dir = tmp_path_factory.mktemp("llava_next") / "reference"
    ours_dir = reference_dir.parent / "converted"
    model, processor = llava_next_reference()
    model.save_pretrained(reference_dir)
    processor.save_pretrained(reference_dir)
    convert(reference_dir, ours_dir)
    reference = LlavaNextForConditionalGeneration.from_pretrained(reference_dir, dtype=torch.float32).eval()
    reference_processor = LlavaNextProcessor.from_pretrained(reference_dir)
    ours = AutoModel.from_pretrained(ours_dir, trust_remote_code=True, dtype=torch.float32).eval()
    our_processor = AutoProcessor.from_pretrained(ours_dir, trust_remote_code=True)
    for tokenizer in (reference_processor.tokenizer, our_processor.tokenizer):
        tokenizer.padding_side = "left"
    return reference, reference_processor, ours, our_processor, reference_dir, ours_dir
