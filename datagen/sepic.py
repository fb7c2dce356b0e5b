"""SePIC: a rendered Python function and an invocation; predict what the invocation returns.

    python -m datagen.sepic --num-samples 200 --output-dir out/sepic [--code-file F]

The answer is what the sandbox observed when it ran the invocation. Invocations that the sandbox had
to stop (time, memory, forbidden calls) are recorded in ``sandbox_outcomes.jsonl`` and skipped.
"""

import random
from dataclasses import dataclass

from datagen.render.code_render import render_code
from datagen.sandbox.code_exec import call_outcomes
from datagen.sandbox.runner import Limits, OutcomeLog
from datagen.sources.code_sources import (
    CodeSource,
    add_code_arguments,
    pick_language,
    sandboxed_pipeline,
)
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row


QUESTION = {
    "pt": "Considera a função da imagem. Qual é o resultado de `{call}`? Se a chamada lançar uma exceção, indica qual.",
    "en": "Consider the function in the image. What does `{call}` return? If the call raises an exception, say which.",
}
RETURNS = {"pt": "`{call}` devolve `{text}`.", "en": "`{call}` returns `{text}`."}
RAISES = {"pt": "`{call}` lança uma exceção: `{text}`.", "en": "`{call}` raises an exception: `{text}`."}

CARD = CardInfo(
    pretty_name="SePIC",
    summary="Semantic Parsing of Image-based Code: a Python function rendered as an image and an invocation "
    "whose result must be predicted, in pt-PT and English.",
    how_made="Functions come from templates or a JSONL file; each invocation is executed in a sandbox "
    "(separate process with time, memory, output and file limits, no network, no writes outside a temp "
    "directory) and the observed value or exception is the answer.",
    languages=["pt", "en"],
)


@dataclass
class Sepic:
    source: CodeSource
    log: OutcomeLog
    limits: Limits

    def __call__(self, rng: random.Random, index: int) -> dict | None:
        language = pick_language(rng)
        function = self.source.function(rng, language)
        call = rng.choice(function.calls)
        outcomes = call_outcomes(function.source, [call], self.log, key=f"sepic/{index}", limits=self.limits)
        if outcomes is None:
            return None
        (outcome,) = outcomes
        answer = (RAISES if outcome.raised else RETURNS)[language].format(call=call, text=outcome.text)
        turn = (QUESTION[language].format(call=call), answer)
        return make_row([render_code(rng, function.source)], [turn], task=f"sepic/{language}")


main = main_for(__doc__.splitlines()[0], CARD, sandboxed_pipeline(Sepic), add_code_arguments)

if __name__ == "__main__":
    main()
