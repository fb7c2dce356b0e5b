"""Text-only pt-PT check: a checkpoint against its base language model, on the same prompts, through the same code.

    python -m evaluation.text_check --model checkpoints/amalia-vl-dpo --base amalia-llm/AMALIA-9B-0626-DPO \
        --output_dir results/text-check-dpo
    # with the knowledge and common-sense sets mirrored offline (DIR/<name>, DatasetDict.save_to_disk)
    python -m evaluation.text_check --model ckpt --base base-lm --data_dir data/text --tasks all --output_dir out

The paper's stated aim (section 4) is to add vision while keeping AMALIA's text-only pt-PT ability. Both models
answer the same chats with no image: the VLM rendered by its own processor's chat template, the base by its
tokenizer's. Every task is then scored by the same functions:

    pt_instructions_nll      mean negative log-likelihood per token of reviewed pt-PT reference answers (lower is
                             better): the most sensitive signal, and it needs no data beyond the repository
    pt_instructions_variety  share of greedy answers to the same instructions that `datagen.filtering.variety` reads as
                             pt-BR (lower is better): what the model is for
    mmlu_pt, goldenswag_pt   multiple choice scored by the answer letters' log-probability (accuracy, higher is
                             better), from `--data_dir` mirrors of EuroEval's Hub sets (see evaluation/README.md)

Writes OUT/text_check.json and OUT/text_check.md (per task: both scores, the difference model - base and whether
it is a regression) and OUT/samples/<task>.jsonl (both models' per-item outputs); prints the markdown. Exits
non-zero when a model or a data set cannot be read.
"""

import argparse
import json
import logging
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from datagen.filtering.variety import VarietyFilter


logger = logging.getLogger("evaluation.text_check")

PROMPTS = Path(__file__).parent / "data" / "text_check_pt.jsonl"
# Enough for a paragraph: the variety cues (clitics, gerunds, lexicon) show up in the first sentences.
DEFAULT_MAX_NEW_TOKENS = 128
CHOICE_INSTRUCTION = "Responde apenas com a letra da opção correta."
# An option line of EuroEval's multiple-choice text: "a. Lisboa".
OPTION_LINE = re.compile(r"^([a-z])\.\s", re.MULTILINE)


# ---------------------------------------------------------------------------------------------------------------
# The two sides: one interface, so everything after loading is shared.


@dataclass
class ChatLM:
    """A causal model and how it turns a text-only chat into prompt token ids (generation prompt included)."""

    model: torch.nn.Module
    tokenizer: object
    encode_chat: Callable[[str], list[int]]

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device


def chat_lm(model, tokenizer, encode_chat: Callable[[str], list[int]], device: torch.device) -> ChatLM:
    """The model in eval mode on `device`, generating with plain greedy settings only.

    transformers fills every generation option a call leaves unset from the model's own `generation_config`, even
    when a fresh config is passed; a repetition penalty saved with one of the two checkpoints would then change
    its answers, and the difference would be settings, not weights. So both get the same bare config.
    """
    from transformers import GenerationConfig

    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    )
    return ChatLM(model.to(device).eval(), tokenizer, encode_chat)


def _dtype(name: str, device: torch.device) -> torch.dtype:
    from evaluation.model import resolve_dtype

    return resolve_dtype(name, device)


def load_vlm(path: str, dtype: str = "auto", device: str | None = None) -> ChatLM:
    """A vision-language checkpoint (ours or a llava_next one) asked with no image, through its own processor."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    model = AutoModelForImageTextToText.from_pretrained(path, dtype=_dtype(dtype, device), trust_remote_code=True)
    processor = AutoProcessor.from_pretrained(path, trust_remote_code=True)

    def encode_chat(instruction: str) -> list[int]:
        chat = [{"role": "user", "content": [{"type": "text", "text": instruction}]}]
        prompt = processor.apply_chat_template(chat, add_generation_prompt=True)
        return processor(text=[prompt])["input_ids"][0]

    return chat_lm(model, processor.tokenizer, encode_chat, device)


def load_base(path: str, dtype: str = "auto", device: str | None = None) -> ChatLM:
    """The base language model through its tokenizer's chat template (AMALIA's is ChatML)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if not tokenizer.chat_template:
        raise ValueError(
            f"{path}'s tokenizer has no chat template: the check asks both models the same chats. Use the "
            "instruction-tuned base (AMALIA-9B-0626-DPO for AMALIA-VL) or save a tokenizer with its template."
        )
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    model = AutoModelForCausalLM.from_pretrained(path, dtype=_dtype(dtype, device))

    def encode_chat(instruction: str) -> list[int]:
        # Tokenised by the template call itself, which adds no second BOS to a template that writes one.
        chat = [{"role": "user", "content": instruction}]
        return tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=True, return_dict=False)

    return chat_lm(model, tokenizer, encode_chat, device)


