"""Keeping what must not be translated out of a model's reach: code, mathematics and placeholders.

Protected spans are swapped for numbered markers before a text goes to the model and swapped back after;
a reply that lost or invented a marker is refused, so notation comes back byte for byte or not at all.
"""

import re


# Fenced code, inline code, display and inline LaTeX.
_PROTECTED = re.compile(r"```.*?```|`[^`\n]+`|\$\$.*?\$\$|\$[^$\n]+\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_MARKER = re.compile(r"⟦(\d+)⟧")


def protect(text: str) -> tuple[str, list[str]]:
    spans: list[str] = []

    def marker(match: re.Match) -> str:
        spans.append(match.group())
        return f"⟦{len(spans) - 1}⟧"

    return _PROTECTED.sub(marker, text), spans


def restore(text: str, spans: list[str]) -> str | None:
    """Put the spans back; None if the markers in ``text`` are not exactly 0..n-1, each once."""
    found = [int(n) for n in _MARKER.findall(text)]
    if sorted(found) != list(range(len(spans))):
        return None
    return _MARKER.sub(lambda match: spans[int(match.group(1))], text)
