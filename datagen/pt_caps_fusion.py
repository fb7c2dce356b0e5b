"""PT-Caps-Fusion: detailed captions from several models, outliers out, the three most dissimilar merged, then pt-PT.

    python -m datagen.pt_caps_fusion --inputs IMAGES --num-samples 1000 --output-dir out/pt_caps_fusion \
        --base-url http://localhost:8000/v1 --caption-models gemma-3-27b,qwen3-vl-30b,internvl3-14b,molmo-7b \
        --fusion-model qwen3-vl-235b --model translategemma-12b
"""

import argparse
import logging
import random

from datagen.filtering.caption_similarity import most_dissimilar, without_outliers
from datagen.filtering.classifier import variety_filter_from
from datagen.model.chat_client import user_message
from datagen.model.model_steps import (
    Clients,
    add_model_arguments,
    load_inputs,
    model_pipeline,
)
from datagen.translate import translate_text
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row


logger = logging.getLogger(__name__)

CAPTION_PROMPT = "Describe this image in detail: objects, people, setting, colours, text and composition."
MERGE_PROMPT = (
    "Merge these descriptions of the image into one detailed, accurate description. Keep every detail that "
    "the image confirms, drop what it contradicts, and do not add anything new.\n\n{captions}"
)
QUESTIONS = (
    "Descreve a imagem em pormenor.",
    "Faz uma descrição detalhada desta imagem.",
    "O que se vê nesta imagem? Sê minucioso.",
)

CARD = CardInfo(
    pretty_name="PT-Caps-Fusion",
    summary="Detailed pt-PT image descriptions fused from the captions of several vision-language models.",
    how_made="Several models caption each image in detail; captions whose bag-of-words similarity to the others "
    "is more than one deviation below the mean are dropped as outliers; the three most dissimilar of the rest are "
    "merged by a large model (Qwen3-VL-235B in the paper) and the merge is translated to pt-PT with code and "
    "notation protected.",
    task_categories=["image-text-to-text", "image-to-text"],
)


class CapsFusion:
    def __init__(self, args: argparse.Namespace):
        self.inputs, self.clients, self.variety = load_inputs(args), Clients(args), variety_filter_from(args)
        self.caption_models, self.fusion_model = args.caption_models.split(","), args.fusion_model

    def __call__(self, rng: random.Random, index: int) -> dict | None:
        image = self.inputs[index]
        captions = [
            self.clients.get(model).complete([user_message(CAPTION_PROMPT, image)], temperature=0.0, max_tokens=768)
            for model in self.caption_models
        ]
        chosen = most_dissimilar(captions, without_outliers(captions))
        listing = "\n\n".join(f"Description {n}: {captions[i]}" for n, i in enumerate(chosen, 1))
        merged = self.clients.get(self.fusion_model).complete(
            [user_message(MERGE_PROMPT.format(captions=listing), image)], temperature=0.0, max_tokens=1024
        )
        translated = translate_text(self.clients.get(), self.variety, merged)
        if translated is None:
            logger.info("image %d: the translation lost notation or reads as pt-BR, dropped", index)
            return None
        sources = "+".join(self.caption_models[i] for i in chosen)
        return make_row([image], [(rng.choice(QUESTIONS), translated)], task=f"caps_fusion/{sources}")


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--caption-models", required=True, help="comma-separated models that caption each image")
    parser.add_argument("--fusion-model", required=True, help="the model that merges the chosen captions")


main = main_for(
    __doc__.splitlines()[0],
    CARD,
    model_pipeline(CapsFusion),
    _add_arguments,
)

if __name__ == "__main__":
    main()
