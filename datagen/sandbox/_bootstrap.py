"""Runs inside the sandbox process: installs an audit hook, then executes the snippet.

Kept free of imports from ``datagen`` so that it runs under ``python -I -S`` inside the sandbox.
Usage: python -I -S _bootstrap.py ALLOWED_DIR < SNIPPET

The snippet arrives on stdin, so a sandbox can be started (and wait, warm) before its snippet is known.
The hook is no boundary (a snippet can switch it off: it runs in the same interpreter); it labels the
careless calls, and the bubblewrap sandbox around this process is what stops the rest.
"""

import os
import signal
import sys


FORBIDDEN_EXIT = 86
MEMORY_EXIT = 87
ERROR_EXIT = 88

_BLOCKED_PREFIXES = (
    "socket.",
    "subprocess.",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "os.fork",
    "os.forkpty",
    "os.system",
    "os.kill",
    "os.killpg",
    "ctypes.",
    "pty.",
    "webbrowser.",
    "urllib.",
    "http.",
    "ftplib.",
    "smtplib.",
    "imaplib.",
    "poplib.",
    "nntplib.",
    "telnetlib.",
    "sys.remote_exec",
)
_PATH_EVENTS = {
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.mkdir",
    "os.chmod",
    "os.chown",
    "os.symlink",
    "os.link",
    "os.truncate",
    "os.utime",
    "shutil.rmtree",
    "shutil.move",
    "shutil.copyfile",
    "shutil.copytree",
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _inside(path, allowed: str) -> bool:
    if isinstance(path, int):  # an already-open file descriptor
        return True
    return os.path.realpath(os.fsdecode(path)).startswith(allowed + os.sep)


def _refuse(event: str, args) -> None:
    # os._exit cannot be caught by the snippet, unlike an exception its own try/except could swallow.
    os.write(2, f"\nSANDBOX-FORBIDDEN {event} {args!r:.200}\n".encode())
    os._exit(FORBIDDEN_EXIT)


def _hook_for(allowed: str):
    def hook(event: str, args) -> None:
        if event.startswith(_BLOCKED_PREFIXES):
            _refuse(event, args)
        elif event == "open":
            path, mode, flags = args
            writing = (mode is not None and any(c in mode for c in "wax+")) or (flags & _WRITE_FLAGS)
            if writing and path is not None and not _inside(path, allowed):
                _refuse(event, args)
        elif event in _PATH_EVENTS and not all(_inside(a, allowed) for a in args if isinstance(a, (str, bytes))):
            _refuse(event, args)

    return hook


def main() -> None:
    allowed = os.path.realpath(sys.argv[1])
    source = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    sys.stdin = open(os.devnull)  # the snippet reads nothing; an open pipe would let it wait for input
    try:
        code = compile(source, "snippet.py", "exec")
    except (SyntaxError, ValueError) as error:
        os.write(2, f"\nSANDBOX-ERROR {type(error).__name__}: {error}\n".encode())
        os._exit(ERROR_EXIT)
    # Python ignores SIGXFSZ; restoring the default lets RLIMIT_FSIZE stop a snippet that prints forever.
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    sys.addaudithook(_hook_for(allowed))
    sys.argv = ["snippet.py"]
    try:
        exec(code, {"__name__": "__main__", "__builtins__": __builtins__})
    except MemoryError:
        os.write(2, b"\nSANDBOX-MEMORY\n")
        os._exit(MEMORY_EXIT)
    except BaseException as error:  # noqa: BLE001 - the snippet's own exception is its output
        sys.stdout.flush()
        os.write(2, f"\nSANDBOX-ERROR {type(error).__name__}: {error}\n".encode())
        os._exit(ERROR_EXIT)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
