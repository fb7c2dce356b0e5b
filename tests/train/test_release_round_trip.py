"""The release round trip: a tiny checkpoint trained a few steps by train/sft.py, released by hub_release/release.py,
checked in a clean process, its card parsed by huggingface_hub, and the card's own quick start run as written."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from huggingface_hub import ModelCard

from hub_release.release_check import ReleaseCheckError, check_release
from tests.serving import free_loopback_port


RELEASE = [sys.executable, str(REPO / "hub_release" / "release.py")]
STEPS = 4


def offline_env(tmp_path: Path) -> dict:
    return {**os.environ, "HF_HOME": str(tmp_path / "hf-home"), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


TINY_SFT = REPO / "train" / "configs" / "tiny_sft.yaml"


def sft_command(tiny_checkpoint: Path, sample_mix_file: Path, output_dir: Path) -> list[str]:
    """train/sft.py for a few steps on the sample set, launched as a user launches it."""
    command = [sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_machines", "1"]
    command += ["--mixed_precision", "no", "--dynamo_backend", "no", "train/sft.py", "--config", str(TINY_SFT)]
    command += ["--model_name_or_path", str(tiny_checkpoint), "--build_tiny_model", "false", "--sample_data_dir", ""]
    command += ["--data_mix_file", str(sample_mix_file), "--answer_eval_mix", "", "--output_dir", str(output_dir)]
    command += ["--max_steps", str(STEPS), "--save_strategy", "steps", "--save_steps", str(STEPS), "--eval_strategy"]
    return command + ["no", "--per_device_train_batch_size", "4", "--logging_steps", "1", "--use_cpu", "true"]


@pytest.fixture(scope="module")
def trained(tiny_checkpoint, sample_mix_file, tmp_path_factory):
    """train/sft.py for a few steps on the sample set, with the stage config it was given."""
    output_dir = tmp_path_factory.mktemp("trained")
    command = sft_command(tiny_checkpoint, sample_mix_file, output_dir)
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    return output_dir, TINY_SFT


# results.json as `python -m evaluation.run` writes it (evaluation/run.py's write_outputs): lmms-eval's scores per
# task under "<metric>,<filter>" keys, with their aliases and standard errors beside them.
EVAL_RUN = {
    "model": "outputs/amalia-vl-tiny-sft",
    "model_class": "amalia_vl",
    "model_args": "pretrained=outputs/amalia-vl-tiny-sft,dtype=auto",
    "label": "amalia-vl-tiny-sft",
    "limit": 20,
    "max_new_tokens": None,
    "data_dir": "data/eval",
    "results": {
        "pope_pt": {"alias": "pope_pt", "pope_f1_score,none": 0.5, "pope_f1_score_stderr,none": "N/A"},
        "docvqa_pt": {"alias": "docvqa_pt", "anls,none": 0.125},
    },
    "n_samples": {"pope_pt": 20, "docvqa_pt": 20},
}


@pytest.fixture(scope="module")
def release(trained, sample_mix_file, tmp_path_factory):
    checkpoint, config = trained
    output = tmp_path_factory.mktemp("release") / "amalia-vl-tiny-sft"
    evaluation = output.parent / "eval-run"
    evaluation.mkdir()
    (evaluation / "results.json").write_text(json.dumps(EVAL_RUN))
    # The stage config as the run used it: its data mix file was the tests' one.
    stage_config = output.parent / "stage.yaml"
    stage_config.write_text(config.read_text() + f"\ndata_mix_file: {sample_mix_file}\n")
    command = [*RELEASE, str(checkpoint), "--output", str(output), "--stage-config", str(stage_config)]
    command += ["--max-shard-size", "1MB", "--eval-results", str(evaluation)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=offline_env(output.parent))
    assert result.returncode == 0, result.stderr[-4000:]
    assert "release check passed" in result.stderr
    return output


def test_release_folder_is_the_model_repository(release):
    files = {path.relative_to(release).as_posix() for path in release.rglob("*") if path.is_file()}
    assert {"configuration_amalia_vl.py", "modeling_amalia_vl.py", "processing_amalia_vl.py"} <= files
    assert {"config.json", "model.safetensors.index.json", "processor_config.json", "tokenizer.json"} <= files
    assert len([name for name in files if name.endswith(".safetensors")]) > 1  # sharded at 1MB
    assert {"README.md", "examples/formas.png", "examples/fatura.png", "examples/vendas.png"} <= files
    # The code files are the repository's own, byte for byte.
    for name in ("configuration_amalia_vl.py", "modeling_amalia_vl.py", "processing_amalia_vl.py"):
        assert (release / name).read_bytes() == (REPO / name).read_bytes(), name


def test_card_metadata_parses_with_huggingface_hub(release, trained):
    card = ModelCard.load(release / "README.md")
    data = card.data
    assert data.library_name == "transformers" and data.pipeline_tag == "image-text-to-text"
    assert data.language == ["pt"] and data.license == "apache-2.0"
    assert "european-portuguese" in data.tags
    # The tiny random model has no Hub parents; the card does not claim the real model's.
    assert data.base_model is None
    assert [entry["text"] for entry in data.widget] == [
        "Que formas e cores vês nesta imagem?",
        "Em que mês foram as vendas mais altas?",
        "Qual é o total desta fatura?",
    ]
    for entry in data.widget:
        assert (release / entry["src"]).is_file(), entry  # a local release: paths inside the folder
    text = card.text
    steps = re.search(r"- steps: (\d+)", text)
    assert steps and int(steps.group(1)) == STEPS, text
    assert "final training loss" in text and "sample_sft" in text
    assert "trust_remote_code=True" in text and "| 384 x 384 |" in text
    # The evaluation run: a model-index huggingface_hub reads back, and the scores in the body.
    scores = {(r.dataset_name, r.metric_type): r.metric_value for r in data.eval_results}
    assert scores == {("pope_pt", "pope_f1_score"): 0.5, ("docvqa_pt", "anls"): 0.125}
    assert all(r.task_type == "image-text-to-text" for r in data.eval_results)
    assert {r.metric_name for r in data.eval_results} == {"POPE", "DocVQA"}  # Table 3's columns
    assert "**A smoke run**: 20 documents per task" in text and "| docvqa_pt | anls | 0.125 |" in text


def test_card_quick_start_runs_as_written(release, tmp_path):
    code = re.search(r"## Quick start\n\n```python\n(.*?)\n```", ModelCard.load(release / "README.md").text, re.S)
    assert code, "no quick-start block"
    assert f'model_id = "{release.resolve()}"' in code.group(1)
    script = tmp_path / "quick_start.py"
    script.write_text(code.group(1))
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=offline_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr[-4000:]
    # Both answers printed (a model trained 4 steps may well answer with an empty string).
    assert result.stdout.count("\n") == 2, result.stdout


def test_release_check_refuses_a_folder_that_would_not_load(release, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(release, broken)
    (broken / "modeling_amalia_vl.py").unlink()
    with pytest.raises(ReleaseCheckError, match="modeling_amalia_vl"):
        check_release(broken, "Que cor é esta?", broken / "examples" / "formas.png")


def test_training_push_releases_with_the_project_card_and_fails_clearly_offline(
    tiny_checkpoint, sample_mix_file, tmp_path
):
    """`train/sft.py --push_to_hub` publishes as release.py does: the model is saved, its release folder built and
    checked with the project's card (not TRL's generic one), and a Hub it cannot reach stops the run with a clear
    error and no commit, instead of TRL failing at start-up when it creates the repository."""
    endpoint = f"http://127.0.0.1:{free_loopback_port()}"  # nothing listens there: connection refused
    output_dir = tmp_path / "trained"
    command = sft_command(tiny_checkpoint, sample_mix_file, output_dir)
    command += ["--push_to_hub", "true", "--hub_model_id", "me/amalia-vl-tiny"]
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "HUGGING"))}
    environment.update(HF_HOME=str(tmp_path / "hf-home"), HF_ENDPOINT=endpoint, HF_TOKEN="hf_test")
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900, env=environment)
    assert result.returncode != 0
    assert (output_dir / "model.safetensors").exists()  # trained and saved before the push was tried
    assert "Could not push" in result.stderr and "me/amalia-vl-tiny" in result.stderr
    assert "No commit was made" in result.stderr
    card = ModelCard.load(output_dir.with_name("trained-release") / "README.md")
    assert card.data.pipeline_tag == "image-text-to-text" and card.data.library_name == "transformers"
    assert "fine-tuned version of" not in card.text  # TRL's generic card


def test_training_push_without_a_repository_says_what_to_set(tiny_checkpoint, sample_mix_file, tmp_path):
    command = sft_command(tiny_checkpoint, sample_mix_file, tmp_path / "trained") + ["--push_to_hub", "true"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert "--push_to_hub needs --hub_model_id OWNER/NAME" in result.stderr
