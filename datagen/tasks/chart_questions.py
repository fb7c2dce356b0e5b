"""Questions about a chart whose answers are computed from the data behind it.

A question is a ``ChartAnswer``: the question text, the short answer, a worked reasoning that reaches
it, and wrong options for multiple choice. All numbers come from ``ChartData``, never from pixels.
"""

import random
from dataclasses import dataclass

from datagen.sources.chart_data import ChartData


TEXT = {
    "pt": {
        "series": " em {series}",
        "value": "Qual é o valor de {a}{in_series}?",
        "max": "Que categoria tem o valor mais alto{in_series}?",
        "min": "Que categoria tem o valor mais baixo{in_series}?",
        "difference": "Qual é a diferença entre os valores de {a} e {b}{in_series}?",
        "total": "Qual é a soma de todos os valores{in_series}?",
        "count": "Quantas categorias mostra o gráfico?",
        "compare": "O valor de {a} é maior do que o de {b}{in_series}?",
        "best_series": "Em {a}, que série tem o valor mais alto?",
        "yes": "Sim",
        "no": "Não",
        "values": "Os valores{in_series} são: {listing}.",
        "answer": "Resposta: {answer}",
    },
    "en": {
        "series": " in {series}",
        "value": "What is the value of {a}{in_series}?",
        "max": "Which category has the highest value{in_series}?",
        "min": "Which category has the lowest value{in_series}?",
        "difference": "What is the difference between the values of {a} and {b}{in_series}?",
        "total": "What is the sum of all the values{in_series}?",
        "count": "How many categories does the chart show?",
        "compare": "Is the value of {a} greater than that of {b}{in_series}?",
        "best_series": "In {a}, which series has the highest value?",
        "yes": "Yes",
        "no": "No",
        "values": "The values{in_series} are: {listing}.",
        "answer": "Answer: {answer}",
    },
}


@dataclass
class ChartAnswer:
    kind: str
    question: str
    answer: str
    reasoning: str
    wrong: list[str]


def _listing(data: ChartData, values: list[int]) -> str:
    return ", ".join(f"{c} {v}" for c, v in zip(data.categories, values))


def _numeric_wrong(rng: random.Random, value: int, others: list[int]) -> list[str]:
    candidates = {v for v in others if v != value} | {value + d for d in (-10, -5, -2, 2, 5, 10) if value + d >= 0}
    candidates.discard(value)
    return [str(v) for v in rng.sample(sorted(candidates), min(3, len(candidates)))]


def ask(rng: random.Random, data: ChartData) -> ChartAnswer:
    """One random question about ``data`` with its computed answer."""
    text = TEXT[data.language]
    series = rng.choice(list(data.series))
    values = data.series[series]
    in_series = text["series"].format(series=series) if len(data.series) > 1 else ""
    kinds = ["value", "max", "min", "difference", "total", "count", "compare"] + (
        ["best_series"] * 2 if len(data.series) > 1 else []
    )
    kind = rng.choice(kinds)
    i, j = rng.sample(range(len(data.categories)), 2)
    a, b = data.categories[i], data.categories[j]
    facts = text["values"].format(in_series=in_series, listing=_listing(data, values))
    question = text[kind].format(a=a, b=b, in_series=in_series)
    if kind == "value":
        return ChartAnswer(kind, question, str(values[i]), f"{a}: {values[i]}.", _numeric_wrong(rng, values[i], values))
    if kind in ("max", "min"):
        pick = max if kind == "max" else min
        k = values.index(pick(values))
        wrong = [c for c in data.categories if c != data.categories[k]]
        return ChartAnswer(
            kind,
            question,
            data.categories[k],
            f"{facts} {pick(values)} → {data.categories[k]}.",
            rng.sample(wrong, min(3, len(wrong))),
        )
    if kind == "difference":
        difference = abs(values[i] - values[j])
        high, low = max(values[i], values[j]), min(values[i], values[j])
        return ChartAnswer(
            kind,
            question,
            str(difference),
            f"{a}: {values[i]}; {b}: {values[j]}. {high} − {low} = {difference}.",
            _numeric_wrong(rng, difference, [values[i], values[j]]),
        )
    if kind == "total":
        total = sum(values)
        return ChartAnswer(
            kind,
            question,
            str(total),
            f"{facts} {' + '.join(map(str, values))} = {total}.",
            _numeric_wrong(rng, total, []),
        )
    if kind == "count":
        count = len(data.categories)
        return ChartAnswer(
            kind, question, str(count), f"{', '.join(data.categories)}: {count}.", _numeric_wrong(rng, count, [])
        )
    if kind == "compare":
        yes = values[i] > values[j]
        answer = text["yes"] if yes else text["no"]
        relation = ">" if yes else "<"
        return ChartAnswer(
            kind,
            question,
            answer,
            f"{a}: {values[i]} {relation} {b}: {values[j]}.",
            [text["no"] if yes else text["yes"]],
        )
    at_category = {name: series_values[i] for name, series_values in data.series.items()}
    best = max(at_category, key=at_category.get)
    listing = "; ".join(f"{name}: {value}" for name, value in at_category.items())
    return ChartAnswer(kind, question, best, f"{a} — {listing}.", [name for name in data.series if name != best])
