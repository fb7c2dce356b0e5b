"""Learning the true outputs of functions and snippets by running them in the sandbox."""

import json
from dataclasses import dataclass

from datagen.sandbox import Limits, OutcomeLog, run_python


# Each call's result, or its exception, becomes one JSON line, so one sandbox run serves many calls.
_CALL_RUNNER = """
import json as _json
for _call in {calls!r}:
    try:
        _line = {{"value": repr(eval(_call))}}
    except Exception as _error:
        _line = {{"raises": type(_error).__name__ + ": " + str(_error)}}
    print(_json.dumps(_line))
"""


@dataclass(frozen=True)
class CallOutcome:
    text: str  # the value's repr, or "ExceptionName: message"
    raised: bool


def call_outcomes(
    source: str, calls: list[str], log: OutcomeLog, key: str, limits: Limits = Limits()
) -> list[CallOutcome] | None:
    """What each call returns or raises; None when the sandbox stopped the run (recorded in ``log``)."""
    result = run_python(source + _CALL_RUNNER.format(calls=list(calls)), limits)
    log.record(key, result)
    if result.status != "ok":
        return None
    lines = [json.loads(line) for line in result.stdout.splitlines()[-len(calls) :]]
    return [CallOutcome(line.get("value", line.get("raises")), "raises" in line) for line in lines]


def snippet_output(source: str, log: OutcomeLog, key: str, limits: Limits = Limits()) -> str | None:
    """What the snippet prints; None unless it ran to the end (errors, loops, forbidden calls)."""
    result = run_python(source, limits)
    log.record(key, result)
    return result.stdout if result.status == "ok" else None
