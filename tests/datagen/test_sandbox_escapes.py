"""Snippets written as hostile model output would be, one per way out of the old sandbox.

Each test checks the outside, not only the status: no file appeared, no process is left, no secret came
back, the parent lives. They need bubblewrap (Debian ``bubblewrap``); the tree limits need a cgroup.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from datagen.sandbox import bubblewrap, cgroup
from datagen.sandbox.code_exec import call_outcomes
from datagen.sandbox.runner import Limits, OutcomeLog, SandboxUnavailable, run_python


FAST = Limits(wall_seconds=3, cpu_seconds=2, memory_mb=200, output_bytes=10_000)

# Switches the audit hook off from inside: the bootstrap is ``__main__`` and its hook reads its globals.
HOOK_OFF = textwrap.dedent(
    """
    import sys
    _boot = sys.modules["__main__"]
    _boot._BLOCKED_PREFIXES = ("no-such-event",)
    _boot._PATH_EVENTS = set()
    _boot._refuse = lambda *args: None
    """
)

pytestmark = pytest.mark.skipif(
    bubblewrap.unavailable_reason() is not None, reason=f"no bubblewrap here: {bubblewrap.unavailable_reason()}"
)


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def test_the_bubblewrap_route_is_the_one_used():
    source = textwrap.dedent(
        """
        import os
        print(os.getuid(), os.getpid(), open("/proc/1/cmdline").read().split(chr(0))[0], sorted(os.listdir("/")))
        """
    )
    result = run_python(source, FAST)
    uid, pid, first, root = result.stdout.split(" ", 3)
    assert (result.status, uid, first) == ("ok", "65534", bubblewrap.bwrap_path())
    assert int(pid) < 10  # its own pid namespace
    for host_dir in ("home", "tmp", "work", "var"):
        assert f"'{host_dir}'" not in root


def test_without_bubblewrap_untrusted_code_is_refused_unless_unsafe(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    bubblewrap.unavailable_reason.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable, match="bubblewrap is not installed.*--unsafe-sandbox"):
            run_python("print('never runs')", FAST)
        unsafe = run_python("import os\nprint(os.getuid())", Limits(wall_seconds=3, unsafe_in_process=True))
        assert (unsafe.status, unsafe.stdout) == ("ok", f"{os.getuid()}\n")
    finally:
        monkeypatch.undo()
        bubblewrap.unavailable_reason.cache_clear()
    assert bubblewrap.unavailable_reason() is None


def test_hook_switched_off_gains_nothing_outside(tmp_path):
    target = tmp_path / "from-the-snippet.txt"
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    source = HOOK_OFF + textwrap.dedent(
        f"""
        import socket, subprocess
        print("inner subprocess", subprocess.run(["/bin/true"]).returncode)
        for attempt in (
            lambda: open({str(target)!r}, "w").write("x"),
            lambda: subprocess.run(["/bin/touch", {str(target)!r}], check=True),
            lambda: socket.create_connection(("127.0.0.1", {port}), timeout=1),
        ):
            try:
                attempt()
                print("ESCAPED")
            except Exception as error:
                print("refused:", type(error).__name__)
        """
    )
    result = run_python(source, FAST)
    listener_got = None
    try:
        listener_got = listener.accept()
    except TimeoutError:
        pass
    finally:
        listener.close()
    assert "inner subprocess 0" in result.stdout  # the hook really was off
    assert "ESCAPED" not in result.stdout and result.stdout.count("refused:") == 3
    assert not target.exists() and listener_got is None


def test_subprocesses_the_hook_never_sees_neither_write_nor_outlive_the_run(tmp_path):
    target, marker = tmp_path / "unseen.txt", "31.4159"
    source = textwrap.dedent(
        f"""
        import subprocess, sys
        sys.audit = lambda *args: None  # subprocess raises its audit event from Python: this silences it
        child = subprocess.run(
            ["/bin/sh", "-c", "touch {target} 2>/dev/null; setsid /bin/sleep {marker} >/dev/null 2>&1 & echo started"],
            capture_output=True, text=True,
        )
        print(child.stdout.strip())
        """
    )
    result = run_python(source, FAST)
    assert result.stdout == "started\n"  # the unseen child ran, and its grandchild was started
    time.sleep(0.2)
    assert not target.exists() and _processes_with(marker) == []


def test_processes_that_detach_and_ignore_signals_end_with_the_run():
    marker = "27.1828"
    source = HOOK_OFF + textwrap.dedent(
        f"""
        import os, signal
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                    signal.signal(sig, signal.SIG_IGN)
                os.execv("/bin/sleep", ["/bin/sleep", "{marker}"])
            os._exit(0)
        os.wait()
        print("detached")
        """
    )
    result = run_python(source, FAST)
    assert result.stdout == "detached\n"
    time.sleep(0.2)
    assert _processes_with(marker) == []


def test_writes_through_descriptors_and_links_stay_out_of_the_host(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    existing = outside / "existing.txt"
    existing.write_text("original")
    source = HOOK_OFF + textwrap.dedent(
        f"""
        import os
        def try_(name, action):
            try:
                action()
                print(name, "ESCAPED")
            except OSError as error:
                print(name, "refused", error.errno)
        try_("dir fd", lambda: os.open("new.txt", os.O_CREAT | os.O_WRONLY, dir_fd=os.open({str(outside)!r}, 0)))
        try_("symlink", lambda: (os.symlink({str(existing)!r}, "link"), open("link", "w").write("changed")))
        try_("hardlink", lambda: (os.link({str(existing)!r}, "hard"), open("hard", "w").write("changed")))
        try_("bootstrap", lambda: os.open("/sandbox/bootstrap.py", os.O_WRONLY | os.O_APPEND))
        try_("root", lambda: open("/planted.txt", "w"))
        try_("usr", lambda: open("/usr/planted.txt", "w"))
        try_("dev", lambda: open("/dev/shm/planted", "w"))
        for fd in sorted(int(n) for n in os.listdir("/proc/self/fd")):
            try:
                print("inherited", fd, os.readlink(f"/proc/self/fd/{{fd}}"))
            except OSError:
                pass  # the descriptor listdir itself used
        """
    )
    bootstrap = Path(__file__).parents[2] / "datagen" / "sandbox" / "_bootstrap.py"
    bootstrap_before = bootstrap.read_bytes()
    result = run_python(source, FAST)
    assert "ESCAPED" not in result.stdout and result.stdout.count("refused") == 7, result.stdout
    inherited = [line.split(" ", 2)[2] for line in result.stdout.splitlines() if line.startswith("inherited")]
    assert inherited and all(t.startswith("pipe:") or t == "/dev/null" for t in inherited), inherited  # no host fd
    assert sorted(p.name for p in outside.iterdir()) == ["existing.txt"] and existing.read_text() == "original"
    assert not Path("/planted.txt").exists() and not Path("/usr/planted.txt").exists()
    assert bootstrap.read_bytes() == bootstrap_before


def test_scratch_is_private_and_size_limited():
    source = textwrap.dedent(
        """
        import os
        print(os.getcwd(), os.listdir("."))
        try:
            with open("big", "wb") as f:
                for _ in range(40):
                    f.write(b"x" * (1 << 20))
            print("wrote 40 MiB")
        except OSError as error:
            print("full at", os.path.getsize("big") >> 20, "MiB", error.errno)
        """
    )
    result = run_python(source, Limits(wall_seconds=5, memory_mb=200, output_bytes=100 << 20, scratch_mb=8))
    assert result.stdout.startswith("/scratch []") and "full at" in result.stdout, result


def test_no_secret_of_the_pipeline_reaches_the_snippet(tmp_path):
    secret = "hf_" + "TopSecretValue1234567890"
    secret_file = tmp_path / "token"
    secret_file.write_text(secret)
    source = HOOK_OFF + textwrap.dedent(
        f"""
        import os
        print(dict(os.environ))
        for path in ["/proc/self/environ", "/proc/1/environ", f"/proc/{{TARGETS[0]}}/environ",
                     {str(secret_file)!r}, "/root/.cache/huggingface/token"]:
            try:
                print(path, open(path, "rb").read())
            except OSError as error:
                print(path, "refused", error.errno)
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                print(pid, open(f"/proc/{{pid}}/environ", "rb").read())
        """
    )
    # The control: through the old in-process route, the parent's /proc gives the secret away.
    control = HOOK_OFF + "print(open(f'/proc/{TARGETS[0]}/environ').read())"
    assert secret in _run_from_a_pipeline_process(control, route="unsafe", HF_TOKEN=secret)["stdout"]
    result = _run_from_a_pipeline_process(source, HF_TOKEN=secret)
    assert result["status"] == "ok" and "refused" in result["stdout"] and "HF_TOKEN" not in result["stdout"]
    assert secret not in json.dumps(result)


# The pipeline's side in its own process: it has a real environment (``/proc/PID/environ`` is fixed at exec),
# and a sandbox that failed would kill it, not pytest.
DRIVER = """
import json, os, sys
from datagen.sandbox.runner import Limits, run_python
source = sys.argv[2].replace("TARGETS", repr((os.getpid(), int(sys.argv[1]))))
result = run_python(source, Limits(wall_seconds=3, unsafe_in_process=sys.argv[3] == "unsafe"))
print(json.dumps({"status": result.status, "stdout": result.stdout, "error": result.error}))
"""
REPOSITORY = Path(__file__).parents[2]


def _run_from_a_pipeline_process(snippet: str, other_pid: int = 0, route: str = "", **environ: str) -> dict:
    """``route="unsafe"`` forces the old in-process route (bubblewrap hidden from PATH)."""
    if route == "unsafe":
        environ["PATH"] = "/nonexistent"
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(other_pid), snippet, route or "safe"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY), **environ},
    )
    assert done.returncode == 0, done.stderr  # the pipeline's process lived through the run
    return json.loads(done.stdout.splitlines()[-1])


def test_the_parent_and_other_processes_cannot_be_killed_or_written():
    snippet = HOOK_OFF + textwrap.dedent(
        """
        import os, signal
        for pid in TARGETS:
            for attempt in (lambda: os.kill(pid, signal.SIGKILL), lambda: open(f"/proc/{pid}/mem", "wb")):
                try:
                    attempt()
                    print("ESCAPED")
                except OSError as error:
                    print("refused", error.errno)
        """
    )
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        result = _run_from_a_pipeline_process(snippet, victim.pid)
        assert result["status"] == "ok" and result["stdout"].count("refused") == 4, result
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()


def test_output_files_and_streams_cannot_hang_or_crash_the_parent():
    source = HOOK_OFF + textwrap.dedent(
        """
        import os, sys
        for name in ("stdout", "stderr"):  # the old route read files of these names back from the folder
            os.mkfifo(name)
        os.symlink("/dev/zero", "out")
        sys.stdout.buffer.write(b"\\xff\\xfe not utf-8 \\x00")
        sys.stdout.flush()
        os.write(2, b"\\nSANDBOX-FORBIDDEN forged marker\\n" * 5000)
        os.close(1)
        os.close(2)
        """
    )
    start = time.monotonic()
    result = run_python(source, FAST)
    assert time.monotonic() - start < FAST.wall_seconds + 2
    assert result.status == "ok" and "not utf-8" in result.stdout


def test_endless_output_on_one_line_is_capped():
    result = run_python("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)", FAST)
    assert result.status == "output_limit" and len(result.stdout) <= FAST.output_bytes


def test_bad_json_from_a_snippet_is_recorded_not_raised(tmp_path):
    log = OutcomeLog(tmp_path / "outcomes.jsonl")
    forged = "print = lambda *args: __builtins__.print('{not json')\ndef f(x):\n    return x\n"
    assert call_outcomes(forged, ["f(1)", "f(2)"], log, key="forged") is None
    typed = "import builtins\nprint = lambda *a: builtins.print('[1, 2]')\ndef f(x):\n    return x\n"
    assert call_outcomes(typed, ["f(1)"], log, key="typed") is None
    silent = "import sys, os\nos.close(1)\ndef f(x):\n    return x\n"
    assert call_outcomes(silent, ["f(1)"], log, key="silent") is None
    rows = [json.loads(line) for line in (tmp_path / "outcomes.jsonl").read_text().splitlines()]
    assert [(row["key"], row["status"]) for row in rows] == [
        ("forged", "error"),
        ("typed", "error"),
        ("silent", "error"),
    ]
    assert call_outcomes("def f(x):\n    return x * 2\n", ["f(2)"], log, key="fine")[0].text == "4"


needs_cgroup = pytest.mark.skipif(cgroup.available() is None, reason="no writable cgroup on this machine")


@needs_cgroup
def test_process_limit_holds_across_children():
    source = HOOK_OFF + textwrap.dedent(
        """
        import os, time
        started = 0
        for _ in range(60):
            try:
                if os.fork() == 0:
                    time.sleep(2)
                    os._exit(0)
                started += 1
            except OSError:
                break
        print(started)
        """
    )
    result = run_python(source, FAST)
    assert result.status == "ok" and int(result.stdout) < FAST.processes


@needs_cgroup
def test_memory_limit_holds_across_children():
    # Each child stays under the per-process limit; together they pass the tree's.
    source = HOOK_OFF + textwrap.dedent(
        """
        import os
        children = []
        for _ in range(4):
            pid = os.fork()
            if pid == 0:
                block = b"x" * (90 << 20)
                import time; time.sleep(1)
                os._exit(0)
            children.append(pid)
        print(sum(os.WTERMSIG(os.waitpid(pid, 0)[1]) == 9 for pid in children))
        """
    )
    result = run_python(source, Limits(wall_seconds=10, memory_mb=200))
    assert result.status == "memory" and int(result.stdout) >= 1, result  # children were OOM-killed
    assert run_python(source, Limits(wall_seconds=10, memory_mb=400)).stdout == "0\n"  # the control


def test_parent_survives_a_sandbox_killed_from_outside():
    """A run whose sandbox dies by a signal from elsewhere is classified, not raised."""
    result = run_python(HOOK_OFF + "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)", FAST)
    assert result.status == "error"


@needs_cgroup
def test_cgroups_left_by_a_dead_pipeline_are_removed():
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid is free now: a pipeline that died without cleaning up
    parents = cgroup._layout().parents
    stale = [parent / f"datagen-sandbox-{dead.pid}-0" for parent in parents]
    for folder in stale:
        folder.mkdir()
    cgroup._sweep_stale.cache_clear()
    assert run_python("print(1)", FAST).status == "ok"
    assert not any(folder.exists() for folder in stale)
