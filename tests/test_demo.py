"""The Gradio demo (hub_release/space/) in a real headless Chromium: the test uploads an image, asks in pt-PT and reads
the answer from the page; it must be our own greedy answer. The app runs on loopback with the tiny checkpoint."""

import importlib.util
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import torch
from PIL import Image
from transformers import AutoProcessor

from hub_release.space_release import stage_space
from inference.ask import answer, load_model
from tests.serving import free_loopback_port, stop_process


gradio = pytest.importorskip("gradio", reason="the demo extra: pip install -e '.[demo]'")
webdriver = pytest.importorskip("selenium.webdriver", reason="the browser test drives Chromium with selenium")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    not (CHROMEDRIVER and CHROMIUM),
    reason="needs Debian's chromium and chromium-driver (scripts/install_system_packages.sh)",
)

QUESTION = "Que formas e cores vês nesta imagem?"
MAX_NEW_TOKENS = 256  # the app's default answer length


def load_app_module(space: Path):
    spec = importlib.util.spec_from_file_location("space_app", space / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def space(tiny_checkpoint, tmp_path_factory):
    return stage_space(tmp_path_factory.mktemp("space") / "space", str(tiny_checkpoint))


@pytest.fixture(scope="module")
def app_url(space, tmp_path_factory):
    port = free_loopback_port()
    log = tmp_path_factory.mktemp("demo-log") / "app.log"
    environment = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(space / "app.py")], cwd=space, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the demo did not start:\n" + log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                time.sleep(0.5)
        yield url
    finally:
        stop_process(process)


@pytest.fixture
def browser(tmp_path):
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1280,1600",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def expected(tiny_checkpoint, space):
    """Our own greedy answer to the same question about the same image, with the app's defaults."""
    model = load_model(tiny_checkpoint, "cpu", torch.float32)
    processor = AutoProcessor.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    image = Image.open(space / "examples" / "formas.png")
    return model, processor, answer(model, processor, [image], QUESTION, max_new_tokens=MAX_NEW_TOKENS)


def test_answers_stream_token_by_token(space, expected):
    model, processor, full = expected
    app = load_app_module(space)
    image = Image.open(space / "examples" / "formas.png")
    pieces = list(app.answer_stream(model, processor, image, QUESTION, processor.image_processor.max_tiles, 16))
    assert len(pieces) > 1 and all(full.startswith(piece) for piece in pieces), (pieces, full)


def test_browser_uploads_asks_and_reads_the_answer(app_url, browser, space, expected):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    _, _, wanted = expected
    assert wanted, "the tiny model gave an empty answer: nothing to read from the page"
    browser.get(app_url)
    wait = WebDriverWait(browser, 60)
    upload = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "#imagem input[type=file]")))
    upload.send_keys(str(space / "examples" / "formas.png"))
    wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "#imagem img")))
    browser.find_element(By.CSS_SELECTOR, "#pergunta textarea").send_keys(QUESTION)
    browser.find_element(By.CSS_SELECTOR, "#perguntar").click()

    reply = browser.find_element(By.CSS_SELECTOR, "#resposta textarea")
    try:
        WebDriverWait(browser, 120).until(lambda _: reply.get_attribute("value") == wanted)
    finally:
        shown = reply.get_attribute("value")
    assert shown == wanted, (shown, wanted)
