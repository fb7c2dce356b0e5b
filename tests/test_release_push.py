"""hub_release/release.py --push: it pushes only a folder that passed the release check, and a Hub it cannot reach
ends the run with a clear error and no commit. Real HTTP on loopback; nothing leaves the machine."""

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from hub_release.model_card import model_card
from hub_release.training_run import read_training_run
from tests.serving import free_loopback_port


REPO = Path(__file__).resolve().parents[1]
RELEASE = [sys.executable, str(REPO / "hub_release" / "release.py")]


def hub_env(tmp_path: Path, endpoint: str) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "HUGGING"))}
    # A token the fake endpoints never see honoured; without one huggingface_hub stops before any request.
    return {**environment, "HF_HOME": str(tmp_path / "hf-home"), "HF_ENDPOINT": endpoint, "HF_TOKEN": "hf_test"}


class RecordingHub(BaseHTTPRequestHandler):
    """Answers every request with 500 and records it, so a test can count what a push sent."""

    requests: list[str] = []

    def _record(self):
        RecordingHub.requests.append(f"{self.command} {self.path}")
        self.send_response(500)
        self.end_headers()

    do_GET = do_POST = do_PUT = do_HEAD = _record

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_hub():
    RecordingHub.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", RecordingHub.requests
    server.shutdown()


def test_push_to_an_unreachable_hub_fails_clearly(tiny_checkpoint, tmp_path):
    endpoint = f"http://127.0.0.1:{free_loopback_port()}"  # nothing listens there: connection refused
    output = tmp_path / "release"
    command = [*RELEASE, str(tiny_checkpoint), "--output", str(output), "--repo-id", "me/amalia-vl-tiny", "--push"]
    command += ["--base-model", "amalia-llm/AMALIA-VL-SFT"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=hub_env(tmp_path, endpoint))
    assert result.returncode == 2, result.stderr[-3000:]
    assert "release check passed" in result.stderr  # the push came after the check
    assert f"Could not push {output} to the Hub repository me/amalia-vl-tiny at {endpoint}" in result.stderr
    assert "No commit was made" in result.stderr and "Traceback" not in result.stderr
    assert ModelCard.load(output / "README.md").data.base_model == ["amalia-llm/AMALIA-VL-SFT"]
    # The card names the repository it was meant for.
    assert (
        "https://huggingface.co/me/amalia-vl-tiny/resolve/main/examples/formas.png"
        in (output / "README.md").read_text()
    )


def test_a_folder_that_fails_the_check_is_never_pushed(tiny_checkpoint, tmp_path, recording_hub):
    endpoint, requests = recording_hub
    # Its code needs a package that only the development environment has: it loads here, not for a user.
    broken = tmp_path / "checkpoint"
    shutil.copytree(tiny_checkpoint, broken)
    with open(broken / "modeling_amalia_vl.py", "a") as file:
        file.write("\nimport trl  # noqa: E402, F401\n")
    command = [*RELEASE, str(broken), "--output", str(tmp_path / "release"), "--repo-id", "me/x", "--push"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=hub_env(tmp_path, endpoint))
    assert result.returncode == 1 and requests == [], (requests, result.stderr[-3000:])
    assert "does not load in a clean process with only the runtime dependencies" in result.stderr
    assert "trl" in result.stderr


def test_card_of_a_stage_run_lists_its_hub_datasets(tiny_checkpoint):
    from transformers import AutoConfig, AutoProcessor

    run = read_training_run(tiny_checkpoint, REPO / "train" / "configs" / "stage2.yaml")
    config = AutoConfig.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    processor = AutoProcessor.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    from hub_release.examples import EXAMPLES

    examples = [example for example, _ in EXAMPLES]
    card = model_card(config, processor, run, examples, Path("unused"), repo_id="me/AMALIA-VL-SFT")
    assert {"HuggingFaceM4/the_cauldron", "nvidia/Llama-Nemotron-VLM-Dataset-v1"} <= set(card.data.datasets)
    assert card.data.base_model is None  # stage 2 starts from a local folder; the tiny model has no Hub parents
    assert card.data.widget[0]["src"] == "https://huggingface.co/me/AMALIA-VL-SFT/resolve/main/examples/formas.png"
    # The Hub card's quick start opens the example from the Hub (not run here: offline); it is valid Python.
    code = re.search(r"## Quick start\n\n```python\n(.*?)\n```", card.text, re.S).group(1)
    compile(code, "quick_start", "exec")
    assert 'model_id = "me/AMALIA-VL-SFT"' in code and "urlopen(" in code
    assert "| Grounding | [TallyQA](https://huggingface.co/datasets/HuggingFaceM4/the_cauldron) |" in card.text