# ---------------------------------------------------------------------------------------------------------------
# Scoring, the same code for both sides.


def continuation_logprobs(lm: ChatLM, instruction: str, continuation: str) -> list[float]:
    """Log-probability of each token of `continuation` as the assistant's reply to `instruction`.

    Prompt and continuation are tokenised apart and joined, as lm-eval does, so the continuation's tokens are the
    same whatever the template ends with.
    """
    prompt_ids = list(lm.encode_chat(instruction))
    continuation_ids = lm.tokenizer(continuation, add_special_tokens=False)["input_ids"]
    if not continuation_ids:
        raise ValueError(f"empty continuation for {instruction[:60]!r}")
    ids = torch.tensor([prompt_ids + continuation_ids], device=lm.device)
    with torch.inference_mode():
        logits = lm.model(input_ids=ids).logits[0, len(prompt_ids) - 1 : -1]
    logprobs = logits.float().log_softmax(-1)
    targets = torch.tensor(continuation_ids, device=lm.device)
    return logprobs.gather(-1, targets[:, None]).squeeze(-1).tolist()


def greedy_answer(lm: ChatLM, instruction: str, max_new_tokens: int) -> str:
    ids = torch.tensor([list(lm.encode_chat(instruction))], device=lm.device)
    with torch.inference_mode():
        output = lm.model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            num_beams=1,
            # The end of turn stops both models alike, whatever each generation_config lists.
            eos_token_id=lm.tokenizer.eos_token_id,
            pad_token_id=lm.tokenizer.pad_token_id,
        )
    return lm.tokenizer.decode(output[0, ids.shape[1] :], skip_special_tokens=True)


def score_nll(lm: ChatLM, items: list[dict], **_) -> tuple[float, list[dict]]:
    """Mean negative log-likelihood per token over all reference tokens (a per-token mean, not per item)."""
    rows = []
    for item in items:
        logprobs = continuation_logprobs(lm, item["instruction"], item["reference"])
        rows.append({"id": item["id"], "nll": -sum(logprobs), "tokens": len(logprobs)})
    return sum(row["nll"] for row in rows) / sum(row["tokens"] for row in rows), rows


def score_variety(lm: ChatLM, items: list[dict], max_new_tokens: int, **_) -> tuple[float, list[dict]]:
    """Share of non-empty greedy answers the variety filter reads as pt-BR (empty answers carry no variety)."""
    variety_filter = VarietyFilter()
    rows = []
    for item in items:
        answer = greedy_answer(lm, item["instruction"], max_new_tokens)
        pt_br = variety_filter.is_pt_br(answer) if answer.strip() else None
        rows.append({"id": item["id"], "answer": answer, "pt_br": pt_br})
    judged = [row["pt_br"] for row in rows if row["pt_br"] is not None]
    return (sum(judged) / len(judged) if judged else math.nan), rows


def score_choice(lm: ChatLM, items: list[dict], **_) -> tuple[float, list[dict]]:
    """Accuracy of the option letter with the highest log-probability (summed over its tokens)."""
    rows = []
    for item in items:
        scores = [sum(continuation_logprobs(lm, item["instruction"], letter)) for letter in item["options"]]
        chosen = item["options"][max(range(len(scores)), key=scores.__getitem__)]
        rows.append({"id": item["id"], "logprobs": scores, "chosen": chosen, "correct": chosen == item["gold"]})
    return sum(row["correct"] for row in rows) / len(rows), rows


