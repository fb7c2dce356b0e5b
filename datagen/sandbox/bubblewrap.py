"""The kernel boundary around a snippet: the bubblewrap command line, and whether it can start here.

The sandbox gets new user, pid, network, mount, IPC, UTS and cgroup namespaces, so it sees no other
process, no network, no parent ``/proc`` and no host user; a root that holds only the interpreter's
folders, read-only (no ``/home``, ``/root``, ``/work``, ``/etc`` or ``/tmp`` of the host); a size-limited
tmpfs as its only writable place; and an empty environment. ``--die-with-parent`` and the pid namespace
mean that when the sandbox's first process dies, every process inside dies with it.
"""

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path


SCRATCH = "/scratch"
BOOTSTRAP_INSIDE = "/sandbox/bootstrap.py"
NOBODY = "65534"

# The system folders a dynamically linked interpreter needs; /bin, /lib... are often links into /usr.
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def interpreter() -> str:
    """The real interpreter behind a virtual environment: the sandbox needs only the standard library."""
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def _root_mounts() -> list[str]:
    args = []
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in _SYSTEM_FILES:
        args += ["--ro-bind-try", path, path]
    prefix = os.path.realpath(sys.base_prefix)
    if not any(prefix == d or prefix.startswith(d + "/") for d in _SYSTEM_DIRS):  # pyenv, conda, /opt/python
        args += ["--ro-bind", prefix, prefix]
    return args


def command(bootstrap: Path, scratch_bytes: int, argv: list[str]) -> list[str]:
    """``bwrap ... argv``: argv runs inside with ``SCRATCH`` as its working folder and the bootstrap bound in."""
    return [
        bwrap_path() or "bwrap",
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--disable-userns",  # no nested user namespace in which a snippet could regain capabilities
        "--uid",
        NOBODY,
        "--gid",
        NOBODY,
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",  # no ioctl(TIOCSTI) into a terminal the pipeline runs in
        *_root_mounts(),
        "--ro-bind",
        str(bootstrap),
        BOOTSTRAP_INSIDE,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(scratch_bytes),
        "--tmpfs",
        SCRATCH,
        "--remount-ro",
        "/dev",
        "--remount-ro",
        "/",  # bwrap's own root is a tmpfs; read-only, it cannot take files
        "--chdir",
        SCRATCH,
        "--clearenv",
        "--setenv",
        "PATH",
        "/usr/bin:/bin",
        "--setenv",
        "HOME",
        SCRATCH,
        "--setenv",
        "TMPDIR",
        SCRATCH,
        "--setenv",
        "PYTHONHASHSEED",
        "0",
        "--",
        *argv,
    ]


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when a bubblewrap sandbox starts on this machine, else why not (shown to the user)."""
    if bwrap_path() is None:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap; scripts/install_system_packages.sh)"
    probe = command(Path(__file__), 1 << 20, [interpreter(), "-I", "-S", "-c", "pass"])
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap did not start: {error}"
    if result.returncode != 0:
        return (
            f"bubblewrap could not create its namespaces ({result.stderr.strip() or result.returncode}); "
            "unprivileged user namespaces may be off (sysctl kernel.unprivileged_userns_clone=1, "
            "user.max_user_namespaces > 0) or forbidden inside this container"
        )
    return None
