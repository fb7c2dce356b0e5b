"""Every rendering pipeline's command, with shards made in two processes, writes a dataset that loads and feeds TRL."""

import importlib

import pytest
from datasets import load_dataset, load_from_disk
from huggingface_hub import DatasetCard
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import CLIPImageProcessor, LlavaProcessor, PreTrainedTokenizerFast
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from datagen import RENDERING_PIPELINES
from datagen.writing.messages import check_row


TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }} {% for c in m['content'] %}"
    "{% if c['type'] == 'image' %}<image>{% else %}{{ c['text'] }}{% endif %} {% endfor %}<|im_end|> {% endfor %}"
)


@pytest.fixture(scope="module")
def tiny_processor():
    """A LLaVA processor built offline: a word-level tokenizer and a 30-pixel image processor."""
    vocab = {"<pad>": 0, "<unk>": 1, "<image>": 2, "<|im_start|>": 3, "<|im_end|>": 4}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<pad>",
        unk_token="<unk>",
        extra_special_tokens={"image_token": "<image>"},
    )
    images = CLIPImageProcessor(size={"shortest_edge": 30}, crop_size={"height": 30, "width": 30})
    return LlavaProcessor(
        image_processor=images,
        tokenizer=fast,
        patch_size=15,
        vision_feature_select_strategy="default",
        chat_template=TEMPLATE,
    )


@pytest.mark.parametrize("name", RENDERING_PIPELINES)
def test_pipeline_output_loads_and_collates(name, tmp_path, tiny_processor):
    out = tmp_path / name
    importlib.import_module(f"datagen.{name}").main(
        ["--num-samples", "4", "--shard-size", "2", "--num-proc", "2", "--output-dir", str(out)]
    )
    dataset = load_from_disk(str(out))
    assert len(dataset) == 4
    for row in dataset:
        check_row(row)
    by_files = load_dataset("arrow", data_files=str(out / "data-*.arrow"), split="train")
    assert by_files["messages"] == dataset["messages"]
    card = DatasetCard.load(out / "README.md")  # the Hub's own parser reads the header
    assert card.data.license == "apache-2.0" and "image-text-to-text" in card.data.task_categories

    batch = DataCollatorForVisionLanguageModeling(tiny_processor)([dataset[0], dataset[1]])
    num_images = len(dataset[0]["images"]) + len(dataset[1]["images"])
    assert batch["pixel_values"].shape[0] == num_images
    image_tokens = (batch["input_ids"] == 2).sum(dim=1)
    assert image_tokens.tolist() == [
        image_tokens[0] // len(dataset[0]["images"]) * len(dataset[i]["images"]) for i in (0, 1)
    ]
    assert batch["labels"].shape == batch["input_ids"].shape
