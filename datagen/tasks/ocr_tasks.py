"""PT-OCR's three task families as (question, answer) builders over a known transcription.

Every answer is derived from the transcription alone, so it is right whenever the transcription is.
"""

import json
import random
import unicodedata

from datagen.sources.seed_texts import split_sentences


ORDINALS = ("primeira", "segunda", "terceira", "quarta", "quinta", "sexta", "sétima", "oitava", "nona", "décima")

TRANSCRIBE_PROMPTS = (
    "Transcreve o texto da imagem.",
    "Lê todo o texto da imagem, palavra por palavra.",
    "Que texto está escrito na imagem?",
)


def _plain(text: str) -> tuple[str, str]:
    return "", text


def _json(text: str) -> tuple[str, str]:
    return ' Devolve um objeto JSON com a chave "texto".', json.dumps({"texto": text}, ensure_ascii=False)


def _one_sentence_per_line(text: str) -> tuple[str, str]:
    return " Escreve uma frase por linha.", "\n".join(split_sentences(text))


def _numbered(text: str) -> tuple[str, str]:
    numbered = (f"{n}. {sentence}" for n, sentence in enumerate(split_sentences(text), 1))
    return " Numera as frases, uma por linha (1., 2., ...).", "\n".join(numbered)


OUTPUT_FORMATS = {"plain": _plain, "json": _json, "lines": _one_sentence_per_line, "numbered": _numbered}


def transcription(rng: random.Random, text: str) -> tuple[str, tuple[str, str]]:
    """Verbatim transcription in one of ``OUTPUT_FORMATS``; returns (format, (question, answer))."""
    name = rng.choice(list(OUTPUT_FORMATS))
    instruction, answer = OUTPUT_FORMATS[name](text)
    return name, (rng.choice(TRANSCRIBE_PROMPTS) + instruction, answer)


SENTENCE_KINDS = ("first", "last", "nth", "count")
SENTENCE_PROMPTS = {
    "first": ("Qual é a primeira frase do texto da imagem?", "Transcreve só a primeira frase do texto."),
    "last": ("Qual é a última frase do texto da imagem?", "Copia a última frase do texto da imagem."),
    "nth": ("Qual é a {ordinal} frase do texto da imagem?", "Transcreve a {ordinal} frase do texto."),
    "count": (
        "Quantas frases tem o texto da imagem?",
        "Quantas frases há no texto desta imagem?",
        "Conta as frases do texto.",
    ),
}


def sentence_question(rng: random.Random, text: str, kind: str | None = None) -> tuple[str, tuple[str, str]]:
    """First, last or n-th sentence, or the number of sentences (``kind``, one of ``SENTENCE_KINDS``, or drawn)."""
    sentences = split_sentences(text)
    kind = kind or rng.choice(SENTENCE_KINDS)
    prompt = rng.choice(SENTENCE_PROMPTS[kind])
    if kind == "first":
        return kind, (prompt, sentences[0])
    if kind == "last":
        return kind, (prompt, sentences[-1])
    if kind == "nth":
        n = rng.randrange(min(len(sentences), len(ORDINALS)))
        return kind, (prompt.format(ordinal=ORDINALS[n]), sentences[n])
    count = len(sentences)
    return kind, (prompt, f"O texto tem {count} frase{'s' if count > 1 else ''}.")


def _strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


def corrupt(rng: random.Random, text: str, vocabulary: list[str]) -> str:
    """A plausible wrong transcription: one word swapped, dropped, de-accented or two words exchanged."""
    words = text.split()
    for _ in range(20):
        edited = list(words)
        i = rng.randrange(len(words))
        operation = rng.choice(["swap", "drop", "accent", "exchange"])
        if operation == "swap":
            edited[i] = rng.choice(vocabulary)
        elif operation == "drop" and len(words) > 1:
            del edited[i]
        elif operation == "accent":
            edited[i] = _strip_accents(words[i])
        elif operation == "exchange" and i + 1 < len(words):
            edited[i], edited[i + 1] = words[i + 1], words[i]
        if edited != words:
            return " ".join(edited)
    raise ValueError(f"could not corrupt {text!r}: it needs more than one word")


def verification(
    rng: random.Random, text: str, vocabulary: list[str], correct: bool | None = None
) -> tuple[str, tuple[str, str]]:
    """Accept or reject a candidate transcription, giving the right text when rejecting; ``correct`` says
    which (a caller balancing the verdicts chooses it), else it is drawn."""
    flat = " ".join(text.split())
    correct = rng.random() < 0.5 if correct is None else correct
    candidate = flat if correct else corrupt(rng, flat, vocabulary)
    question = f"Esta transcrição da imagem está correta?\n\n{candidate}"
    if correct:
        return "accept", (question, "Sim, a transcrição está correta.")
    return "reject", (question, f"Não, a transcrição tem erros. O texto correto é:\n\n{flat}")
