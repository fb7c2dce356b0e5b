"""Translate a training-format dataset into European Portuguese, keeping names, code and mathematics.

    python -m datagen.translate --inputs out/some_english_set --num-samples 1000 --output-dir out/some_set_pt \
        --base-url http://localhost:8000/v1 --model Unbabel/TowerInstruct-or-TranslateGemma

Every text turn is translated; code and LaTeX are swapped for markers the model must return untouched.
Rows whose translation loses a marker or reads as pt-BR are dropped and logged.
"""

import argparse
import logging
import random

from datagen.card import CardInfo
from datagen.chat_client import ChatClient, user_message
from datagen.cli import main_for
from datagen.model_steps import (
    Clients,
    add_training_set_arguments,
    derived_task,
    load_training_set,
    model_pipeline,
)
from datagen.protect import protect, restore
from datagen.variety import VarietyFilter


logger = logging.getLogger(__name__)

PROMPT = (
    "Traduz o texto entre <<< e >>> para português europeu (pt-PT), não do Brasil. Não traduzas nomes "
    "próprios. Mantém exatamente os marcadores ⟦n⟧ e a notação matemática. Responde só com a tradução.\n\n<<<{text}>>>"
)
GENERATION = {"temperature": 0.0, "max_tokens": 2048}

CARD = CardInfo(
    pretty_name="Translated to pt-PT",
    summary="A vision-language training set whose text turns were machine-translated into European Portuguese.",
    how_made="Each text turn went to a translation model behind an OpenAI-compatible endpoint (TranslateGemma "
    "in the paper) with instructions to keep names and notation. Code and LaTeX spans were replaced by "
    "markers and restored afterwards; rows that lost a marker or read as pt-BR were dropped.",
    task_categories=["image-text-to-text", "translation"],
)


def translate_text(client: ChatClient, variety: VarietyFilter, text: str) -> str | None:
    """``text`` in pt-PT with its code and maths intact; None if notation was lost or the result reads as pt-BR."""
    masked, spans = protect(text)
    reply = client.complete([user_message(PROMPT.format(text=masked))], **GENERATION).strip()
    restored = restore(reply, spans)
    if restored is None or variety.is_pt_br(restored):
        return None
    return restored


class Translator:
    def __init__(self, args: argparse.Namespace):
        self.inputs = load_training_set(args)
        self.client, self.variety = Clients(args).get(), VarietyFilter()

    def _translate_message(self, message: dict) -> dict | None:
        content = []
        for item in message["content"]:
            if item["type"] == "text":
                translated = translate_text(self.client, self.variety, item["text"])
                if translated is None:
                    return None
                item = {"type": "text", "text": translated}
            content.append(item)
        return {"role": message["role"], "content": content}

    def __call__(self, rng: random.Random, index: int) -> dict | None:
        row = self.inputs[index]
        messages = [self._translate_message(message) for message in row["messages"]]
        if any(message is None for message in messages):
            logger.info("row %d: a translation lost protected notation or reads as pt-BR, dropped", index)
            return None
        return {"messages": messages, "images": row["images"], "task": derived_task(row, "translated")}


main = main_for(
    __doc__.splitlines()[0],
    CARD,
    model_pipeline(Translator),
    add_training_set_arguments,
)

if __name__ == "__main__":
    main()
