"""Calls and snippets for real code: a model writes them, the sandbox keeps those that run and repeat.

    python -m datagen.sources.real_sources codesearchnet --dataset code-search-net/code_search_net \\
        --config python --output code.jsonl --limit 300000
    python -m datagen.write_calls --code-file code.jsonl --output-dir out/calls \\
        --base-url http://gpu-1:8000/v1 --model qwen3-coder-30b --concurrency 64
    python -m datagen.sepic --code-file out/calls/functions.jsonl ...              # and pt_outputs_to_code
    python -m datagen.pt_simple_code_outputs --code-file out/calls/snippets.jsonl ...

For every function of ``--code-file`` (``{"name", "source"}`` lines) the model is asked, in two requests,
for a few invocations (a JSON list of expressions) and for a few short programs of at most 10 lines that
print something with the same idea. Replies are read tolerantly (prose, code fences, a list that is not
the last thing said); a reply with nothing usable is asked again, then recorded in ``skipped.jsonl``.
Everything the model wrote is untrusted: each function's calls, and each program, run twice in the
sandbox, and only what runs to the end and prints or returns the same both times is kept (randomness,
clocks and memory addresses differ between runs); calls that fail because they name something that is
not there (``NameError``, a missing module) are dropped, and at most one call per function may raise.
Values and outputs become answers, so those the variety filter reads as pt-BR are dropped as well.

Writes ``functions.jsonl`` (``{"name", "source", "calls"}``, functions with at least one call kept) and
``snippets.jsonl`` (``{"source"}``) into ``--output-dir``, with ``chat_cache.jsonl`` (a re-run never asks
twice), ``sandbox_outcomes.jsonl``, ``skipped.jsonl``, ``run_summary.json`` and ``progress.jsonl``:
one line per finished function, so a killed run resumes where it stopped and a larger ``--num-samples``
grows a finished run.
"""

import argparse
import ast
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from datagen.filtering.classifier import add_variety_arguments, variety_filter_from
from datagen.model.chat_client import BadReply, add_chat_arguments, settings_from
from datagen.model.model_steps import CACHE_FILE, Clients
from datagen.model.replies import json_lists
from datagen.sandbox.code_exec import CallOutcome, call_outcomes, snippet_output
from datagen.sandbox.runner import Limits, OutcomeLog, choose_route
from datagen.sources.code_sources import OUTCOME_LOG, add_sandbox_arguments, limits_from
from datagen.writing.cli import setup_logging
from datagen.writing.run_summary import SKIP_LOG, SkipLog, write_summary
from datagen.writing.writer import per_item_threaded


logger = logging.getLogger(__name__)

FUNCTIONS_FILE, SNIPPETS_FILE, PROGRESS_FILE, SETTINGS_FILE = (
    "functions.jsonl",
    "snippets.jsonl",
    "progress.jsonl",
    "settings.json",
)
MAX_SNIPPET_LINES = 10  # PTSimpleCodeOutputs' snippets, as in the paper
# A call that fails for these named something the function's file had and this one lacks: a model's slip,
# not behaviour of the function worth asking about.
MISSING_NAME = ("NameError", "ModuleNotFoundError", "ImportError", "SyntaxError")

CALLS_PROMPT = (
    "Escreve {count} invocações diferentes da função Python `{name}` abaixo, com argumentos literais "
    "(números, textos, listas, dicionários), que mostrem comportamentos diferentes. Cada invocação é uma "
    "expressão de uma só linha que chama `{name}` diretamente, sem depender de nada que não esteja na "
    "função nem na biblioteca padrão já importada por ela. Responde com uma lista JSON de textos, por "
    'exemplo ["{name}(1, 2)", "{name}(0, -3)"].\n\n<<<\n{source}>>>'
)
SNIPPETS_PROMPT = (
    "Escreve {count} programas curtos em Python (no máximo {lines} linhas cada), independentes, que usem a "
    "mesma ideia da função abaixo e imprimam o resultado com print(). Só a biblioteca padrão, sem input(), "
    "sem ficheiros, sem rede, sem aleatoriedade. Cada programa num bloco ```python à parte.\n\n<<<\n{source}>>>"
)

_FENCE = re.compile(r"```[ \t]*(?:python|py)?[ \t]*\n(.*?)```", re.S | re.I)


