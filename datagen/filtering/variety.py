"""A pt-BR / pt-PT variety filter from lexical and morphosyntactic cues, with a hook for a classifier.

    python -m datagen.filtering.variety "Estou fazendo o jantar."      # label one text, show the cues
    python -m datagen.filtering.variety --evaluate                      # precision/recall on the shipped sample

Each cue is a regular expression with a weight; a text's pt-BR score is the weight of the pt-BR cues
that match minus that of the pt-PT ones. The paper (section 5.1, PT-VQA-Gen) pairs such a lexical
filter with a classifier [44]: pass any ``text -> P(pt-BR)`` function as ``classifier`` to add it.
"""

import argparse
import csv
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


LABELLED_SAMPLE = Path(__file__).parents[1] / "data" / "variety_labelled.tsv"

_W = r"[\wÀ-ÿ]"  # a word character, accented letters included


def _words(*words: str) -> str:
    return r"\b(?:" + "|".join(words) + r")\b"


# Verbs after which pt-BR puts an unhyphenated clitic before the infinitive ("vou te buscar").
_AUXILIARIES = "vou|vai|vamos|vão|pode|posso|podes|podemos|quer|quero|deve|devo|precisa|preciso|consegue|consigo"
# Words that pull the clitic before the verb in pt-PT too ("que me disse", "não me diga").
_PROCLISIS_ATTRACTORS = (
    "que|não|nunca|já|também|só|quem|onde|quando|se|como|ainda|sempre|bem|tudo|nada|ninguém|porque|talvez"
)

# Words ending in -aste/-este/-iste that are no second-person preterite ("existe", "triste", "este").
_NOT_PRETERITES = (
    "este|deste|neste|oeste|leste|sudeste|nordeste|noroeste|sudoeste|peste|teste|celeste|agreste|veste|investe|reveste|"
    "triste|existe|insiste|resiste|consiste|persiste|assiste|desiste|subsiste|coexiste|contraste|haste|gaste|baste|"
    "vaste|traste|caste|empaste|pastel|despiste|alpiste|chiste|riste|despe|conteste|ateste|deteste|manifeste|"
    "proteste|moleste|preste|empreste|requiste|conquiste"
)
# Articles and prepositions before which a possessive is "o seu"/"da sua" in both varieties.
_BEFORE_POSSESSIVE = (
    "o|a|os|as|do|da|dos|das|no|na|nos|nas|ao|à|aos|às|pelo|pela|pelos|pelas|um|uma|de|em|por|com|este|esta|esse|"
    "essa|é|são|era|foi|ser|seja|todo|toda|e|ou"
)
# Time words after which "foi no ..." is pt-PT too ("foi no sábado").
_TIME_WORDS = (
    "sábado|domingo|dia|ano|mês|fim|início|final|verão|inverno|outono|primavera|passado|próximo|momento|tempo|"
    "natal|ano|meio|último|primeiro|segundo|terceiro|seu|sua"
)
# Words that end in -ando/-endo/-indo and are no gerund.
_NOT_GERUNDS = (
    "quando|brando|comando|bando|lindo|vindo|bem-vindo|tremendo|estupendo|horrendo|dividendo|fernando|armando|"
    "orlando|rolando|remendo|adendo|contrabando|nefando|infindo|findo|mundo|fundo|segundo|rotundo|oriundo"
)