def test_space_push_to_an_unreachable_hub_fails_clearly(tiny_checkpoint, tmp_path):
    endpoint = f"http://127.0.0.1:{free_loopback_port()}"
    output = tmp_path / "release"
    command = [*RELEASE, str(tiny_checkpoint), "--output", str(output), "--repo-id", "me/amalia-vl-tiny"]
    command += ["--space-id", "me/amalia-vl-demo"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=hub_env(tmp_path, endpoint))
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Could not push" in result.stderr and "Hub repository me/amalia-vl-demo" in result.stderr
    staged = tmp_path / "release-space"
    assert (staged / "model.txt").read_text().strip() == "me/amalia-vl-tiny"


def test_staged_space_has_the_spaces_layout(tmp_path):
    from huggingface_hub import metadata_load

    from hub_release.space_release import stage_space

    space = stage_space(tmp_path / "space", "me/AMALIA-VL-SFT")
    assert {"app.py", "requirements.txt", "README.md", "model.txt", "examples.json"} <= {
        p.name for p in space.iterdir()
    }
    metadata = metadata_load(space / "README.md")
    assert metadata["sdk"] == "gradio" and metadata["app_file"] == "app.py"
    assert metadata["models"] == ["me/AMALIA-VL-SFT"]
    listed = json.loads((space / "examples.json").read_text())
    assert listed and all((space / entry["image"]).is_file() for entry in listed)


def test_release_refuses_to_overwrite_a_folder_that_is_not_a_model(tiny_checkpoint, tmp_path):
    from hub_release.release import build_release

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="is not a model folder"):
        build_release(tiny_checkpoint, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_card_shows_the_evaluation_report_table_when_the_run_has_one(tiny_checkpoint, tmp_path):
    from transformers import AutoConfig, AutoProcessor

    from hub_release.eval_results import read_eval_run
    from hub_release.examples import EXAMPLES

    results = {"label": "sft", "limit": None, "results": {"mme_pt": {"mme_perception_score,none": 1500.0}}}
    (tmp_path / "results.json").write_text(json.dumps(results))
    table = "| Model | MME† |\n|---|---|\n| sft | 1500 |"
    (tmp_path / "report.md").write_text(table + "\n")  # what `python -m evaluation.report RUN --output` writes
    config = AutoConfig.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    processor = AutoProcessor.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    examples = [example for example, _ in EXAMPLES]
    card = model_card(
        config, processor, read_training_run(tiny_checkpoint), examples, tmp_path, evaluation=read_eval_run(tmp_path)
    )
    parsed = type(card)(str(card))  # through YAML and back
    assert [(r.metric_type, r.metric_value) for r in parsed.data.eval_results] == [("mme_perception_score", 1500.0)]
    assert table in parsed.text and "smoke run" not in parsed.text


def test_card_names_the_hub_model_a_run_fine_tuned_and_the_real_models_parents(tiny_checkpoint):
    from hub_release.model_card import parents
    from inference.quantization import real_model_on_meta

    run = read_training_run(tiny_checkpoint, {"base_model": "amalia-llm/AMALIA-VL-SFT"})
    assert run.base_models == ["amalia-llm/AMALIA-VL-SFT"]
    assert parents(real_model_on_meta().config) == [
        "google/siglip2-so400m-patch16-384",
        "amalia-llm/AMALIA-9B-0626-DPO",
    ]
