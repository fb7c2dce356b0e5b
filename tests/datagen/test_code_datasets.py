import json
import random
import re
from collections import Counter

import pytest
from datasets import load_from_disk

from datagen import pt_outputs_to_code, pt_simple_code_outputs, sepic
from datagen.pt_simple_code_outputs import SimpleCodeOutputs
from datagen.render.code_render import render_code, render_output
from datagen.sandbox.runner import Limits, OutcomeLog
from datagen.sepic import Sepic
from datagen.simple_code_ocr import SimpleCodeOcr
from datagen.sources.code_sources import CodeSource
from datagen.sources.code_templates import FUNCTION_TEMPLATES, make_function
from datagen.tasks.mcq import LETTERS
from datagen.writing.writer import item_rng


FAST = Limits(wall_seconds=2, cpu_seconds=1, memory_mb=200)


def _answer(row):
    return row["messages"][1]["content"][0]["text"]


def _question(row):
    return row["messages"][0]["content"][-1]["text"]


def evaluate_in_process(source: str, call: str) -> str:
    """Trusted code (the templates, test fixtures) may run here: an independent check of what the sandbox reported."""
    namespace = {}
    exec(source, namespace)
    try:
        return repr(eval(call, namespace))
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}"


def test_every_template_renders_legibly(ocr, cer):
    rates = []
    for index in range(len(FUNCTION_TEMPLATES)):
        rng = random.Random(index)
        row = SimpleCodeOcr(CodeSource())(rng, index)
        read = "\n".join(
            re.sub(r"^\s*\d+ ", "", line) for line in ocr(row["images"][0]).splitlines()
        )  # drop line numbers
        rates.append(cer(_answer(row), read))
    assert sum(rates) / len(rates) < 0.05, rates


def test_sepic_answers_are_what_the_call_really_returns(tmp_path):
    sampler = Sepic(CodeSource(), OutcomeLog(tmp_path / "log.jsonl"), FAST)
    for index in range(8):
        rng = random.Random(index)
        row = sampler(random.Random(index), index)
        function = make_function(rng, rng.choice(["pt", "en"]))  # replays the sampler's draws
        call = re.search(r"`([^`]+)`", _question(row)).group(1)
        assert call in function.calls
        assert f"`{evaluate_in_process(function.source, call)}`" in _answer(row)


def test_outputs_to_code_right_option_reproduces_the_rendered_output(tmp_path, monkeypatch):
    rendered = []
    monkeypatch.setattr(
        pt_outputs_to_code, "render_output", lambda rng, text: rendered.append(text) or render_output(rng, text)
    )
    sampler = pt_outputs_to_code.OutputsToCode(CodeSource(), OutcomeLog(tmp_path / "log.jsonl"), FAST)
    for index in range(6):
        row = sampler(random.Random(index), index)
        code = re.search(r"```python\n(.*?)```", _question(row), re.S).group(1)
        options = dict(re.findall(r"^([A-H])\) `(.+)`$", _question(row), re.M))
        assert len(options) == 4 and _answer(row) in LETTERS
        outputs = {letter: evaluate_in_process(code, call) for letter, call in options.items()}
        assert outputs[_answer(row)] == rendered[-1]
        assert list(outputs.values()).count(rendered[-1]) == 1  # no other option gives the same output


def test_rendered_outputs_are_legible(ocr, cer):
    outputs = [
        "[80, 63, 40, 28, 6]",
        "{'b': 1, 'a': 3, 'n': 2}",
        "ValueError: discount too high",
        "0: Ana\n1: Rui\n2: Inês",
    ]
    rates = [cer(text, ocr(render_output(random.Random(i), text))) for i, text in enumerate(outputs)]
    assert sum(rates) / len(rates) < 0.05, rates


