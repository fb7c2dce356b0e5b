"""datagen.write_calls against the fake OpenAI server on loopback: CodeSearchNet rows in their real schema ->
functions -> model-written calls and snippets, checked in the sandbox -> SePIC and PTSimpleCodeOutputs."""

import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datagen import pt_simple_code_outputs, sepic, write_calls
from datagen.model.chat_client import ChatError, ReplyCache
from datagen.sources import real_sources
from datagen.write_calls import parse_calls, parse_snippets
from tests.datagen.test_code_datasets import evaluate_in_process
from tests.datagen.test_model_faults import CHAOS, CLIENT
from tests.datagen.test_real_sources import _codesearchnet_row


FUNCTIONS = {
    "Stats.soma_quadrados": "def soma_quadrados(n, m):\n    return n * n + m * m\n",
    "divide": "def divide(a, b):\n    if b == 0:\n        raise ValueError('b must not be zero')\n    return a / b\n",
    "slugify": "def slugify(text):\n    return '-'.join(str(text).lower().split())\n",
    "needs_numpy": "def needs_numpy(x):\n    import no_such_module_here\n    return x\n",  # no call can run
    "spin": "def spin(x):\n    while True:\n        x += 1\n",  # every run stopped by the sandbox
}
RUNNABLE = ("soma_quadrados", "divide", "slugify")
SANDBOX = ["--sandbox-seconds", "1", "--concurrency", "2"]


@pytest.fixture
def code_file(tmp_path):
    """The functions as real_sources codesearchnet writes them from rows in CodeSearchNet's schema."""
    folder = tmp_path / "csn"
    folder.mkdir()
    rows = [_codesearchnet_row(name, source) for name, source in FUNCTIONS.items()]
    pq.write_table(pa.Table.from_pylist(rows), folder / "train-00000.parquet")
    path = tmp_path / "code.jsonl"
    assert real_sources.main(["codesearchnet", "--dataset", str(folder), "--output", str(path)]) == len(FUNCTIONS)
    return path


def _jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _args(code_file, out, url):
    return ["--code-file", str(code_file), "--output-dir", str(out), "--base-url", url, *SANDBOX]


def test_calls_and_snippets_are_kept_only_when_they_run_the_same_twice(tmp_path, fake_server, code_file):
    out = tmp_path / "calls"
    summary = write_calls.main(_args(code_file, out, fake_server().url))

    # The fake wrote 7 calls each: one does not parse, one names a missing helper, one has a random argument.
    functions = _jsonl(out / "functions.jsonl")
    assert {f["name"]: f["calls"] for f in functions} == {  # no call of needs_numpy or spin survives
        "soma_quadrados": [
            "soma_quadrados(1, 2)",
            "soma_quadrados(7, 2)",
            "soma_quadrados(-4, 2)",
            "soma_quadrados(2, 3)",
        ],
        "divide": ["divide(1, 2)", "divide(7, 2)", "divide(-4, 2)", "divide(2, 3)"],
        "slugify": ["slugify(1)", "slugify(7)", "slugify(-4)", "slugify(2)"],
    }
    assert [f["source"] for f in functions] == [
        FUNCTIONS[name] for name in ("Stats.soma_quadrados", "divide", "slugify")
    ]
    assert [s["source"] for s in _jsonl(out / "snippets.jsonl")] == [
        f"total = sum(range(1, 11))\nprint('Soma para {name.split('.')[-1]}:', total)\n" for name in FUNCTIONS
    ]  # the random and the pt-BR programs are dropped; the one that does not parse is never run
    assert summary["requested"] == summary["kept"] == len(FUNCTIONS)
    # Of 6 calls and 3 programs parsed per function: 12 calls and 5 programs kept, the random program and
    # all calls of needs_numpy and spin dropped by the sandbox, the pt-BR program by the variety filter.
    assert summary["calls_kept"] == 12 and summary["snippets_kept"] == 5
    assert summary["dropped_by_sandbox"] == 5 * 6 - 12 + 5 and summary["dropped_as_pt_br"] == 5

    # A re-run asks nothing and writes the same; so does one resumed from a progress file cut short.
    before = (out / "functions.jsonl").read_text(), (out / "snippets.jsonl").read_text()
    progress = out / "progress.jsonl"
    progress.write_text("".join(progress.read_text().splitlines(keepends=True)[:2]) + '{"index": 3, "fun')
    again = fake_server()
    write_calls.main(_args(code_file, out, again.url))
    assert again.answered == []
    assert ((out / "functions.jsonl").read_text(), (out / "snippets.jsonl").read_text()) == before

    # The files feed the pipelines: SePIC's answers are what the calls return, PTSimpleCodeOutputs' what prints.
    dataset = sepic.main(
        ["--num-samples", "8", "--output-dir", str(tmp_path / "sepic"), "--code-file", str(out / "functions.jsonl")]
    )
    sources = {f["name"]: f["source"] for f in functions}
    for row in dataset:
        call = re.search(r"`([^`]+)`", row["messages"][0]["content"][-1]["text"]).group(1)
        answer = row["messages"][1]["content"][0]["text"]
        assert f"`{evaluate_in_process(sources[call.split('(')[0]], call)}`" in answer
    snippets = pt_simple_code_outputs.main(
        ["--num-samples", "6", "--output-dir", str(tmp_path / "outputs"), "--code-file", str(out / "snippets.jsonl")]
    )
    assert len(snippets) == 6


