"""Self-Identification: the 156 pt-PT dialogues in which the model says what it is (Table 1, Text IF).

    python -m datagen.self_identification --num-samples 156 --output-dir out/self_identification [--templates F]

Each sample pairs one question paraphrase of a topic (its name, who made it, what it is, its languages, what it can
and cannot do) with one answer variant of the same topic, from a small template set reviewed by hand
(`datagen/data/self_identification.json`). A derived model says its own name by giving a copy with other `facts`.
"""

import functools
import json
import random
from dataclasses import dataclass
from pathlib import Path

from datagen.filtering.variety import VarietyFilter
from datagen.sources.seed_texts import DATA_DIR
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row
from datagen.writing.writer import per_item


TEMPLATES = DATA_DIR / "self_identification.json"

CARD = CardInfo(
    pretty_name="Self-Identification (pt-PT)",
    summary="European Portuguese (pt-PT) dialogues in which AMALIA-VL says what it is: its name, who made it, "
    "its architecture, languages, capabilities and limitations.",
    how_made="Every sample pairs one of five question paraphrases of a topic with one of three answer variants of "
    "the same topic, from a template set written and reviewed by hand for the project "
    "(datagen/data/self_identification.json). Samples are taken round-robin over the topics, so every topic "
    "has the same share; no (question, answer) pair repeats. Every text passed the pt-BR variety filter.",
    task_categories=["text-generation"],
)


@dataclass(frozen=True)
class Pair:
    topic: str
    question: str
    answer: str


@functools.cache
def load_pairs(path: str, seed: int) -> tuple[Pair, ...]:
    """Every (question, answer) pair of the templates, ordered so that any prefix is balanced over the topics."""
    templates = json.loads(Path(path).read_text(encoding="utf-8"))
    rng, variety = random.Random(seed), VarietyFilter()
    per_topic = [
        _topic_pairs(topic, texts, templates["facts"], rng, variety) for topic, texts in templates["topics"].items()
    ]
    return tuple(pair for round_ in _round_robin(per_topic) for pair in round_)


def _topic_pairs(topic: str, texts: dict, facts: dict, rng: random.Random, variety: VarietyFilter) -> list[Pair]:
    questions = [_fill(text, facts, topic) for text in texts["questions"]]
    answers = [_fill(text, facts, topic) for text in texts["answers"]]
    _refuse_pt_br(topic, questions + answers, variety)
    pairs = [Pair(topic, question, answer) for question in questions for answer in answers]
    rng.shuffle(pairs)
    return pairs


def _fill(text: str, facts: dict, topic: str) -> str:
    try:
        return text.format(**facts)
    except KeyError as missing:
        raise ValueError(
            f"topic {topic!r}: the template {text!r} uses {missing}, which `facts` does not define"
        ) from None


def _refuse_pt_br(topic: str, texts: list[str], variety: VarietyFilter) -> None:
    flagged = [text for text in texts if variety.is_pt_br(text)]
    if flagged:
        raise ValueError(f"topic {topic!r}: the variety filter reads these templates as pt-BR: {flagged}")


def _round_robin(per_topic: list[list[Pair]]):
    for position in range(max(len(pairs) for pairs in per_topic)):
        yield [pairs[position] for pairs in per_topic if position < len(pairs)]


@dataclass
class SelfIdentification:
    """Sample ``index`` is pair ``index`` of the templates; the seed only orders the pairs."""

    templates: str = str(TEMPLATES)
    seed: int = 0

    def __call__(self, rng: random.Random, index: int) -> dict:
        pairs = load_pairs(self.templates, self.seed)
        if index >= len(pairs):
            raise ValueError(
                f"{self.templates} holds {len(pairs)} distinct (question, answer) pairs; "
                f"sample {index} would repeat one: ask for at most {len(pairs)} samples or add paraphrases"
            )
        pair = pairs[index]
        return make_row([], [(pair.question, pair.answer)], task=f"self_identification/{pair.topic}")


def add_templates_argument(parser) -> None:
    parser.add_argument("--templates", default=str(TEMPLATES), help="the template file (JSON; facts and topics)")


main = main_for(
    __doc__.splitlines()[0],
    CARD,
    lambda args: per_item(SelfIdentification(args.templates, args.seed), args.seed),
    add_templates_argument,
)

if __name__ == "__main__":
    main()