# (name, pattern, weight): positive weights point to pt-BR, negative to pt-PT.
CUES: list[tuple[str, str, float]] = [
    # Progressive aspect: "estou fazendo" (pt-BR) against "estou a fazer" (pt-PT).
    ("gerund progressive", rf"\b(?:est|fic|fiq|continu|and|pass)\w*\s+{_W}+(?:ando|endo|indo)\b", 2.0),
    ("a + infinitive progressive", rf"\b(?:est|fic|fiq|continu|and|pass)\w*\s+a\s+{_W}+(?:ar|er|ir)\b", -2.0),
    # Address: você with third-person verbs is the informal pt-BR default; tu and its forms are pt-PT's.
    # "vocês" is the plural "you" of pt-PT too ("Vocês vêm jantar?"): only the singular points to pt-BR.
    ("você", _words("você"), 1.5),
    ("a gente", _words("a gente"), 1.5),
    ("tu", _words("tu", "contigo", "te"), -0.5),
    # Preterites such as "falaste", "comeste", "partiste"; not the many words that end the same way.
    ("second-person past", rf"\b(?!(?:{_NOT_PRETERITES})\b){_W}+(?:aste|este|iste)\b", -1.0),
    # Clitics: proclisis at the start of a sentence is pt-BR; hyphenated enclisis leans pt-PT.
    (
        "sentence-initial clitic",
        r"(?:^|[.!?]\s+)(?-i:Me|Te|Lhe)\s+\w",
        2.0,
    ),  # not "Se" or "Nos": also "if" and "in the"
    (
        "clitic between auxiliary and infinitive",
        rf"\b(?:{_AUXILIARIES})\s+(?:me|te|se|lhe|nos)\s+{_W}+(?:ar|er|ir)\b",
        2.0,
    ),
    (
        "proclisis after a subject",
        rf"\b(?!(?:{_PROCLISIS_ATTRACTORS})\b){_W}+\s+(?:me|se|lhe|nos)\s+{_W}+(?:ou|eu|iu|ava|ia)\b",
        1.5,
    ),
    ("enclitic", rf"\b{_W}+-(?:me|te|se|lhe|lhes|nos|vos|o|a|os|as|lo|la|los|las)\b", -1.0),
    # Colloquial pt-BR forms.
    ("colloquial pt-BR", _words("pra", "pro", "né", "tá", "tô", "cê"), 2.0),
    ("existential ter", r"(?:^|[.!?]\s+)(?-i:Tem)\s+(?:muit|um|uma|algu)", 1.5),
    ("existential haver", r"(?:^|[.!?]\s+)(?-i:Há)\b", -1.0),
    ("ter que", rf"\b(?:tem|tenho|temos|têm|tive|tinha)\s+que\s+{_W}+(?:ar|er|ir)\b", 1.0),
    ("ter de", rf"\b(?:tem|tens|tenho|temos|têm|tive|tinha)\s+de\s+{_W}+(?:ar|er|ir)\b", -1.0),
    ("bare possessive", r"(?:^|[.!?]\s+)(?-i:Meu|Minha|Meus|Minhas)\b", 1.0),
    ("articled possessive", r"(?:^|[.!?]\s+)(?-i:O|A|Os|As) (?:meu|minha|meus|minhas)\b", -1.0),
    # Spelling: pt-BR writes closed ô/ê before a nasal (econômico, gênero); pt-PT open ó/é (económico).
    ("closed accent before nasal", r"[ôê][mn][aeiouáéíóú]", 2.0),
    ("open accent before nasal", r"[óé][mn][aeiou]", -1.0),
    # "fato" is a suit in pt-PT ("fato de banho"); "de fato" and "o fato de" are pt-BR's "de facto".
    ("pt-BR spelling", _words("de fato", "o fato de", "contato", "contatos", "recepção", "registrar", "registro"), 1.0),
    ("pt-BR spelling", _words("aspecto", "aspectos", "conosco", "percepção", "concepção"), 1.5),
    (
        "pt-PT spelling",
        _words("facto", "contacto", "receção", "registar", "registo", "óptimo", "connosco", "aspeto"),
        -1.5,
    ),
    # A gerund inside a clause ("uma mulher andando"); at a sentence start or after a comma pt-PT has it too.
    ("gerund in a clause", rf"(?<![,;:.!?\n])(?<!^)\s(?!(?:{_NOT_GERUNDS})\b){_W}{{2,}}(?:ando|endo|indo)\b", 1.0),
    # A possessive with no article ("Digite sua senha", "te empresto meu notebook").
    (
        "possessive without article",
        rf"\b(?!(?:{_BEFORE_POSSESSIVE})\b){_W}+ (?:seu|sua|seus|suas|meu|minha|meus|minhas)\b",
        1.0,
    ),
    ("assistir without a", r"\bassist(?:ir|o|e|imos|em|iu|i|ia|iam)\s+(?:o|os|um|uns|esse|este)\b", 1.5),
    ("clitic after a comma", r",\s+(?:me|te|lhe)\s+[\wÀ-ÿ]+", 1.5),
    (
        "ir/chegar em",
        rf"\b(?:vou|vai|vamos|vão|fui|foi|fomos|foram|ir|chego|chegou|cheguei|chegar)\s+(?:em|n[oa]s?)\s+(?!(?:{_TIME_WORDS})\b)",
        1.0,
    ),
    ("pt-BR greeting or interjection", r"(?:^|[.!?]\s+)(?-i:Oi|Nossa|Cadê|Beleza|Valeu)\b", 1.5),
    (
        "pt-BR colloquial word",
        _words("cadê", "topa", "bacana", "que legal", "muito legal", "valeu pelo", "moleque"),
        1.5,
    ),
    (
        "pt-BR administrative term",
        _words("prezado", "prezada", "nota fiscal", "boleto", "RG", "CPF", "agendamento", "favor entrar", "cadastro"),
        1.5,
    ),
    ("pt-BR money", r"\bR\$|\b(?:mil|\d+)\s+reais\b|\breais\s+e\b|\bcentavos?\b", 2.0),
    ("pt-BR final ê", _words("bebê", "purê", "comitê", "caratê", "nenê", "crochê", "buquê", "clichê", "matinê"), 2.0),
]

