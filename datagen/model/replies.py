"""Reading what models answer: tolerant of prose, markdown and repetition; ``BadReply`` when nothing is there.

Models wrap the part a step needs in prose, code fences and emphasis (``**Resposta:** 42``), and sometimes
state an answer more than once as they think; the parser takes the last statement and strips the markup.
A reply with nothing usable raises ``BadReply``, so the client asks again instead of caching it.
"""

import json
import re

from datagen.model.chat_client import BadReply


_EMPHASIS = re.compile(r"[*_`]+")
# "Resposta:" / "Answer:" / "Resposta final:", emphasis allowed around them; the answer is the rest of the line.
_FINAL = re.compile(r"\b(?:resposta(?: final)?|final answer|answer)[\s*_]*:[\s*_]*([^\n]*)", re.I)
_QUOTES = " .;«»\"'`*_"


def strip_emphasis(text: str) -> str:
    return _EMPHASIS.sub("", text)


def final_answer(trace: str) -> str | None:
    """What a step-by-step trace concludes: the text after its last "Resposta:" (or "Answer:"), unquoted."""
    matches = [match.group(1) for match in _FINAL.finditer(trace)]
    answers = [strip_emphasis(answer).strip(_QUOTES) for answer in matches]
    answers = [answer for answer in answers if answer]
    return answers[-1] if answers else None


def require_final_answer(trace: str) -> str:
    """The trace itself, once it is known to conclude with an answer (a ``parse`` for the client)."""
    if final_answer(trace) is None:
        raise BadReply("the reasoning has no final «Resposta: ...» line")
    return trace


def same_answer(a: str, b: str) -> bool:
    """Equal once case, emphasis, quotes and final punctuation are set aside."""
    return strip_emphasis(a).strip(_QUOTES).casefold() == strip_emphasis(b).strip(_QUOTES).casefold()


def json_list(reply: str) -> list:
    """The last JSON list in a reply that parses (prose and code fences around it are fine)."""
    lists = json_lists(reply)
    if not lists:
        raise BadReply("the reply holds no JSON list")
    return lists[-1]


def json_lists(reply: str) -> list[list]:
    """Every JSON list in a reply, in order, nested brackets and brackets inside strings included."""
    return _json_values(reply, "[", list)


def json_objects(reply: str) -> list[dict]:
    """Every JSON object in a reply, in order (prose and code fences around them are fine)."""
    return _json_values(reply, "{", dict)


def _json_values(reply: str, opening: str, kind: type) -> list:
    """Every JSON value of ``kind`` that starts at an ``opening`` bracket, those nested in one found left out."""
    decoder, found, end = json.JSONDecoder(), [], 0
    for match in re.finditer(re.escape(opening), reply):
        if match.start() < end:
            continue  # inside a value already found
        try:
            parsed, end = decoder.raw_decode(reply, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(parsed, kind):
            found.append(parsed)
    return found


def yes_or_no(reply: str) -> bool:
    """SIM/NÃO (or yes/no) as the reply's first word, emphasis aside."""
    words = strip_emphasis(reply).strip(_QUOTES + "\n").split()
    first = words[0].strip(".,!:").upper() if words else ""
    if first in ("SIM", "YES"):
        return True
    if first in ("NÃO", "NAO", "NO"):
        return False
    raise BadReply("the judge answered neither SIM nor NÃO")


_SCORE = re.compile(r"nota\s*:?\s*(10|[1-9])(?:\s*/\s*10)?\b", re.I)


def score(reply: str) -> int:
    """The last "Nota: N" (1-10) in a judge's reply, emphasis aside."""
    found = _SCORE.findall(strip_emphasis(reply))
    if not found:
        raise BadReply("the judge gave no «Nota: N» from 1 to 10")
    return int(found[-1])
