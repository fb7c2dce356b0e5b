"""PT-OCR: OCR dialogues over an annotated pt-PT seed (transcription, sentences, verification).

    python -m datagen.pt_ocr --num-samples 200 --output-dir out/pt_ocr [--seed-dataset DIR | --texts corpus.jsonl]

Without ``--seed-dataset`` the seed is the pt-PT texts in ``datagen/data/pt_ocr_seed.jsonl`` (or a
``--texts`` corpus), each rendered as a document; with it, any ``save_to_disk`` dataset with ``image`` and
``text`` columns (e.g. a local copy of the paper's annotated pt-PT OCR set) is used as is.
"""

import argparse
import random
from dataclasses import dataclass
from functools import cached_property

from datasets import load_from_disk
from PIL import Image

from datagen.render.concat import concatenate
from datagen.render.layouts import card_on_texture, monospace, paragraph
from datagen.render.perturb import perturb
from datagen.sources.generated_texts import MAX_SENTENCES
from datagen.sources.seed_texts import OCR_SEED, add_texts_argument, load_seed_texts
from datagen.sources.texts import pick_text
from datagen.tasks.cycle import from_cycles
from datagen.tasks.ocr_tasks import SENTENCE_KINDS, sentence_question, transcription, verification
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row
from datagen.writing.writer import per_item


PERTURB_SHARE = 0.4
CONCAT_SHARE = 0.25

# Families and verdicts follow the sample index (see datagen.tasks.cycle; a coin per sample drew 0.53
# "yes" in 360 verification turns): six samples hold two of each family and one accept, one reject. The
# sentence slots cycle in turn through the sentence kinds and, slower, the sentence counts, so "how many
# sentences?" has no favourite answer either.
FAMILIES = (
    ("transcription", None),
    ("sentences", None),
    ("verification", True),
    ("transcription", None),
    ("sentences", None),
    ("verification", False),
)
SENTENCE_COUNTS = range(1, MAX_SENTENCES + 1)

CARD = CardInfo(
    pretty_name="PT-OCR",
    summary="European Portuguese OCR dialogues: verbatim transcription in several output formats, "
    "sentence-level extraction (first, last, n-th sentence, sentence count) and verification of "
    "candidate transcriptions.",
    how_made="Seed documents with known transcriptions are optionally perturbed (rotation, blur, noise, "
    f"JPEG, contrast; {PERTURB_SHARE:.0%} of samples) and, for {CONCAT_SHARE:.0%} of transcription and "
    "verification samples, 2-3 documents are joined into one image. Questions come from templates; "
    "answers are derived from the seed transcriptions, and wrong candidates from word-level edits.",
    task_categories=["image-text-to-text", "image-to-text"],
)


@dataclass
class Document:
    image: Image.Image
    text: str


@dataclass
class OcrSampler:
    """Makes PT-OCR samples; ``seed_dataset`` is a path to a dataset of (image, text) documents."""

    seed_dataset: str | None = None
    texts_path: str | None = None

    @property
    def _texts(self):
        return load_seed_texts(self.texts_path or OCR_SEED)

    @cached_property
    def _seed(self):
        return load_from_disk(self.seed_dataset) if self.seed_dataset else None

    @cached_property
    def vocabulary(self) -> list[str]:
        texts = self._seed["text"] if self._seed is not None else [seed.text for seed in self._texts]
        return sorted({word for text in texts for word in text.split() if len(word) > 3})

    def document(self, rng: random.Random, num_sentences: int | None = None) -> Document:
        """A document; ``num_sentences`` fixes its sentence count where the text is ours to choose."""
        if self._seed is not None:
            row = self._seed[rng.randrange(len(self._seed))]
            return Document(row["image"].convert("RGB"), row["text"])
        text = pick_text(rng, self._texts, generated=self.texts_path is None, num_sentences=num_sentences).text
        image, _ = rng.choice([paragraph, card_on_texture, monospace])(rng, "", text)
        return Document(image, text)

    def __call__(self, rng: random.Random, index: int) -> dict:
        (family, correct), sentence_kind, num_sentences = from_cycles(index, FAMILIES, SENTENCE_KINDS, SENTENCE_COUNTS)
        documents = [self.document(rng, num_sentences if family == "sentences" else None)]
        if family != "sentences" and rng.random() < CONCAT_SHARE:
            documents += [self.document(rng) for _ in range(rng.randint(1, 2))]
        image = concatenate([d.image for d in documents], rng.choice(["vertical", "horizontal"]))
        tags = [f"docs={len(documents)}"]
        if rng.random() < PERTURB_SHARE:
            image, names = perturb(rng, image)
            tags.append("+".join(names))
        text = "\n\n".join(d.text for d in documents)
        if family == "transcription":
            variant, turn = transcription(rng, text)
        elif family == "sentences":
            variant, turn = sentence_question(rng, text, sentence_kind)
        else:
            variant, turn = verification(rng, text, self.vocabulary, correct)
        return make_row([image], [turn], task=f"ocr/{family}/{variant}/" + ",".join(tags))


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed-dataset", help="save_to_disk dataset with `image` and `text` columns to use as seed")
    add_texts_argument(parser)


main = main_for(
    __doc__.splitlines()[0],
    CARD,
    lambda args: per_item(OcrSampler(args.seed_dataset, args.texts), args.seed),
    _add_arguments,
)

if __name__ == "__main__":
    main()
