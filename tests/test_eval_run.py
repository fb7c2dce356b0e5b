"""`python -m evaluation.run` on the tiny model: our batched class agrees with llava_hf; failures exit 1."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation import run
from evaluation.fixtures import write_fixtures
from hub_release.convert_llava_next import convert


# One task of each kind: yes/no, letters, several images interleaved, an image list, a model-specific prompt,
# boxes, and \boxed{} answers. (Captioning is left to the oracle test: its Java metrics take most of a run's time.)
PARITY_TASKS = [
    "mme_pt",
    "ai2d_pt",
    "mmmu_pt",
    "seedbench_pt",
    "ocrbench_pt",
    "refcoco_bbox_rec_pt",
    "mathvision_pt",
]
REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_fixtures(tmp_path_factory.mktemp("eval-data"))


@pytest.fixture(scope="module")
def llava_next_export(tiny_checkpoint, tmp_path_factory):
    export = tmp_path_factory.mktemp("export") / "llava-next"
    convert(tiny_checkpoint, export)
    return export


def _arguments(model: Path, model_class: str, data_dir: Path, output_dir: Path, batch_size: int) -> list[str]:
    return [
        "--model",
        str(model),
        "--model_class",
        model_class,
        "--tasks",
        ",".join(PARITY_TASKS),
        "--data_dir",
        str(data_dir),
        "--max_new_tokens",
        "6",
        "--batch_size",
        str(batch_size),
        "--output_dir",
        str(output_dir),
    ]


def _run(model: Path, model_class: str, data_dir: Path, output_dir: Path, batch_size: int) -> dict:
    assert run.main(_arguments(model, model_class, data_dir, output_dir, batch_size)) == 0
    return json.loads((output_dir / "results.json").read_text())


@pytest.fixture(scope="module")
def our_run(tiny_checkpoint, data_dir, tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("ours")
    return _run(tiny_checkpoint, "amalia_vl", data_dir, output_dir, batch_size=3), output_dir


def _predictions(output_dir: Path, task: str) -> list[str]:
    lines = (output_dir / "samples" / f"{task}.jsonl").read_text().splitlines()
    return [json.loads(line)["prediction"] for line in lines]


def test_our_batched_class_answers_as_llava_hf_on_the_export(our_run, llava_next_export, data_dir, tmp_path):
    ours, our_dir = our_run
    authors = _run(llava_next_export, "llava_hf", data_dir, tmp_path / "llava_hf", batch_size=1)
    for task in PARITY_TASKS:
        predictions = _predictions(our_dir, task)
        assert predictions == _predictions(tmp_path / "llava_hf", task), task
        assert len(predictions) == ours["n_samples"][task] > 1
        assert any(prediction.strip() for prediction in predictions), f"{task}: the model generated nothing"
        assert ours["results"][task] == authors["results"][task], task
    assert ours["model_class"] == "amalia_vl" and authors["model_class"] == "llava_hf"


def _command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=REPOSITORY, capture_output=True, text=True, timeout=600)


def test_data_parallel_gives_the_scores_of_one_process(our_run, tiny_checkpoint, data_dir, tmp_path):
    # Two CPU processes under accelerate, as `accelerate launch --num_processes 8` runs on a GPU node: lmms-eval
    # shards the documents between them and gathers the results on the first.
    ours, our_dir = our_run
    launch = [
        "-m",
        "accelerate.commands.launch",
        "--cpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "-m",
        "evaluation.run",
    ]
    result = _command(*launch, *_arguments(tiny_checkpoint, "amalia_vl", data_dir, tmp_path / "dp", batch_size=2))
    assert result.returncode == 0, result.stderr[-3000:]
    parallel = json.loads((tmp_path / "dp" / "results.json").read_text())
    assert parallel["results"] == ours["results"]
    for task in PARITY_TASKS:
        assert _predictions(tmp_path / "dp", task) == _predictions(our_dir, task), task


def test_a_failing_run_exits_non_zero(tiny_checkpoint, data_dir, tmp_path):
    # A benchmark whose documents lack the column the task reads: lmms-eval fails inside its evaluation loop.
    from datasets import load_from_disk

    broken = tmp_path / "broken"
    load_from_disk(str(data_dir / "MME-PT")).remove_columns("question").save_to_disk(str(broken / "MME-PT"))
    result = _command(
        "-m",
        "evaluation.run",
        "--model",
        str(tiny_checkpoint),
        "--tasks",
        "mme_pt",
        "--data_dir",
        str(broken),
        "--output_dir",
        str(tmp_path / "out"),
    )
    assert result.returncode != 0
    assert "question" in result.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_lmms_eval_finds_our_model_through_its_entry_point():
    result = _command("-c", "from lmms_eval.models import get_model; print(get_model('amalia_vl').__name__)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "AmaliaVLEval"


def test_model_arguments_per_class():
    def arguments(*argv: str) -> str:
        return run.model_args(run.parse_args(["--tasks", "mme_pt", "--output_dir", "out", *argv]))

    assert arguments("--model", "ckpt", "--max_tiles", "4") == "pretrained=ckpt,dtype=auto,max_tiles=4"
    # llava_hf's default device_map="" crashes on transformers 5, and it moves inputs to `device` whatever the map.
    assert arguments("--model", "x", "--model_class", "llava_hf", "--device", "cpu") == (
        "pretrained=x,dtype=auto,device=cpu,device_map=cpu"
    )
    assert arguments("--model", "Qwen/Qwen3.5-9B", "--model_class", "qwen3_5", "--disable_thinking") == (
        "pretrained=Qwen/Qwen3.5-9B,enable_thinking=False"
    )
    assert arguments("--model", "x", "--model_class", "vllm", "--model_args", "tensor_parallel_size=2") == (
        "model=x,tensor_parallel_size=2"
    )


def test_max_tiles_and_dtype_options(tiny_checkpoint):
    import torch

    from evaluation.fixtures import picture
    from evaluation.model import AmaliaVLEval

    chat = [
        {
            "role": "user",
            "content": [
                {"type": "image", "url": picture(3).resize((300, 75))},
                {"type": "text", "text": "Descreve a imagem."},
            ],
        }
    ]
    tiled = AmaliaVLEval(pretrained=str(tiny_checkpoint), device="cpu")._encode([chat])
    single = AmaliaVLEval(pretrained=str(tiny_checkpoint), device="cpu", max_tiles=1, dtype="bfloat16")
    untiled = single._encode([chat])
    assert untiled["pixel_values"].shape[0] < tiled["pixel_values"].shape[0]  # views of the image
    assert untiled["input_ids"].shape[1] < tiled["input_ids"].shape[1]
    assert single.model.dtype == untiled["pixel_values"].dtype == torch.bfloat16
    with pytest.raises(TypeError, match="does not take"):
        AmaliaVLEval(pretrained=str(tiny_checkpoint), device="cpu", device_map="auto")


def test_our_class_names_the_fix_for_a_llava_next_checkpoint(llava_next_export):
    from evaluation.model import AmaliaVLEval

    with pytest.raises(ValueError, match="convert_llava_next.py .* or evaluate it with --model_class llava_hf"):
        AmaliaVLEval(pretrained=str(llava_next_export), device="cpu")
