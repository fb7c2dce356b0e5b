"""PT-Render-Text: pt-PT text rendered on varied backgrounds, fonts and layouts, to be read back.

    python -m datagen.pt_render_text --num-samples 200 --output-dir out/pt_render_text [--texts corpus.jsonl]

The answer is the text the renderer drew, so it is right by construction.
"""

import random
from dataclasses import dataclass

from datagen.render.layouts import LAYOUTS
from datagen.sources.seed_texts import OCR_SEED, add_texts_argument, load_seed_texts
from datagen.sources.texts import pick_text
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row
from datagen.writing.writer import per_item


PROMPTS = (
    "Lê o texto da imagem.",
    "Que texto aparece nesta imagem?",
    "Transcreve todo o texto que vês na imagem, tal como está escrito.",
    "Escreve o texto presente na imagem.",
    "O que está escrito aqui?",
)

CARD = CardInfo(
    pretty_name="PT-Render-Text",
    summary="European Portuguese (pt-PT) text rendered on varied backgrounds, fonts and layouts, "
    "paired with a request to read it.",
    how_made="Texts are titles, sentence spans and paragraphs of a pt-PT seed written for the project and, "
    "for half the samples, documents generated from sentence templates rich in digits, dates, prices, "
    "percentages and punctuation (or only a pt-PT corpus given with --texts). "
    f"Each is drawn with a DejaVu font in one of the layouts {', '.join(LAYOUTS)} on a flat, gradient, "
    "grain or ruled background of strong contrast. The answer is the drawn text itself.",
    task_categories=["image-text-to-text", "image-to-text"],
)


@dataclass
class RenderText:
    """Makes PT-Render-Text samples from the texts in ``texts_path`` (JSONL; the shipped seed by default)."""

    texts_path: str | None = None

    def __call__(self, rng: random.Random, index: int) -> dict:
        text = pick_text(rng, load_seed_texts(self.texts_path or OCR_SEED), generated=self.texts_path is None)
        title, body = text.heading, text.text
        layout = rng.choice(list(LAYOUTS))
        image, text = LAYOUTS[layout](rng, title, body)
        return make_row([image], [(rng.choice(PROMPTS), text)], task=f"render_text/{layout}")


make_sample = RenderText()


main = main_for(
    __doc__.splitlines()[0], CARD, lambda args: per_item(RenderText(args.texts), args.seed), add_texts_argument
)

if __name__ == "__main__":
    main()
