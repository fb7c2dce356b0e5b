"""What a generated dataset holds, read as a data scientist reads it before training on it.

    python -m datagen.stats DIR [--contact-sheet sheet.png] [--json stats.json]

Counts distinct questions, answers, dialogues and images (a perceptual hash, so an image re-encoded or
re-drawn identically counts once), the answer balance of every closed question type, image sizes, the
share of answers the variety filter reads as pt-BR, and draws a contact sheet of sampled images.
"""

import argparse
import json
import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

import imagehash
from datasets import load_from_disk
from PIL import Image

from datagen.filtering.variety import VarietyFilter
from datagen.writing.messages import message_text


# A question type has at most this many distinct answers to be "closed" (yes/no, counts, letters, ...).
CLOSED_TYPE_ANSWERS = 12
# Words of a question that name its type; numbers and quoted spans are masked first.
TYPE_WORDS = 4


@dataclass
class TypeBalance:
    turns: int
    distinct_answers: int
    top_answer: str
    top_share: float
    fair_share: float
    over: bool  # top share beyond the fair share by more than sampling noise


@dataclass
class Stats:
    samples: int
    turns: int
    duplicate_samples: float  # same dialogue and same images
    duplicate_dialogues: float  # same dialogue text, whatever the images
    distinct_questions: int
    distinct_answers: int
    images: int
    duplicate_images: float
    min_size: tuple[int, int]
    median_size: tuple[int, int]
    max_size: tuple[int, int]
    pt_br_share: float
    balance: dict[str, TypeBalance] = field(default_factory=dict)

    @property
    def unbalanced(self) -> list[str]:
        return [name for name, b in self.balance.items() if b.over]


def question_type(task: str, question: str) -> str:
    """The pipeline (first part of ``task``) and the question's first words, numbers and quotations masked."""
    first_line = question.strip().splitlines()[0] if question.strip() else ""
    first_line = first_line.rsplit(": ", 1)[-1]  # past a panel prefix ("No 2.º gráfico (...): ")
    masked = re.sub(r"«[^»]*»|\"[^\"]*\"|\[[^\]]*\]", "…", re.sub(r"\d+([.,]\d+)?", "#", first_line))
    return task.split("/")[0] + ": " + " ".join(masked.split()[:TYPE_WORDS])


VERDICTS = {"sim": "yes", "não": "no", "yes": "yes", "no": "no"}  # one yes/no type for pt-PT and English


# A verdict is the whole answer or is followed by punctuation ("Não, a transcrição tem erros."); a text that only
# starts with the word ("Não use o elevador.", a transcription) says no verdict.
VERDICT_START = re.compile(r"(sim|não|yes|no)(?=$|[.,:;!])", re.IGNORECASE)


def answer_key(answer: str) -> str:
    """What a closed answer says: its verdict for a yes/no answer with an explanation, else the answer."""
    verdict = VERDICT_START.match(answer.strip())
    return VERDICTS[verdict.group(1).lower()] if verdict else answer.strip()


def _pooled_type(name: str, key: str) -> str:
    """Verdicts and option letters are pooled per pipeline, whatever the question: a model must not learn
    that "Sim" or "B" is the safe guess anywhere."""
    family = name.split(":")[0]
    if key in ("yes", "no"):
        return f"{family}: yes/no"
    if re.fullmatch(r"[A-H]", key):
        return f"{family}: option letter"
    return name


def closed_types(by_type: dict[str, list[str]]) -> dict[str, list[str]]:
    """Closed question types: yes/no and option letters pooled per pipeline; the other types merged where
    one pipeline's types share the same set of possible answers ("Quantas frases tem o texto?" and "Conta
    as frases do texto."); a type is closed when it has 2-12 answers and they recur."""
    routed: dict[str, list[str]] = {}
    for name, answers in by_type.items():
        for answer in answers:
            key = answer_key(answer)
            routed.setdefault(_pooled_type(name, key), []).append(key)
    merged: dict[tuple[str, frozenset], tuple[list[str], list[str]]] = {}
    for name, keys in routed.items():
        if 1 < len(set(keys)) <= CLOSED_TYPE_ANSWERS and len(keys) >= 2 * len(set(keys)):  # answers recur
            names, pooled = merged.setdefault((name.split(":")[0], frozenset(keys)), ([], []))
            names.append(name)
            pooled += keys
    return {" | ".join(sorted(names)): pooled for names, pooled in merged.values()}


