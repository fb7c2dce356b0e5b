"""The fork's two native pt-PT suites, beyond Table 3: PorTEXTO (reading text) and CARAVELA (Portuguese culture).

PorTEXTO (`amalia-llm/PorTEXTO`, one config per kind of text) asks for the text in an image and scores the answer
by ANLS and by corpus BLEU-1. CARAVELA (`amalia-llm/CARAVELA`, one parquet file per task) asks about culturally
Portuguese entities: multiple choice, short answers, and reasoning, each answer ending "ANSWER: ...", scored in
[0, 100] per document. Both strip `<think>` blocks before scoring, as the fork does.
"""

import re

from lmms_eval.api.metrics import anls
from lmms_eval.tasks._task_utils.mcq_extract import extract_mcq_answer
from sacrebleu.metrics import BLEU

from evaluation.tasks.spec import Benchmark, image_visual, mean, question_with_prompts


THINK_TAGS = [["<think>", "</think>"]]
PORTEXTO_SUBSETS = ("handwritten", "handwritten_full_page", "in_the_wild", "synthetic")


def _references(answer) -> list[str]:
    return [answer] if isinstance(answer, str) else list(answer)


def portexto_process_results(doc: dict, results: list[str]) -> dict:
    prediction = results[0].strip()
    references = _references(doc["answer"])
    return {"anls": anls(references=references, predictions=[prediction])["anls"], "bleu": (references, prediction)}


def corpus_bleu1(items: list[tuple[list[str], str]]) -> float:
    """Corpus BLEU-1 (unigrams, 0-100) with sacrebleu; documents with fewer references repeat their first one."""
    references = [refs for refs, _ in items]
    predictions = [prediction for _, prediction in items]
    most = max(len(refs) for refs in references)
    streams = [[refs[i] if i < len(refs) else refs[0] for refs in references] for i in range(most)]
    return BLEU(max_ngram_order=1, effective_order=True).corpus_score(predictions, streams).score


def _portexto(subset: str) -> Benchmark:
    return Benchmark(
        task=f"portexto_{subset}_pt",
        dataset="PorTEXTO",
        subset=subset,
        split="test",
        doc_to_visual=image_visual(),
        doc_to_text=question_with_prompts,
        process_results=portexto_process_results,
        metrics={"anls": mean, "bleu": corpus_bleu1},
        max_new_tokens=8192,
        prompts={"default": {"pre_prompt": "", "post_prompt": ""}},
        reasoning_tags=THINK_TAGS,
    )


PORTEXTO = [_portexto(subset) for subset in PORTEXTO_SUBSETS]


def final_answer(response: str) -> str:
    """What follows the last "ANSWER:", or the whole reply when it has none."""
    head, marker, tail = response.strip().rpartition("ANSWER:")
    return tail.strip() if marker else response.strip()


_FUNCTION_WORDS = re.compile(r"\b(?:o|a|os|as|um|uma|uns|umas|de|do|da|dos|das|em|no|na|nos|nas)\b")


def normalise(text: str) -> str:
    """Lower case without pt-PT articles and contracted prepositions or punctuation: "O Mosteiro dos Jerónimos."
    and "mosteiro jerónimos" compare equal."""
    text = _FUNCTION_WORDS.sub("", text.strip().lower())
    return " ".join(re.sub(r"[^\w\s]", "", text).split())


def caravela_score(results: list[dict]) -> float:
    return 100 * mean([result["score"] for result in results]) if results else 0.0


def _entry(doc: dict, score: float) -> dict:
    return {"caravela_score": {"score": score, "entity": doc.get("entity", ""), "area": doc.get("area", "")}}


def caravela_mcq_doc_to_text(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
    options = "\n".join(f"{letter}. {doc[f'options_{letter.lower()}']}" for letter in "ABCD")
    return f"{doc['question'].strip()}\n{options}{(lmms_eval_specific_kwargs or {}).get('post_prompt', '')}"


def caravela_mcq_process_results(doc: dict, results: list[str]) -> dict:
    letter = extract_mcq_answer(final_answer(results[0]), choices=list("ABCD"))
    return _entry(doc, float(letter == doc["answer"].strip().upper()))


def caravela_vqa_process_results(doc: dict, results: list[str]) -> dict:
    prediction, gold = normalise(final_answer(results[0])), normalise(doc["answer"])
    return _entry(doc, float(bool(gold) and gold in prediction))  # containment includes equality


def word_f1(prediction: str, gold: str) -> float:
    """F1 over the words longer than three letters of the normalised conclusion and gold answer."""
    predicted = {word for word in normalise(prediction).split() if len(word) > 3}
    expected = {word for word in normalise(gold).split() if len(word) > 3}
    overlap = len(predicted & expected)
    if not overlap:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


def caravela_reasoning_process_results(doc: dict, results: list[str]) -> dict:
    return _entry(doc, word_f1(final_answer(results[0]), doc["answer"]))


def _caravela(kind: str, doc_to_text, process_results, max_new_tokens: int, post_prompt: str) -> Benchmark:
    return Benchmark(
        task=f"caravela_{kind}",
        dataset="CARAVELA",
        subset=f"caravela_{kind}",
        data_files=True,
        split="test",
        doc_to_visual=image_visual(),
        doc_to_text=doc_to_text,
        process_results=process_results,
        metrics={"caravela_score": caravela_score},
        max_new_tokens=max_new_tokens,
        prompts={"default": {"pre_prompt": "", "post_prompt": post_prompt}},
        reasoning_tags=THINK_TAGS,
    )


CARAVELA = [
    _caravela(
        "mcq",
        caravela_mcq_doc_to_text,
        caravela_mcq_process_results,
        512,
        "\nResponde apenas com a letra da opção correta. Termina a tua resposta escrevendo 'ANSWER:' seguido da letra.",
    ),
    _caravela(
        "vqa",
        question_with_prompts,
        caravela_vqa_process_results,
        1024,
        "\nResponde de forma curta e direta. Termina a tua resposta escrevendo 'ANSWER:' seguido da tua resposta.",
    ),
    _caravela(
        "reasoning",
        question_with_prompts,
        caravela_reasoning_process_results,
        2048,
        "\nExplica o teu raciocínio passo a passo. Termina a tua resposta escrevendo 'ANSWER:' seguido da tua "
        "conclusão.",
    ),
]