def test_a_run_grows_but_never_changes(tmp_path, fake_server, code_file):
    out = tmp_path / "calls"
    write_calls.main(_args(code_file, out, fake_server().url) + ["--num-samples", "1"])
    assert [f["name"] for f in _jsonl(out / "functions.jsonl")] == ["soma_quadrados"]
    more = fake_server()
    write_calls.main(_args(code_file, out, more.url) + ["--num-samples", "3"])
    assert len(set(more.answered)) == 4  # two requests for each new function, none for the first
    assert [f["name"] for f in _jsonl(out / "functions.jsonl")] == list(RUNNABLE)
    with pytest.raises(ValueError, match="other settings \\(calls\\)"):
        write_calls.main(_args(code_file, out, more.url) + ["--calls", "2"])
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"name": "f", "source": "def f(x):\n    return x\n"}) + "\n")
    with pytest.raises(ValueError, match="another --code-file"):
        write_calls.main(_args(other, out, more.url))


def test_survives_faults_and_a_dying_server_then_resumes(tmp_path, fake_server, code_file):
    out = tmp_path / "calls"
    with pytest.raises(ChatError, match="re-run the same command"):
        write_calls.main(_args(code_file, out, fake_server(*CHAOS, "--die-after", "5").url) + CLIENT)
    cached_before = len(ReplyCache(out / "chat_cache.jsonl"))
    healthy = fake_server(*CHAOS)
    summary = write_calls.main(_args(code_file, out, healthy.url) + CLIENT)
    assert len(set(healthy.answered)) == len(ReplyCache(out / "chat_cache.jsonl")) - cached_before  # none twice
    assert summary["kept"] + summary["skipped_for_bad_replies"] + summary["dropped_by_filters"] == len(FUNCTIONS)
    assert summary["kept"] >= 3
    for line in (out / "skipped.jsonl").read_text().splitlines() if (out / "skipped.jsonl").exists() else []:
        assert "tries" in json.loads(line)["reason"]


def test_replies_are_read_tolerantly():
    reply = "Aqui vão:\n1. `f(1)`\n\n```python\nf(2)\nf(3, 'a')\nx = f(4)\nprint(f(5))\n```"
    assert parse_calls(reply, "f") == ["f(2)", "f(3, 'a')"]  # code-block lines that are calls of f, no list
    assert parse_calls('Lista: ["f(1)", "g(2)", 3, "f(1)"] e mais [1, 2]', "f") == ["f(1)"]
    nested = 'Ok:\n```json\n["f([1, 2])", "f(\'[x]\')", "f({\'a\': [3]})"]\n```'
    assert parse_calls(nested, "f") == ["f([1, 2])", "f('[x]')", "f({'a': [3]})"]
    with pytest.raises(ValueError, match="no call of f"):
        parse_calls('["g(1)"]', "f")
    long = "```python\n" + "print(1)\n" * 11 + "```"
    assert parse_snippets(long + "\n```py\nx = 2\nprint(x)\n```\n```\nx = 3\n```") == ["x = 2\nprint(x)\n"]
    with pytest.raises(ValueError, match="no program"):
        parse_snippets(long)
