"""Answer parsers for pt-PT model outputs: yes/no, option letters, short answers, bounding boxes.

Each parser turns a free-form answer into what the benchmark's metric compares, following the protocol of the
authors' lmms-eval fork (`../shared/eval_protocol.md` section 1.1) wherever it is written down there.
"""

import json
import re
import string


# pt-PT (and English) words for the two answers; the fork maps sim/não/nao to the English labels the metrics use.
YES_WORDS = ("sim", "s", "yes", "y")
NO_WORDS = ("não", "nao", "n", "no")


def to_yes_no_label(answer: str) -> str:
    """A gold answer ("Sim", "não", "yes", "No.") as "yes" or "no"; anything else is "other"."""
    word = answer.lower().strip().replace(".", "")
    if word in YES_WORDS:
        return "yes"
    if word in NO_WORDS:
        return "no"
    return "other"


def parse_mme_yes_no(prediction: str) -> str:
    """MME's parser in pt: a whole-answer yes/no word, else the first four characters decide ("Sim, há..." is yes).

    Otter's original looks for "yes"/"no" in the first four characters; "sim" and "não"/"nao" are added. A
    one-letter answer other than s/y/n is "other".
    """
    answer = prediction.lower().strip().replace(".", "")
    label = to_yes_no_label(answer)
    if label != "other" or len(answer) <= 1:
        return label
    prefix = answer[:4]
    for label, words in (("yes", ("sim", "yes")), ("no", ("não", "nao", "no"))):
        if any(word in prefix for word in words):
            return label
    return "other"


def parse_pope_yes_no(prediction: str) -> str:
    """POPE's parser in pt: the whole answer, else its first word ("Não, não há." is no), as yes/no/other."""
    answer = prediction.lower().strip()
    label = to_yes_no_label(answer)
    if label != "other":
        return label
    first_word = re.split(r"[\s,.;:!?]+", answer, maxsplit=1)[0]
    return to_yes_no_label(first_word)


# "A resposta é B", "Resposta: B", "opção B", "letra correta é B": the capital letter after a pt or en answer phrase
# (a capital, so that "a resposta é a segunda" does not read as option A).
_ANSWER_PHRASE = re.compile(
    r"(?:resposta|answer|opção|opcao|letra)\s*(?:correta\s+é|correta\s+e|é|e|is)?\s*:?\s*\(?(?-i:([A-Z]))\b",
    re.IGNORECASE,
)


def parse_option_letter(prediction: str, letters: str = "ABCDEFGHIJ") -> str:
    """The option letter a multiple-choice answer gives, or "" when it gives none.

    Tried in order: an answer phrase ("A resposta é (B)", "Resposta: B", "opção C"), an answer that starts with the
    letter and a stop ("B", "B.", "B) gato", "(B)"), then a line that is only the letter.
    """
    text = prediction.strip()
    match = _ANSWER_PHRASE.search(text)
    if match and match.group(1).upper() in letters:
        return match.group(1).upper()
    # Not a bare capital followed by a space: "A imagem mostra..." starts with the pt article, not option A.
    match = re.match(r"^\(?([A-Z])(?:[.):]|$)", text)
    if match and match.group(1) in letters:
        return match.group(1)
    for line in text.splitlines():
        bare = line.strip().strip(string.punctuation + " ")
        if len(bare) == 1 and bare.upper() in letters:
            return bare.upper()
    return ""


def strip_final_period(prediction: str) -> str:
    """Short answers are compared without the full stop models add ("Lisboa." is "Lisboa")."""
    return prediction.strip().rstrip(".").strip()


# Four numbers in brackets (or parentheses). A decimal point with commas between the numbers ("[0.1, 0.2, 0.5, 0.6]",
# "(12, 40, 300, 410)"), or a decimal comma with ", " or ";" between them ("[0,1; 0,2; 0,5; 0,6]", "[0,1, 0,2, ...]").
_POINT_NUMBER = r"-?\d+(?:\.\d+)?"
_COMMA_NUMBER = r"-?\d+(?:,\d+)?"
_POINT_BOX = re.compile(r"[\[(]\s*" + r"\s*,\s*".join([f"({_POINT_NUMBER})"] * 4) + r"\s*[\])]")
_COMMA_BOX = re.compile(r"[\[(]\s*" + r"(?:\s*;\s*|,\s+)".join([f"({_COMMA_NUMBER})"] * 4) + r"\s*[\])]")
_SPACED_BOX = re.compile(r"\[\s*" + r"\s+".join([f"({_POINT_NUMBER})"] * 4) + r"\s*\]")


def _to_float(token: str) -> float:
    return float(token.replace(",", "."))


def _scale_box(box: list[float]) -> list[float]:
    """Boxes on the 0-1000 scale (Qwen's) come back to [0, 1]: any value above 1 means the whole box is 0-1000."""
    return [value / 1000 for value in box] if any(value > 1 for value in box) else box


def _qwen_json_box(text: str) -> list[float] | None:
    """`{"bbox_2d": [x1, y1, x2, y2]}`, maybe in a markdown fence or a list, as Qwen-VL models answer."""
    match = re.search(r"\{[^{}]*\"bbox_2d\"[^{}]*\}", text)
    if not match:
        return None
    try:
        box = json.loads(match.group(0))["bbox_2d"]
    except (json.JSONDecodeError, KeyError):
        return None
    if not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, int | float) for v in box)):
        return None
    return _scale_box([float(value) for value in box])


def _bracketed_box(text: str) -> list[float] | None:
    """`[a, b, c, d]` or `(a, b, c, d)`, decimal points or decimal commas."""
    match = _POINT_BOX.search(text) or _COMMA_BOX.search(text)
    if not match:
        return None
    return _scale_box([_to_float(value) for value in match.groups()])


def _space_separated_box(text: str) -> list[float] | None:
    """`[a b c d]` as Molmo writes it; each value above 1 is read on the 0-1000 scale on its own."""
    match = _SPACED_BOX.search(text)
    if not match:
        return None
    values = [float(value) for value in match.groups()]
    return [value / 1000 if value > 1 else value for value in values]


def parse_box(prediction: str) -> list[float]:
    """The [x1, y1, x2, y2] box in [0, 1] an answer gives; [0, 0, 0, 0] (which never overlaps) when it gives none."""
    for parser in (_qwen_json_box, _bracketed_box, _space_separated_box):
        box = parser(prediction)
        if box is not None:
            return box
    return [0.0, 0.0, 0.0, 0.0]
