"""PT-Caps: captions at three verbosity levels, in English and pt-PT, from a vision-language model.

    python -m datagen.pt_caps --inputs IMAGES --num-samples 1000 --output-dir out/pt_caps \
        --base-url http://localhost:8000/v1 --model google/gemma-3-27b-it --concurrency 32

Each sample is one image with six turns (short, medium, detailed; English then pt-PT). Samples whose
pt-PT captions read as pt-BR are dropped.
"""

import logging
import random

from datagen.filtering.classifier import variety_filter_from
from datagen.model.chat_client import user_message
from datagen.model.model_steps import (
    Clients,
    add_model_arguments,
    load_inputs,
    model_pipeline,
)
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row


logger = logging.getLogger(__name__)

LEVELS = ("short", "medium", "detailed")
PROMPTS = {
    "en": {
        "short": "Describe this image in one short sentence.",
        "medium": "Describe this image in two or three sentences.",
        "detailed": "Describe this image in detail: objects, people, setting, colours, text and composition.",
    },
    "pt": {
        "short": "Descreve esta imagem numa frase curta, em português europeu.",
        "medium": "Descreve esta imagem em duas ou três frases, em português europeu.",
        "detailed": "Descreve esta imagem em pormenor, em português europeu: objetos, pessoas, cenário, cores, texto "
        "e composição.",
    },
}
GENERATION = {"temperature": 0.0, "max_tokens": 768}

CARD = CardInfo(
    pretty_name="PT-Caps",
    summary="Image captions at three verbosity levels (short, medium, detailed) in English and European Portuguese.",
    how_made="A vision-language model served behind an OpenAI-compatible endpoint (Gemma-3-27B in the paper) "
    "captions each image six times; pt-PT captions that the lexical variety filter reads as pt-BR drop the sample.",
    languages=["pt", "en"],
    task_categories=["image-text-to-text", "image-to-text"],
)


class PtCaps:
    def __init__(self, args):
        self.inputs, self.clients, self.variety = load_inputs(args), Clients(args), variety_filter_from(args)

    def __call__(self, rng: random.Random, index: int) -> dict | None:
        image, client = self.inputs[index], self.clients.get()
        turns = [
            (PROMPTS[lang][level], client.complete([user_message(PROMPTS[lang][level], image)], **GENERATION))
            for lang in ("en", "pt")
            for level in LEVELS
        ]
        if any(self.variety.is_pt_br(caption) for prompt, caption in turns[len(LEVELS) :]):
            logger.info("image %d: pt-PT caption reads as pt-BR, dropped", index)
            return None
        return make_row([image], turns, task="caps/en+pt")


main = main_for(
    __doc__.splitlines()[0],
    CARD,
    model_pipeline(PtCaps),
    add_model_arguments,
)

if __name__ == "__main__":
    main()
