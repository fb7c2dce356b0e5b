"""PTSimpleCodeOutputs: short print snippets rendered as images; yes/no, direct and multiple-choice output questions.

    python -m datagen.pt_simple_code_outputs --num-samples 200 --output-dir out/pt_simple_code_outputs [--code-file F]

``--code-file`` takes model-written snippets (``{"source": ...}`` per line); each runs in the sandbox,
and those that loop, allocate without bound, open sockets, write files or fail are recorded in
``sandbox_outcomes.jsonl`` and left out.
"""

import random
from dataclasses import dataclass

from datagen.render.code_render import render_code
from datagen.sandbox.code_exec import snippet_output
from datagen.sandbox.runner import Limits, OutcomeLog
from datagen.sources.code_sources import (
    CodeSource,
    add_code_arguments,
    pick_language,
    sandboxed_pipeline,
)
from datagen.tasks.cycle import from_cycles
from datagen.tasks.mcq import format_mcq, near_misses
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row


DIRECT = {"pt": "O que imprime este código?", "en": "What does this code print?"}
YES_NO = {
    "pt": "Este código imprime exatamente o seguinte?\n\n```\n{candidate}\n```",
    "en": "Does this code print exactly the following?\n\n```\n{candidate}\n```",
}
ANSWER_YES = {"pt": "Sim.", "en": "Yes."}
ANSWER_NO = {"pt": "Não. O código imprime:\n\n```\n{output}\n```", "en": "No. The code prints:\n\n```\n{output}\n```"}
CHOICE = {"pt": "Qual destas opções é o que o código imprime?", "en": "Which of these is what the code prints?"}

CARD = CardInfo(
    pretty_name="PTSimpleCodeOutputs",
    summary="Short Python snippets (at most 10 lines, printing their result) rendered as images, with "
    "yes/no, direct and multiple-choice questions about their output, in pt-PT and English.",
    how_made="Snippets come from templates or a file of model-written snippets. Each runs in the sandbox; "
    "its printed output is the answer, and wrong candidates are near misses of it (a number shifted "
    "or two letters swapped). Snippets that did not run to completion are recorded and left out.",
    languages=["pt", "en"],
)


# Kinds and verdicts in a fixed cycle over the sample index (see datagen.tasks.cycle; a coin per sample drew
# 186 "yes" in 311 yes/no turns on seed 0): every run of six samples holds one yes and one no.
KINDS = (("direct", None), ("yes_no", True), ("mcq", None), ("direct", None), ("yes_no", False), ("mcq", None))


def _flat(output: str) -> str:
    return output.rstrip("\n").replace("\n", " / ")


def output_turn(rng: random.Random, index: int, output: str, language: str) -> tuple[str, tuple[str, str]]:
    """The question kind and the yes/no verdict follow the sample index (see ``KINDS``); the rest is drawn."""
    output = output.rstrip("\n")
    ((kind, says_yes),) = from_cycles(index, KINDS)
    misses = near_misses(rng, output, 3)
    if kind == "yes_no" and misses:  # without a near miss a "no" is impossible, so neither verdict is asked
        candidate = output if says_yes else misses[0]
        answer = ANSWER_YES[language] if says_yes else ANSWER_NO[language].format(output=output)
        return kind, (YES_NO[language].format(candidate=candidate), answer)
    if kind == "mcq" and len(misses) == 3:
        question, answer = format_mcq(rng, CHOICE[language], _flat(output), [_flat(m) for m in misses], language)
        return kind, (question, answer)
    return "direct", (DIRECT[language], output)


@dataclass
class SimpleCodeOutputs:
    source: CodeSource
    log: OutcomeLog
    limits: Limits

    def __call__(self, rng: random.Random, index: int) -> dict | None:
        source = self.source.snippet(rng)
        output = snippet_output(source, self.log, key=f"simple_code_outputs/{index}", limits=self.limits)
        if not output or not output.strip():
            return None
        language = pick_language(rng)
        kind, turn = output_turn(rng, index, output, language)
        return make_row([render_code(rng, source)], [turn], task=f"simple_code_outputs/{kind}/{language}")


main = main_for(__doc__.splitlines()[0], CARD, sandboxed_pipeline(SimpleCodeOutputs), add_code_arguments)

if __name__ == "__main__":
    main()
