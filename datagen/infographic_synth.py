"""InfographicSynth: charts from 14 templates (30 % as 2-3 joined panels) with computed questions.

    python -m datagen.infographic_synth --num-samples 200 --output-dir out/infographic_synth \
        [--topics out/topics/topics.json]

The paper has a language model write each chart's content; here the content is drawn from bilingual
topic tables, so that every answer can be computed from the data behind the chart. ``--topics`` adds the
topics a model wrote (``datagen.infographic_topics``) to the built-in ones: the model chooses what a
chart is about and the range of its values, and the values are still drawn from that range.
"""

import argparse
import hashlib
import random
from functools import partial
from pathlib import Path

from datagen.render.charts import TEMPLATES, render_chart
from datagen.render.concat import concatenate
from datagen.sources.chart_data import TOPICS, Topic, make_chart_data
from datagen.sources.chart_topics import load_topics
from datagen.tasks.chart_questions import TEXT, ask, question_kinds
from datagen.tasks.cycle import from_cycles
from datagen.tasks.mcq import format_mcq
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row
from datagen.writing.writer import per_item


PANEL_SHARE = 0.3
REASONING_SHARE = 0.35

# One turn of most samples is closed, from a cycle over the sample index (see datagen.tasks.cycle; a coin
# per sample gave 0.56 "Sim" in 153 yes/no turns, and two-option comparisons as multiple choice 0.35 "A"
# or "B"): in every 12 samples, four comparisons (yes and no, short and reasoned) and four multiple
# choices of four options with the answer at A, B, C and D. Comparisons are asked nowhere else, and only
# as yes/no; the other turns are open questions, answered short or with a worked reasoning.
CLOSED_SLOTS = ("compare", "mcq", None)
CLOSED_VARIANTS = range(4)  # compare: yes, no, yes reasoned, no reasoned; mcq: the answer's position
MCQ_OPTIONS = 4

PANEL = {
    "pt": {
        "horizontal": "No {n}.º gráfico (da esquerda para a direita): ",
        "vertical": "No {n}.º gráfico (de cima para baixo): ",
    },
    "en": {"horizontal": "In chart {n} (from left to right): ", "vertical": "In chart {n} (from top to bottom): "},
}

CARD = CardInfo(
    pretty_name="InfographicSynth",
    summary="Charts from 14 templates (bar, grouped and stacked bar, line, pie, donut, scatter, area, "
    "lollipop, step, dot plot, table, ...) in pt-PT and English, with questions whose answers are "
    f"computed from the chart's data; {PANEL_SHARE:.0%} of samples join 2-3 charts into one image.",
    how_made="Topics, categories and distinct values are drawn from plausible ranges per topic (monthly "
    "highs follow the seasons); lines need months, pies and stacks values that add up; matplotlib styles "
    "and fonts vary; each chart prints its values in pt-PT or English number formats. "
    "Questions ask for values, extremes, differences, totals, counts and comparisons; answers "
    f"come short or with a worked reasoning ({REASONING_SHARE:.0%}); one sample in three has a yes/no "
    "comparison and one in three a four-option multiple choice, their verdicts and letters balanced.",
    languages=["pt", "en"],
    task_categories=["image-text-to-text", "visual-question-answering"],
)


def _open_turn(rng: random.Random, data, prefix: str, language: str) -> tuple[str, tuple[str, str]]:
    """(format, turn) of an open question, short or with its reasoning."""
    chart_answer = ask(rng, data, rng.choice([k for k in question_kinds(data) if k != "compare"]))
    return _answered(chart_answer, prefix, language, rng.random() < REASONING_SHARE)


def _answered(chart_answer, prefix: str, language: str, reasoned: bool) -> tuple[str, tuple[str, str]]:
    question = prefix + chart_answer.question
    if reasoned:
        answer = TEXT[language]["answer"].format(answer=chart_answer.answer)
        return "reasoning", (question, f"{chart_answer.reasoning}\n{answer}")
    return "short", (question, chart_answer.answer)


