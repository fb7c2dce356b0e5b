"""Multiple-choice questions and the plausible wrong options they need."""

import random
import re


LETTERS = "ABCDEFGH"

INSTRUCTION = {
    "pt": "Responde apenas com a letra da opção correta.",
    "en": "Answer with the letter of the correct option only.",
}


def format_mcq(
    rng: random.Random, question: str, correct: str, wrong: list[str], language: str, position: int | None = None
) -> tuple[str, str]:
    """Shuffle the options, letter them, and return (question with options, answer letter).

    ``position`` puts the correct option at that place (a caller balancing the letters chooses it)."""
    options = [correct] + [option for option in dict.fromkeys(wrong) if option != correct]
    rng.shuffle(options)
    if position is not None:
        options.remove(correct)
        options.insert(position, correct)
    lines = [f"{LETTERS[i]}) {option}" for i, option in enumerate(options)]
    answer = LETTERS[options.index(correct)]
    return f"{question}\n\n" + "\n".join(lines) + f"\n\n{INSTRUCTION[language]}", answer


_NUMBER = re.compile(r"-?\d+")


def mutate_text(rng: random.Random, text: str) -> str | None:
    """A near miss of ``text``: one number shifted, or else two characters swapped; None if impossible."""
    numbers = list(_NUMBER.finditer(text))
    if numbers:
        match = rng.choice(numbers)
        shifted = str(int(match.group()) + rng.choice([-3, -2, -1, 1, 2, 3]))
        return text[: match.start()] + shifted + text[match.end() :]
    positions = [
        i for i in range(len(text) - 1) if text[i] != text[i + 1] and text[i].isalpha() and text[i + 1].isalpha()
    ]
    if not positions:
        return None
    i = rng.choice(positions)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def near_misses(rng: random.Random, text: str, count: int) -> list[str]:
    """Up to ``count`` distinct near misses of ``text``, none equal to it."""
    found: dict[str, None] = {}
    for _ in range(count * 10):
        candidate = mutate_text(rng, text)
        if candidate is not None and candidate != text:
            found[candidate] = None
        if len(found) == count:
            break
    return list(found)
