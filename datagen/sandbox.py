"""Running untrusted Python snippets in a separate, limited process to learn their true output.

Limits: wall-clock and CPU time, address space, output size (RLIMIT_FSIZE on the files stdout and
stderr go to), open files; no network, no subprocesses, and no writes outside a fresh temp directory
(an audit hook refuses them and stops the process). This contains the careless code a language model
writes; it is not a security boundary against code written to escape (run untrusted sources in a
container as well).
"""

import json
import logging
import os
import resource
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from datagen._sandbox_bootstrap import FORBIDDEN_EXIT, MEMORY_EXIT


logger = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("_sandbox_bootstrap.py")

STATUSES = ("ok", "error", "timeout", "memory", "forbidden", "output_limit")


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 5.0
    cpu_seconds: int = 4
    memory_mb: int = 256
    output_bytes: int = 64_000
    open_files: int = 64


@dataclass
class RunResult:
    status: str  # one of STATUSES
    stdout: str
    error: str  # the exception line for "error", the refused event for "forbidden", else ""


def _limit_child(limits: Limits):
    def apply() -> None:
        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _marker_line(stderr: str, marker: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith(marker)]
    return lines[-1][len(marker) :].strip() if lines else ""


def _classify(returncode: int | None, timed_out: bool, stdout: str, stderr: str) -> RunResult:
    if timed_out or returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return RunResult("timeout", stdout, "")
    if returncode == -signal.SIGXFSZ:
        return RunResult("output_limit", stdout, "")
    if returncode == FORBIDDEN_EXIT:
        return RunResult("forbidden", stdout, _marker_line(stderr, "SANDBOX-FORBIDDEN"))
    if returncode == MEMORY_EXIT or "MemoryError" in stderr:
        return RunResult("memory", stdout, "")
    if returncode == 0:
        return RunResult("ok", stdout, "")
    return RunResult("error", stdout, _marker_line(stderr, "SANDBOX-ERROR") or stderr.strip()[-300:])


def run_python(source: str, limits: Limits = Limits()) -> RunResult:
    """Run ``source`` as ``__main__`` in a sandboxed interpreter and classify what happened."""
    with tempfile.TemporaryDirectory(prefix="datagen-sandbox-") as workdir:
        snippet = Path(workdir, "snippet.py")
        snippet.write_text(source, encoding="utf-8")
        out_path, err_path = Path(workdir, "stdout"), Path(workdir, "stderr")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-I", str(BOOTSTRAP), str(snippet), workdir],
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env={"PATH": "/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "PYTHONHASHSEED": "0"},
                preexec_fn=_limit_child(limits),
                start_new_session=True,
            )
            try:
                returncode, timed_out = process.wait(timeout=limits.wall_seconds), False
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the whole session, should the snippet have children
                returncode, timed_out = process.wait(), True
        stdout = out_path.read_bytes().decode("utf-8", errors="replace")
        stderr = err_path.read_bytes().decode("utf-8", errors="replace")
    return _classify(returncode, timed_out, stdout, stderr)


class OutcomeLog:
    """Appends one JSON line per sandbox run, so stopped snippets are recorded, not just dropped."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None

    def record(self, key: str, result: RunResult) -> None:
        if result.status != "ok":
            logger.warning("%s: sandbox stopped the code (%s) %s", key, result.status, result.error[:120])
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"key": key, **asdict(result)}, ensure_ascii=False)
        with open(self.path, "a", encoding="utf-8") as log:  # one short append per line: safe across processes
            log.write(line + "\n")
