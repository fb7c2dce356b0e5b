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
        "month_series": " de {series}",
        "value": ("Qual é {measure} {at} {a}{in_series}?", "Que valor mostra o gráfico {at} {a}{in_series}?"),
        "max": "Que categoria tem o valor mais alto{in_series}?",
        "min": "Que categoria tem o valor mais baixo{in_series}?",
        "max_month": "Em que mês é mais alto o valor{in_series}?",
        "min_month": "Em que mês é mais baixo o valor{in_series}?",
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
        "month_series": " {series}",
        "value": ("What is {measure} {at} {a}{in_series}?", "What value does the chart show {at} {a}{in_series}?"),
        "max": "Which category has the highest value{in_series}?",
        "min": "Which category has the lowest value{in_series}?",
        "max_month": "In which month is the value highest{in_series}?",
        "min_month": "In which month is the value lowest{in_series}?",
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


def _listing(data: ChartData, values: list[float]) -> str:
    return ", ".join(f"{c} {data.fmt(v)}" for c, v in zip(data.spoken, values))


def _numeric_wrong(rng: random.Random, data: ChartData, value: float, others: list[float]) -> list[str]:
    step = 10**-data.decimals
    nearby = {round(value + d * step * k, data.decimals) for d in (-10, -5, -2, 2, 5, 10) for k in (1,)}
    candidates = {v for v in others if v != value} | {v for v in nearby if v >= 0}
    candidates.discard(value)
    return [data.fmt(v) for v in rng.sample(sorted(candidates), min(3, len(candidates)))]


def question_kinds(data: ChartData) -> list[str]:
    """Question kinds that make sense for ``data``: no sum of temperatures or prices."""
    kinds = ["value", "max", "min", "difference", "count", "compare"] + (["total"] if data.additive else [])
    return kinds + (["best_series"] * 2 if len(data.series) > 1 else [])


def _question(rng: random.Random, data: ChartData, kind: str, a: str, b: str, series: str) -> str:
    text = TEXT[data.language]
    in_series = ""
    if len(data.series) > 1:
        in_series = text["month_series" if data.months else "series"].format(series=series)
    if kind == "value":
        at = ("em" if data.months else "para") if data.language == "pt" else ("in" if data.months else "for")
        return rng.choice(text["value"]).format(measure=data.measure, at=at, a=a, in_series=in_series)
    if kind in ("max", "min") and data.months:
        kind += "_month"
    return text[kind].format(a=a, b=b, in_series=in_series)


def ask(rng: random.Random, data: ChartData, kind: str | None = None, yes: bool | None = None) -> ChartAnswer:
    """A question about ``data`` with its computed answer: of ``kind`` (one of ``question_kinds``) or a
    random one; ``yes`` orders a comparison's two categories so that its answer is that verdict."""
    text = TEXT[data.language]
    series = rng.choice(list(data.series))
    values = data.series[series]
    kind = kind or rng.choice(question_kinds(data))
    i, j = rng.sample(range(len(data.categories)), 2)
    if kind == "compare" and yes is not None and (values[i] > values[j]) != yes:
        i, j = j, i  # a series' values are distinct, so the swap gives the other verdict
    a, b = data.spoken[i], data.spoken[j]
    fmt = data.fmt
    facts = text["values"].format(
        in_series=text["series"].format(series=series) if len(data.series) > 1 else "", listing=_listing(data, values)
    )
    question = _question(rng, data, kind, a, b, series)
    if kind == "value":
        return ChartAnswer(
            kind, question, fmt(values[i]), f"{a}: {fmt(values[i])}.", _numeric_wrong(rng, data, values[i], values)
        )
    if kind in ("max", "min"):
        pick = max if kind == "max" else min
        k = values.index(pick(values))
        wrong = [c for c in data.spoken if c != data.spoken[k]]
        return ChartAnswer(
            kind,
            question,
            data.spoken[k],
            f"{facts} {fmt(pick(values))} → {data.spoken[k]}.",
            rng.sample(wrong, min(3, len(wrong))),
        )
    if kind == "difference":
        difference = round(abs(values[i] - values[j]), data.decimals)
        high, low = max(values[i], values[j]), min(values[i], values[j])
        return ChartAnswer(
            kind,
            question,
            fmt(difference),
            f"{a}: {fmt(values[i])}; {b}: {fmt(values[j])}. {fmt(high)} − {fmt(low)} = {fmt(difference)}.",
            _numeric_wrong(rng, data, difference, [values[i], values[j]]),
        )
    if kind == "total":
        total = round(sum(values), data.decimals)
        return ChartAnswer(
            kind,
            question,
            fmt(total),
            f"{facts} {' + '.join(map(fmt, values))} = {fmt(total)}.",
            _numeric_wrong(rng, data, total, []),
        )
    if kind == "count":
        count = len(data.categories)
        return ChartAnswer(
            kind, question, str(count), f"{', '.join(data.spoken)}: {count}.", [str(count + d) for d in (-1, 1, 2)]
        )
    if kind == "compare":
        yes = values[i] > values[j]
        answer = text["yes"] if yes else text["no"]
        relation = ">" if yes else "<"
        return ChartAnswer(
            kind,
            question,
            answer,
            f"{a}: {fmt(values[i])} {relation} {b}: {fmt(values[j])}.",
            [text["no"] if yes else text["yes"]],
        )
    at_category = {name: series_values[i] for name, series_values in data.series.items()}
    best = max(at_category, key=at_category.get)
    listing = "; ".join(f"{name}: {fmt(value)}" for name, value in at_category.items())
    return ChartAnswer(kind, question, best, f"{a} — {listing}.", [name for name in data.series if name != best])
