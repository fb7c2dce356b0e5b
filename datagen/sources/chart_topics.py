"""Chart topics as JSON: what a model writes (``datagen.infographic_topics``) and a topics file holds.

    {"title": {"pt": "Hóspedes por destino", "en": "Guests by destination"},
     "unit": {"pt": "milhares", "en": "thousands"},
     "measure": {"pt": "o número de hóspedes", "en": "the number of guests"},
     "categories": [{"pt": "Lisboa", "en": "Lisbon"}, {"pt": "Açores", "en": "Azores"}, ...],   # or "months"
     "low": 20, "high": 900, "decimals": 0, "additive": true}

``topic_from_json`` checks all that a chart and its computed questions rely on and raises ``InvalidTopic``
with a reason short enough to be counted (the same reason for every reply that fails the same way);
``load_topics`` reads a file of them for ``infographic_synth --topics``.
"""

import json
import math
from pathlib import Path

from datagen.filtering.variety import VarietyFilter
from datagen.sources.chart_data import TOPICS, Topic, value_grid


LANGUAGES = ("pt", "en")
MIN_CATEGORIES, MAX_CATEGORIES = 3, 8
MAX_LABEL_CHARS = 24  # longer labels run into each other under the bars
MAX_DECIMALS = 2
MAX_VALUE = 1_000_000  # seven-digit labels crowd a chart; "milhões" reads better
MONTHS = "months"
COUNTS = ("the number of", "the amount of")  # measures that count something cannot go below zero
REPEATED_TITLE = "the title is that of another topic"
READ_AS_PT_BR = "the pt-PT texts read as pt-BR"


class InvalidTopic(ValueError):
    """A topic a chart cannot show truthfully; the message says why."""


def _required(entry: dict, field: str):
    if entry.get(field) is None:
        raise InvalidTopic(f"'{field}' is missing")
    return entry[field]


def _bilingual(value, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) for lang in LANGUAGES):
        raise InvalidTopic(f"{what} is not an object of pt and en texts")
    texts = {lang: value[lang].strip() for lang in LANGUAGES}
    if not all(texts.values()):
        raise InvalidTopic(f"{what} has an empty text")
    return texts


def _texts(entry: dict, field: str) -> dict[str, str]:
    return _bilingual(_required(entry, field), f"'{field}'")


def _number(entry: dict, field: str) -> float:
    value = _required(entry, field)
    # JSON's true is a Python int: a flag is no number of visitors.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidTopic(f"'{field}' is not a number")
    return value


def _categories(entry: dict) -> str | dict[str, tuple[str, ...]]:
    value = _required(entry, "categories")
    if value == MONTHS:
        return MONTHS
    if not isinstance(value, list):
        raise InvalidTopic(f"'categories' is neither \"{MONTHS}\" nor a list of pt and en labels")
    if len(value) < MIN_CATEGORIES:
        raise InvalidTopic(f"fewer than {MIN_CATEGORIES} categories")
    if len(value) > MAX_CATEGORIES:
        raise InvalidTopic(f"more than {MAX_CATEGORIES} categories")
    labels = [_bilingual(pair, "a category") for pair in value]
    by_language = {lang: tuple(label[lang] for label in labels) for lang in LANGUAGES}
    for names in by_language.values():
        if any(len(name) > MAX_LABEL_CHARS for name in names):
            raise InvalidTopic(f"a category label is over {MAX_LABEL_CHARS} characters")
        if len({name.casefold() for name in names}) < len(names):
            raise InvalidTopic("two categories have the same label")
    return by_language


def titles_of(topics) -> set[str]:
    """Every title of ``topics`` in both languages, case aside: what a new topic may not be called."""
    return {topic.title[lang].casefold() for topic in topics for lang in LANGUAGES}


def _check_values(topic: Topic) -> None:
    if topic.low >= topic.high:
        raise InvalidTopic("'low' is not below 'high'")
    if topic.low < 0 and (topic.additive or topic.measure["en"].lower().startswith(COUNTS)):
        raise InvalidTopic("negative values for a measure that adds up or counts")
    if max(abs(topic.low), abs(topic.high)) >= MAX_VALUE:
        raise InvalidTopic(f"values of {MAX_VALUE:,} or more (a larger unit reads better)")
    categories = len(topic.labels("pt")[0])
    if len(value_grid(topic.low, topic.high, topic.decimals)) < categories:
        raise InvalidTopic("a range too narrow for distinct values")  # every category gets its own value


def topic_from_json(entry, variety: VarietyFilter, taken: set[str] = frozenset()) -> Topic:
    """The topic ``entry`` describes, or ``InvalidTopic``; ``taken``: casefolded titles it may not have;
    ``variety`` reads its pt-PT texts."""
    if not isinstance(entry, dict):
        raise InvalidTopic("the topic is not a JSON object")
    title, unit, measure = _texts(entry, "title"), _texts(entry, "unit"), _texts(entry, "measure")
    categories = _categories(entry)
    low, high = _number(entry, "low"), _number(entry, "high")
    decimals, additive = _required(entry, "decimals"), _required(entry, "additive")
    if isinstance(decimals, bool) or decimals not in range(MAX_DECIMALS + 1):
        raise InvalidTopic(f"'decimals' is not a whole number from 0 to {MAX_DECIMALS}")
    if not isinstance(additive, bool):
        raise InvalidTopic("'additive' is not true or false")
    topic = Topic(title, unit, categories, low, high, additive, measure, int(decimals))
    _check_values(topic)
    if titles_of([topic]) & taken:
        raise InvalidTopic(REPEATED_TITLE)
    if variety.is_pt_br(_pt_texts(topic)):
        raise InvalidTopic(READ_AS_PT_BR)
    return topic


def topic_to_json(topic: Topic) -> dict:
    """``topic`` as a topics file holds it: what ``topic_from_json`` reads back."""
    if topic.monthly:
        categories = MONTHS
    else:
        categories = [dict(zip(LANGUAGES, pair)) for pair in zip(*(topic.labels(lang)[0] for lang in LANGUAGES))]
    return {
        "title": topic.title,
        "unit": topic.unit,
        "measure": topic.measure,
        "categories": categories,
        "low": topic.low,
        "high": topic.high,
        "decimals": topic.decimals,
        "additive": topic.additive,
    }


def _pt_texts(topic: Topic) -> str:
    """Everything the topic says in pt-PT, for the variety filter."""
    return ". ".join([topic.title["pt"], topic.unit["pt"], topic.measure["pt"], *topic.labels("pt")[0]])


def load_topics(path: str | Path) -> tuple[Topic, ...]:
    """A topics file's topics, checked as when they were written (the variety filter's cues included; a
    classifier the step may have used is not loaded here); an error names the file and the entry."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON ({error}); write it with python -m datagen.infographic_topics") from None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path} holds no topics: expected a non-empty JSON list (datagen.infographic_topics)")
    topics, taken, variety = [], titles_of(TOPICS), VarietyFilter()
    for number, entry in enumerate(entries, 1):
        try:
            topic = topic_from_json(entry, variety, taken)
        except InvalidTopic as error:
            title = entry.get("title") if isinstance(entry, dict) else None
            named = f" ({json.dumps(title, ensure_ascii=False)})" if title else ""
            raise ValueError(f"{path}: topic {number}{named}: {error}") from None
        taken |= titles_of([topic])
        topics.append(topic)
    return tuple(topics)