# ---------------------------------------------------------------------------------------------------------------
# Tasks and their data.


def shipped_prompts(path: Path = PROMPTS) -> list[dict]:
    """The reviewed pt-PT instructions and reference answers in the repository (every one reads pt-PT)."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def euroeval_choice_items(rows, name: str) -> list[dict]:
    """Items of EuroEval's multiple-choice schema: `text` (question, then "a. ..." option lines), `label` ("a")."""
    items = []
    for index, row in enumerate(rows):
        if "text" not in row or "label" not in row:
            raise ValueError(f"{name}: row {index} has columns {sorted(row)}; EuroEval's schema has text and label")
        options = OPTION_LINE.findall(row["text"])
        gold = str(row["label"]).strip().lower()
        if gold not in options:
            raise ValueError(f"{name}: row {index}'s label {row['label']!r} is not one of its options {options}")
        items.append(
            {
                "id": index,
                "instruction": f"{row['text'].strip()}\n\n{CHOICE_INSTRUCTION}",
                "options": options,
                "gold": gold,
            }
        )
    return items


def mirrored_choice_set(data_dir: Path, folder: str, split: str = "test") -> list[dict]:
    from datasets import load_from_disk

    path = Path(data_dir) / folder
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: save the Hub dataset there (DatasetDict.save_to_disk)")
    dataset = load_from_disk(str(path))
    if split not in dataset:
        raise ValueError(f"{path} has splits {list(dataset)}, not {split!r}")
    return euroeval_choice_items(dataset[split], folder)


@dataclass(frozen=True)
class TextTask:
    """A text task: `score(lm, items, max_new_tokens=...)` returns the task's score and one row per item (only the
    generation task uses the budget); `load(data_dir)` returns the items."""

    name: str
    metric: str
    higher_is_better: bool
    score: Callable[..., tuple[float, list[dict]]]
    load: Callable[[Path | None], list[dict]]
    needs_data_dir: bool = False


def _mirrored(folder: str) -> Callable[[Path | None], list[dict]]:
    return lambda data_dir: mirrored_choice_set(data_dir, folder)


TASKS = {
    task.name: task
    for task in (
        TextTask("pt_instructions_nll", "nll_per_token", False, score_nll, lambda _: shipped_prompts()),
        TextTask("pt_instructions_variety", "pt_br_share", False, score_variety, lambda _: shipped_prompts()),
        # Hub ids EuroEval/mmlu-pt-mini and EuroEval/goldenswag-pt-mini (unverified: see evaluation/README.md).
        TextTask("mmlu_pt", "accuracy", True, score_choice, _mirrored("mmlu-pt-mini"), needs_data_dir=True),
        TextTask("goldenswag_pt", "accuracy", True, score_choice, _mirrored("goldenswag-pt-mini"), needs_data_dir=True),
    )
}
DEFAULT_TASKS = [name for name, task in TASKS.items() if not task.needs_data_dir]


def select_tasks(names: list[str], data_dir: Path | None) -> list[TextTask]:
    if names == ["all"]:
        names = list(TASKS)
    unknown = [name for name in names if name not in TASKS]
    if unknown:
        raise ValueError(f"unknown text tasks {unknown}; choose from {list(TASKS)} or all")
    missing = [name for name in names if TASKS[name].needs_data_dir and data_dir is None]
    if missing:
        raise ValueError(f"{missing} read a local mirror: pass --data_dir DIR")
    return [TASKS[name] for name in names]


# ---------------------------------------------------------------------------------------------------------------
# The check, its outputs and its report.


def rendered_prompts(model: ChatLM, base: ChatLM, instruction: str = "Olá!") -> dict:
    """One chat as each side renders it: the templates are the check's one difference by design, so show them."""
    model_ids, base_ids = list(model.encode_chat(instruction)), list(base.encode_chat(instruction))
    if model_ids != base_ids:
        logger.warning("the two chat templates render the same chat differently; see `prompts` in text_check.json")
    return {
        "same_tokens": model_ids == base_ids,
        "model": model.tokenizer.decode(model_ids),
        "base": base.tokenizer.decode(base_ids),
    }


