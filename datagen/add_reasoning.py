"""Add step-by-step reasoning to the answers of a rendered dataset (SePIC, InfographicSynth, ...).

    python -m datagen.add_reasoning --inputs out/sepic --num-samples 1000 --output-dir out/sepic_cot \
        --base-url http://localhost:8000/v1 --model gemma-4-31b

The model sees the image, the question and the known answer, and explains how the answer follows. A
trace is kept only if its final line states the known answer; otherwise the turn keeps its plain answer,
so the answers stay true by construction. Prompts that ask for a fixed answer format ("responde só com a
letra", "answer with a single word", JSON, yes/no) keep their plain answer: a trace would break the format
the prompt asks for, and a model trained on it would learn to ignore such instructions.
"""

import argparse
import logging
import random
import re

from datagen.filtering.classifier import variety_filter_from
from datagen.model.chat_client import BadReply, ChatClient, image_part
from datagen.model.model_steps import (
    Clients,
    add_training_set_arguments,
    derived_task,
    load_training_set,
    model_pipeline,
)
from datagen.model.replies import final_answer, require_final_answer, same_answer
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import message_text


logger = logging.getLogger(__name__)

PROMPT = (
    "Pergunta: {question}\nResposta certa: {answer}\n\nExplica passo a passo, a partir da imagem, como se chega à "
    "resposta certa, na língua da pergunta. Termina com uma linha «Resposta: {answer}»."
)
# Instructions that fix the answer's form: the answer must stay exactly as the prompt asks for it.
_FIXED_FORMAT = re.compile(
    r"responde (?:apenas|só|somente)|responda (?:apenas|só|somente)|apenas (?:a|com a) letra|só (?:a|com a) letra"
    r"|(?:answer|reply|respond) (?:with )?(?:only|just)|(?:only|just) (?:the|a) (?:letter|number|word)"
    r"|single (?:word|letter|number)|uma (?:só )?palavra|um número|sim ou não|yes or no|\bjson\b"
    r"|(?:letra|letter) (?:da|of the) (?:opção|option)",
    re.I,
)


def asks_fixed_format(question: str) -> bool:
    """Whether the prompt prescribes the answer's form (a letter, a word, a number, yes/no, JSON)."""
    return bool(_FIXED_FORMAT.search(question))


CARD = CardInfo(
    pretty_name="Rendered tasks with reasoning",
    summary="A rendered dataset whose answers carry a step-by-step explanation ending with the known answer.",
    how_made="A model behind an OpenAI-compatible endpoint (Gemma4-31B in the paper) explained each known answer "
    "from the image; traces whose final answer differs from the known one were discarded and the plain answer kept.",
    languages=["pt", "en"],
)


def reasoned_answer(client: ChatClient, images: list, question: str, answer: str) -> str | None:
    """A trace ending with ``answer``, or None when the model's trace reaches anything else."""
    content = [image_part(image) for image in images] + [
        {"type": "text", "text": PROMPT.format(question=question, answer=answer)}
    ]
    messages = [{"role": "user", "content": content}]
    try:
        trace = client.complete(messages, parse=require_final_answer, temperature=0.0, max_tokens=1024).strip()
    except BadReply as error:  # the turn keeps its plain, true answer
        logger.info("no usable trace (%s)", error)
        return None
    return trace if same_answer(final_answer(trace), answer) else None


class AddReasoning:
    def __init__(self, args: argparse.Namespace):
        self.inputs = load_training_set(args)
        self.client, self.variety = Clients(args).get(), variety_filter_from(args)

    def __call__(self, rng: random.Random, index: int) -> dict:
        row = self.inputs[index]
        messages, kept = list(row["messages"]), 0
        for turn in range(1, len(messages), 2):
            question, answer = message_text(messages[turn - 1]), message_text(messages[turn])
            if asks_fixed_format(question):
                continue
            trace = reasoned_answer(self.client, row["images"], question, answer)
            if trace is not None and not self.variety.is_pt_br(trace):  # a pt-BR trace: the plain answer stays
                messages[turn] = {"role": "assistant", "content": [{"type": "text", "text": trace}]}
                kept += 1
        if kept < len(messages) // 2:
            logger.info(
                "row %d: %d of %d turns keep their plain answer (fixed format, or no trace reached the answer)",
                index,
                len(messages) // 2 - kept,
                len(messages) // 2,
            )
        return {"messages": messages, "images": row["images"], "task": derived_task(row, "reasoning")}


main = main_for(
    __doc__.splitlines()[0],
    CARD,
    model_pipeline(AddReasoning),
    add_training_set_arguments,
)

if __name__ == "__main__":
    main()