# Words that only one variety uses for the same thing (ônibus / autocarro style pairs).
LEXICAL_PAIRS: list[tuple[str, str]] = [
    ("ônibus", "autocarro"),
    ("trem", "comboio"),
    ("celular", "telemóvel"),
    ("geladeira", "frigorífico"),
    ("banheiro", "casa de banho"),
    ("café da manhã", "pequeno-almoço"),
    ("time", "equipa"),
    ("tela", "ecrã"),
    ("usuário", "utilizador"),
    ("sorvete", "gelado"),
    ("suco", "sumo"),
    ("moça", "rapariga"),
    ("pedestre", "peão"),
    ("xícara", "chávena"),
    ("açougue", "talho"),
    ("aeromoça", "hospedeira"),
    ("esporte", "desporto"),
    ("cardápio", "ementa"),
    ("garçom", "empregado de mesa"),
    ("encanador", "canalizador"),
    ("lanchonete", "snack-bar"),
    ("garoto", "puto"),
    ("sanduíche", "sandes"),
    ("bilheteria", "bilheteira"),
    ("metrô", "metro"),
    ("carteira de motorista", "carta de condução"),
    ("aplicativo", "aplicação"),
    ("caixa eletrônico", "multibanco"),
    ("planejar", "planear"),
    ("equipe", "equipa"),
    ("mouse", "rato"),
    ("posto de saúde", "centro de saúde"),
    ("liquidação", "saldos"),
    ("cachorro", "cão"),
    ("gramado", "relvado"),
    ("embaixo", "debaixo"),
    ("subsolo", "cave"),
    ("liquidificador", "liquidificadora"),
    ("notebook", "portátil"),
    ("camiseta", "t-shirt"),
    ("picolé", "gelado de pau"),
    ("bonde", "elétrico"),
    ("rodoviária", "central de camionagem"),
    ("prefeitura", "câmara municipal"),
    ("prefeito", "presidente da câmara"),
    ("shopping", "centro comercial"),
]
# Removed as pt-PT uses them too: "grama" (gramas), "calçada" (calçada portuguesa), "site", "legal" (o prazo
# legal), "arquivo" (Arquivo Nacional), "academia", "fila", "menino", "baixar" (baixar o preço).

# Words one variety uses where the other has a word of its own that is not simply the pair's other half.
PT_BR_WORDS = (
    "terno", "síndico", "privada", "vaso sanitário", "calcinha", "moletom", "paletó", "abacaxi", "requeijão",
    "caminhão", "pedágio", "carona", "goleiro", "zagueiro", "torcedor", "xampu", "deletar", "acessar", "acessou",
    "checar", "garota", "papai", "mamãe", "vovó", "vó", "neném", "bagunça", "grana", "xingar", "cafezinho",
    "rosquinha", "pão francês", "rodovia", "posto de gasolina", "ponto de ônibus", "faixa de pedestres", "gol",
    "placar", "ônibus", "tênis", "time do",
)  # fmt: skip
PT_PT_WORDS = (
    "guarda-redes", "golo", "golos", "boleia", "camião", "portagem", "autoestrada", "passadeira", "paragem", "sanita",
    "cuecas", "camisola", "ananás", "fiambre", "champô", "aceder", "rapariga", "miúdo", "miúda", "fixe", "bica",
    "papá", "mamã", "montra", "adepto", "adeptos", "marcação", "introduza", "registe", "descarregue", "contactar",
    "contacte", "palavra-passe", "cêntimos", "autarquia", "junta de freguesia", "cartão de cidadão", "casa de banho",
    "imperiais", "alinhas", "connosco",
)  # fmt: skip

