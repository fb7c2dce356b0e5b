"""Synthetic pt-PT invoices: the fields InvoiceQA asks about, in Portuguese formats.

Names, addresses and items are combined from parts so that no field value is one of a handful; NIFs
carry a valid check digit; every item has the IVA rate Portuguese law gives its kind of goods.
"""

import datetime
import random
from dataclasses import dataclass


TRADES = (
    "Padaria", "Pastelaria", "Livraria", "Papelaria", "Oficina", "Cortiças", "Azulejos", "Vinhos", "Têxteis",
    "Conservas", "Mercearia", "Ferragens", "Farmácia", "Talho", "Restaurante", "Tipografia", "Eletricidade",
    "Cerâmicas", "Mobiliário", "Informática",
)  # fmt: skip
STEMS = (
    "Estrela", "do Sul", "Ribeiro", "Douro Vale", "Central", "Camões", "Minhota", "Atlântico", "Sousa & Filhos",
    "Boavista", "Alfama", "do Mondego", "Serra da Estrela", "Ria Formosa", "Pereira & Irmãos", "Lusitana",
    "do Castelo", "Nova Era", "Tejo", "Algarvia", "do Bairro", "Moderna", "Beira Mar", "Oliveira",
)  # fmt: skip
LEGAL_FORMS = ("Lda.", "S.A.", "Unipessoal, Lda.", "Lda.", "S.A.", "& C.ª, Lda.")
FIRST_NAMES = (
    "Ana", "João", "Inês", "Rui", "Marta", "Tiago", "Beatriz", "Miguel", "Catarina", "Pedro", "Sofia", "Diogo",
    "Mariana", "Gonçalo", "Leonor", "Francisco", "Joana", "Nuno", "Rita", "Duarte", "Teresa", "Afonso",
)  # fmt: skip
SURNAMES = (
    "Marques", "Carvalho", "Figueiredo", "Almeida", "Sousa", "Fernandes", "Costa", "Santos", "Ferreira",
    "Pereira", "Oliveira", "Rodrigues", "Martins", "Gonçalves", "Lopes", "Teixeira", "Moreira", "Pinto",
    "Ribeiro", "Vieira", "Magalhães", "Antunes", "Cardoso", "Monteiro",
)  # fmt: skip
STREETS = (
    "Rua Augusta", "Avenida da Liberdade", "Rua de Santa Catarina", "Rua Direita", "Largo do Chafariz",
    "Rua do Comércio", "Avenida dos Aliados", "Rua da Sofia", "Travessa do Carmo", "Praça da República",
    "Rua 25 de Abril", "Avenida Almirante Reis", "Rua de Cedofeita", "Estrada Nacional 125", "Rua do Brasil",
)  # fmt: skip
TOWNS = (
    ("1100", "Lisboa"), ("4000", "Porto"), ("3000", "Coimbra"), ("8000", "Faro"), ("4700", "Braga"),
    ("3800", "Aveiro"), ("7000", "Évora"), ("2400", "Leiria"), ("6000", "Castelo Branco"), ("5000", "Vila Real"),
    ("4900", "Viana do Castelo"), ("2900", "Setúbal"), ("9000", "Funchal"), ("9500", "Ponta Delgada"),
)  # fmt: skip
# (description, IVA rate in mainland Portugal, price range in euros): bread, books, canned fish and fruit
# are in list I (6 %), common wine and restaurant meals in list II (13 %), the rest at the normal 23 %.
ITEMS = (
    ("Pão de forma", 6, (1, 4)), ("Broa de milho", 6, (1, 5)), ("Livro de poesia", 6, (8, 30)),
    ("Manual escolar", 6, (10, 45)), ("Lata de sardinhas", 6, (1, 6)), ("Caixa de laranjas", 6, (5, 20)),
    ("Leite meio-gordo (6 L)", 6, (4, 9)), ("Garrafa de vinho tinto", 13, (3, 40)), ("Refeição do dia", 13, (7, 16)),
    ("Rolhas de cortiça (100 un.)", 23, (6, 30)), ("Azulejo pintado", 23, (4, 60)),
    ("Revisão do automóvel", 23, (80, 400)),
    ("Toalha de linho", 23, (12, 70)), ("Saco de café (1 kg)", 23, (9, 28)), ("Resma de papel A4", 23, (3, 8)),
    ("Lâmpada LED", 23, (2, 15)), ("Cadeira de madeira", 23, (35, 180)), ("Horas de mão de obra", 23, (15, 45)),
    ("Tinteiro de impressora", 23, (12, 55)), ("Cabo elétrico (10 m)", 23, (8, 35)),
)  # fmt: skip


