"""pt-PT fidelity: the share of a model's free-form answers that the project's variety filter reads as pt-BR.

No other harness reports it, and it is what AMALIA-VL is for: a pt-BR caption can score well on CIDEr against
pt-PT references while being the wrong variety. Short answers (a letter, a number, a word) carry no variety cues,
so only the benchmarks whose answers are sentences count.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from datagen.filtering.variety import VarietyFilter


# Captions and the step-by-step MATH-Vision solutions are sentences; the open VQA answers are phrases that can
# still carry cues ("você", "ônibus", gerunds).
FREE_FORM_TASKS = ("coco2017_cap_pt", "refcoco_bbox_pt", "mathvision_pt", "textvqa_pt", "docvqa_pt", "infovqa_pt")


@dataclass(frozen=True)
class Fidelity:
    flagged: int
    answers: int

    @property
    def pt_br_share(self) -> float:
        return self.flagged / self.answers if self.answers else float("nan")


def free_form_answers(output_dir: Path) -> list[str]:
    """The non-empty predictions of the free-form tasks in one `evaluation.run` output directory."""
    answers = []
    for task in FREE_FORM_TASKS:
        path = Path(output_dir) / "samples" / f"{task}.jsonl"
        if path.exists():
            rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
            answers.extend(row["prediction"] for row in rows if str(row["prediction"]).strip())
    return answers


def fidelity(output_dir: Path, variety_filter: VarietyFilter | None = None) -> Fidelity:
    variety_filter = variety_filter or VarietyFilter()
    answers = free_form_answers(output_dir)
    return Fidelity(flagged=sum(variety_filter.is_pt_br(answer) for answer in answers), answers=len(answers))