def _calls_to(expression: str, name: str) -> bool:
    """Whether ``expression`` parses as one expression whose outermost call is to ``name``."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return False
    call = tree.body
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == name


def parse_calls(reply: str, name: str) -> list[str]:
    """The distinct calls of ``name`` in a reply: its last JSON list that holds some, or else the call lines
    of its code blocks (some models answer with code instead of a list)."""
    lists = [[item for item in found if isinstance(item, str) and _calls_to(item, name)] for found in json_lists(reply)]
    lists = [found for found in lists if found]
    candidates = lists[-1] if lists else [line for block in _FENCE.findall(reply) for line in block.splitlines()]
    calls = list(dict.fromkeys(item.strip() for item in candidates if _calls_to(item, name)))
    if not calls:
        raise BadReply(f"the reply holds no call of {name}()")
    return calls


def _is_snippet(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    prints = any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print" for n in ast.walk(tree))
    return prints and 0 < len(source.strip().splitlines()) <= MAX_SNIPPET_LINES


def parse_snippets(reply: str) -> list[str]:
    """The distinct programs in a reply's code blocks that parse, print, and have at most 10 lines."""
    blocks = [block.strip("\n") + "\n" for block in _FENCE.findall(reply)]
    snippets = list(dict.fromkeys(block for block in blocks if _is_snippet(block)))
    if not snippets:
        raise BadReply(f"the reply holds no program of at most {MAX_SNIPPET_LINES} lines that prints")
    return snippets


@dataclass(frozen=True)
class Sandboxed:
    """Runs what the model wrote twice in the sandbox and keeps what is complete and the same both times."""

    log: OutcomeLog
    limits: Limits
    max_output_chars: int

    def calls(self, source: str, calls: list[str], key: str) -> list[tuple[str, CallOutcome]]:
        """The calls kept, with what they return or raise."""
        first = call_outcomes(source, calls, self.log, f"{key}/run-1", self.limits)
        second = call_outcomes(source, calls, self.log, f"{key}/run-2", self.limits) if first else None
        if not first or not second:  # the function does not load, or a call ran away with the whole run
            return []
        kept, raised = [], 0
        for call, one, two in zip(calls, first, second):
            if one == two and self._usable(one) and not (one.raised and raised):
                kept.append((call, one))
                raised += one.raised
        return kept

    def _usable(self, outcome: CallOutcome) -> bool:
        return len(outcome.text) <= self.max_output_chars and not (
            outcome.raised and outcome.text.split(":", 1)[0] in MISSING_NAME
        )

    def snippet(self, source: str, key: str) -> str | None:
        """What the snippet prints, or None unless it printed the same (short, non-empty) text twice."""
        first = snippet_output(source, self.log, f"{key}/run-1", self.limits)
        if not first or not first.strip() or len(first) > self.max_output_chars:
            return None
        return first if snippet_output(source, self.log, f"{key}/run-2", self.limits) == first else None


class CallWriter:
    """One input function -> its progress line: the function with the calls kept, and the snippets kept."""

    def __init__(self, args: argparse.Namespace, functions: list[dict], skips: SkipLog, sandbox: Sandboxed):
        self.args, self.functions, self.skips, self.sandbox = args, functions, skips, sandbox
        self.client, self.variety = Clients(args).get(), variety_filter_from(args)

    def _ask(self, prompt: str, parse, bad: list[str]) -> list[str]:
        messages = [{"role": "user", "content": [{"type": "text", "text": prompt}]}]
        try:
            return self.client.complete(messages, parse=parse, temperature=0.2, max_tokens=1024)
        except BadReply as error:
            bad.append(str(error))
            return []

    def __call__(self, rng, index: int) -> dict:
        function = self.functions[index]
        name, source = function["name"], function["source"]
        bad: list[str] = []
        calls = self._ask(
            CALLS_PROMPT.format(count=self.args.calls, name=name, source=source),
            lambda reply: parse_calls(reply, name),
            bad,
        )
        snippets = self._ask(
            SNIPPETS_PROMPT.format(count=self.args.snippets, lines=MAX_SNIPPET_LINES, source=source),
            parse_snippets,
            bad,
        )
        ran = self.sandbox.calls(source, calls, f"write_calls/{index}/calls") if calls else []
        printed = {s: self.sandbox.snippet(s, f"write_calls/{index}/{k}") for k, s in enumerate(snippets)}
        # Returned values and printed outputs become answers: pt-BR ones are dropped like any other target.
        kept_calls = [call for call, outcome in ran if not self.variety.is_pt_br(outcome.text)]
        kept_snippets = [s for s, output in printed.items() if output and not self.variety.is_pt_br(output)]
        pt_br = len(ran) - len(kept_calls) + sum(bool(output) for output in printed.values()) - len(kept_snippets)
        if bad and not kept_calls and not kept_snippets:  # a function lost to bad replies, not to the sandbox
            self.skips.record(index, bad[0])
        return {
            "index": index,
            "digest": function_digest(function),
            "function": {"name": name, "source": source, "calls": kept_calls} if kept_calls else None,
            "snippets": kept_snippets,
            "asked": {"calls": len(calls), "snippets": len(snippets)},
            "pt_br": pt_br,
            "bad_replies": bad,
        }


def read_functions(path: str, limit: int | None) -> list[dict]:
    functions = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not row.get("source"):
                raise ValueError(f"{path}:{number}: expected a JSON object with a 'name' and a 'source'")
            functions.append({"name": row["name"], "source": row["source"]})
            if limit and len(functions) >= limit:
                break
    if not functions:
        raise ValueError(f"{path} holds no functions; write one per line with real_sources codesearchnet")
    return functions


