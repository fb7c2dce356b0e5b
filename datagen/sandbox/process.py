"""One sandbox process: started (and possibly kept warm), fed one snippet, read through pipes, killed.

The parent never reads a file the snippet could have touched: stdout and stderr are pipes the parent
holds, read with a size cap and a deadline. After every run the whole tree goes: the process group,
the pid namespace (bubblewrap's route) and the cgroup, whatever the snippet did to hide a process.
"""

import collections
import logging
import os
import resource
import selectors
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from datagen.sandbox import bubblewrap
from datagen.sandbox.cgroup import TreeLimits


logger = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("_bootstrap.py")
STDERR_KEPT = 16_000  # the bootstrap's markers come last, so the tail of stderr is what classification needs
_AFTER_EXIT_SECONDS = 0.2  # how long output still flowing from leftover children is read once the snippet exits


@dataclass
class Raw:
    """What the parent observed, before classification."""

    returncode: int | None  # negative: killed by that signal
    timed_out: bool
    over_output_cap: bool
    out_of_memory: bool
    stdout: bytes
    stderr: bytes


def _processes_of_this_user() -> int:
    uid = os.getuid()
    count = 0
    for entry in os.scandir("/proc"):
        try:
            count += entry.name.isdigit() and entry.stat().st_uid == uid
        except OSError:
            pass
    return count


def _limit_child(limits, procs_files: tuple[str, ...]):
    """Runs in the child between fork and exec: join the cgroup, then set the per-process limits."""
    # Without a cgroup, RLIMIT_NPROC is the only process limit left; it counts every process of the user,
    # so it is set above what the user already runs (counted here, in the parent, not between fork and exec).
    nproc = None if procs_files else _processes_of_this_user() + limits.processes

    def apply() -> None:
        for path in procs_files:  # raw os calls: no Python-level locks between fork and exec
            fd = os.open(path, os.O_WRONLY)
            os.write(fd, b"0")  # "0" is the writing process itself
            os.close(fd)
        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if nproc is not None:  # does not bind root
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))

    return apply


@dataclass
class SandboxProcess:
    """A started sandbox whose bootstrap waits on stdin for its snippet."""

    route: str  # "bubblewrap" or "in-process"
    process: subprocess.Popen
    tree: TreeLimits | None
    scratch: tempfile.TemporaryDirectory | None = field(default=None)

    @classmethod
    def start(cls, limits, route: str) -> "SandboxProcess":
        tree = TreeLimits.create(limits.memory_mb * 1024 * 1024, limits.processes)
        scratch = None
        python = [bubblewrap.interpreter(), "-I", "-S"]
        if route == "bubblewrap":
            argv = bubblewrap.command(BOOTSTRAP, limits.scratch_mb << 20, [*python, bubblewrap.BOOTSTRAP_INSIDE, "."])
            cwd, env = "/", {}
        else:
            scratch = tempfile.TemporaryDirectory(prefix="datagen-sandbox-", ignore_cleanup_errors=True)
            argv, cwd = [*python, str(BOOTSTRAP), scratch.name], scratch.name
            env = {"PATH": "/usr/bin:/bin", "HOME": cwd, "TMPDIR": cwd, "PYTHONHASHSEED": "0"}
        try:
            process = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=_limit_child(limits, tree.procs_files if tree else ()),
                start_new_session=True,
            )
        except BaseException:
            if tree:
                tree.remove()
            if scratch:
                scratch.cleanup()
            raise
        return cls(route, process, tree, scratch)

    def run(self, source: str, limits) -> Raw:
        """Send the snippet, read its output until it exits or a limit is hit, then kill the tree."""
        try:
            return self._feed_and_read(source.encode("utf-8", errors="replace"), limits)
        finally:
            self.kill()

    def _feed_and_read(self, payload: bytes, limits) -> Raw:
        try:
            self.process.stdin.write(payload)
            self.process.stdin.close()
        except (BrokenPipeError, OSError):
            pass  # the sandbox died before reading its snippet: its exit status and stderr tell why
        stdout, stderr = bytearray(), collections.deque(maxlen=STDERR_KEPT)
        timed_out = over_cap = False
        deadline = time.monotonic() + limits.wall_seconds
        exited_at = None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ, stdout)
            selector.register(self.process.stderr, selectors.EVENT_READ, stderr)
            while selector.get_map():
                now = time.monotonic()
                if now > deadline:
                    timed_out = True
                    break
                if exited_at is None and self.process.poll() is not None:
                    exited_at = now
                if exited_at is not None and now - exited_at > _AFTER_EXIT_SECONDS:
                    break  # children of the snippet hold the pipes open; the kill below ends them
                for key, _ in selector.select(timeout=min(0.05, deadline - now)):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                    else:
                        key.data.extend(chunk)
                if len(stdout) > limits.output_bytes:
                    over_cap = True
                    break
        out_of_memory = bool(self.tree and self.tree.out_of_memory())  # read before kill() removes the cgroup
        self.kill()
        return Raw(
            returncode=self._signal_aware_returncode(),
            timed_out=timed_out,
            over_output_cap=over_cap,
            out_of_memory=out_of_memory,
            stdout=bytes(stdout[: limits.output_bytes]),
            stderr=bytes(stderr),
        )

    def _signal_aware_returncode(self) -> int | None:
        code = self.process.returncode
        if self.route == "bubblewrap" and code is not None and code > 128:
            return -(code - 128)  # bwrap exits with 128 + the signal that ended its child
        return code

    def kill(self) -> None:
        """End every process of this run; safe to call more than once."""
        try:  # also once the first process is gone: children it left keep the group (and its id) alive
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        if self.tree:
            self.tree.kill_all()
            self.tree.remove()
            self.tree = None
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe and not pipe.closed:
                pipe.close()
        if self.scratch:
            self.scratch.cleanup()
            self.scratch = None
