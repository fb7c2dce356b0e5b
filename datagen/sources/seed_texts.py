"""pt-PT texts to render: the annotated seed shipped in ``datagen/data`` or a user's JSONL corpus.

A corpus is one JSON object per line with ``text`` and optionally ``title``, ``id`` and ``genre``; texts
that the variety filter reads as pt-BR are left out.
"""

import argparse
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from datagen.filtering.variety import VarietyFilter


logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parents[1] / "data"
OCR_SEED = DATA_DIR / "pt_ocr_seed.jsonl"

# A sentence ends at . ! or ? followed by a space and an upper-case letter (or a «quotation); the seed texts are written
# without abbreviations, so this split is exact on them.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=«?[A-ZÀ-Ý])")


@dataclass(frozen=True)
class SeedText:
    text: str
    title: str = ""
    id: str = ""
    genre: str = ""

    @property
    def heading(self) -> str:
        """The title, or the text's first words where there is none (layouts with a heading need one)."""
        return self.title or " ".join(self.text.split()[:5])

    @property
    def sentences(self) -> list[str]:
        return split_sentences(self.text)


def split_sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_END.split(text.strip()) if sentence.strip()]


@lru_cache
def load_seed_texts(path: str | Path = OCR_SEED) -> tuple[SeedText, ...]:
    with open(path, encoding="utf-8") as lines:
        texts = [SeedText(**json.loads(line)) for line in lines if line.strip()]
    variety = VarietyFilter()
    kept = tuple(seed for seed in texts if not variety.is_pt_br(seed.text))
    if len(kept) < len(texts):
        logger.info("%s: left out %d of %d texts that read as pt-BR", path, len(texts) - len(kept), len(texts))
    if not kept:
        raise ValueError(f"{path} holds no pt-PT text; give one JSON object per line with a `text` field")
    return kept


def add_texts_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--texts", help="JSONL corpus of pt-PT texts ({text, title?} per line) instead of the shipped seed"
    )
