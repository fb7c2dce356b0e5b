"""Preference pairs (paper, section 5.2): candidates from the policy, small edits, scores from a judge.

    python -m datagen.preference --inputs out/sft_mix --num-samples 1000 --output-dir out/preference \
        --base-url http://localhost:8000/v1 --policy-model amalia-vl --editor-model gemma-4-31b \
        --judge-model qwen3-30b --candidates 16

For each prompt of an SFT dataset: ``--candidates`` answers from the policy, each also lightly edited by
the editor, who sees the image too (2 x candidates in all), every one scored 1-10 by a judge from another
model family; the best and the worst become a pair when their scores differ by ``--min-margin``. Bounding-box data is
skipped, as in the paper. Rows are in TRL's vision preference format (prompt / chosen / rejected).
"""

import argparse
import logging
import random
import re

from datagen.filtering.classifier import variety_filter_from
from datagen.model.chat_client import BadReply, user_message
from datagen.model.model_steps import (
    Clients,
    add_training_set_arguments,
    derived_task,
    load_training_set,
    model_pipeline,
)
from datagen.model.replies import score
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import PREFERENCE_FORMAT, assistant_turn, message_text


logger = logging.getLogger(__name__)

EDIT_PROMPT = (
    "Melhora ligeiramente a resposta entre <<< e >>> à pergunta «{question}»: corrige erros e torna-a mais "
    "clara, sem mudar o estilo nem o comprimento. Responde só com a resposta revista.\n\n<<<{answer}>>>"
)
JUDGE_PROMPT = (
    "Avalia de 1 a 10 a resposta entre <<< e >>> à pergunta «{question}» sobre a imagem. Considera a "
    "correção, a utilidade e o português europeu. Uma resposta de referência: «{reference}». "
    "Responde no formato «Nota: N».\n\n<<<{answer}>>>"
)
# Normalised boxes such as [0.12, 0.3, 0.5, 0.61]: the paper leaves bounding-box data out of DPO.
_BOX = re.compile(r"\[\s*[01]?\.\d+\s*,\s*[01]?\.\d+\s*,")

CARD = CardInfo(
    pretty_name="AMALIA-VL preference pairs",
    summary="Preference pairs for DPO over prompts of the stage-2 mix: chosen and rejected answers among "
    "policy candidates and their light edits, ranked by a vision-language judge.",
    how_made="Candidates come from the policy model (AMALIA-VL in the paper) at temperature 1, each also "
    "lightly edited by a stronger model (Gemma4-31B); a judge from another family (Qwen3-30B) scores all "
    "1-10, and the best and worst form a pair when their scores differ enough. Bounding-box data is skipped.",
    task_categories=["image-text-to-text"],
)


class PreferencePairs:
    def __init__(self, args: argparse.Namespace):
        self.inputs = load_training_set(args)
        clients = Clients(args)
        self.policy, self.editor, self.judge = (
            clients.get(args.policy_model),
            clients.get(args.editor_model),
            clients.get(args.judge_model),
        )
        self.candidates, self.min_margin = args.candidates, args.min_margin
        self.variety = variety_filter_from(args)

    def _candidates(self, image, question: str) -> list[str]:
        prompt = [user_message(question, image)]
        # A distinct seed per candidate: different samples, and distinct cache keys for each.
        drafts = [
            self.policy.complete(prompt, temperature=1.0, seed=k, max_tokens=1024) for k in range(self.candidates)
        ]
        # The editor sees the image: an edit made blind can only polish wording, not fix what the answer got wrong.
        edits = [
            self.editor.complete(
                [user_message(EDIT_PROMPT.format(question=question, answer=d), image)], temperature=0.0, max_tokens=1024
            )
            for d in drafts
        ]
        return list(dict.fromkeys(c.strip() for c in drafts + edits if c.strip()))

    def _score(self, image, question: str, reference: str, answer: str) -> int | None:
        prompt = JUDGE_PROMPT.format(question=question, reference=reference, answer=answer)
        try:
            return self.judge.complete([user_message(prompt, image)], parse=score, temperature=0.0, max_tokens=256)
        except BadReply as error:  # one unscored candidate does not spoil the others
            logger.info("a candidate went unscored (%s)", error)
            return None

    def __call__(self, rng: random.Random, index: int) -> dict | None:
        row = self.inputs[index]
        user, reference = row["messages"][0], message_text(row["messages"][1])
        if _BOX.search(reference) or len(row["images"]) != 1:
            return None
        question, image = message_text(user), row["images"][0]
        scored = [(self._score(image, question, reference, c), c) for c in self._candidates(image, question)]
        scored = sorted((s, c) for s, c in scored if s is not None)
        if len(scored) < 2 or scored[-1][0] - scored[0][0] < self.min_margin:
            logger.info("prompt %d: no pair with a score margin of %d", index, self.min_margin)
            return None
        pt_pt = [(s, c) for s, c in scored if not self.variety.is_pt_br(c)]  # a pt-BR answer is never chosen
        if not pt_pt or pt_pt[-1][0] - scored[0][0] < self.min_margin:
            logger.info("prompt %d: no pt-PT candidate beats the worst by %d", index, self.min_margin)
            return None
        (low, rejected), (high, chosen) = scored[0], pt_pt[-1]
        return {
            "prompt": [user],
            "chosen": [assistant_turn(chosen)],
            "rejected": [assistant_turn(rejected)],
            "images": [image],
            "task": f"{derived_task(row, 'preference')}/{high}-{low}",
        }


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_training_set_arguments(parser)
    parser.add_argument("--policy-model", required=True, help="the model being aligned, served for sampling")
    parser.add_argument("--editor-model", required=True, help="the model that lightly edits candidates")
    parser.add_argument("--judge-model", required=True, help="the model that scores candidates (another family)")
    parser.add_argument("--candidates", type=int, default=16, help="policy samples per prompt (each is also edited)")
    parser.add_argument("--min-margin", type=int, default=2, help="smallest chosen-minus-rejected score")


main = main_for(
    __doc__.splitlines()[0],
    CARD,
    model_pipeline(PreferencePairs),
    _add_arguments,
    PREFERENCE_FORMAT,
)

if __name__ == "__main__":
    main()
