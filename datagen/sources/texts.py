"""The text a rendering pipeline draws: a span of a seed or corpus text, or a generated document."""

import random

from datagen.sources.generated_texts import MAX_SENTENCES, generated_text
from datagen.sources.seed_texts import SeedText


# With the shipped seed (36 hand-written texts without digits or symbols) half the texts are generated
# documents full of numbers, dates, prices and punctuation; a user's corpus is used alone.
GENERATED_SHARE = 0.5
MAX_SPAN = 8  # a page, not a book: long corpus texts are cut to spans


def pick_text(
    rng: random.Random, texts: tuple[SeedText, ...], generated: bool, num_sentences: int | None = None
) -> SeedText:
    """A text of ``num_sentences`` sentences (any number if None): generated or a span of one of ``texts``.

    ``generated`` allows generated documents; a corpus with no text long enough falls back on them too.
    """
    long_enough = [t for t in texts if len(t.sentences) >= (num_sentences or 1)]
    use_generated = generated and rng.random() < GENERATED_SHARE
    if use_generated or not long_enough:
        return generated_text(rng, num_sentences or rng.randint(1, MAX_SENTENCES))
    seed = rng.choice(long_enough)
    sentences = seed.sentences
    count = num_sentences or rng.randint(1, min(len(sentences), MAX_SPAN))
    start = rng.randint(0, len(sentences) - count)
    return SeedText(" ".join(sentences[start : start + count]), seed.heading, seed.id, seed.genre)
