"""4-bit and 8-bit bitsandbytes loading (bitsandbytes >= 0.50 runs on CPU): the tiny checkpoint loads quantised
with its tower and connector unquantised, answers, weighs less, and its logits stay close to full precision."""

import pytest
import torch
from transformers import AutoConfig, AutoModel, AutoProcessor

from inference.ask import answer, load_model, main, sample_image
from inference.quantization import estimated_weight_bytes


bnb = pytest.importorskip("bitsandbytes", reason="the quant extra: pip install -e '.[quant]'")


@pytest.fixture(scope="module")
def full(tiny_checkpoint):
    return load_model(tiny_checkpoint, "cpu", torch.float32)


@pytest.fixture(scope="module")
def inputs(tiny_checkpoint):
    processor = AutoProcessor.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    chat = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Que formas vês?"}]}]
    prompt = processor.apply_chat_template(chat, add_generation_prompt=True)
    return processor, processor(images=[sample_image()], text=prompt, return_tensors="pt")


def quantised_layer_types(model) -> dict[str, set[str]]:
    kinds = {"tower": set(), "connector": set(), "language": set(), "head": {type(model.lm_head).__name__}}
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        part = "tower" if ".vision_tower." in name else "connector" if "multi_modal_projector" in name else None
        part = part or ("language" if ".language_model." in name else None)
        if part:
            kinds[part].add(type(module).__name__)
    return kinds


@pytest.mark.parametrize("bits, layer, max_error", [(8, "Linear8bitLt", 0.02), (4, "Linear4bit", 0.1)])
def test_quantised_loading_answers_weighs_less_and_stays_close(
    tiny_checkpoint, full, inputs, bits, layer, max_error, capsys
):
    model = load_model(tiny_checkpoint, "cpu", torch.float32, bits)
    kinds = quantised_layer_types(model)
    assert kinds["language"] == {layer}, kinds
    assert kinds["tower"] == kinds["connector"] == kinds["head"] == {"Linear"}, kinds

    # The footprint is what the estimate used for the README's 9B figures says, scales aside (not parameters).
    footprint, full_footprint = model.get_memory_footprint(), full.get_memory_footprint()
    config = AutoConfig.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    with torch.device("meta"):
        meta = AutoModel.from_config(config, trust_remote_code=True)
    assert footprint == estimated_weight_bytes(meta, bits, dtype_bytes=4, with_scales=False)
    assert full_footprint == estimated_weight_bytes(meta, None, dtype_bytes=4)
    assert footprint < full_footprint
    with capsys.disabled():
        print(f"\n{bits}-bit: {footprint / 1e6:.3f} MB against {full_footprint / 1e6:.3f} MB in float32")

    processor, batch = inputs
    with torch.no_grad():
        reference = full(**batch).logits
        logits = model(**batch).logits
    # Error relative to the logits' own spread, at every position of the prompt (image tokens included).
    relative = (logits - reference).norm() / reference.norm()
    assert relative < max_error, relative.item()
    assert torch.isfinite(logits).all()
    assert isinstance(answer(model, processor, [sample_image()], "Que formas vês?", max_new_tokens=4), str)


def test_ask_loads_in_4bit_from_the_command_line(tiny_checkpoint, capsys):
    main(["--model", str(tiny_checkpoint), "--load-in-4bit", "--max-new-tokens", "3"])
    assert "Resposta:" in capsys.readouterr().out
