"""Synthetic pt-PT invoices: the fields InvoiceQA asks about, in Portuguese formats."""

import datetime
import random
from dataclasses import dataclass


COMPANIES = (
    "Padaria Estrela, Lda.",
    "Cortiças do Sul, S.A.",
    "Azulejos Ribeiro & Filhos, Lda.",
    "Vinhos do Douro Vale, Lda.",
    "Oficina Central do Porto, Lda.",
    "Livraria Camões, S.A.",
    "Têxteis Minhotos, Lda.",
    "Conservas Atlântico, S.A.",
)
PEOPLE = (
    "Ana Marques",
    "João Carvalho",
    "Inês Figueiredo",
    "Rui Almeida",
    "Marta Sousa",
    "Tiago Fernandes",
    "Beatriz Costa",
)
STREETS = (
    "Rua Augusta",
    "Avenida da Liberdade",
    "Rua de Santa Catarina",
    "Rua Direita",
    "Largo do Chafariz",
    "Rua do Comércio",
)
TOWNS = (
    ("1100-048", "Lisboa"),
    ("4000-443", "Porto"),
    ("3000-123", "Coimbra"),
    ("8000-321", "Faro"),
    ("4700-030", "Braga"),
)
ITEMS = (
    "Pão de forma",
    "Rolhas de cortiça",
    "Azulejo pintado",
    "Garrafa de vinho tinto",
    "Revisão do automóvel",
    "Livro de poesia",
    "Toalha de linho",
    "Lata de sardinhas",
    "Caixa de pastéis de nata",
    "Saco de café",
)


def euros(value: float) -> str:
    """1234.5 -> '1 234,50 €' (pt-PT: space for thousands, comma for decimals)."""
    whole, cents = f"{value:,.2f}".split(".")
    return f"{whole.replace(',', ' ')},{cents} €"


@dataclass
class Invoice:
    fields: dict[str, str]  # field key -> value as printed
    items: list[tuple[str, int, str, str]]  # (description, quantity, unit price, line total)


def _nif(rng: random.Random) -> str:
    return str(rng.choice([1, 2, 5])) + "".join(str(rng.randint(0, 9)) for _ in range(8))


def _address(rng: random.Random) -> str:
    postcode, town = rng.choice(TOWNS)
    return f"{rng.choice(STREETS)}, {rng.randint(1, 250)}, {postcode} {town}"


def make_invoice(rng: random.Random) -> Invoice:
    issued = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(700))
    items, subtotal = [], 0.0
    for description in rng.sample(ITEMS, rng.randint(2, 5)):
        quantity, price = rng.randint(1, 12), rng.randint(50, 9000) / 100
        items.append((description, quantity, euros(price), euros(quantity * price)))
        subtotal += round(quantity * price, 2)
    vat = round(subtotal * 0.23, 2)
    fields = {
        "seller_name": rng.choice(COMPANIES),
        "seller_address": _address(rng),
        "seller_nif": _nif(rng),
        "buyer_name": rng.choice(PEOPLE),
        "buyer_address": _address(rng),
        "buyer_nif": _nif(rng),
        "invoice_number": f"FT {issued.year}/{rng.randint(1, 9999)}",
        "date": issued.strftime("%d/%m/%Y"),
        "due_date": (issued + datetime.timedelta(days=rng.choice([15, 30, 60]))).strftime("%d/%m/%Y"),
        "subtotal": euros(subtotal),
        "vat": euros(vat),
        "total": euros(subtotal + vat),
    }
    return Invoice(fields, items)
