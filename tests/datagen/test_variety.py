import csv
import re

import pytest
import torch

from datagen.filtering import lexicon
from datagen.filtering.classifier import load_classifier, pt_br_label
from datagen.filtering.tiny_classifier import train_tiny_classifier
from datagen.filtering.variety import (
    HELDOUT_SPLIT,
    LABELLED_SAMPLE,
    SPLITS,
    VarietyFilter,
    evaluate,
    load_labelled_sample,
    main,
)
from datagen.sources.seed_texts import load_seed_texts


@pytest.mark.parametrize(
    "pt_br, pt_pt",
    [
        ("Ela está lendo o jornal.", "Ela está a ler o jornal."),
        ("Você quer café?", "Tu queres café?"),
        ("Perdi o ônibus.", "Perdi o autocarro."),
        ("Me passa o sal.", "Passa-me o sal."),
        ("A situação econômica é difícil.", "A situação económica é difícil."),
        # Lexicon, with plurals
        ("Os trens estavam cheios.", "Os comboios estavam cheios."),
        ("Dois caminhões bloquearam a rua.", "Dois camiões bloquearam a rua."),
        ("O time venceu o campeonato.", "A equipa venceu o campeonato."),
        ("Ele viajou para o Irã.", "Ele viajou para o Irão."),
        # Spelling: numbers, billions, the pre-AO90 trema
        ("Ela fez dezesseis anos.", "Ela fez dezasseis anos."),
        ("A obra custou dois bilhões.", "A obra custou dois mil milhões."),
        ("Ele agüenta tudo com tranqüilidade.", "Ele aguenta tudo com tranquilidade."),
        # Syntax: a subject pronoun before the clitic, existential ter, em um, tá bom
        ("Eu me lembro daquele dia.", "Lembro-me daquele dia."),
        ("Sim, tem uma farmácia aqui perto.", "Sim, há uma farmácia aqui perto."),
        ("Deixei o carro em um estacionamento.", "Deixei o carro num parque de estacionamento."),
        ("Tá bom, a gente se vê amanhã.", "Tá bem, vemo-nos amanhã."),
        ("Deixa eu ver o mapa.", "Deixa-me ver o mapa."),
        ("Todo mundo chegou cedo.", "Toda a gente chegou cedo."),
        ("Ela corre todo dia no parque.", "Ela corre todo o dia no parque."),
        ("Vamos viajar no final de semana.", "Vamos viajar no fim de semana."),
        ("Você está cansado?", "Estás cansado?"),
        # The third revision's syntax: até o, long participles, ele as an object, clitics, esquecer de, ter
        ("O pagamento deve ser feito até o dia 8.", "O pagamento deve ser feito até ao dia 8."),
        ("A inscrição só será aceita com os documentos.", "A inscrição só será aceite com os documentos."),
        ("Faz tempo que eu não vejo ele.", "Há muito tempo que não o vejo."),
        ("O texto está em inglês, então eu o traduzo.", "O texto está em inglês, por isso traduzo-o."),
        ("Esqueci completamente da reunião!", "Esqueci-me completamente da reunião!"),
        ("Na prateleira de cima tem três potes.", "Na prateleira de cima há três frascos."),
        ("Espere a luz ficar verde.", "Espere que a luz fique verde."),
        ("Nunca tinha dito a ela que a amava.", "Nunca lhe tinha dito que a amava."),
        ("— Me deixa em paz! — gritou ela.", "— Deixa-me em paz! — gritou ela."),
        ("Em outra tigela, misture as gemas.", "Noutra tigela, misture as gemas."),
        ("Favor não responder a esta mensagem.", "Por favor, não responda a esta mensagem."),
        ("A reunião foi adiada para data a ser definida.", "A reunião foi adiada para data a definir (ponto n.º 3)."),
        # and its words: kitchen, screens, offices, research
        ("Deixe o bolo esfriar antes de servir.", "Deixe o bolo arrefecer antes de servir."),
        ('Clique em "Salvar" para não perder nada.', 'Clique em "Guardar" para não perder nada.'),
        ("Abra o menu de configurações.", "Abra o menu de definições."),
        ("Os pesquisadores publicaram o estudo.", "Os investigadores publicaram o estudo."),
        ("Ela compartilhou a foto com a turma.", "Ela partilhou a foto com a turma."),
        ("A Defesa Civil emitiu um alerta.", "A Proteção Civil emitiu um alerta."),
        ("Preaqueça o forno a 180 graus.", "Pré-aqueça o forno a 180 graus."),
    ],
)
def test_minimal_pairs_are_told_apart(pt_br, pt_pt):
    variety_filter = VarietyFilter()
    assert variety_filter.judge(pt_br).label == "pt-BR"
    assert variety_filter.judge(pt_pt).label == "pt-PT"


