"""InfographicSynth: charts from 14 templates (30 % as 2-3 joined panels) with computed questions.

    python -m datagen.infographic_synth --num-samples 200 --output-dir out/infographic_synth

The paper has a language model write each chart's content; here the content is drawn from bilingual
topic tables, so that every answer can be computed from the data behind the chart.
"""

import random

from datagen.render.charts import TEMPLATES, render_chart
from datagen.render.concat import concatenate
from datagen.sources.chart_data import make_chart_data
from datagen.tasks.chart_questions import TEXT, ask
from datagen.tasks.mcq import format_mcq
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row
from datagen.writing.writer import per_item


PANEL_SHARE = 0.3
MCQ_SHARE, REASONING_SHARE = 0.15, 0.35

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
    f"come short, with a worked reasoning ({REASONING_SHARE:.0%}) or as multiple choice ({MCQ_SHARE:.0%}).",
    languages=["pt", "en"],
    task_categories=["image-text-to-text", "visual-question-answering"],
)


def _format(rng: random.Random, chart_answer, prefix: str, language: str) -> tuple[str, tuple[str, str]]:
    question = prefix + chart_answer.question
    roll = rng.random()
    if roll < MCQ_SHARE and chart_answer.wrong:
        return "mcq", format_mcq(rng, question, chart_answer.answer, chart_answer.wrong, language)
    if roll < MCQ_SHARE + REASONING_SHARE:
        answer = TEXT[language]["answer"].format(answer=chart_answer.answer)
        return "reasoning", (question, f"{chart_answer.reasoning}\n{answer}")
    return "short", (question, chart_answer.answer)


def _chart_data(rng: random.Random, language: str, template):
    num_series = rng.randint(template.min_series, template.max_series)
    return make_chart_data(rng, language, num_series, ordered=template.ordered, parts=template.parts)


def make_sample(rng: random.Random, index: int) -> dict:
    language = rng.choice(["pt", "en"])
    num_panels = rng.choice([2, 3]) if rng.random() < PANEL_SHARE else 1
    names = [rng.choice(list(TEMPLATES)) for _ in range(num_panels)]
    charts = [_chart_data(rng, language, TEMPLATES[n]) for n in names]
    images = [render_chart(rng, name, data) for name, data in zip(names, charts)]
    direction = rng.choice(["horizontal", "vertical"])
    image = concatenate(images, direction) if num_panels > 1 else images[0]
    turns, formats, asked, target = [], [], set(), rng.randint(1, 3)
    for _ in range(target * 4):  # a few tries per turn: a question already asked is drawn again
        if len(turns) == target:
            break
        panel = rng.randrange(num_panels)
        prefix = PANEL[language][direction].format(n=panel + 1) if num_panels > 1 else ""
        chart_answer = ask(rng, charts[panel])
        if prefix + chart_answer.question in asked:
            continue
        asked.add(prefix + chart_answer.question)
        kind, turn = _format(rng, chart_answer, prefix, language)
        turns.append(turn)
        formats.append(kind)
    return make_row([image], turns, task=f"infographic/{'+'.join(names)}/{language}/{','.join(formats)}")


main = main_for(__doc__.splitlines()[0], CARD, lambda args: per_item(make_sample, args.seed))

if __name__ == "__main__":
    main()
