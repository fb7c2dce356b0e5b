"""The data behind InfographicSynth charts: bilingual topics, categories and integer values."""

import random
from dataclasses import dataclass


# (pt-PT title, English title, pt-PT unit, English unit, category set, value range)
TOPICS = [
    ("Vendas mensais", "Monthly sales", "milhares de euros", "thousand euros", "months", (5, 90)),
    ("Visitantes por museu", "Visitors per museum", "milhares", "thousands", "museums", (10, 300)),
    ("Temperatura máxima média", "Average high temperature", "°C", "°C", "months", (8, 38)),
    ("Alunos inscritos por curso", "Students enrolled per course", "alunos", "students", "courses", (20, 250)),
    ("Produção de azeite por região", "Olive oil production by region", "toneladas", "tonnes", "regions", (100, 900)),
    ("Passageiros por linha de comboio", "Passengers per train line", "milhares", "thousands", "lines", (15, 400)),
    ("Consumo de energia por setor", "Energy use by sector", "GWh", "GWh", "sectors", (30, 500)),
    ("Livros emprestados por mês", "Books lent per month", "livros", "books", "months", (40, 600)),
]

CATEGORIES = {
    "months": (
        ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"],
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    ),
    "museums": (["Azulejo", "Coches", "Gulbenkian", "Soares dos Reis", "Arte Antiga", "Berardo"],) * 2,
    "courses": (
        ["Medicina", "Direito", "Engenharia", "História", "Economia", "Design"],
        ["Medicine", "Law", "Engineering", "History", "Economics", "Design"],
    ),
    "regions": (["Alentejo", "Trás-os-Montes", "Beira Interior", "Ribatejo", "Algarve", "Douro"],) * 2,
    "lines": (["Sintra", "Cascais", "Azambuja", "Sado", "Minho", "Douro"],) * 2,
    "sectors": (
        ["Indústria", "Transportes", "Habitação", "Serviços", "Agricultura"],
        ["Industry", "Transport", "Housing", "Services", "Agriculture"],
    ),
}

SERIES_NAMES = (["2023", "2024", "2025"], ["2023", "2024", "2025"])


@dataclass
class ChartData:
    title: str
    unit: str
    categories: list[str]
    series: dict[str, list[int]]  # series name -> one value per category
    language: str  # "pt" or "en"

    @property
    def single(self) -> list[int]:
        """The first series: what single-series questions are about."""
        return next(iter(self.series.values()))


def _distinct_values(rng: random.Random, count: int, low: int, high: int) -> list[int]:
    """Distinct values, so that the largest, the smallest and any comparison have one answer."""
    return rng.sample(range(low, high + 1), count)


def make_chart_data(
    rng: random.Random, language: str, num_series: int, min_categories: int = 3, max_categories: int = 6
) -> ChartData:
    pt_title, en_title, pt_unit, en_unit, category_set, (low, high) = rng.choice(TOPICS)
    pt_names, en_names = CATEGORIES[category_set]
    count = rng.randint(min_categories, min(max_categories, len(pt_names)))
    start = rng.randrange(len(pt_names) - count + 1)
    names = (pt_names if language == "pt" else en_names)[start : start + count]
    series_names = SERIES_NAMES[0 if language == "pt" else 1][:num_series]
    series = {name: _distinct_values(rng, count, low, high) for name in series_names}
    title, unit = (pt_title, pt_unit) if language == "pt" else (en_title, en_unit)
    return ChartData(title, unit, names, series, language)
