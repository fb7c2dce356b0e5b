"""PT-VQA-Gen: native pt-PT visual question answering from a five-stage model pipeline (paper, section 5.1).

    python -m datagen.pt_vqa_gen --inputs IMAGES --num-samples 1000 --output-dir out/pt_vqa_gen \
        --base-url http://localhost:8000/v1 --model gemma-4-31b --judge-model gemma-4-e4b

1. concept: every input image is mapped to one of the curated concepts (the paper uses MetaCLIP; here the
   model is asked) and inputs are taken round-robin across concepts, so any first N are balanced;
2. questions: two personas each ask up to five vision-centric questions with reference answers;
3. variety: questions or answers that read as pt-BR are dropped;
4. reasoning: the model answers each question step by step; the judge keeps answers equivalent to the reference;
5. difficulty: the judge model answers directly; what it already gets right is dropped as easy.
The survivors of an image become one dialogue: 15 % multiple choice, 15 % short answers, the rest with reasoning.
"""

import argparse
import json
import logging
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from datagen.filtering.classifier import variety_filter_from
from datagen.model.chat_client import BadReply, ChatClient, user_message
from datagen.model.model_steps import (
    Clients,
    add_model_arguments,
    load_inputs,
    model_pipeline,
)
from datagen.model.replies import final_answer, json_list, require_final_answer, yes_or_no
from datagen.tasks.mcq import format_mcq
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row


logger = logging.getLogger(__name__)

PERSONAS_FILE = Path(__file__).parent / "data" / "vqa_personas.json"
MCQ_SHARE, SHORT_SHARE = 0.15, 0.15

CONCEPT_PROMPT = "Classifica a imagem num destes conceitos: {concepts}. Responde só com o conceito."
QUESTIONS_PROMPT = (
    "És {persona}. Escreve até 5 perguntas, em português europeu, que só se respondem olhando para a "
    "imagem, cada uma com a resposta certa e curta. Devolve só JSON: "
    '[{{"question": "...", "answer": "..."}}]'
)
REASONING_PROMPT = "{question}\n\nPensa passo a passo e termina com «Resposta: ...»."
EQUIVALENCE_PROMPT = "As respostas «{a}» e «{b}» à pergunta «{question}» são equivalentes? Responde só SIM ou NÃO."
DIRECT_PROMPT = "{question}\n\nResponde só com a resposta curta."
WRONG_OPTIONS_PROMPT = (
    "Para a pergunta «{question}», cuja resposta certa é «{answer}», escreve 3 opções erradas mas "
    'plausíveis, em português europeu. Devolve só JSON: ["...", "...", "..."]'
)

CARD = CardInfo(
    pretty_name="PT-VQA-Gen",
    summary="Native pt-PT visual question answering dialogues with reasoning, short answers and multiple choice.",
    how_made=(__doc__.split("\n\n", 2)[2].strip()),
    task_categories=["image-text-to-text", "visual-question-answering"],
)


@dataclass
class QaPair:
    question: str
    answer: str  # the reference answer from stage 2
    reasoning: str = ""  # the stage-4 step-by-step answer


def _qa_pair(item) -> QaPair | None:
    """A question-answer pair from one item of the model's JSON, or None if it is not one (wrong types too)."""
    if not isinstance(item, dict):
        return None
    question, answer = item.get("question"), item.get("answer")
    if not isinstance(question, str) or not question.strip() or isinstance(answer, (dict, list)) or answer is None:
        return None
    answer = str(answer).strip()
    return QaPair(question.strip(), answer) if answer else None


def balanced_order(concepts: list[str]) -> list[int]:
    """Input indices taken round-robin across concepts: a prefix of any length is as even as it can be."""
    groups: dict[str, list[int]] = {}
    for index, concept in enumerate(concepts):
        groups.setdefault(concept, []).append(index)
    queues = [groups[concept] for concept in sorted(groups)]
    return [queue[depth] for depth in range(max(map(len, queues))) for queue in queues if depth < len(queue)]