def test_bad_snippets_are_stopped_recorded_and_skipped(tmp_path):
    snippets = {
        "good_1": "print('olá mundo', 42)",
        "loop": "while True:\n    pass",
        "memory": "data = []\nwhile True:\n    data.append(bytearray(10**7))",
        "socket": "import socket\nsocket.create_connection(('127.0.0.1', 80))",
        "write": "open('/tmp/datagen-escape.txt', 'w').write('x')",
        "error": "print(1 / 0)",
        "good_2": "for i in range(3):\n    print(i * 7)",
    }
    code_file = tmp_path / "snippets.jsonl"
    code_file.write_text("".join(json.dumps({"source": s}) + "\n" for s in snippets.values()))
    out = tmp_path / "out"
    dataset = pt_simple_code_outputs.main(
        [
            "--num-samples",
            "16",
            "--output-dir",
            str(out),
            "--code-file",
            str(code_file),
            "--sandbox-seconds",
            "1",
            "--shard-size",
            "8",
        ]
    )
    outcomes = [json.loads(line) for line in (out / "sandbox_outcomes.jsonl").read_text().splitlines()]
    assert {o["status"] for o in outcomes} == {"ok", "timeout", "memory", "forbidden", "error"}
    assert len(outcomes) == 16  # seed 0's first 16 samples draw every snippet, the loop (1 s) once
    assert len(dataset) == sum(o["status"] == "ok" for o in outcomes) > 0
    truths = {"olá mundo 42", "0\n7\n14"}
    for row in dataset:
        kind = row["task"].split("/")[1]
        answer, question = _answer(row), _question(row)
        if kind == "direct":
            assert answer in truths
        elif kind == "yes_no":
            candidate = re.search(r"```\n(.*)\n```", question, re.S).group(1)
            assert (answer in ("Sim.", "Yes.")) == (candidate in truths)
        else:
            chosen = re.search(rf"^{answer}\) (.+)$", question, re.M).group(1)
            assert chosen in {t.replace("\n", " / ") for t in truths}


def test_sepic_command_writes_a_dataset_and_an_outcome_log(tmp_path):
    out = tmp_path / "sepic"
    sepic.main(["--num-samples", "4", "--output-dir", str(out)])
    assert len(load_from_disk(str(out))) == 4
    assert len((out / "sandbox_outcomes.jsonl").read_text().splitlines()) == 4


@pytest.mark.parametrize("highlight", [True, False])
def test_code_render_keeps_indentation_columns(highlight):
    image = render_code(random.Random(0), "def f():\n    return 1\n", highlight=highlight)
    assert image.width > 100 and image.height > 40


def test_outputs_are_never_thumbnails_and_come_in_frames():
    sizes, widths = [], set()
    for seed in range(40):
        image = render_output(random.Random(seed), "7")
        sizes.append(image.size)
        widths.add(image.width)
    assert min(w for w, _ in sizes) >= 224 and min(h for _, h in sizes) >= 96
    assert len(widths) > 1  # framed and bare outputs differ


def test_simple_code_outputs_yes_no_is_balanced_in_any_run(tmp_path):
    # Seed 0's first 120 samples (20 periods of the cycle) drew 27 "yes" against 23 "no", and 35 direct
    # questions, when each kind and verdict was a coin flip; the test fails on that code.
    sampler = SimpleCodeOutputs(CodeSource(), OutcomeLog(tmp_path / "log.jsonl"), FAST)
    verdicts, kinds = Counter(), Counter()
    for index in range(120):
        row = sampler(item_rng(0, index), index)
        kinds[row["task"].split("/")[1]] += 1
        if row["task"].split("/")[1] == "yes_no":
            verdicts[_answer(row).split(maxsplit=1)[0].strip(".")] += 1
    yes, no = verdicts["Sim"] + verdicts["Yes"], verdicts["Não"] + verdicts["No"]
    assert yes + no >= 36 and abs(yes - no) <= 1, verdicts
    assert min(kinds.values()) >= 36, kinds  # and each kind about a third of the samples
