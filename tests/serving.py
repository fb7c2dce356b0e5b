"""A real OpenAI-compatible server for the tests: ``transformers serve`` on a tiny random checkpoint.

    with transformers_serve(workdir) as served:          # a plain context manager
        served.base_url, served.model                    # "http://127.0.0.1:PORT/v1", the model name to send

    def test_x(served_tiny_vlm):                         # or the session-scoped pytest fixture
        OpenAI(base_url=served_tiny_vlm.base_url, api_key="-").chat.completions.create(
            model=served_tiny_vlm.model, messages=[...])

It builds a tiny AMALIA-VL checkpoint (``build_tiny``), exports it to ``llava_next`` (what serving engines
load), starts ``transformers serve`` pinned to it on a free port of 127.0.0.1, on CPU, offline, with its own
Hugging Face home, waits until a chat completion with an image comes back, and always stops it. The
server is pinned: every request must name ``served.model``. Its replies are a random model's nonsense.
Needs the ``serving`` extra of transformers (``pip install -e ".[test]"`` brings it).
"""

import base64
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub_release.build_checkpoint import build_tiny
from hub_release.convert_llava_next import convert


START_TIMEOUT_S = 240.0  # model load and the first generation on two shared cores


@dataclass(frozen=True)
class Served:
    base_url: str  # "http://127.0.0.1:PORT/v1"
    model: str  # the name every request must send (the server is pinned to this checkpoint)
    log: Path  # the server's output, for when something goes wrong


def png_data_url(size: tuple[int, int] = (24, 16), colour=(200, 30, 30)) -> str:
    """A plain image as the ``image_url`` of an OpenAI chat message."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tiny_llava_next(workdir: Path) -> Path:
    """A tiny random AMALIA-VL checkpoint exported to ``llava_next`` under ``workdir``."""
    exported = workdir / "tiny-llava-next"
    if not (exported / "config.json").exists():
        source = build_tiny(workdir / "tiny-amalia-vl")
        written = convert(source, exported)
        assert written == "llava_next", written
    return exported


def _post_json(url: str, body: dict, timeout: float) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def _wait_until_answering(served: Served, process: subprocess.Popen, deadline: float) -> None:
    """Poll /health, then send one image chat completion: the model is loaded once that comes back."""
    root = served.base_url.removesuffix("/v1")
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"transformers serve exited ({process.returncode}):\n{_tail(served.log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"transformers serve did not answer in {START_TIMEOUT_S:.0f}s:\n{_tail(served.log)}")
        try:
            with urllib.request.urlopen(root + "/health", timeout=5):
                pass
            # The warm-up is an image chat completion, the kind the pipelines send.
            content = [{"type": "image_url", "image_url": {"url": png_data_url()}}, {"type": "text", "text": "Olá"}]
            body = {"model": served.model, "max_tokens": 2, "messages": [{"role": "user", "content": content}]}
            _post_json(served.base_url + "/chat/completions", body, timeout=max(5.0, deadline - time.monotonic()))
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def _server_environment(workdir: Path) -> dict:
    home = workdir / "hf-home"
    (home / "hub").mkdir(parents=True, exist_ok=True)  # /v1/models scans it
    return {
        **os.environ,
        "HF_HOME": str(home),
        "HF_HUB_OFFLINE": "1",  # nothing is downloaded: the checkpoint is local
        "TRANSFORMERS_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",  # the test machines are small and shared
        "TOKENIZERS_PARALLELISM": "false",
    }


def stop_process(process: subprocess.Popen) -> None:
    """Terminate, then kill what does not stop within 15 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def transformers_serve(workdir: Path) -> Iterator[Served]:
    """Start ``transformers serve`` on the tiny checkpoint; yield where it answers; always stop it."""
    workdir.mkdir(parents=True, exist_ok=True)
    checkpoint = tiny_llava_next(workdir)
    port = free_loopback_port()
    served = Served(f"http://127.0.0.1:{port}/v1", str(checkpoint), workdir / "transformers-serve.log")
    command = [
        str(Path(sys.executable).with_name("transformers")),
        "serve",
        str(checkpoint),
        "--host",
        "127.0.0.1",  # loopback only
        "--port",
        str(port),
        "--device",
        "cpu",
        "--dtype",
        "float32",
        "--default-seed",
        "0",
        "--log-level",
        "info",
    ]
    with open(served.log, "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=_server_environment(workdir)
        )
    try:
        _wait_until_answering(served, process, time.monotonic() + START_TIMEOUT_S)
        yield served
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def served_tiny_vlm(tmp_path_factory) -> Iterator[Served]:
    """One ``transformers serve`` for the whole session (see ``transformers_serve``)."""
    with transformers_serve(tmp_path_factory.mktemp("transformers-serve")) as served:
        yield served
