"""An lmms-eval model that answers every pt-PT benchmark with its gold answer, phrased as a pt-PT model would."""

import ast
from collections import Counter

from lmms_eval.api.instance import GenerationResult
from lmms_eval.api.model import lmms


LETTERS = "ABCDEFGHIJ"


def _box(doc: dict) -> str:
    # The processed REC document holds the gold box as [0, 1] corners; answer on the 0-1000 scale with a comma.
    return "A caixa é [" + ", ".join(str(round(value * 1000)) for value in doc["bbox"]) + "]."


def _mathvision(doc: dict) -> str:
    return f"Os lados contam-se um a um.\nA resposta é \\boxed{{{doc['answer']}}}"


def _mmmu(doc: dict) -> str:
    if doc["question_type"] == "multiple-choice":
        return f"A resposta é ({doc['answer']})."
    return f"Somando as partes, o resultado é {doc['answer']}."


# Each task's gold answer as a model would write it, so that the parsers are exercised, not bypassed.
GOLD_ANSWERS = {
    "mme_pt": lambda doc: f"{doc['answer']}.",
    "pope_pt": lambda doc: f"{doc['answer'].capitalize()}, é o que se vê.",
    "ai2d_pt": lambda doc: f"A resposta é {LETTERS[int(doc['answer'])]}.",
    "mmstar_pt": lambda doc: f"{doc['answer']}. vermelho",
    "seedbench_pt": lambda doc: f"Resposta: {doc['answer']}",
    "realworldqa_pt": lambda doc: doc["answer"],
    "embspatial_pt": lambda doc: f"{LETTERS[doc['answer']]}) {doc['answer_options'][doc['answer']]}",
    "mmmu_pt": _mmmu,
    "mmmu_pro_pt": lambda doc: (
        f"A resposta é ({doc['answer']}) {ast.literal_eval(doc['options'])[ord(doc['answer']) - 65]}."
    ),
    "ocrbench_pt": lambda doc: f"O texto diz {doc['answer'][0]}",
    "textvqa_pt": lambda doc: Counter(doc["answers"]).most_common(1)[0][0],
    "docvqa_pt": lambda doc: f"{doc['answers'][0]}.",
    "infovqa_pt": lambda doc: doc["answers"][0],
    "chartqa_pt": lambda doc: f"{doc['answer']}.",
    "refcoco_bbox_rec_pt": _box,
    "coco2017_cap_pt": lambda doc: doc["answer"][0],
    "refcoco_bbox_pt": lambda doc: doc["answer"][0],
    "mathvision_pt": _mathvision,
}


# The native pt-PT suites, beyond Table 3, with a reasoning block the harness must strip before scoring.
NATIVE_GOLD_ANSWERS = {
    **{
        f"portexto_{subset}_pt": lambda doc: f"<think>Leio o texto.</think>{doc['answer']}"
        for subset in ("handwritten", "handwritten_full_page", "in_the_wild", "synthetic")
    },
    "caravela_mcq": lambda doc: f"<think>Penso.</think>É a opção certa.\nANSWER: {doc['answer']}",
    "caravela_vqa": lambda doc: f"Vejo o monumento.\nANSWER: {doc['answer'].lower()}.",
    "caravela_reasoning": lambda doc: f"{doc['reasoning_chain']}\nANSWER: {doc['answer']}",
}


class OracleModel(lmms):
    """Answers from the gold field of the document each request is about (a chat model, as ours is)."""

    is_simple = False

    def __init__(self, answers: dict | None = None) -> None:
        super().__init__()
        self.answers = answers or GOLD_ANSWERS
        self.prompts: dict[tuple[str, int], list] = {}

    def generate_until(self, requests):
        results = []
        for request in requests:
            _context, doc_to_messages, _gen_kwargs, doc_id, task, split = request.args
            doc = self.task_dict[task][split][doc_id]
            self.prompts[(task, doc_id)] = doc_to_messages(doc)
            results.append(GenerationResult(text=self.answers[task](doc)))
        return results

    def loglikelihood(self, requests):
        raise NotImplementedError

    def generate_until_multi_round(self, requests):
        raise NotImplementedError
