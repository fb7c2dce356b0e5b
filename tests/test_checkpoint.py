"""Checkpoints built by hub_release/build_checkpoint.py load anywhere with trust_remote_code, and keep loading."""

import json
import subprocess
import sys
import textwrap

import torch
from safetensors.torch import load_file
from transformers import (
    AutoModel,
    AutoModelForImageTextToText,
    AutoProcessor,
    LlamaConfig,
    LlamaForCausalLM,
    SiglipConfig,
    SiglipModel,
    pipeline,
)

from hub_release.build_checkpoint import IMAGE_TOKEN, build_real, tiny_tokenizer
from tests.helpers import random_image


CODE_FILES = {"configuration_amalia_vl.py", "modeling_amalia_vl.py", "processing_amalia_vl.py"}


def test_tiny_checkpoint_is_complete_and_small(tiny_checkpoint):
    files = {path.name for path in tiny_checkpoint.iterdir()}
    assert CODE_FILES | {"config.json", "model.safetensors", "processor_config.json", "tokenizer.json"} <= files
    auto_map = json.loads((tiny_checkpoint / "config.json").read_text())["auto_map"]
    assert {"AutoConfig", "AutoModel", "AutoModelForImageTextToText"} <= auto_map.keys()
    processor_map = json.loads((tiny_checkpoint / "processor_config.json").read_text())["auto_map"]
    assert processor_map["AutoProcessor"] == "processing_amalia_vl.AmaliaVLProcessor"
    assert sum(path.stat().st_size for path in tiny_checkpoint.iterdir()) < 10 * 2**20


def test_loads_and_answers_in_a_fresh_process_without_the_package(tiny_checkpoint, tmp_path):
    """The checkpoint's own code files do the work: the process never imports `amalia_vl`."""
    script = textwrap.dedent(f"""
        import sys, torch
        from PIL import Image
        from transformers import AutoConfig, AutoImageProcessor, AutoModel, AutoProcessor
        model = AutoModel.from_pretrained({str(tiny_checkpoint)!r}, trust_remote_code=True)
        processor = AutoProcessor.from_pretrained({str(tiny_checkpoint)!r}, trust_remote_code=True)
        image_processor = AutoImageProcessor.from_pretrained({str(tiny_checkpoint)!r}, trust_remote_code=True)
        config = AutoConfig.from_pretrained({str(tiny_checkpoint)!r}, trust_remote_code=True)
        assert type(image_processor).__name__ == "AmaliaVLImageProcessor" and config.model_type == "amalia_vl"
        messages = [{{"role": "user", "content": [{{"type": "image"}}, {{"type": "text", "text": "Que cor é esta?"}}]}}]
        prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
        inputs = processor(images=[Image.new("RGB", (120, 80), "red")], text=prompt, return_tensors="pt")
        out = model.generate(**inputs, max_new_tokens=4, do_sample=False)
        assert out.shape[1] == inputs["input_ids"].shape[1] + 4
        assert "amalia_vl" not in sys.modules
        print(type(model).__module__)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1].startswith("transformers_modules.")


def test_pipeline_answers_a_pt_pt_question(tiny_checkpoint):
    answerer = pipeline("image-text-to-text", model=str(tiny_checkpoint), trust_remote_code=True)
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "image", "image": random_image(90, 160)},
                {"type": "text", "text": "Que objetos estão em cima da mesa?"},
            ],
        }
    ]
    output = answerer(text=messages, max_new_tokens=5, do_sample=False)
    reply = output[0]["generated_text"][-1]
    assert reply["role"] == "assistant" and isinstance(reply["content"], str)


def test_saving_a_loaded_checkpoint_keeps_it_loadable(tiny_checkpoint, tmp_path):
    model = AutoModelForImageTextToText.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    processor = AutoProcessor.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    model.save_pretrained(tmp_path)
    processor.save_pretrained(tmp_path)
    assert CODE_FILES <= {path.name for path in tmp_path.iterdir()}
    assert "AutoModel" in json.loads((tmp_path / "config.json").read_text())["auto_map"]
    again = AutoModel.from_pretrained(tmp_path, trust_remote_code=True)
    for (name, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), name


def _source_checkpoints(root):
    """A tiny SigLIP (text + vision, with head) and a tiny Llama with its tokenizer, saved as users would have them."""
    torch.manual_seed(0)
    siglip = SiglipModel(
        SiglipConfig(
            vision_config={
                "hidden_size": 32,
                "intermediate_size": 64,
                "num_hidden_layers": 3,
                "num_attention_heads": 4,
                "image_size": 32,
                "patch_size": 8,
            },
            text_config={
                "hidden_size": 32,
                "intermediate_size": 64,
                "num_hidden_layers": 1,
                "num_attention_heads": 4,
                "vocab_size": 100,
            },
        )
    )
    siglip.save_pretrained(root / "siglip")
    tokenizer = tiny_tokenizer()
    llm = LlamaForCausalLM(
        LlamaConfig(
            hidden_size=48,
            intermediate_size=96,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            vocab_size=len(tokenizer),
            tie_word_embeddings=False,
        )
    )
    llm.save_pretrained(root / "llm")
    tokenizer.save_pretrained(root / "llm")
    return siglip, llm, tokenizer


def test_build_from_a_vision_tower_and_a_language_model(tmp_path):
    siglip, llm, tokenizer = _source_checkpoints(tmp_path)
    output = build_real(str(tmp_path / "siglip"), str(tmp_path / "llm"), tmp_path / "out", dtype=torch.float32)
    model = AutoModel.from_pretrained(output, trust_remote_code=True)
    processor = AutoProcessor.from_pretrained(output, trust_remote_code=True)
    config = model.config

    assert config.vision_config.num_hidden_layers == 2 and not config.vision_config.vision_use_head
    weights = load_file(output / "model.safetensors")
    assert not any("vision_tower.head" in key or "encoder.layers.2." in key for key in weights)
    source_layer = siglip.vision_model.encoder.layers[1].mlp.fc1.weight
    assert torch.equal(model.model.vision_tower.encoder.layers[1].mlp.fc1.weight, source_layer)

    assert processor.tokenizer.convert_ids_to_tokens(config.image_token_id) == IMAGE_TOKEN
    assert config.text_config.vocab_size == len(tokenizer) + 1
    old_rows = llm.get_input_embeddings().weight
    new_row = model.get_input_embeddings().weight[config.image_token_id]
    assert torch.equal(model.get_input_embeddings().weight[: len(tokenizer)], old_rows)
    # drawn from the old rows' statistics: near their mean, not zero and not a copy
    assert (new_row - old_rows.mean(0)).norm() < 3 * (old_rows - old_rows.mean(0)).norm(dim=1).mean()
    assert new_row.abs().sum() > 0

    inputs = processor(images=[random_image(50, 70)], text="<image>\nOlá", return_tensors="pt")
    assert torch.isfinite(model(**inputs).logits).all()
