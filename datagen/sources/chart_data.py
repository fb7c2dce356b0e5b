"""The data behind InfographicSynth charts: bilingual topics, categories and plausible values.

Each topic says what its axis is (months are ordered, museums are not), whether its values add up to a
meaningful whole (visitors do, temperatures do not) and the range its values plausibly take, so that a
chart and its questions never show a 37 °C October or a sum of temperatures.
"""

import random
from dataclasses import dataclass


MONTHS_PT = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
             "novembro", "dezembro")  # fmt: skip
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")  # fmt: skip
# (labels drawn, names spoken in questions) per language
CATEGORIES = {
    "months": {
        "pt": ([m[:3] for m in MONTHS_PT], list(MONTHS_PT)),
        "en": ([m[:3] for m in MONTHS_EN], list(MONTHS_EN)),
    },
    "museums": {
        lang: (["Azulejo", "Coches", "Gulbenkian", "Soares dos Reis", "Arte Antiga", "Berardo", "Grão Vasco"],) * 2
        for lang in ("pt", "en")
    },
    "courses": {
        "pt": (["Medicina", "Direito", "Engenharia", "História", "Economia", "Design", "Arquitetura"],) * 2,
        "en": (["Medicine", "Law", "Engineering", "History", "Economics", "Design", "Architecture"],) * 2,
    },
    "regions": {
        lang: (["Alentejo", "Trás-os-Montes", "Beira Interior", "Ribatejo", "Algarve", "Douro", "Minho"],) * 2
        for lang in ("pt", "en")
    },
    "lines": {
        lang: (["Sintra", "Cascais", "Azambuja", "Sado", "Minho", "Douro", "Oeste"],) * 2 for lang in ("pt", "en")
    },
    "sectors": {
        "pt": (["Indústria", "Transportes", "Habitação", "Serviços", "Agricultura"],) * 2,
        "en": (["Industry", "Transport", "Housing", "Services", "Agriculture"],) * 2,
    },
    "towns": {
        lang: (["Lisboa", "Porto", "Braga", "Coimbra", "Faro", "Évora", "Aveiro", "Viseu", "Leiria"],) * 2
        for lang in ("pt", "en")
    },
}
# Average monthly highs (°C) of a mainland Portuguese town; a town's own values are these plus an offset.
MONTHLY_HIGHS = (14.8, 16.2, 18.9, 20.0, 22.4, 25.9, 28.0, 28.4, 26.5, 22.6, 18.2, 15.4)
# Average monthly rainfall (mm) of a mainland Portuguese town: wet winters, dry summers; scaled per town.
MONTHLY_RAIN = (100, 90, 60, 65, 45, 15, 5, 6, 30, 90, 110, 115)


@dataclass(frozen=True)
class Topic:
    title: dict[str, str]
    unit: dict[str, str]
    # A key of CATEGORIES ("months" for a monthly axis), or a topics file's own labels per language.
    categories: str | dict[str, tuple[str, ...]]
    low: float
    high: float
    additive: bool  # do the values add up to a whole (sums and pie charts make sense)?
    measure: dict[str, str]  # what a value is, for questions: "o número de visitantes"
    decimals: int = 0

    @property
    def monthly(self) -> bool:
        return self.categories == "months"

    def labels(self, language: str) -> tuple[list[str], list[str]]:
        """(labels drawn, names spoken in questions); a topics file's own labels are both."""
        if isinstance(self.categories, str):
            return CATEGORIES[self.categories][language]
        labels = list(self.categories[language])
        return labels, labels


def _topic(pt_title, en_title, pt_unit, en_unit, categories, low, high, additive, pt_measure, en_measure, decimals=0):
    return Topic(
        {"pt": pt_title, "en": en_title},
        {"pt": pt_unit, "en": en_unit},
        categories,
        low,
        high,
        additive,
        {"pt": pt_measure, "en": en_measure},
        decimals,
    )


TOPICS = (
    _topic("Vendas mensais", "Monthly sales", "milhares de euros", "thousand euros", "months", 5, 90, True,
           "o valor das vendas", "the sales"),
    _topic("Visitantes por museu", "Visitors per museum", "milhares", "thousands", "museums", 10, 300, True,
           "o número de visitantes", "the number of visitors"),
    _topic("Temperatura máxima média", "Average high temperature", "°C", "°C", "months", None, None, False,
           "a temperatura máxima média", "the average high temperature", 1),
    _topic("Alunos inscritos por curso", "Students enrolled per course", "alunos", "students", "courses", 20, 250,
           True, "o número de alunos inscritos", "the number of students enrolled"),
    _topic("Produção de azeite por região", "Olive oil production by region", "toneladas", "tonnes", "regions", 100,
           9000, True, "a produção de azeite", "the olive oil production"),
    _topic("Passageiros por linha de comboio", "Passengers per train line", "milhares", "thousands", "lines", 15, 400,
           True, "o número de passageiros", "the number of passengers"),
    _topic("Consumo de energia por setor", "Energy use by sector", "GWh", "GWh", "sectors", 30, 500, True,
           "o consumo de energia", "the energy use"),
    _topic("Livros emprestados por mês", "Books lent per month", "livros", "books", "months", 40, 600, True,
           "o número de livros emprestados", "the number of books lent"),
    _topic("Taxa de desemprego por região", "Unemployment rate by region", "%", "%", "regions", 4.0, 13.0, False,
           "a taxa de desemprego", "the unemployment rate", 1),
    _topic("Preço médio da habitação", "Average house price", "€/m²", "€/m²", "towns", 900, 4800, False,
           "o preço médio da habitação", "the average house price"),
    _topic("Precipitação mensal", "Monthly rainfall", "mm", "mm", "months", None, None, True,
           "a precipitação", "the rainfall"),
    _topic("Dormidas em hotéis por região", "Hotel nights by region", "milhares", "thousands", "regions", 200, 18000,
           True, "o número de dormidas", "the number of hotel nights"),
)  # fmt: skip

