"""Translate a training-format dataset into European Portuguese, keeping names, code and mathematics.

    python -m datagen.translate --inputs out/some_english_set --num-samples 1000 --output-dir out/some_set_pt \
        --base-url http://localhost:8000/v1 --model Unbabel/TowerInstruct-or-TranslateGemma

User turns are translated; code, LaTeX, numbers, boxes and quotations are swapped for markers the model
must return untouched. Assistant turns are translated the same way unless they must stay verbatim: option
letters, numbers and boxes (nothing left to translate), and answers of rows that transcribe what the image
shows (OCR, rendered text and code: the paper's "Boat" -> "Barco" failure). Names are kept by instruction.
Rows whose translation loses a marker or reads as pt-BR are dropped and logged.
"""

import argparse
import logging
import random
import re

from datagen.filtering.classifier import variety_filter_from
from datagen.filtering.variety import VarietyFilter
from datagen.model.chat_client import ChatClient, user_message
from datagen.model.model_steps import (
    Clients,
    add_training_set_arguments,
    derived_task,
    load_training_set,
    model_pipeline,
)
from datagen.model.protect import has_words, protect, restore
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import message_text


logger = logging.getLogger(__name__)

PROMPT = (
    "Traduz o texto entre <<< e >>> para português europeu (pt-PT), não do Brasil. Não traduzas nomes "
    "próprios. Mantém exatamente os marcadores ⟦n⟧ e a notação matemática. Responde só com a tradução.\n\n<<<{text}>>>"
)
GENERATION = {"temperature": 0.0, "max_tokens": 2048}
# Task families whose answers are what the image shows (text, code, program output): never translated.
VERBATIM_TASKS = {"ocr", "render_text", "code_ocr", "sepic", "simple_code_outputs", "outputs_to_code"}
# Questions asking for what is written in the image, in pt-PT and English.
_TRANSCRIPTION = re.compile(
    r"transcrev|transcri|lê o texto|ler o texto|o que (?:diz|está escrito)|escrito n[ao]|read (?:out )?the text"
    r"|what (?:does|do) (?:the|it|this) .{0,40}(?:say|read)|what is written|written (?:on|in)|\bocr\b",
    re.I,
)

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
    restored = restore(_unwrapped(reply), spans)
    if restored is None or variety.is_pt_br(restored):
        return None
    return restored


def _unwrapped(reply: str) -> str:
    """The translation without the <<< >>> the prompt put around the text, should the model echo them."""
    return reply.removeprefix("<<<").removesuffix(">>>").strip()


def is_verbatim(task: str, question: str, answer: str) -> bool:
    """Whether an assistant answer must be kept as it is (see the module docstring)."""
    family = (task or "").split("/")[0]
    return family in VERBATIM_TASKS or bool(_TRANSCRIPTION.search(question)) or not has_words(answer)


class Translator:
    def __init__(self, args: argparse.Namespace):
        self.inputs = load_training_set(args)
        self.client, self.variety = Clients(args).get(), variety_filter_from(args)

    def _translate_message(self, message: dict, keep: bool = False) -> dict | None:
        if keep:
            return message
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
        messages, question = [], ""
        for message in row["messages"]:
            keep = message["role"] == "assistant" and is_verbatim(row.get("task", ""), question, message_text(message))
            messages.append(self._translate_message(message, keep))
            question = message_text(message) if message["role"] == "user" else question
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
