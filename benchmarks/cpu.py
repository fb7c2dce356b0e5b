"""CPU seconds of a benchmark and everything it starts, sandboxes included.

rusage only counts children that were waited for, and processes reaped inside a pid namespace (the
sandbox's) never reach it; a cpuacct cgroup holding the benchmark counts every descendant. Where no
cpuacct cgroup can be made (cgroup v2 only, or not root), rusage it is.
"""

import logging
import os
import resource
from contextlib import contextmanager
from pathlib import Path


CPUACCT = Path("/sys/fs/cgroup/cpuacct")
logger = logging.getLogger(__name__)


@contextmanager
def cpu_meter():
    """Yield a function giving the CPU seconds used so far by this process and all its descendants."""
    folder = CPUACCT / f"benchmark-{os.getpid()}"
    try:
        folder.mkdir()
        (folder / "cgroup.procs").write_text(str(os.getpid()))
    except OSError:
        if folder.is_dir():
            folder.rmdir()
        folder = None
    try:
        if folder is not None:
            yield lambda: int((folder / "cpuacct.usage").read_text()) / 1e9
        else:

            def rusage_seconds() -> float:
                own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
                return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

            yield rusage_seconds
    finally:
        if folder is not None:
            _empty_and_remove(folder)


def _empty_and_remove(folder: Path) -> None:
    """Move every process still in the cgroup back to its parent, then remove it: not only this one, since
    descendants may outlive the measurement (a warm sandbox, a server a benchmark left running)."""
    for pid in (folder / "cgroup.procs").read_text().split():
        try:
            (CPUACCT / "cgroup.procs").write_text(pid)
        except ProcessLookupError:
            pass  # it exited meanwhile
    try:
        folder.rmdir()
    except OSError as error:  # a process started between the two steps; the measurement itself is done
        logger.warning("could not remove the benchmark's cgroup %s (%s); remove it by hand", folder, error)
