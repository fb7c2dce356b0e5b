"""Train a tiny text-classification model on labelled sentences and save it as a local Hugging Face model.

It stands in for ``liaad/PtVId`` where nothing may be downloaded (the tests, this repository's measurement):
the same ``pipeline("text-classification", model=FOLDER)`` interface, labels ``PT-PT`` and ``PT-BR``. A
WordPiece vocabulary of the sentences' characters and frequent words and a two-layer BERT of width 64 train
in seconds on a CPU.
"""

import random
from collections import Counter
from pathlib import Path

import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast


LABELS = {0: "PT-PT", 1: "PT-BR"}
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
MAX_POSITIONS = 128  # the model's positions; the tokenizer cuts longer texts to fit


def _vocabulary(texts: list[str], size: int) -> dict[str, int]:
    """Every character (alone and as a continuation) and the most frequent words, ties broken alphabetically.

    Built here rather than by the tokenizers trainer, whose ties fall in hash order: the same sentences must
    give the same model on every run, so that measured figures can be reproduced.
    """
    normalizer, pre_tokenizer = normalizers.Lowercase(), pre_tokenizers.BertPreTokenizer()
    words = Counter(
        word for text in texts for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text))
    )
    characters = sorted({character for word in words for character in word})
    tokens = SPECIAL + characters + [f"##{character}" for character in characters]
    frequent = sorted(words.items(), key=lambda item: (-item[1], item[0]))
    tokens += [word for word, _ in frequent if len(word) > 1][: max(0, size - len(tokens))]
    return {token: index for index, token in enumerate(tokens)}


def _tokenizer(texts: list[str], vocab_size: int) -> PreTrainedTokenizerFast:
    tokenizer = Tokenizer(models.WordPiece(_vocabulary(texts, vocab_size), unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        model_max_length=MAX_POSITIONS,
    )


def train_tiny_classifier(
    texts: list[str], labels: list[str], out_dir: str | Path, seed: int = 0, epochs: int = 40, vocab_size: int = 1500
) -> Path:
    """Train on ``texts`` labelled "pt-PT" / "pt-BR"; save model and tokenizer to ``out_dir``; return it."""
    torch.manual_seed(seed)
    tokenizer = _tokenizer(texts, vocab_size)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=MAX_POSITIONS,
        id2label=LABELS,
        label2id={v: k for k, v in LABELS.items()},
        pad_token_id=tokenizer.pad_token_id,
    )
    model = BertForSequenceClassification(config)
    targets = [1 if label == "pt-BR" else 0 for label in labels]
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    order = list(range(len(texts)))
    model.train()
    for _ in range(epochs):
        random.Random(seed).shuffle(order)
        for start in range(0, len(order), 32):
            batch = order[start : start + 32]
            encoded = tokenizer(
                [texts[i] for i in batch], padding=True, truncation=True, max_length=64, return_tensors="pt"
            )
            loss = model(**encoded, labels=torch.tensor([targets[i] for i in batch])).loss
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir
