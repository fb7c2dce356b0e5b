"""pt-PT documents made from sentence templates, rich in what the hand-written seed lacks.

Notices, adverts, menus, timetables, short news items, receipts and messages, each sentence drawn from
templates with random slots: digits, dates, times, prices in euros, percentages, phone numbers, postcodes,
questions, exclamations and «quotations». A document has exactly the number of sentences asked for, so
PT-OCR's sentence-count questions can be answered with any count. Sentences never hold an abbreviation
that ends in a full stop, so ``split_sentences`` splits them exactly.
"""

import random
from collections.abc import Callable

from datagen.sources.seed_texts import SeedText


MONTHS = (
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)
WEEKDAYS = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo")
TOWNS = (
    "Lisboa",
    "Porto",
    "Braga",
    "Coimbra",
    "Faro",
    "Évora",
    "Aveiro",
    "Viseu",
    "Leiria",
    "Setúbal",
    "Guimarães",
    "Tavira",
    "Bragança",
    "Funchal",
    "Ponta Delgada",
    "Viana do Castelo",
    "Castelo Branco",
    "Portalegre",
)
PEOPLE = ("a Ana", "o Rui", "a Inês", "o Tiago", "a Marta", "o Duarte", "a Leonor", "o Afonso", "a Beatriz", "o Nuno")
PLACES = (
    "na biblioteca municipal",
    "no pavilhão desportivo",
    "na junta de freguesia",
    "no mercado do Bolhão",
    "no centro de saúde",
    "na escola secundária",
    "no cineteatro",
    "na praça do município",
    "no museu da cidade",
    "na estação de comboios",
)
DISHES = (
    "Caldo verde",
    "Bacalhau à Brás",
    "Arroz de pato",
    "Francesinha",
    "Sardinhas assadas",
    "Polvo à lagareiro",
    "Bitoque",
    "Açorda alentejana",
    "Arroz doce",
    "Pastel de nata",
    "Bolo de bolacha",
    "Sopa da pedra",
)
THINGS = (
    "bicicleta",
    "máquina de lavar",
    "sofá de três lugares",
    "frigorífico",
    "telemóvel",
    "secretária",
    "guitarra clássica",
    "carrinho de bebé",
    "mesa de jantar",
    "computador portátil",
)
EVENTS = (
    "a feira do livro",
    "o festival de folclore",
    "o concerto da banda filarmónica",
    "a corrida solidária",
    "a sessão de cinema ao ar livre",
    "o mercado de velharias",
    "a exposição de fotografia",
    "a noite de fados",
)


def _euros(rng: random.Random, low: float, high: float) -> str:
    value = rng.randint(int(low * 100), int(high * 100)) / 100
    whole, cents = f"{value:,.2f}".split(".")
    return f"{whole.replace(',', ' ')},{cents} €"


def _date(rng: random.Random) -> str:
    day, month, year = rng.randint(1, 28), rng.randrange(12), rng.randint(2019, 2027)
    if rng.random() < 0.5:
        return f"{day} de {MONTHS[month]} de {year}"
    return f"{day:02d}/{month + 1:02d}/{year}"


def _time(rng: random.Random) -> str:
    hour, minute = rng.randint(7, 23), rng.choice([0, 15, 30, 45])
    return f"{hour}h{minute:02d}" if rng.random() < 0.6 else f"{hour}:{minute:02d}"


def _span(rng: random.Random) -> tuple[str, str]:
    """Two times of the same day, the first earlier."""
    start = rng.randint(7 * 4, 19 * 4)
    end = rng.randint(start + 2, 23 * 4)
    return tuple(f"{q // 4}h{q % 4 * 15:02d}" for q in (start, end))


def _to(place: str) -> str:
    """ "na biblioteca" -> "à biblioteca", "no museu" -> "ao museu"."""
    return ("à" if place.startswith("na ") else "ao") + place[2:]


def _phone(rng: random.Random) -> str:
    return f"{rng.choice([91, 92, 93, 96, 21, 22])}{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(100, 999)}"


def _percent(rng: random.Random) -> str:
    value = rng.randint(1, 95) if rng.random() < 0.6 else rng.randint(10, 999) / 10
    return (f"{value}".replace(".", ",")) + rng.choice([" %", "%"])


SentenceTemplate = Callable[[random.Random], str]