def _closed_turn(
    rng: random.Random, data, slot: str, variant: int, prefix: str, language: str
) -> tuple[str, tuple[str, str]]:
    """(format, turn) of the sample's closed question: a comparison with the verdict the cycle gives,
    or a multiple choice of ``MCQ_OPTIONS`` options with the answer at the cycle's letter."""
    if slot == "compare":
        chart_answer = ask(rng, data, "compare", yes=variant % 2 == 0)
        return _answered(chart_answer, prefix, language, reasoned=variant >= 2)
    kinds = [k for k in question_kinds(data) if k != "compare"]
    rng.shuffle(kinds)
    for kind in kinds + ["count"]:  # a count always has three wrong options; extremes need four categories
        chart_answer = ask(rng, data, kind)
        if len({w for w in chart_answer.wrong if w != chart_answer.answer}) >= MCQ_OPTIONS - 1:
            break
    wrong = [w for w in dict.fromkeys(chart_answer.wrong) if w != chart_answer.answer][: MCQ_OPTIONS - 1]
    question = prefix + chart_answer.question
    return "mcq", format_mcq(rng, question, chart_answer.answer, wrong, language, position=variant)


def _chart_data(rng: random.Random, language: str, template, topics: tuple[Topic, ...]):
    num_series = rng.randint(template.min_series, template.max_series)
    return make_chart_data(rng, language, num_series, ordered=template.ordered, parts=template.parts, topics=topics)


def make_sample(rng: random.Random, index: int, topics: tuple[Topic, ...] = TOPICS) -> dict:
    language = rng.choice(["pt", "en"])
    num_panels = rng.choice([2, 3]) if rng.random() < PANEL_SHARE else 1
    names = [rng.choice(list(TEMPLATES)) for _ in range(num_panels)]
    charts = [_chart_data(rng, language, TEMPLATES[n], topics) for n in names]
    images = [render_chart(rng, name, data) for name, data in zip(names, charts)]
    direction = rng.choice(["horizontal", "vertical"])
    image = concatenate(images, direction) if num_panels > 1 else images[0]
    slot, variant = from_cycles(index, CLOSED_SLOTS, CLOSED_VARIANTS)
    turns, formats, questions, target = [], [], set(), rng.randint(1, 3)
    for _ in range(target * 4):  # a few tries per turn: a question already asked is drawn again
        if len(turns) == target:
            break
        panel = rng.randrange(num_panels)
        prefix = PANEL[language][direction].format(n=panel + 1) if num_panels > 1 else ""
        if slot and not turns:
            kind, turn = _closed_turn(rng, charts[panel], slot, variant, prefix, language)
        else:
            kind, turn = _open_turn(rng, charts[panel], prefix, language)
        question = turn[0].split("\n\n")[0]  # an open question and a choice between its answers are one question
        if question in questions:
            continue
        questions.add(question)
        turns.append(turn)
        formats.append(kind)
    if slot:  # the closed question anywhere in the dialogue, not always first
        move = rng.randrange(len(turns))
        turns.insert(move, turns.pop(0))
        formats.insert(move, formats.pop(0))
    return make_row([image], turns, task=f"infographic/{'+'.join(names)}/{language}/{','.join(formats)}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--topics", help="a JSON file of chart topics (datagen.infographic_topics) to add to the built-in ones"
    )


def build(args: argparse.Namespace):
    topics = TOPICS + load_topics(args.topics) if args.topics else TOPICS
    return per_item(partial(make_sample, topics=topics), args.seed)  # a partial pickles, for --num-proc


def content(args: argparse.Namespace) -> dict:
    """The topics file by digest: a run resumed with other topics must not join shards of the old ones."""
    return {"topics": hashlib.sha256(Path(args.topics).read_bytes()).hexdigest()} if args.topics else {}


main = main_for(__doc__.splitlines()[0], CARD, build, add_arguments, content=content)

if __name__ == "__main__":
    main()
