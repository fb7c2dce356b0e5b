"""Python functions and short print snippets made from templates with random parameters.

They stand in for the paper's CodeSearchNet functions and model-written snippets, which cannot be
downloaded here; ``--functions`` / ``--snippets`` files let a pipeline use real ones instead. Outputs
are never computed here: the sandbox runs the code to learn them.
"""

import random
import re
from dataclasses import dataclass


PT_WORDS = ("comboio", "autocarro", "telemóvel", "saudade", "Lisboa", "pastel", "azulejo", "arroz", "Ana", "ovo")
PT_PHRASES = ("o sol brilha no rio", "a Ana lê um livro", "amanhã vou a Braga", "arroz doce com canela", "o gato dorme")


@dataclass(frozen=True)
class CodeFunction:
    name: str
    source: str
    calls: tuple[str, ...]  # candidate invocations, e.g. ("soma_multiplos(12)", ...)


def _ints(rng: random.Random, low: int, high: int, size: int) -> list[int]:
    return [rng.randint(low, high) for _ in range(size)]


def _words(rng: random.Random) -> str:
    return repr(rng.choice(PT_WORDS + PT_PHRASES))


# (pt-PT name, English name, pt-PT docstring, English docstring, body with {name}, call-argument maker)
FUNCTION_TEMPLATES = [
    (
        "soma_multiplos",
        "sum_multiples",
        "Soma os múltiplos de {k} abaixo de limit.",
        "Sum the multiples of {k} below limit.",
        "def {name}(limit):\n    {doc}\n    total = 0\n    for number in range(1, limit):\n        if number % {k} == 0:\n            total += number\n    return total\n",
        lambda rng: f"({rng.randint(5, 60)})",
    ),
    (
        "contar_vogais",
        "count_vowels",
        "Conta as vogais do texto.",
        "Count the vowels in the text.",
        'def {name}(text):\n    {doc}\n    vowels = "aeiouáéíóúâêôãõà"\n    return sum(1 for char in text.lower() if char in vowels)\n',
        lambda rng: f"({_words(rng)})",
    ),
    (
        "maiores_valores",
        "top_values",
        "Devolve os {k} maiores valores.",
        "Return the {k} largest values.",
        "def {name}(values):\n    {doc}\n    return sorted(values, reverse=True)[:{k}]\n",
        lambda rng: f"({_ints(rng, -20, 99, rng.randint(2, 7))})",
    ),
    (
        "passos_collatz",
        "collatz_steps",
        "Conta os passos da sequência de Collatz até 1.",
        "Count the Collatz steps down to 1.",
        "def {name}(n):\n    {doc}\n    steps = 0\n    while n != 1:\n        n = n // 2 if n % 2 == 0 else 3 * n + 1\n        steps += 1\n    return steps\n",
        lambda rng: f"({rng.randint(1, 99)})",
    ),
    (
        "fibonacci",
        "fibonacci",
        "Devolve o n-ésimo número de Fibonacci.",
        "Return the n-th Fibonacci number.",
        "def {name}(n):\n    {doc}\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
        lambda rng: f"({rng.randint(0, 30)})",
    ),
    (
        "razao_segura",
        "safe_ratio",
        "Divide a por b com {k} casas decimais.",
        "Divide a by b to {k} decimal places.",
        "def {name}(a, b):\n    {doc}\n    if b == 0:\n        return None\n    return round(a / b, {k})\n",
        lambda rng: f"({rng.randint(-50, 100)}, {rng.randint(0, 9)})",
    ),
    (
        "e_palindromo",
        "is_palindrome",
        "Diz se o texto é um palíndromo.",
        "Tell whether the text is a palindrome.",
        'def {name}(text):\n    {doc}\n    cleaned = "".join(c.lower() for c in text if c.isalnum())\n    return cleaned == cleaned[::-1]\n',
        lambda rng: (
            f"({rng.choice(['Ana', 'A torre da derrota', 'Anotaram a data da maratona', 'ovo', 'arroz', 'radar', 'Lisboa'])!r})"
        ),
    ),
    (
        "totais_acumulados",
        "running_total",
        "Devolve as somas acumuladas.",
        "Return the running totals.",
        "def {name}(values):\n    {doc}\n    totals, current = [], 0\n    for value in values:\n        current += value * {k}\n        totals.append(current)\n    return totals\n",
        lambda rng: f"({_ints(rng, -9, 9, rng.randint(1, 6))})",
    ),
    (
        "aplicar_desconto",
        "apply_discount",
        "Aplica um desconto até {k}%.",
        "Apply a discount of at most {k}%.",
        'def {name}(price, percent):\n    {doc}\n    if percent > {k}:\n        raise ValueError("discount too high")\n    return round(price * (1 - percent / 100), 2)\n',
        lambda rng: f"({rng.randint(5, 500)}, {rng.randint(0, 60)})",
    ),
    (
        "iniciais",
        "initials",
        "Devolve as iniciais das palavras.",
        "Return the initials of the words.",
        'def {name}(text, sep="{sep}"):\n    {doc}\n    return sep.join(word[0].upper() for word in text.split())\n',
        lambda rng: f"({rng.choice(PT_PHRASES)!r})",
    ),
    (
        "soma_digitos",
        "digit_sum",
        "Soma os algarismos de n.",
        "Sum the digits of n.",
        "def {name}(n):\n    {doc}\n    return sum(int(d) for d in str(abs(n)))\n",
        lambda rng: f"({rng.randint(-99999, 99999)})",
    ),
    (
        "elemento",
        "item_at",
        "Devolve o elemento na posição i.",
        "Return the item at position i.",
        "def {name}(values, i):\n    {doc}\n    return values[i] * {k}\n",
        lambda rng: f"({_ints(rng, 0, 9, 4)}, {rng.randint(-5, 5)})",
    ),
    (
        "media_aparada",
        "trimmed_mean",
        "Média dos valores sem os {k} extremos de cada lado.",
        "Mean of the values without the {k} extremes on each side.",
        "def {name}(values):\n    {doc}\n    kept = sorted(values)[{k}:-{k}]\n    if not kept:\n        return None\n    return sum(kept) / len(kept)\n",
        lambda rng: f"({_ints(rng, 0, 50, rng.randint(2, 9))})",
    ),
    (
        "contar_palavras",
        "count_words",
        "Conta as palavras com mais de {k} letras.",
        "Count the words longer than {k} letters.",
        "def {name}(text):\n    {doc}\n    return len([word for word in text.split() if len(word) > {k}])\n",
        lambda rng: f"({_words(rng)})",
    ),
    (
        "e_primo",
        "is_prime",
        "Diz se n é primo.",
        "Tell whether n is prime.",
        "def {name}(n):\n    {doc}\n    if n < 2:\n        return False\n    for divisor in range(2, int(n ** 0.5) + 1):\n        if n % divisor == 0:\n            return False\n    return True\n",
        lambda rng: f"({rng.randint(-3, 200)})",
    ),
    (
        "celsius_para_fahrenheit",
        "celsius_to_fahrenheit",
        "Converte graus Celsius em Fahrenheit, com {k} casas decimais.",
        "Convert degrees Celsius to Fahrenheit, to {k} decimal places.",
        "def {name}(celsius):\n    {doc}\n    return round(celsius * 9 / 5 + 32, {k})\n",
        lambda rng: f"({rng.randint(-30, 45)})",
    ),
    (
        "juros_compostos",
        "compound_interest",
        "Capital ao fim de anos a {k}% ao ano.",
        "Capital after years at {k}% a year.",
        "def {name}(capital, years):\n    {doc}\n    for _ in range(years):\n        capital *= 1 + {k} / 100\n    return round(capital, 2)\n",
        lambda rng: f"({rng.randint(100, 5000)}, {rng.randint(0, 12)})",
    ),
    (
        "sem_repetidos",
        "unique_in_order",
        "Remove os repetidos, mantendo a ordem.",
        "Drop repeated items, keeping the order.",
        "def {name}(values):\n    {doc}\n    seen, result = set(), []\n    for value in values:\n        if value not in seen:\n            seen.add(value)\n            result.append(value)\n    return result\n",
        lambda rng: f"({_ints(rng, 0, rng.randint(3, 9), rng.randint(3, 8))})",
    ),
    (
        "mdc",
        "gcd",
        "Máximo divisor comum de a e b.",
        "Greatest common divisor of a and b.",
        "def {name}(a, b):\n    {doc}\n    while b:\n        a, b = b, a % b\n    return abs(a)\n",
        lambda rng: f"({rng.randint(0, 300)}, {rng.randint(0, 300)})",
    ),
    (
        "contar_maiusculas",
        "count_capitals",
        "Conta as letras maiúsculas do texto.",
        "Count the capital letters in the text.",
        "def {name}(text):\n    {doc}\n    return sum(1 for char in text if char.isupper())\n",
        lambda rng: (
            f"({rng.choice(PT_PHRASES + PT_WORDS).title() if rng.random() < 0.5 else rng.choice(PT_PHRASES)!r})"
        ),
    ),
    (
        "posicao_maximo",
        "argmax",
        "Devolve a posição do maior valor, ou -{k} se não houver.",
        "Return the position of the largest value, or -{k} if none.",
        "def {name}(values):\n    {doc}\n    if not values:\n        return -{k}\n    best = 0\n    for i, value in enumerate(values):\n        if value > values[best]:\n            best = i\n    return best\n",
        lambda rng: f"({_ints(rng, -9, 40, rng.randint(0, 6))})",
    ),
    (
        "agrupar_por_tamanho",
        "group_by_length",
        "Agrupa as palavras pelo número de letras.",
        "Group the words by their number of letters.",
        "def {name}(text):\n    {doc}\n    groups = {{}}\n    for word in text.split():\n        groups.setdefault(len(word), []).append(word)\n    return groups\n",
        lambda rng: f"({rng.choice(PT_PHRASES)!r})",
    ),
]


