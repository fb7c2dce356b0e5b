"""PTOutputsToCode: an execution output rendered as an image; pick the function-invocation pair that made it.

python -m datagen.pt_outputs_to_code --num-samples 200 --output-dir out/pt_outputs_to_code
"""

import random
from dataclasses import dataclass

from datagen.render.code_render import render_output
from datagen.sandbox.code_exec import call_outcomes
from datagen.sandbox.runner import Limits, OutcomeLog
from datagen.sources.code_sources import (
    CodeSource,
    add_code_arguments,
    pick_language,
    sandboxed_pipeline,
)
from datagen.tasks.mcq import format_mcq
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row


QUESTION = {
    "pt": "A imagem mostra o resultado de uma chamada a uma destas funções:\n\n```python\n{code}```\n\n"
    "Que chamada produziu esse resultado?",
    "en": "The image shows the result of a call to one of these functions:\n\n```python\n{code}```\n\n"
    "Which call produced that result?",
}

CARD = CardInfo(
    pretty_name="PTOutputsToCode",
    summary="The rendered output of a Python call, two functions and four candidate invocations: choose the "
    "function-invocation pair that produced the output (multiple choice), in pt-PT and English.",
    how_made="Two functions with two invocations each are run in the sandbox; an invocation whose output "
    "differs from the other three is the target, so exactly one option is right.",
    languages=["pt", "en"],
)


@dataclass
class OutputsToCode:
    source: CodeSource
    log: OutcomeLog
    limits: Limits

    def _two_functions(self, rng: random.Random, language: str):
        first = self.source.function(rng, language)
        for _ in range(10):
            second = self.source.function(rng, language)
            if second.name != first.name:  # a shared name would let one definition shadow the other
                return first, second
        return None

    def __call__(self, rng: random.Random, index: int) -> dict | None:
        language = pick_language(rng)
        functions = self._two_functions(rng, language)
        if functions is None:
            return None
        calls = [call for function in functions for call in rng.sample(function.calls, min(2, len(function.calls)))]
        code = "".join(function.source + "\n" for function in functions)
        outcomes = call_outcomes(code, calls, self.log, key=f"outputs_to_code/{index}", limits=self.limits)
        if outcomes is None:
            return None
        texts = [outcome.text for outcome in outcomes]
        unique = [i for i, text in enumerate(texts) if texts.count(text) == 1]
        if not unique:
            return None
        target = rng.choice(unique)
        wrong = [f"`{call}`" for i, call in enumerate(calls) if i != target]
        question, answer = format_mcq(rng, QUESTION[language].format(code=code), f"`{calls[target]}`", wrong, language)
        return make_row([render_output(rng, texts[target])], [(question, answer)], task=f"outputs_to_code/{language}")


main = main_for(__doc__.splitlines()[0], CARD, sandboxed_pipeline(OutputsToCode), add_code_arguments)

if __name__ == "__main__":
    main()