def compare(task: TextTask, model_score: float, base_score: float, n: int) -> dict:
    difference = model_score - base_score
    worse = difference < 0 if task.higher_is_better else difference > 0
    return {
        "metric": task.metric,
        "higher_is_better": task.higher_is_better,
        "model": model_score,
        "base": base_score,
        "difference": difference,
        "regression": bool(worse),
        "n": n,
    }


def run_task(task: TextTask, model: ChatLM, base: ChatLM, items: list[dict], max_new_tokens: int):
    model_score, model_rows = task.score(model, items, max_new_tokens=max_new_tokens)
    base_score, base_rows = task.score(base, items, max_new_tokens=max_new_tokens)
    samples = [{"id": m["id"], "model": m, "base": b} for m, b in zip(model_rows, base_rows)]
    return compare(task, model_score, base_score, len(items)), samples


def markdown(summary: dict) -> str:
    lines = [
        f"Text-only pt-PT check: {summary['model']} against its base {summary['base']}",
        "",
        "| task | metric | model | base | Δ model − base | |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in summary["tasks"].items():
        arrow = "higher is better" if row["higher_is_better"] else "lower is better"
        verdict = "regression" if row["regression"] else ("same" if row["difference"] == 0 else "better")
        lines.append(
            f"| {name} (n={row['n']}) | {row['metric']} ({arrow}) | {row['model']:.4f} | {row['base']:.4f} "
            f"| {row['difference']:+.4f} | {verdict} |"
        )
    return "\n".join(lines) + "\n"


def write_outputs(summary: dict, samples: dict[str, list[dict]], output_dir: Path) -> Path:
    (output_dir / "samples").mkdir(parents=True, exist_ok=True)
    (output_dir / "text_check.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    (output_dir / "text_check.md").write_text(markdown(summary))
    for name, rows in samples.items():
        with open(output_dir / "samples" / f"{name}.jsonl", "w", encoding="utf-8") as file:
            file.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return output_dir / "text_check.json"


def check(args: argparse.Namespace) -> dict:
    tasks = select_tasks(args.tasks, args.data_dir)
    # Data first: a broken mirror fails before two models are loaded.
    data = {task.name: task.load(args.data_dir)[: args.limit] for task in tasks}
    empty = [name for name, items in data.items() if not items]
    if empty:
        raise ValueError(f"no items to score for {empty} (an empty split, or --limit 0)")
    model = load_vlm(args.model, args.dtype, args.device)
    base = load_base(args.base, args.dtype, args.device)
    summary = {"model": args.model, "base": args.base, "limit": args.limit, "prompts": rendered_prompts(model, base)}
    summary["tasks"] = {}
    samples = {}
    for task in tasks:
        logger.info("%s: %d items, both models", task.name, len(data[task.name]))
        summary["tasks"][task.name], samples[task.name] = run_task(
            task, model, base, data[task.name], args.max_new_tokens
        )
    write_outputs(summary, samples, Path(args.output_dir))
    return summary


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the vision-language checkpoint (directory or Hub id)")
    parser.add_argument("--base", required=True, help="its base language model (directory or Hub id)")
    parser.add_argument("--output_dir", required=True, type=Path)
    parser.add_argument("--tasks", default=",".join(DEFAULT_TASKS), help=f"comma-separated, or all: {list(TASKS)}")
    parser.add_argument("--data_dir", type=Path, help="mirrors of the Hub sets: DIR/mmlu-pt-mini, ...")
    parser.add_argument("--limit", type=int, help="first N items of each task")
    parser.add_argument("--max_new_tokens", type=int, default=DEFAULT_MAX_NEW_TOKENS, help="greedy answers' budget")
    parser.add_argument("--dtype", default="auto", help="auto (bf16 on GPU, fp32 on CPU), bfloat16, float32")
    parser.add_argument("--device", help="cuda, cuda:N or cpu (default: a GPU when there is one)")
    args = parser.parse_args(argv)
    args.tasks = [name.strip() for name in args.tasks.split(",") if name.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    summary = check(args)
    print(markdown(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
