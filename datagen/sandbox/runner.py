"""Running untrusted Python snippets to learn their true output, behind a kernel boundary.

Each snippet runs in its own bubblewrap sandbox (``datagen/sandbox/bubblewrap.py``): new user, pid, network,
mount and IPC namespaces, a read-only root holding only the interpreter, a size-limited private scratch
folder, an empty environment and its own ``/proc``. Memory and process counts are limited for the whole
tree by a cgroup where the machine allows one (``datagen/sandbox/cgroup.py``), and per process by rlimits
(address space, CPU, file size, open files) everywhere; the wall clock is the parent's. After every run
the whole process tree is killed. An audit hook inside labels careless calls as ``forbidden``; it is no
boundary, the kernel is.

Without bubblewrap (not installed, or no user namespaces) untrusted code is refused with the reason,
unless ``Limits(unsafe_in_process=True)`` (``--unsafe-sandbox``) accepts the old route: the same
interpreter, hook and rlimits, as the pipeline's own user, in a temp folder.
"""

import atexit
import collections
import json
import logging
import os
import signal
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from datagen.sandbox import bubblewrap, cgroup
from datagen.sandbox._bootstrap import FORBIDDEN_EXIT, MEMORY_EXIT
from datagen.sandbox.process import Raw, SandboxProcess


logger = logging.getLogger(__name__)

STATUSES = ("ok", "error", "timeout", "memory", "forbidden", "output_limit")
ROUTES = ("bubblewrap", "in-process")


class SandboxUnavailable(RuntimeError):
    """Raised instead of running untrusted code without the kernel boundary."""


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 5.0
    cpu_seconds: int = 4
    memory_mb: int = 256  # per process (RLIMIT_AS) and for the whole tree (cgroup)
    output_bytes: int = 64_000  # stdout read by the parent, and any file written
    open_files: int = 64
    processes: int = 16  # the whole tree (cgroup pids.max)
    scratch_mb: int = 16  # the private tmpfs (bubblewrap route)
    # --unsafe-sandbox: where bubblewrap cannot start, run in-process instead of refusing.
    unsafe_in_process: bool = False


@dataclass
class RunResult:
    status: str  # one of STATUSES
    stdout: str
    error: str  # the exception line for "error", the refused event for "forbidden", else ""


def choose_route(limits: Limits) -> str:
    """The bubblewrap route wherever it starts; otherwise refuse, unless told to accept the unsafe one."""
    reason = bubblewrap.unavailable_reason()
    if reason is None:
        return "bubblewrap"
    if not limits.unsafe_in_process:
        raise SandboxUnavailable(
            f"refusing to run untrusted code without a kernel boundary: {reason}. "
            "Pass --unsafe-sandbox (Limits(unsafe_in_process=True)) to run it in-process as this user instead, "
            "only for code you trust."
        )
    _log_once(logging.WARNING, f"--unsafe-sandbox: running snippets in-process, without a kernel boundary ({reason})")
    return "in-process"


_logged: set[str] = set()


def _log_once(level: int, message: str) -> None:
    if message not in _logged:
        _logged.add(message)
        logger.log(level, message)


def tree_limits_note() -> str:
    """How memory and process counts are bounded on this machine (logged once, and by the benchmark)."""
    kind = cgroup.available()
    if kind:
        return f"cgroup {kind}: memory and process limits hold for the whole tree"
    return (
        "no writable cgroup: memory is limited per process (RLIMIT_AS) and processes per user (RLIMIT_NPROC at "
        "the user's current count plus the limit; it does not bind root); the pid namespace and the wall clock "
        "still end every tree"
    )