def euros(value: float) -> str:
    """1234.5 -> '1 234,50 €' (pt-PT: space for thousands, comma for decimals)."""
    whole, cents = f"{value:,.2f}".split(".")
    return f"{whole.replace(',', ' ')},{cents} €"


@dataclass
class Invoice:
    fields: dict[str, str]  # field key -> value as printed
    items: list[tuple[str, int, str, str, int]]  # (description, quantity, unit price, line total, IVA %)


def nif_check_digit(first_eight: str) -> int:
    """The ninth digit of a Portuguese NIF: 11 minus the weighted sum mod 11, 0 where that is 10 or 11."""
    remainder = sum(int(digit) * weight for digit, weight in zip(first_eight, range(9, 1, -1))) % 11
    return 0 if remainder < 2 else 11 - remainder


def make_nif(rng: random.Random, first: int) -> str:
    """A NIF with a valid check digit; ``first`` is 1-2 for people, 5 for companies."""
    body = str(first) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    return body + str(nif_check_digit(body))


def _company(rng: random.Random) -> str:
    return f"{rng.choice(TRADES)} {rng.choice(STEMS)}, {rng.choice(LEGAL_FORMS)}".replace(", &", " &")


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {' '.join(rng.sample(SURNAMES, rng.choice([1, 2])))}"


def _address(rng: random.Random) -> str:
    prefix, town = rng.choice(TOWNS)
    postcode = f"{prefix[:2]}{rng.randint(0, 99):02d}-{rng.randint(0, 999):03d}"
    return f"{rng.choice(STREETS)}, {rng.randint(1, 250)}, {postcode} {town}"


def _items(rng: random.Random) -> tuple[list[tuple[str, int, str, str, int]], float, float]:
    items, subtotal, vat = [], 0.0, 0.0
    for description, rate, (low, high) in rng.sample(ITEMS, rng.randint(2, 6)):
        quantity, price = rng.randint(1, 12), rng.randint(low * 100, high * 100) / 100
        line = round(quantity * price, 2)
        items.append((description, quantity, euros(price), euros(line), rate))
        subtotal += line
        vat += line * rate / 100
    return items, round(subtotal, 2), round(vat, 2)


def make_invoice(rng: random.Random) -> Invoice:
    issued = datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randrange(1100))
    items, subtotal, vat = _items(rng)
    series = rng.choice(["FT", "FT A", "FT B", "FR", "FT 1"])
    fields = {
        "seller_name": _company(rng),
        "seller_address": _address(rng),
        "seller_nif": make_nif(rng, 5),
        "buyer_name": _person(rng) if rng.random() < 0.6 else _company(rng),
        "buyer_address": _address(rng),
        "buyer_nif": make_nif(rng, rng.choice([1, 2])),
        "invoice_number": f"{series} {issued.year}/{rng.randint(1, 99999)}",
        "date": issued.strftime(rng.choice(["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"])),
        "due_date": (issued + datetime.timedelta(days=rng.choice([8, 15, 30, 45, 60, 90]))).strftime("%d/%m/%Y"),
        "subtotal": euros(subtotal),
        "vat": euros(vat),
        "total": euros(subtotal + vat),
    }
    return Invoice(fields, items)
