"""Learning the true outputs of functions and snippets by running them in the sandbox."""

import json
from dataclasses import dataclass, replace

from datagen.sandbox.runner import Limits, OutcomeLog, run_python


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
    if not calls:
        return []
    result = run_python(call_program(source, calls), limits)
    outcomes = parse_outcomes(result.stdout, len(calls)) if result.status == "ok" else None
    if result.status == "ok" and outcomes is None:
        # The snippet printed over, closed or rewrote its stdout: its run says nothing trustworthy.
        result = replace(result, status="error", error="the call results were not the JSON lines expected")
    log.record(key, result)
    return outcomes


def call_program(source: str, calls: list[str]) -> str:
    """``source`` followed by a runner that prints each call's outcome as one JSON line."""
    return source + _CALL_RUNNER.format(calls=list(calls))


def parse_outcomes(stdout: str, count: int) -> list[CallOutcome] | None:
    """The last ``count`` lines as call results, or None if any is not one (never raises)."""
    lines = stdout.splitlines()[-count:]
    if len(lines) != count:
        return None
    outcomes = []
    for line in lines:
        try:
            parsed = json.loads(line)
        except ValueError:
            return None
        value = parsed.get("value", parsed.get("raises")) if isinstance(parsed, dict) else None
        if not isinstance(value, str):
            return None
        outcomes.append(CallOutcome(value, "raises" in parsed))
    return outcomes


def snippet_output(source: str, log: OutcomeLog, key: str, limits: Limits = Limits()) -> str | None:
    """What the snippet prints; None unless it ran to the end (errors, loops, forbidden calls)."""
    result = run_python(source, limits)
    log.record(key, result)
    return result.stdout if result.status == "ok" else None