# Floors a little under the measured recall (see datagen/README.md): a guard against a cue change that loses
# recall, not a target; the held-back split's was measured once, after the cues were final.
@pytest.mark.parametrize(
    "split, min_recall", [("tuned1", 0.85), ("tuned2", 0.7), ("tuned3", 0.8), ("tuned4", 0.6), (HELDOUT_SPLIT, 0.55)]
)
def test_precision_and_recall_on_the_shipped_sample(split, min_recall):
    sample = load_labelled_sample(split)
    assert {label for label, _ in sample} == {"pt-BR", "pt-PT"}
    scores = evaluate(VarietyFilter(), sample)
    assert scores["precision"] >= 0.95
    assert scores["recall"] >= min_recall
    assert scores["pt_pt_kept"] >= 0.95


def test_the_pt_pt_seed_texts_are_kept():
    variety_filter = VarietyFilter()
    assert [seed.id for seed in load_seed_texts() if variety_filter.is_pt_br(seed.text)] == []


def test_classifier_hook_decides_what_cues_cannot():
    neutral = "O jogo foi adiado por causa da chuva."
    assert VarietyFilter().judge(neutral).label == "pt-PT"
    assert VarietyFilter(classifier=lambda text: 0.99).judge(neutral).label == "pt-BR"
    assert VarietyFilter(classifier=lambda text: 0.01).judge("Estou lendo.").label == "pt-PT"


def test_command_line_prints_scores(capsys):
    main(["--evaluate", "Estou fazendo o jantar."])
    out = capsys.readouterr().out
    assert f"{HELDOUT_SPLIT} precision=" in out and "pt-BR\t+3.0\tgerund progressive, gerund in a clause" in out


@pytest.mark.parametrize(
    "text",
    [
        "Junte duzentas gramas de farinha.",
        "Ela comprou um fato de banho novo.",
        "A calçada portuguesa é feita de pedra.",
        "O jantar estava ótimo.",
        "Vocês vêm jantar connosco?",
        "O prazo legal termina amanhã.",
        "O Arquivo Nacional fica em Lisboa.",
        "Os rapazes fizeram fila à porta do cinema.",
        # Each of these was read as pt-BR, or as less pt-PT than it is, by an earlier cue that now has a guard.
        "Naquela aldeia, toda a gente se conhecia.",  # "toda a gente" is no pt-BR "a gente"
        "Nossa Senhora de Fátima é venerada em todo o país.",  # no interjection "Nossa!"
        "Valeu a pena esperar.",  # no "Valeu!"
        "Tá bem, até logo.",  # pt-PT speech; pt-BR says "tá bom"
        "Meu amor, chegaste tarde.",  # a vocative takes no article
        "Para onde vão nas férias?",  # "em" before a time word is no motion with "em"
        "Ele se calhar já saiu.",  # "se calhar" is pt-PT's "maybe", no proclisis
        "Comi um cachorro-quente na feira.",  # the pt-PT hot dog, no pt-BR dog
        "A fêmea do lince tem duas crias.",  # closed ê before a nasal in both varieties
        "O piso térreo tem uma loja.",
        "A família imperial viveu em Sintra.",
        "Ela perguntou se ficavam para jantar.",  # "se" is "if" after verbs of asking
        "Comprei presunto de Chaves e uma sanduíche mista.",  # pt-PT words; only "o sanduíche" is pt-BR
        "Entrega rápida, chegou em dois dias úteis.",  # "em" before a count is "within", no motion
        "A sobremesa de requeijão com doce de abóbora é imperdível.",  # requeijão is a Portuguese cheese too
        "Envie o número por mensagem privada.",  # only the noun "a privada" is the pt-BR toilet
        "O festival teve mais de cem mil espectadores.",  # AO90 keeps "espectador" in pt-PT too
        "A partilha de bens foi feita no notário.",  # "partilha" is pt-BR law's word too
        "O governador do Banco de Portugal falou ontem.",  # no pt-BR state governor
        "Até o João percebeu a piada.",  # "até" is "even" here
        "Half the time it works.",  # English "time" is no pt-BR "time"
        "import time; time.sleep(1)",
    ],
)
def test_valid_pt_pt_is_not_flagged(text):
    assert VarietyFilter().judge(text).label == "pt-PT", VarietyFilter().judge(text).cues


@pytest.mark.parametrize(
    "text",
    [
        "A sala tem cinco metros de largura.",  # "metro" (pt-BR "metrô") is also a unit
        "O contrato passa a valer amanhã.",  # "passar a" + infinitive is "begin to" in both
        "O gato dorme debaixo da mesa.",
        "Comprou um carro elétrico.",  # only "o elétrico", the tram, is pt-PT
    ],
)
def test_words_both_varieties_use_are_no_pt_pt_cue(text):
    """A pt-PT cue on a shared word would hide the pt-BR cues of the same sentence."""
    assert VarietyFilter().judge(text).cues == []