SERIES_NAMES = ["2022", "2023", "2024", "2025"]


def format_number(value: float, decimals: int, language: str) -> str:
    """pt-PT: 12 345,6 (space for thousands from five digits, comma for decimals); English: 12,345.6."""
    text = f"{value:,.{decimals}f}"
    if language == "en":
        return text
    whole, _, fraction = text.partition(".")
    whole = whole.replace(",", " ") if abs(value) >= 10000 else whole.replace(",", "")
    return whole + ("," + fraction if fraction else "")


@dataclass
class ChartData:
    title: str
    unit: str
    categories: list[str]  # labels drawn on the chart
    series: dict[str, list[float]]  # series name -> one value per category
    language: str  # "pt" or "en"
    names: list[str] | None = None  # the categories as questions speak of them (months in full)
    measure: str = ""
    additive: bool = True
    decimals: int = 0
    months: bool = False

    @property
    def single(self) -> list[float]:
        """The first series: what single-series questions are about."""
        return next(iter(self.series.values()))

    @property
    def spoken(self) -> list[str]:
        return self.names or self.categories

    def fmt(self, value: float) -> str:
        return format_number(value, self.decimals, self.language)


def value_grid(low: float, high: float, decimals: int) -> range:
    """The values a topic can take, in units of its last decimal."""
    scale = 10**decimals
    return range(int(low * scale), int(high * scale) + 1)


def _distinct_values(rng: random.Random, count: int, low: float, high: float, decimals: int) -> list[float]:
    """Distinct values, so that the largest, the smallest and any comparison have one answer."""
    drawn = rng.sample(value_grid(low, high, decimals), count)
    return [v / 10**decimals if decimals else v for v in drawn]


def _monthly_highs(rng: random.Random, start: int, count: int) -> list[float]:
    """A town's monthly highs: the national profile shifted by the town's offset, a little noise, all distinct."""
    offset = rng.uniform(-3.5, 3.5)
    while True:
        values = [round(MONTHLY_HIGHS[start + k] + offset + rng.uniform(-0.8, 0.8), 1) for k in range(count)]
        if len(set(values)) == count:
            return values


def _monthly_rain(rng: random.Random, start: int, count: int) -> list[float]:
    """A town's monthly rainfall: the national profile times the town's wetness, with noise, all distinct."""
    wetness = rng.uniform(0.5, 1.6)
    while True:
        values = [max(1, round(MONTHLY_RAIN[start + k] * wetness * rng.uniform(0.7, 1.3))) for k in range(count)]
        if len(set(values)) == count:
            return values


SEASONAL = {"°C": _monthly_highs, "mm": _monthly_rain}


def compatible_topics(ordered: bool, parts: bool, topics: tuple[Topic, ...] = TOPICS) -> list[Topic]:
    """Topics a template can show: lines need an ordered axis (months), pies and stacks a whole."""
    return [t for t in topics if (not ordered or t.monthly) and (not parts or t.additive)]


def make_chart_data(
    rng: random.Random,
    language: str,
    num_series: int,
    min_categories: int = 3,
    max_categories: int = 6,
    ordered: bool = False,
    parts: bool = False,
    topics: tuple[Topic, ...] = TOPICS,
) -> ChartData:
    """A chart's data on one of ``topics`` (the built-in ones unless a run adds its own) that the template can
    show."""
    topic = rng.choice(compatible_topics(ordered, parts, topics))
    labels, names = topic.labels(language)
    count = rng.randint(min_categories, min(max_categories, len(labels)))
    if topic.monthly:
        start = rng.randrange(len(labels) - count + 1)
        picked = list(range(start, start + count))
    else:
        picked = sorted(rng.sample(range(len(labels)), count))
    start_year = rng.randrange(len(SERIES_NAMES) - num_series + 1)
    series_names = SERIES_NAMES[start_year : start_year + num_series]
    if topic.low is None:  # temperatures and rainfall follow the seasons
        series = {name: SEASONAL[topic.unit["pt"]](rng, picked[0], count) for name in series_names}
    else:
        series = {name: _distinct_values(rng, count, topic.low, topic.high, topic.decimals) for name in series_names}
    return ChartData(
        topic.title[language],
        topic.unit[language],
        [labels[i] for i in picked],
        series,
        language,
        [names[i] for i in picked],
        topic.measure[language],
        topic.additive,
        topic.decimals,
        topic.monthly,
    )
