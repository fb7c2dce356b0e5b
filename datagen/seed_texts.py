"""The annotated pt-PT text seed shipped in ``datagen/data`` and the sentence splitting its tasks use."""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
OCR_SEED = DATA_DIR / "pt_ocr_seed.jsonl"

# A sentence ends at . ! or ? followed by a space and an upper-case letter; the seed texts are written
# without abbreviations, so this split is exact on them.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý])")


@dataclass(frozen=True)
class SeedText:
    id: str
    genre: str
    title: str
    text: str

    @property
    def sentences(self) -> list[str]:
        return split_sentences(self.text)


def split_sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_END.split(text.strip()) if sentence.strip()]


@lru_cache
def load_seed_texts(path: Path = OCR_SEED) -> tuple[SeedText, ...]:
    with open(path, encoding="utf-8") as lines:
        return tuple(SeedText(**json.loads(line)) for line in lines if line.strip())