class VqaGen:
    def __init__(self, args: argparse.Namespace):
        self.inputs, clients, self.variety = load_inputs(args), Clients(args), variety_filter_from(args)
        self.model, self.judge = clients.get(), clients.get(args.judge_model)
        table = json.loads(PERSONAS_FILE.read_text(encoding="utf-8"))
        self.concepts, self.personas = table["concepts"], table["personas"]
        self.image_concepts = self._map_concepts(self.model.settings.total_concurrency)
        self.order = balanced_order(self.image_concepts)

    def _map_concepts(self, threads: int) -> list[str]:
        """Stage 1 over all inputs (replies are cached, so re-runs do not ask again)."""
        with ThreadPoolExecutor(max(1, threads)) as pool:
            concepts = pool.map(lambda i: self._concept(self.inputs[i]), range(len(self.inputs)))
            return list(tqdm(concepts, total=len(self.inputs), desc="concepts", unit="image"))

    def _ask(self, client: ChatClient, prompt: str, image=None, parse=None):
        return client.complete([user_message(prompt, image)], parse=parse, temperature=0.0, max_tokens=1024)

    def _equivalent(self, question: str, a: str, b: str) -> bool:
        return self._ask(self.judge, EQUIVALENCE_PROMPT.format(question=question, a=a, b=b), parse=yes_or_no)

    def _concept(self, image) -> str:
        try:
            reply = self._ask(self.model, CONCEPT_PROMPT.format(concepts="; ".join(self.concepts)), image)
        except BadReply as error:  # an image without a concept is still an input
            logger.warning("no concept for an input (%s): filed under «outro»", error)
            return "outro"
        concept = reply.strip().strip(' .*«»"').lower()
        return concept if concept in self.concepts else "outro"

    def _questions(self, rng: random.Random, image) -> list[QaPair]:
        pairs: dict[str, QaPair] = {}
        for persona in rng.sample(self.personas, 2):
            for item in self._ask(self.model, QUESTIONS_PROMPT.format(persona=persona), image, parse=json_list)[:5]:
                pair = _qa_pair(item)
                if pair is not None:
                    pairs.setdefault(pair.question, pair)
        return list(pairs.values())

    def _with_checked_reasoning(self, pair: QaPair, image) -> QaPair | None:
        prompt = REASONING_PROMPT.format(question=pair.question)
        reasoning = self._ask(self.model, prompt, image, parse=require_final_answer).strip()
        if not self._equivalent(pair.question, pair.answer, final_answer(reasoning)):
            return None
        if self.variety.is_pt_br(reasoning):  # the trace is a training target too
            return None
        return QaPair(pair.question, pair.answer, reasoning)

    def _is_easy(self, pair: QaPair, image) -> bool:
        direct = self._ask(self.judge, DIRECT_PROMPT.format(question=pair.question), image)
        return self._equivalent(pair.question, pair.answer, direct)

    def _wrong_options(self, pair: QaPair) -> list[str]:
        prompt = WRONG_OPTIONS_PROMPT.format(question=pair.question, answer=pair.answer)
        try:
            options = self._ask(self.model, prompt, parse=json_list)
        except BadReply as error:  # the pair is still good as a short answer
            logger.info("no wrong options for «%s» (%s)", pair.question[:60], error)
            return []
        return [w.strip() for w in options if isinstance(w, str) and w.strip()][:3]

    def _turn(self, rng: random.Random, pair: QaPair) -> tuple[str, tuple[str, str]]:
        roll = rng.random()
        if roll < MCQ_SHARE:
            wrong = self._wrong_options(pair)
            if len(wrong) == 3:
                return "mcq", format_mcq(rng, pair.question, pair.answer, wrong, "pt")
        if roll < MCQ_SHARE + SHORT_SHARE:
            return "short", (pair.question, pair.answer)
        return "reasoning", (pair.question, pair.reasoning)

    def __call__(self, rng: random.Random, index: int) -> dict | None:
        source = self.order[index]
        image, concept = self.inputs[source], self.image_concepts[source]
        pairs = self._questions(rng, image)
        stages = [len(pairs)]
        pairs = [p for p in pairs if not self.variety.is_pt_br(f"{p.question} {p.answer}")]
        stages.append(len(pairs))
        pairs = [checked for p in pairs if (checked := self._with_checked_reasoning(p, image)) is not None]
        stages.append(len(pairs))
        pairs = [p for p in pairs if not self._is_easy(p, image)]
        stages.append(len(pairs))
        logger.debug("image %d: questions %s after generation, variety, reasoning, difficulty", index, stages)
        if not pairs:
            return None
        formats, turns = zip(*(self._turn(rng, pair) for pair in pairs))
        return make_row([image], list(turns), task=f"vqa/{concept}/{','.join(formats)}")


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument(
        "--judge-model", required=True, help="small model for equivalence checks and the difficulty filter"
    )


main = main_for(
    __doc__.splitlines()[0],
    CARD,
    model_pipeline(VqaGen),
    _add_arguments,
)

if __name__ == "__main__":
    main()