# Local names a template may use and what else a programmer might call them: each function draws its own,
# so one template gives many distinct sources (the docstrings name parameters, and follow the rename).
SYNONYMS = {
    "limit": ("limit", "bound", "upper", "stop"),
    "total": ("total", "acc", "result", "running"),
    "number": ("number", "value", "candidate", "x"),
    "text": ("text", "phrase", "sentence", "line"),
    "values": ("values", "numbers", "items", "data"),
    "vowels": ("vowels", "vogais", "VOWELS"),
    "char": ("char", "letter", "ch"),
    "steps": ("steps", "count", "n_steps"),
    "cleaned": ("cleaned", "normalised", "letters"),
    "totals": ("totals", "sums", "partial"),
    "current": ("current", "acc", "so_far"),
    "value": ("value", "item", "v"),
    "price": ("price", "amount", "cost"),
    "percent": ("percent", "pct", "discount"),
    "word": ("word", "w", "token"),
    "digit": ("d", "digit", "c"),
    "divisor": ("divisor", "d", "factor"),
    "kept": ("kept", "middle", "core"),
    "seen": ("seen", "visited", "known"),
    "result": ("result", "out", "unique"),
    "best": ("best", "top", "index_max"),
    "groups": ("groups", "by_length", "buckets"),
    "capital": ("capital", "principal", "balance"),
    "celsius": ("celsius", "degrees", "temp_c"),
    "years": ("years", "periods", "n_years"),
}
_IDENTIFIER = re.compile(r"\b(" + "|".join(SYNONYMS) + r")\b")