def _balance(turns: list[str]) -> TypeBalance:
    counts = Counter(turns)
    top, top_count = counts.most_common(1)[0]
    fair = 1 / len(counts)
    share = top_count / len(turns)
    noise = 2 * math.sqrt(fair * (1 - fair) / len(turns))  # two standard errors of a fair draw
    return TypeBalance(len(turns), len(counts), top[:40], round(share, 3), round(fair, 3), share > 1.25 * fair + noise)


def _turns(row: dict) -> list[tuple[str, str]]:
    texts = [(m["role"], message_text(m)) for m in row["messages"]]
    return [(q, a) for (rq, q), (ra, a) in zip(texts[::2], texts[1::2]) if rq == "user" and ra == "assistant"]


def compute(rows, variety: VarietyFilter | None = None) -> Stats:
    variety = variety or VarietyFilter()
    dialogues, samples, questions, answers, hashes, sizes = Counter(), set(), set(), set(), Counter(), []
    by_type, flagged, pt_answers = defaultdict(list), 0, 0
    for row in rows:
        turns = _turns(row)
        dialogue = json.dumps(turns, ensure_ascii=False)
        dialogues[dialogue] += 1
        for question, answer in turns:
            questions.add(question)
            answers.add(answer)
            by_type[question_type(row.get("task", ""), question)].append(answer)
            if "/en" not in row.get("task", ""):
                pt_answers += 1
                flagged += variety.is_pt_br(answer)
        row_hashes = [str(imagehash.phash(image, hash_size=16)) for image in row["images"]]
        hashes.update(row_hashes)
        sizes += [image.size for image in row["images"]]
        samples.add((dialogue, *row_hashes))
    count, images = sum(dialogues.values()), sum(hashes.values())
    balance = {name: _balance(keys) for name, keys in closed_types(by_type).items()}
    widths, heights = sorted(w for w, _ in sizes), sorted(h for _, h in sizes)
    return Stats(
        count,
        sum(len(v) for v in by_type.values()),
        round(1 - len(samples) / count, 4),
        round(1 - len(dialogues) / count, 4),
        len(questions),
        len(answers),
        images,
        round(1 - len(hashes) / images, 4) if images else 0.0,
        (widths[0], heights[0]) if sizes else (0, 0),
        (widths[len(widths) // 2], heights[len(heights) // 2]) if sizes else (0, 0),
        (widths[-1], heights[-1]) if sizes else (0, 0),
        round(flagged / pt_answers, 4) if pt_answers else 0.0,
        balance,
    )


def contact_sheet(rows, path: str, count: int = 24, cell: int = 256, seed: int = 0) -> None:
    """A grid of ``count`` sampled images, each fitted into a ``cell`` square, saved as PNG."""
    picked = random.Random(seed).sample(range(len(rows)), min(count, len(rows)))
    columns = 6
    sheet = Image.new("RGB", (columns * cell, math.ceil(len(picked) / columns) * cell), (128, 128, 128))
    for slot, index in enumerate(picked):
        image = rows[index]["images"][0].convert("RGB")
        image.thumbnail((cell - 4, cell - 4))
        sheet.paste(image, ((slot % columns) * cell + 2, (slot // columns) * cell + 2))
    sheet.save(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset_dir", help="a save_to_disk dataset made by a datagen pipeline")
    parser.add_argument("--contact-sheet", help="where to save a PNG grid of sampled images")
    parser.add_argument("--json", help="where to save the figures as JSON")
    args = parser.parse_args(argv)
    rows = load_from_disk(args.dataset_dir)
    stats = compute(rows)
    figures = asdict(stats) | {"unbalanced": stats.unbalanced}
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, ensure_ascii=False, indent=1)
    if args.contact_sheet:
        contact_sheet(rows, args.contact_sheet)


if __name__ == "__main__":
    main()
