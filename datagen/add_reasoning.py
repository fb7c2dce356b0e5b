"""Add step-by-step reasoning to the answers of a rendered dataset (SePIC, InfographicSynth, ...).

    python -m datagen.add_reasoning --inputs out/sepic --num-samples 1000 --output-dir out/sepic_cot \
        --base-url http://localhost:8000/v1 --model gemma-4-31b

The model sees the image, the question and the known answer, and explains how the answer follows. A
trace is kept only if its final line states the known answer; otherwise the turn keeps its plain answer,
so the answers stay true by construction.
"""

import argparse
import logging
import random
import re

from datagen.card import CardInfo
from datagen.chat_client import ChatClient, image_part
from datagen.cli import main_for
from datagen.messages import message_text
from datagen.model_steps import (
    Clients,
    add_training_set_arguments,
    derived_task,
    load_training_set,
    model_pipeline,
)


logger = logging.getLogger(__name__)

PROMPT = (
    "Pergunta: {question}\nResposta certa: {answer}\n\nExplica passo a passo, a partir da imagem, como se chega à "
    "resposta certa, na língua da pergunta. Termina com uma linha «Resposta: {answer}»."
)
_FINAL = re.compile(r"(?:Resposta|Answer):\s*(.+?)\s*$", re.S)


def final_answer(trace: str) -> str | None:
    """What a step-by-step trace concludes: the text after its last "Resposta:" (or "Answer:")."""
    match = _FINAL.search(trace)
    return match.group(1) if match else None


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
    trace = client.complete([{"role": "user", "content": content}], temperature=0.0, max_tokens=1024).strip()
    final = final_answer(trace)
    if final is None or final.strip(" .«»`") != answer.strip(" .«»`"):
        return None
    return trace


class AddReasoning:
    def __init__(self, args: argparse.Namespace):
        self.inputs = load_training_set(args)
        self.client = Clients(args).get()

    def __call__(self, rng: random.Random, index: int) -> dict:
        row = self.inputs[index]
        messages, kept = list(row["messages"]), 0
        for turn in range(1, len(messages), 2):
            question, answer = message_text(messages[turn - 1]), message_text(messages[turn])
            trace = reasoned_answer(self.client, row["images"], question, answer)
            if trace is not None:
                messages[turn] = {"role": "assistant", "content": [{"type": "text", "text": trace}]}
                kept += 1
        if kept < len(messages) // 2:
            logger.info(
                "row %d: %d of %d traces did not reach the known answer",
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
