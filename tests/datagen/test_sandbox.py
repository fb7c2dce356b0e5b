import json
from pathlib import Path

import pytest

from datagen.sandbox.runner import Limits, OutcomeLog, run_python


FAST = Limits(wall_seconds=1.5, cpu_seconds=1, memory_mb=200, output_bytes=10_000)
# The same memory limit with clocks that cannot run out first on a loaded machine: a memory-bound snippet must
# be stopped by its memory limit, whatever the machine's speed.
ROOMY_CLOCKS = Limits(wall_seconds=20, cpu_seconds=10, memory_mb=200, output_bytes=10_000)


@pytest.mark.parametrize(
    "source, status",
    [
        ("print(sum(range(10)))", "ok"),
        ("print('antes'); 1 / 0", "error"),
        ("while True:\n    pass", "timeout"),
        ("import time\nwhile True:\n    time.sleep(0.1)", "timeout"),
        ("chunks = []\nwhile True:\n    chunks.append(' ' * 10**6)", "memory"),
        ("import socket\nsocket.create_connection(('127.0.0.1', 9))", "forbidden"),
        ("import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9')", "forbidden"),
        ("try:\n    import socket; socket.socket()\nexcept BaseException:\n    print('escaped')", "forbidden"),
        ("import os\nos.system('echo hi')", "forbidden"),
        ("import subprocess\nsubprocess.run(['true'])", "forbidden"),
        ("import ctypes\nctypes.CDLL(None)", "forbidden"),
        ("while True:\n    print('x' * 1000)", "output_limit"),
        ("def f(:\n    pass", "error"),
    ],
)
def test_each_kind_of_snippet_is_stopped_and_classified(source, status):
    result = run_python(source, ROOMY_CLOCKS if status == "memory" else FAST)
    assert result.status == status, result  # the whole result: its error says what stopped the snippet


def test_writes_outside_the_temp_dir_are_refused(tmp_path):
    target = tmp_path / "escaped.txt"
    result = run_python(f"open({str(target)!r}, 'w').write('x')", FAST)
    assert result.status == "forbidden" and "open" in result.error
    assert not target.exists()
    removal = run_python(f"import os\nos.remove({str(Path(__file__))!r})", FAST)
    assert removal.status == "forbidden" and Path(__file__).exists()


def test_scratch_files_inside_the_temp_dir_are_allowed():
    result = run_python("open('notas.txt', 'w').write('olá')\nprint(open('notas.txt').read())", FAST)
    assert (result.status, result.stdout) == ("ok", "olá\n")


def test_error_keeps_output_and_exception():
    result = run_python("print('antes')\n{}['x']", FAST)
    assert result.stdout == "antes\n" and result.error == "KeyError: 'x'"


def test_outcome_log_records_every_run(tmp_path):
    log = OutcomeLog(tmp_path / "outcomes.jsonl")
    log.record("a", run_python("print(1)", FAST))
    log.record("b", run_python("while True: pass", FAST))
    rows = [json.loads(line) for line in (tmp_path / "outcomes.jsonl").read_text().splitlines()]
    assert [(row["key"], row["status"]) for row in rows] == [("a", "ok"), ("b", "timeout")]