GENRES: dict[str, tuple[str, tuple[SentenceTemplate, ...]]] = {
    "aviso": (
        "Aviso",
        (
            lambda r: "A partir de {}, o horário de atendimento passa a ser das {} às {}.".format(_date(r), *_span(r)),
            lambda r: "A água vai ser cortada na {}, entre as {} e as {}.".format(r.choice(WEEKDAYS[:5]), *_span(r)),
            lambda r: f"Para mais informações, ligue para o {_phone(r)} ou dirija-se {_to(r.choice(PLACES))}.",
            lambda r: f"A reunião de condóminos realiza-se no dia {_date(r)}, às {_time(r)}, no rés-do-chão.",
            lambda r: f"É proibido estacionar em frente ao portão n.º {r.randint(1, 300)}!",
            lambda r: f"A quota mensal de {_euros(r, 5, 60)} deve ser paga até ao dia {r.randint(1, 28)} de cada mês.",
            lambda r: "Pedimos desculpa pelo incómodo e agradecemos a vossa compreensão.",
            lambda r: f"Quem tiver dúvidas sobre o regulamento deve consultar o anexo {r.randint(1, 9)}.",
        ),
    ),
    "anúncio": (
        "Vende-se",
        (
            lambda r: f"Vendo {r.choice(THINGS)} em bom estado por {_euros(r, 20, 900)}.",
            lambda r: f"Preço negociável: contacte {r.choice(PEOPLE)} pelo {_phone(r)}, depois das {_time(r)}.",
            lambda r: f"Entrega em {r.choice(TOWNS)} ou arredores, com um custo de {_euros(r, 5, 40)}.",
            lambda r: f"Comprado em {r.randint(2015, 2025)}, foi usado apenas {r.randint(2, 40)} vezes.",
            lambda r: f"Oferta de {_percent(r)} de desconto a quem levar também a {r.choice(THINGS)}!",
            lambda r: f"Quer ver antes de comprar, no sábado às {_time(r)}?",
        ),
    ),
    "ementa": (
        "Ementa do dia",
        (
            lambda r: f"{r.choice(DISHES)}: {_euros(r, 3, 22)}.",
            lambda r: f"O prato do dia custa {_euros(r, 6, 14)} e inclui sopa, bebida e café.",
            lambda r: f"Às {r.choice(WEEKDAYS)}s há {r.choice(DISHES).lower()} por apenas {_euros(r, 5, 12)}.",
            lambda r: f"Reservas para grupos com mais de {r.randint(6, 20)} pessoas pelo {_phone(r)}.",
            lambda r: f"A cozinha fecha às {_time(r)}; a esplanada, às {_time(r)}.",
            lambda r: f"Sobremesa da casa: {r.choice(DISHES[-4:]).lower()}, {_euros(r, 2, 6)}!",
        ),
    ),
    "horário": (
        "Horário",
        (
            lambda r: f"O comboio para {r.choice(TOWNS)} parte às {_time(r)} da linha {r.randint(1, 9)}.",
            lambda r: f"O autocarro n.º {r.randint(1, 799)} passa de {r.randint(8, 30)} em {r.randint(8, 30)} minutos.",
            lambda r: f"Ao {r.choice(WEEKDAYS[5:])} e feriados, o último serviço sai às {_time(r)}.",
            lambda r: f"O bilhete simples custa {_euros(r, 1, 4)} e o passe mensal {_euros(r, 20, 50)}.",
            lambda r: f"A viagem até {r.choice(TOWNS)} demora cerca de {r.randint(20, 240)} minutos.",
            lambda r: f"Atenção: a partir de {_date(r)}, a paragem muda para a rua ao lado!",
        ),
    ),
    "notícia": (
        "Notícias",
        (
            lambda r: f"O desemprego em {r.choice(TOWNS)} desceu para {_percent(r)} no último trimestre.",
            lambda r: (
                f"Cerca de {r.randint(2, 90)} {r.choice(['000', 'mil'])} pessoas visitaram {r.choice(EVENTS)} "
                f"em {r.randint(2018, 2026)}."
            ),
            lambda r: f"«Foi um ano difícil, mas valeu a pena», disse {r.choice(PEOPLE)} aos jornalistas.",
            lambda r: f"A câmara municipal investiu {r.randint(2, 950)} mil euros na requalificação da praça.",
            lambda r: f"Segundo o relatório publicado a {_date(r)}, os preços subiram {_percent(r)}.",
            lambda r: f"Será que {r.choice(EVENTS)} volta em {MONTHS[r.randrange(12)]}?",
            lambda r: (
                f"A temperatura chegou aos {r.randint(15, 44)} graus em {r.choice(TOWNS)} na {r.choice(WEEKDAYS[:5])}."
            ),
        ),
    ),
    "recibo": (
        "Recibo",
        (
            lambda r: f"Recebemos de {r.choice(PEOPLE)[2:]} a quantia de {_euros(r, 10, 2500)}.",
            lambda r: f"Referência: {r.randint(10000, 99999)} {r.randint(100, 999)} {r.randint(100, 999)}.",
            lambda r: f"O valor inclui IVA à taxa de {r.choice(['6', '13', '23'])} %.",
            lambda r: f"Pago por transferência bancária a {_date(r)}.",
            lambda r: f"Código postal: {r.randint(1000, 9999)}-{r.randint(0, 999):03d} {r.choice(TOWNS)}.",
            lambda r: "Obrigado pela preferência!",
        ),
    ),
    "mensagem": (
        "Mensagem",
        (
            lambda r: f"Chego a {r.choice(TOWNS)} às {_time(r)}, vens buscar-me à estação?",
            lambda r: f"Já comprei os bilhetes para {r.choice(EVENTS)}: ficaram a {_euros(r, 3, 35)} cada.",
            lambda r: f"Não te esqueças de que o jantar é no dia {r.randint(1, 28)}, às {_time(r)}!",
            lambda r: f"O meu número novo é {_phone(r)}; guarda-o, por favor.",
            lambda r: f"Disseram-me «até já» há {r.randint(2, 50)} minutos e ainda estou à espera.",
            lambda r: "Ligas-me quando saíres do trabalho?",
        ),
    ),
}


MAX_SENTENCES = min(len(templates) for _, templates in GENRES.values())


def generated_text(rng: random.Random, num_sentences: int) -> SeedText:
    """A document of exactly ``num_sentences`` (at most ``MAX_SENTENCES``) sentences of one genre."""
    if not 1 <= num_sentences <= MAX_SENTENCES:
        raise ValueError(f"num_sentences must be 1 to {MAX_SENTENCES}, not {num_sentences}")
    genre = rng.choice(sorted(GENRES))
    title, templates = GENRES[genre]
    sentences = [template(rng) for template in rng.sample(templates, num_sentences)]
    title = f"{title} n.º {rng.randint(1, 99)}" if genre in ("aviso", "recibo") else title
    return SeedText(" ".join(sentences), title=title, genre=genre)