def _check_settings(output_dir: Path, settings: dict) -> None:
    """A resumed run must ask what the first asked: refuse another model or other counts."""
    path = output_dir / SETTINGS_FILE
    if path.exists():
        before = json.loads(path.read_text())
        if before != settings:
            changed = sorted(key for key in settings if before.get(key) != settings[key])
            raise ValueError(
                f"{output_dir} holds a run with other settings ({', '.join(changed)}); use another "
                f"--output-dir, or delete {output_dir / PROGRESS_FILE} to start over"
            )
    output_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n")


def function_digest(function: dict) -> str:
    return hashlib.sha256(json.dumps([function["name"], function["source"]]).encode()).hexdigest()[:16]


def read_progress(path: Path, functions: list[dict]) -> dict[int, dict]:
    """The finished functions among ``functions``; a run may grow (a larger --num-samples), not change."""
    done = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                index, digest = int(entry["index"]), entry["digest"]
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a crash: that function is done again
            if index >= len(functions):
                continue  # a smaller --num-samples than before: left out of this run's files
            if digest != function_digest(functions[index]):
                raise ValueError(
                    f"{path} was written for another --code-file (function {index} differs); use another "
                    "--output-dir, or delete the progress file to start over"
                )
            done[index] = entry
    return done


def _write_jsonl(path: Path, items: list[dict]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8")
    os.replace(tmp, path)


def write_outputs(output_dir: Path, done: dict[int, dict], requested: int) -> dict:
    entries = [done[index] for index in sorted(done)]
    functions = [entry["function"] for entry in entries if entry["function"]]
    # Functions of one corpus share ideas, so their programs repeat: each is written once.
    snippets = [{"source": source} for source in dict.fromkeys(s for entry in entries for s in entry["snippets"])]
    _write_jsonl(output_dir / FUNCTIONS_FILE, functions)
    _write_jsonl(output_dir / SNIPPETS_FILE, snippets)
    calls = sum(len(function["calls"]) for function in functions)
    asked_calls = sum(entry["asked"]["calls"] for entry in entries)
    asked_snippets = sum(entry["asked"]["snippets"] for entry in entries)
    passed_snippets = sum(len(entry["snippets"]) for entry in entries)
    pt_br = sum(entry["pt_br"] for entry in entries)
    details = {
        "functions_with_calls": len(functions),
        "calls_kept": calls,
        "snippets_kept": len(snippets),
        "snippets_repeated": passed_snippets - len(snippets),
        "dropped_by_sandbox": asked_calls + asked_snippets - calls - passed_snippets - pt_br,
        "dropped_as_pt_br": pt_br,
    }
    kept = sum(bool(entry["function"] or entry["snippets"]) for entry in entries)
    return write_summary(output_dir, requested, kept, details)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code-file", required=True, help="JSONL of functions, {name, source} per line")
    parser.add_argument("--output-dir", required=True, help="where functions.jsonl and snippets.jsonl go")
    parser.add_argument("--num-samples", type=int, help="only the first N functions (default: all)")
    parser.add_argument("--calls", type=int, default=4, help="invocations to ask for per function")
    parser.add_argument("--snippets", type=int, default=2, help="printing programs to ask for per function")
    parser.add_argument(
        "--max-output-chars", type=int, default=300, help="longer returned values or printed outputs are dropped"
    )
    parser.add_argument("--cache", help=f"reply cache (JSONL); default <output-dir>/{CACHE_FILE}")
    add_chat_arguments(parser)
    add_variety_arguments(parser)
    add_sandbox_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    setup_logging()
    limits = limits_from(args)
    choose_route(limits)  # refuse before asking anything when there is no kernel boundary
    output_dir = Path(args.output_dir)
    functions = read_functions(args.code_file, args.num_samples)
    settings = {"model": args.model, "calls": args.calls, "snippets": args.snippets}
    _check_settings(output_dir, settings | {"max_output_chars": args.max_output_chars})
    progress = output_dir / PROGRESS_FILE
    done = read_progress(progress, functions)
    pending = [index for index in range(len(functions)) if index not in done]
    if pending:
        logger.info("%d of %d functions already done; %d to go", len(done), len(functions), len(pending))
        sandbox = Sandboxed(OutcomeLog(output_dir / OUTCOME_LOG), limits, args.max_output_chars)
        writer = CallWriter(args, functions, SkipLog(output_dir / SKIP_LOG), sandbox)
        make = per_item_threaded(writer, 0, settings_from(args).total_concurrency)
        with open(progress, "a", encoding="utf-8") as record:
            for entry in tqdm(make(pending), total=len(pending), desc="write_calls"):
                record.write(json.dumps(entry, ensure_ascii=False) + "\n")
                record.flush()  # a killed run keeps every function it finished
                done[entry["index"]] = entry
    return write_outputs(output_dir, done, len(functions))


if __name__ == "__main__":
    main()
