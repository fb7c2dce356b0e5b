"""Keeping what must not be translated out of a model's reach: code, mathematics, numbers, boxes, quotations.

Protected spans are swapped for numbered markers before a text goes to the model and swapped back after;
a reply that lost or invented a marker is refused, so these spans come back byte for byte or not at all.
Numbers are protected so that ``0.25`` never becomes ``0,25`` inside a box or a value the data relies on,
and quoted text (``"Boat"``, ``«Saída»``) because in image data it is what the image shows.
"""

import re


_PROTECTED = re.compile(
    "|".join(
        [
            r"```.*?```",  # fenced code
            r"`[^`\n]+`",  # inline code
            r"\$\$.*?\$\$",  # display LaTeX
            r"\$[^$\n]+\$",  # inline LaTeX
            r"\\\(.*?\\\)",
            r"\\\[.*?\\\]",
            r"\[\s*-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)+\s*\]",  # boxes and points: [0.1, 0.2, 0.5, 0.6]
            r"\"[^\"\n]{1,80}\"|«[^»\n]{1,80}»|“[^”\n]{1,80}”",  # quotations: text shown in the image
            r"(?<![\w⟦])-?\d+(?:[.,:/]\d+)*%?(?![\w⟧])",  # numbers, decimals, times, dates, percentages
        ]
    ),
    re.S,
)
_MARKER = re.compile(r"⟦(\d+)⟧")
# What is left of a text once its protected spans are out: if no word remains, nothing is to be translated.
_WORD = re.compile(r"[^\W\d_]{2,}")


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


def has_words(text: str) -> bool:
    """Whether anything translatable is left outside protected spans (a letter, a number, a box has none)."""
    masked, _ = protect(text)
    return bool(_WORD.search(_MARKER.sub(" ", masked)))
