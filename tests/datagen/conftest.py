"""Shared fixtures: reading images back with tesseract and measuring character error rates."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from PIL import Image, ImageOps, ImageStat


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance over the reference length, with all whitespace runs made one space."""
    reference, hypothesis = " ".join(reference.split()), " ".join(hypothesis.split())
    return _levenshtein(reference, hypothesis) / max(1, len(reference))


def _prepare(image: Image.Image) -> Image.Image:
    """Tesseract's usual preprocessing: grey, dark text on light, small images enlarged."""
    grey = image.convert("L")
    if ImageStat.Stat(grey).mean[0] < 128:
        grey = ImageOps.invert(grey)
    if grey.height < 150:
        grey = grey.resize((grey.width * 3, grey.height * 3), Image.LANCZOS)
    return ImageOps.expand(grey, 20, fill=255)


def _tesseract(image, psm: int = 6) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        _prepare(image).save(path)
        result = subprocess.run(
            ["tesseract", str(path), "stdout", "-l", "por", "--psm", str(psm)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # threads only contend on small machines
        )
    return result.stdout


@pytest.fixture(scope="session")
def ocr():
    """Tesseract with Portuguese data; the legibility tests need it (Debian: tesseract-ocr-por)."""
    if shutil.which("tesseract") is None:
        pytest.fail("tesseract is missing: apt-get install tesseract-ocr tesseract-ocr-por")
    return _tesseract


@pytest.fixture(scope="session")
def cer():
    return character_error_rate


class FakeServer:
    """The fake OpenAI server in a subprocess, so that it can really die."""

    def __init__(self, tmp_path: Path, *flags: str):
        self.log = tmp_path / f"server-{id(self)}.log"
        self.log.touch()
        port_file = tmp_path / f"port-{id(self)}"
        script = Path(__file__).with_name("fake_openai_server.py")
        self.process = subprocess.Popen([sys.executable, str(script), str(port_file), str(self.log), *flags])
        deadline = time.time() + 20
        while not port_file.exists():
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError("the fake OpenAI server did not start")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port_file.read_text()}/v1"

    @property
    def answered(self) -> list[str]:
        return self.log.read_text().split()

    @property
    def most_in_flight(self) -> int:
        record = self.log.with_name(self.log.name + ".most-in-flight")
        return int(record.read_text()) if record.exists() else 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


@pytest.fixture
def fake_server(tmp_path):
    """Start fake servers with fault flags: ``fake_server("--fail-every", "3")``; all stopped after the test."""
    servers = []

    def start(*flags: str) -> FakeServer:
        servers.append(FakeServer(tmp_path, *flags))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def coloured_images(tmp_path):
    """A folder of plain images whose colour the fake server can name."""
    folder = tmp_path / "images"
    folder.mkdir()
    colours = [(200, 30, 30), (30, 160, 60), (30, 60, 200), (230, 210, 40)]
    for i in range(12):
        Image.new("RGB", (32 + i, 32), colours[i % 4]).save(folder / f"{i:02d}.png")
    return folder