@pytest.mark.parametrize("word", ["existe", "triste", "este", "oeste", "insiste"])
def test_the_second_person_preterite_cue_needs_a_preterite(word):
    assert "second-person past" not in VarietyFilter().judge(f"Ele disse que {word}.").cues
    assert "second-person past" in VarietyFilter().judge("Tu falaste com ele.").cues


def test_the_labelled_sample_is_large_balanced_and_spans_registers():
    for split in SPLITS:
        labels = [label for label, _ in load_labelled_sample(split)]
        assert labels.count("pt-BR") >= 100 and labels.count("pt-PT") >= 100
    with open(LABELLED_SAMPLE, encoding="utf-8", newline="") as rows:
        held = [row for row in csv.DictReader(rows, delimiter="\t") if row["split"] == HELDOUT_SPLIT]
    assert min(sum(row["label"] == label for row in held) for label in ("pt-BR", "pt-PT")) >= 190
    # The five registers of model output and the five of other writing the two writers of each half covered.
    registers = {"caption", "answer", "reasoning", "formal", "academic"} | {
        "chat", "review", "literature", "instructions", "news"
    }  # fmt: skip
    for label in ("pt-BR", "pt-PT"):
        assert {row["register"] for row in held if row["label"] == label} == registers
    # No held-out sentence is under both labels (a twin differs in what differs) or in a tuned split.
    held_texts = [row["text"] for row in held]
    tuned_texts = {text for split in SPLITS if split != HELDOUT_SPLIT for _, text in load_labelled_sample(split)}
    assert len(held_texts) == len(set(held_texts)) and not tuned_texts & set(held_texts)


def test_pt_pt_money_and_preterites_lean_pt_pt():
    variety_filter = VarietyFilter()
    assert "-ámos preterite" in variety_filter.judge("Falámos com ela ontem.").cues
    assert "até ao" in variety_filter.judge("Fomos até ao fim da rua.").cues
    assert "pt-PT money" in variety_filter.judge("Custa 3,50 € no café.").cues
    assert "pt-BR money" in variety_filter.judge("Custa R$ 3,50 no café.").cues


def test_every_lexicon_term_is_one_cue_and_no_term_is_claimed_by_both_varieties():
    pt_br = [br for br, _ in lexicon.PAIRS] + list(lexicon.PT_BR_ONLY) + list(lexicon.PT_BR_SPELLINGS)
    pt_pt = [pt for _, pt in lexicon.PAIRS] + list(lexicon.PT_PT_ONLY) + list(lexicon.PT_PT_SPELLINGS)
    assert len(pt_br) == len(set(pt_br)) and len(pt_pt) == len(set(pt_pt))
    assert not set(pt_br) & set(pt_pt)
    variety_filter = VarietyFilter()
    # Each plain word of a pair reads as its own variety: its cue fires and the other variety's does not.
    for br, pt in lexicon.PAIRS:
        for word, label in ((br, "pt-BR"), (pt, "pt-PT")):
            if re.fullmatch(r"[\wÀ-ÿ -]+", word):
                assert variety_filter.judge(f"Vi {word} ontem.").label == label, (word, label)


def test_pt_br_label_is_found_in_the_classifiers_label_names():
    assert pt_br_label({0: "PT-PT", 1: "PT-BR"}) == "PT-BR"
    assert pt_br_label({0: "pt_BR", 1: "pt_PT"}) == "pt_BR"
    assert pt_br_label({0: "LABEL_0", 1: "LABEL_1"}) == "LABEL_1"


@pytest.fixture(scope="module")
def tiny_classifier(tmp_path_factory):
    """A text-classification model trained here on the tuned1 split, loaded the way liaad/PtVId would be."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model on shared cores: more threads only contend
    try:
        dev = load_labelled_sample("tuned1")
        texts, labels = [text for _, text in dev], [label for label, _ in dev]
        folder = train_tiny_classifier(texts, labels, tmp_path_factory.mktemp("clf"), epochs=15)
        yield load_classifier(str(folder))
    finally:
        torch.set_num_threads(threads)


def test_a_local_text_classification_model_plugs_into_the_filter(tiny_classifier):
    dev = load_labelled_sample("tuned1")
    probabilities = [tiny_classifier(text) for _, text in dev]
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    # What it learnt: it separates the sentences it was trained on.
    mean_br = sum(p for p, (label, _) in zip(probabilities, dev) if label == "pt-BR") / 110
    mean_pt = sum(p for p, (label, _) in zip(probabilities, dev) if label == "pt-PT") / 110
    assert mean_br > 0.7 and mean_pt < 0.3
    combined = evaluate(VarietyFilter(classifier=tiny_classifier, classifier_weight=0.5), dev)
    assert combined["recall"] > evaluate(VarietyFilter(), dev)["recall"]
