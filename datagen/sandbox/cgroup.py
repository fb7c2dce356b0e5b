"""Memory and process limits that hold for a whole process tree: one cgroup per sandbox run.

rlimits bound one process each, so a snippet that forks multiplies them; a cgroup bounds the tree.
Two layouts exist in the wild: cgroup v2 (one hierarchy; used when this process's own cgroup already
delegates the ``memory`` and ``pids`` controllers to its children) and cgroup v1 (a ``memory`` and a ``pids``
hierarchy; used when their folders are writable, as for root on most VMs). Where neither is writable,
``TreeLimits.create`` returns None and the caller falls back to per-process rlimits (and says so).
"""

import itertools
import logging
import os
import re
import signal
import time
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path


logger = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()
_NAME = re.compile(r"datagen-sandbox-(\d+)-\d+")


def _own_cgroup_paths() -> dict[str, str]:
    """{"memory": "/a/b", "pids": "/", "": "/c"} from /proc/self/cgroup ("" is the v2 hierarchy)."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") or [""]:
            paths[controller] = path
    return paths


def _writable_dir(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK)


@dataclass(frozen=True)
class _Layout:
    kind: str  # "v2" or "v1"
    parents: tuple[Path, ...]  # v2: one folder; v1: the memory folder, then the pids folder


@lru_cache(maxsize=1)
def _layout() -> _Layout | None:
    try:
        own = _own_cgroup_paths()
    except OSError:
        return None
    v2_parent = CGROUP_ROOT / own.get("", "/").lstrip("/")
    subtree = v2_parent / "cgroup.subtree_control"
    if subtree.exists() and {"memory", "pids"} <= set(subtree.read_text().split()) and _writable_dir(v2_parent):
        return _Layout("v2", (v2_parent,))
    if "memory" in own and "pids" in own:
        memory = CGROUP_ROOT / "memory" / own["memory"].lstrip("/")
        pids = CGROUP_ROOT / "pids" / own["pids"].lstrip("/")
        if _writable_dir(memory) and _writable_dir(pids):
            return _Layout("v1", (memory, pids))
    return None


def available() -> str | None:
    """ "v2", "v1" or None: which cgroup layout the sandbox can use on this machine."""
    layout = _layout()
    return layout.kind if layout else None


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@cache
def _sweep_stale(parents: tuple[Path, ...], own_pid: int) -> None:
    """Remove the cgroups of pipelines that are gone (killed, or worker processes that skip atexit).

    Runs once per process: a cgroup outlives its processes, so one left by a dead pipeline stays empty
    until someone removes it.
    """
    for parent in parents:
        for folder in parent.glob("datagen-sandbox-*"):
            match = _NAME.fullmatch(folder.name)
            if match and not _alive(int(match.group(1))):
                TreeLimits("v1" if len(parents) == 2 else "v2", (folder,)).kill_all(timeout=0.5)
                try:
                    folder.rmdir()
                except OSError:
                    pass


@dataclass
class TreeLimits:
    """One cgroup (v2) or a pair of them (v1) that a sandbox process joins before it starts its command."""

    kind: str
    folders: tuple[Path, ...]

    @classmethod
    def create(cls, memory_bytes: int, max_processes: int) -> "TreeLimits | None":
        layout = _layout()
        if layout is None:
            return None
        _sweep_stale(layout.parents, os.getpid())
        name = f"datagen-sandbox-{os.getpid()}-{next(_counter)}"
        folders = tuple(parent / name for parent in layout.parents)
        try:
            for folder in folders:
                folder.mkdir()
            if layout.kind == "v2":
                _write(folders[0] / "memory.max", str(memory_bytes))
                _write(folders[0] / "memory.swap.max", "0")
                _write(folders[0] / "pids.max", str(max_processes))
            else:
                memory, pids = folders
                _write(memory / "memory.limit_in_bytes", str(memory_bytes))
                swap_limit = memory / "memory.memsw.limit_in_bytes"
                if swap_limit.exists():  # without it a tree could spill past the limit into swap
                    _write(swap_limit, str(memory_bytes))
                _write(pids / "pids.max", str(max_processes))
        except OSError as error:
            logger.warning("could not set up a sandbox cgroup (%s): per-process limits only for this run", error)
            cls(layout.kind, folders).remove()
            return None
        return cls(layout.kind, folders)

    @property
    def procs_files(self) -> tuple[str, ...]:
        """The files a process writes its pid into to join; opened by path in the child, before exec."""
        return tuple(str(folder / "cgroup.procs") for folder in self.folders)

    def _pids(self) -> list[int]:
        try:
            return [int(pid) for pid in Path(self.procs_files[0]).read_text().split()]
        except (OSError, ValueError):
            return []

    def out_of_memory(self) -> bool:
        """Whether the kernel's OOM killer or the memory limit stopped something in this cgroup."""
        try:
            if self.kind == "v2":
                events = dict(line.split() for line in (self.folders[0] / "memory.events").read_text().splitlines())
                return int(events.get("oom_kill", 0)) > 0 or int(events.get("max", 0)) > 0
            control = dict(line.split() for line in (self.folders[0] / "memory.oom_control").read_text().splitlines())
            return int(control.get("oom_kill", 0)) > 0
        except (OSError, ValueError):
            return False

    def kill_all(self, timeout: float = 2.0) -> bool:
        """SIGKILL every process in the cgroup until it is empty; True once empty."""
        if self.kind == "v2" and (self.folders[0] / "cgroup.kill").exists():
            _write(self.folders[0] / "cgroup.kill", "1")
        deadline = time.monotonic() + timeout
        while pids := self._pids():
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if time.monotonic() > deadline:
                logger.error("sandbox cgroup %s still holds processes %s after SIGKILL", self.folders[0], pids)
                return False
            time.sleep(0.005)
        return True

    def remove(self) -> None:
        for folder in self.folders:
            for _ in range(200):  # the kernel frees a cgroup a moment after its last process is reaped
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.005)
