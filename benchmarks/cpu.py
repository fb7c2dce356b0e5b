"""CPU seconds of a benchmark and everything it starts, sandboxes included.

rusage only counts children that were waited for, and processes reaped inside a pid namespace (the
sandbox's) never reach it; a cpuacct cgroup holding the benchmark counts every descendant. Where no
cpuacct cgroup can be made (cgroup v2 only, or not root), rusage it is.
"""

import os
import resource
from contextlib import contextmanager
from pathlib import Path


CPUACCT = Path("/sys/fs/cgroup/cpuacct")


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
            (CPUACCT / "cgroup.procs").write_text(str(os.getpid()))
            folder.rmdir()