class WarmPool:
    """Sandboxes started ahead of need, one snippet each: their start-up overlaps the work in between.

    Starting is asynchronous (``Popen`` returns once bwrap is exec'd), so keeping ``size`` started costs
    the pipeline nothing while the namespaces and the interpreter come up. Each sandbox still runs one
    snippet and is destroyed with its tree.
    """

    def __init__(self, limits: Limits, route: str, size: int):
        self.limits, self.route, self.size = limits, route, size
        self._ready: collections.deque[SandboxProcess] = collections.deque()
        self._lock = threading.Lock()

    def take(self) -> SandboxProcess:
        with self._lock:
            sandbox = self._ready.popleft() if self._ready else None
            if sandbox is not None and sandbox.process.poll() is not None:  # died while waiting (killed?)
                sandbox.kill()
                sandbox = None
            if sandbox is None:
                sandbox = SandboxProcess.start(self.limits, self.route)
            while len(self._ready) < self.size:
                self._ready.append(SandboxProcess.start(self.limits, self.route))
            return sandbox

    def close(self) -> None:
        with self._lock:
            while self._ready:
                self._ready.popleft().kill()


POOL_SIZE = int(os.environ.get("DATAGEN_SANDBOX_POOL", "2"))
_pools: dict[tuple[int, Limits, str], WarmPool] = {}
_pools_lock = threading.Lock()


def _pool(limits: Limits, route: str) -> WarmPool:
    key = (os.getpid(), limits, route)  # a forked worker starts its own: the parent's pipes are not its own
    with _pools_lock:
        if key not in _pools:
            _pools[key] = WarmPool(limits, route, POOL_SIZE)
        return _pools[key]


@atexit.register
def close_pools() -> None:
    """Kill the warm sandboxes of this process (also at exit: none outlives the pipeline)."""
    with _pools_lock:
        for (pid, _, _), pool in list(_pools.items()):
            if pid == os.getpid():
                pool.close()
                del _pools[(pid, pool.limits, pool.route)]


def _marker_line(stderr: str, marker: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith(marker)]
    return lines[-1][len(marker) :].strip() if lines else ""


def _classify(raw: Raw) -> RunResult:
    stdout = raw.stdout.decode("utf-8", errors="replace")
    stderr = raw.stderr.decode("utf-8", errors="replace")
    code = raw.returncode
    if raw.over_output_cap or code == -signal.SIGXFSZ:
        return RunResult("output_limit", stdout, "")
    if raw.out_of_memory or code == MEMORY_EXIT or "MemoryError" in stderr:
        return RunResult("memory", stdout, "")
    if raw.timed_out or code in (-signal.SIGXCPU, -signal.SIGKILL):
        return RunResult("timeout", stdout, "")
    if code == FORBIDDEN_EXIT:
        return RunResult("forbidden", stdout, _marker_line(stderr, "SANDBOX-FORBIDDEN"))
    if code == 0:
        return RunResult("ok", stdout, "")
    return RunResult("error", stdout, _marker_line(stderr, "SANDBOX-ERROR") or stderr.strip()[-300:])


def run_python(source: str, limits: Limits = Limits()) -> RunResult:
    """Run ``source`` as ``__main__`` in a sandbox and classify what happened.

    Raises ``SandboxUnavailable`` (before running anything) when no kernel boundary can be had and
    ``limits.unsafe_in_process`` is off; never raises on anything the snippet itself does.
    """
    route = choose_route(limits)
    _log_once(logging.INFO if cgroup.available() else logging.WARNING, f"sandbox: {route}; {tree_limits_note()}")
    return run_in(_pool(limits, route), source)


def run_in(pool: WarmPool, source: str) -> RunResult:
    """One snippet in one sandbox of ``pool``; never raises on what the snippet does."""
    limits = pool.limits
    try:
        sandbox = pool.take()
    except OSError as error:  # the machine, not the snippet: out of processes, cgroup gone, ...
        logger.error("could not start a sandbox: %s", error)
        return RunResult("error", "", f"sandbox did not start: {error}")
    try:
        raw = sandbox.run(source, limits)
    except Exception as error:  # noqa: BLE001 - whatever happened, this run is lost, not the pipeline
        logger.exception("sandbox run failed")
        sandbox.kill()
        return RunResult("error", "", f"sandbox failed: {type(error).__name__}: {error}")
    return _classify(raw)


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