def _rename(rng: random.Random, source: str) -> str:
    """Give the template's local names one consistent random spelling each (never two names the same).

    The docstring follows the rename of parameters it names ("below limit"), and only of those: its other
    words ("the largest value") are prose.
    """
    chosen: dict[str, str] = {}
    for name in dict.fromkeys(_IDENTIFIER.findall(source)):
        options = [o for o in SYNONYMS[name] if o not in chosen.values() and not re.search(rf"\b{o}\b", source)]
        chosen[name] = rng.choice(options + [name])
    parameters = set(re.findall(r"\w+", source.split("(", 1)[1].split(")", 1)[0]))
    in_prose = {name: new for name, new in chosen.items() if name in parameters}
    lines = []
    for line in source.split("\n"):
        names = in_prose if '"""' in line else chosen
        lines.append(_IDENTIFIER.sub(lambda m, names=names: names.get(m.group(1), m.group(1)), line))
    return "\n".join(lines)


def _restyle(rng: random.Random, source: str) -> str:
    """House styles real code shows: two-space indents, no docstring, a blank line after it, ''' quotes."""
    lines = source.splitlines()
    if rng.random() < 0.2:
        lines = [line for line in lines if not line.strip().startswith('"""')]
    elif rng.random() < 0.3:
        lines.insert(2, "")
    if rng.random() < 0.2:
        lines = [re.sub(r"^((?:    )+)", lambda m: "  " * (len(m.group(1)) // 4), line) for line in lines]
    text = "\n".join(lines) + "\n"
    return text.replace('"""', "'''") if rng.random() < 0.15 else text


def make_function(rng: random.Random, language: str, num_calls: int = 4) -> CodeFunction:
    """A function from a random template, named and documented in ``language`` ("pt" or "en")."""
    pt_name, en_name, pt_doc, en_doc, body, make_args = rng.choice(FUNCTION_TEMPLATES)
    name = pt_name if language == "pt" else en_name
    k, sep = rng.randint(2, 9), rng.choice([".", "", "-"])
    doc = '"""' + (pt_doc if language == "pt" else en_doc).format(k=k) + '"""'
    source = _restyle(rng, _rename(rng, body.format(name=name, doc=doc, k=k, sep=sep)))
    calls = tuple(dict.fromkeys(name + make_args(rng) for _ in range(num_calls * 3)))[:num_calls]
    return CodeFunction(name, source, calls)


SNIPPET_TEMPLATES = [
    lambda rng: (
        f"items = {_ints(rng, 0, 20, rng.randint(3, 6))}\ntotal = 0\nfor item in items:\n    if item > {rng.randint(2, 12)}:\n        total += item\nprint(total)\n"
    ),
    lambda rng: f"word = {rng.choice(PT_WORDS)!r}\nprint(word[::-1], len(word))\n",
    lambda rng: (
        f"counts = {{}}\nfor letter in {rng.choice(PT_WORDS)!r}:\n    counts[letter] = counts.get(letter, 0) + 1\nprint(counts)\n"
    ),
    lambda rng: f"x = {rng.randint(5, 99)}\ny = {rng.randint(1, 9)}\nprint(x // y, x % y, x - y)\n",
    lambda rng: (
        "names = "
        + repr(rng.sample(["Ana", "Rui", "Inês", "João", "Marta", "Tiago"], 3))
        + f'\nfor i, name in enumerate(names, {rng.randint(0, 2)}):\n    print(f"{{i}}: {{name}}")\n'
    ),
    lambda rng: f"n = {rng.randint(3, 9)}\nprint([i * i for i in range(n) if i % {rng.randint(2, 3)} == 0])\n",
    lambda rng: f"text = {rng.choice(PT_PHRASES)!r}\nprint(text.upper().split()[{rng.randint(0, 2)}])\n",
    lambda rng: f"values = {_ints(rng, 1, 30, 3)}\nvalues.sort()\nprint(values, sum(values) // len(values))\n",
    lambda rng: (
        f'a, b = {rng.randint(0, 20)}, {rng.randint(0, 20)}\nif a > b:\n    print("a", a - b)\nelif a < b:\n    print("b", b - a)\nelse:\n    print("igual")\n'
    ),
    lambda rng: (
        f"s = 0\ni = {rng.randint(0, 5)}\nwhile i < {rng.randint(6, 15)}:\n    s += i\n    i += {rng.randint(1, 3)}\nprint(s, i)\n"
    ),
]


SNIPPET_TEMPLATES += [
    lambda rng: (
        f"prices = {[round(rng.uniform(1, 30), 2) for _ in range(rng.randint(2, 5))]}\n"
        f'total = sum(prices)\nprint(f"{{total:.2f}}", len(prices))\n'
    ),
    lambda rng: f"word = {rng.choice(PT_WORDS)!r}\nprint(word.count({rng.choice('aeiou')!r}), word.upper())\n",
    lambda rng: (
        f"grades = {{'Ana': {rng.randint(8, 20)}, 'Rui': {rng.randint(8, 20)}, 'Inês': {rng.randint(8, 20)}}}\n"
        "best = max(grades, key=grades.get)\nprint(best, grades[best])\n"
    ),
    lambda rng: f"n = {rng.randint(2, 7)}\nfor i in range(1, n + 1):\n    print('*' * i)\n",
    lambda rng: (
        f"numbers = {_ints(rng, -10, 20, rng.randint(4, 7))}\n"
        f"positives = [x for x in numbers if x > {rng.randint(-2, 5)}]\nprint(positives, len(positives))\n"
    ),
    lambda rng: f"phrase = {rng.choice(PT_PHRASES)!r}\nwords = phrase.split()\nprint(len(words), words[-1][::-1])\n",
    lambda rng: f"a = {rng.randint(1, 30)}\nb = {rng.randint(1, 30)}\nwhile b:\n    a, b = b, a % b\nprint(a)\n",
    lambda rng: (
        f"temps = {_ints(rng, 8, 38, rng.randint(3, 6))}\n"
        "print(min(temps), max(temps), round(sum(temps) / len(temps), 1))\n"
    ),
    lambda rng: (
        f"stock = {{'pão': {rng.randint(0, 9)}, 'leite': {rng.randint(0, 9)}}}\n"
        f"stock['pão'] -= {rng.randint(0, 3)}\nprint(sorted(stock.items()))\n"
    ),
    lambda rng: (
        f"text = {rng.choice(PT_PHRASES)!r}\n"
        f"print(text.replace(' ', {rng.choice(['-', '_', ''])!r}), text.find({rng.choice('aeiou')!r}))\n"
    ),
    lambda rng: (
        f"x = {rng.randint(-20, 20)}\nprint('positivo' if x > 0 else 'zero' if x == 0 else 'negativo', abs(x))\n"
    ),
    lambda rng: (
        f"items = {rng.sample(['maçã', 'pera', 'uva', 'figo', 'kiwi', 'lima'], rng.randint(2, 4))}\n"
        f"items.append({rng.choice(['ameixa', 'laranja', 'banana'])!r})\nprint(items[{rng.randint(-2, 1)}], len(items))\n"
    ),
]


def make_snippet(rng: random.Random) -> str:
    """A short (at most 10 lines) program that prints its result."""
    return rng.choice(SNIPPET_TEMPLATES)(rng)