LEXICAL_WEIGHT = 2.0


def _lexical_cues() -> list[tuple[str, str, float]]:
    """Each pair gives a pt-BR and a pt-PT cue, inflected by an optional plural -s."""
    cues = []
    for br, pt in LEXICAL_PAIRS:
        cues.append((f"pt-BR word '{br}'", rf"\b{br}s?\b", LEXICAL_WEIGHT))
        cues.append((f"pt-PT word '{pt}'", rf"\b{pt}s?\b", -LEXICAL_WEIGHT))
    cues += [(f"pt-BR word '{word}'", rf"\b{word}s?\b", LEXICAL_WEIGHT) for word in PT_BR_WORDS]
    cues += [(f"pt-PT word '{word}'", rf"\b{word}\b", -LEXICAL_WEIGHT) for word in PT_PT_WORDS]
    return cues


@dataclass
class Verdict:
    label: str  # "pt-BR" or "pt-PT"
    score: float
    cues: list[str] = field(default_factory=list)


class VarietyFilter:
    """Labels texts pt-BR or pt-PT; ``is_pt_br`` is what a pipeline drops on.

    ``classifier`` maps a text to P(pt-BR); its log-odds, times ``classifier_weight``, join the score.
    """

    def __init__(
        self, classifier: Callable[[str], float] | None = None, classifier_weight: float = 2.0, threshold: float = 0.0
    ):
        # Case-insensitive; cues that need a capital (sentence starts) say so inline with (?-i:...).
        self.cues = [
            (name, re.compile(pattern, re.IGNORECASE), weight) for name, pattern, weight in CUES + _lexical_cues()
        ]
        self.classifier, self.classifier_weight, self.threshold = classifier, classifier_weight, threshold

    def judge(self, text: str) -> Verdict:
        matched = [(name, weight) for name, pattern, weight in self.cues if pattern.search(text)]
        score = sum(weight for _, weight in matched)
        if self.classifier is not None:
            score += self.classifier_weight * _log_odds(self.classifier(text))
        label = "pt-BR" if score > self.threshold else "pt-PT"
        return Verdict(label, score, [name for name, _ in matched])

    def is_pt_br(self, text: str) -> bool:
        return self.judge(text).label == "pt-BR"


def _log_odds(probability: float, eps: float = 1e-6) -> float:
    probability = min(1 - eps, max(eps, probability))
    return math.log(probability / (1 - probability))


def load_labelled_sample(split: str, path: Path = LABELLED_SAMPLE) -> list[tuple[str, str]]:
    """(label, text) pairs of the shipped sample. ``dev`` was read while the cues were written;
    ``heldout`` was written afterwards and never tuned on, so its figures are the honest ones."""
    with open(path, encoding="utf-8", newline="") as rows:
        return [(row["label"], row["text"]) for row in csv.DictReader(rows, delimiter="\t") if row["split"] == split]


def evaluate(variety_filter: VarietyFilter, sample: list[tuple[str, str]]) -> dict[str, float]:
    """Precision and recall of pt-BR detection (the class a pipeline drops), and pt-PT kept."""
    predicted = [variety_filter.is_pt_br(text) for _, text in sample]
    actual = [label == "pt-BR" for label, _ in sample]
    true_pos = sum(p and a for p, a in zip(predicted, actual))
    precision = true_pos / max(1, sum(predicted))
    recall = true_pos / max(1, sum(actual))
    kept_pt = sum(not p and not a for p, a in zip(predicted, actual)) / max(1, actual.count(False))
    return {"precision": precision, "recall": recall, "pt_pt_kept": kept_pt, "n": len(sample)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="*", help="texts to label")
    parser.add_argument("--evaluate", action="store_true", help="measure on the shipped labelled sample")
    args = parser.parse_args(argv)
    variety_filter = VarietyFilter()
    if args.evaluate:
        for split in ("dev", "heldout"):
            scores = evaluate(variety_filter, load_labelled_sample(split))
            print(
                split,
                " ".join(
                    f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}"
                    for key, value in scores.items()
                ),
            )
    for text in args.texts:
        verdict = variety_filter.judge(text)
        print(f"{verdict.label}\t{verdict.score:+.1f}\t{', '.join(verdict.cues) or '-'}\t{text}")
    if not args.evaluate and not args.texts:
        parser.error("give texts to label or --evaluate")


if __name__ == "__main__":
    sys.exit(main())
