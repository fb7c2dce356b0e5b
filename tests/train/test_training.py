"""The stage scripts end to end, through `accelerate launch` and TRL's real trainers, on the tiny checkpoint and the
sample set (mixed image sizes, text-only samples)."""

import json
import math
import subprocess
import sys

import pytest
import torch
from conftest import REPO
from safetensors.torch import load_file
from transformers import AutoModel, AutoProcessor


ACCELERATE = [
    sys.executable,
    "-m",
    "accelerate.commands.launch",
    "--num_machines",
    "1",
    "--mixed_precision",
    "no",
    "--dynamo_backend",
    "no",
]


def launch(script, *args, num_processes=1):
    # accelerate 1.15 runs `--cpu` jobs with its single-process launcher whatever --num_processes says; two CPU ranks
    # need its torchrun launcher (`--multi_gpu`), with the trainer kept on CPU (`--use_cpu`).
    ranks = ["--cpu"] if num_processes == 1 else ["--multi_gpu", "--num_processes", str(num_processes)]
    command = [*ACCELERATE, *ranks, script, *map(str, args), "--use_cpu", "true"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return result.stdout + result.stderr


def common(checkpoint, mix_file, output_dir, max_steps):
    return [
        "--model_name_or_path",
        checkpoint,
        "--build_tiny_model",
        "false",
        "--sample_data_dir",
        "",
        "--data_mix_file",
        mix_file,
        "--answer_eval_mix",
        "",
        "--output_dir",
        output_dir,
        "--max_steps",
        max_steps,
        "--logging_steps",
        2,
        "--save_strategy",
        "steps",
        "--eval_strategy",
        "no",
    ]


def losses(output_dir, key="loss"):
    state = json.loads(
        max(output_dir.glob("checkpoint-*/trainer_state.json"), key=lambda p: int(p.parent.name[11:])).read_text()
    )
    return [entry[key] for entry in state["log_history"] if key in entry]


def falls(values):
    assert all(math.isfinite(value) for value in values) and len(values) >= 4, values
    return sum(values[-2:]) / 2 < sum(values[:2]) / 2


# Stage-2 shape (everything trains, 12 tiles) with packing, 16 steps, checkpoints at 8 and 16.
PACKED_SFT = [
    "--image_packing",
    "true",
    "--max_images_per_sequence",
    8,
    "--save_steps",
    8,
    "--per_device_train_batch_size",
    8,
]


@pytest.fixture(scope="module")
def sft_run(tiny_checkpoint, sample_mix_file, tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("sft")
    log = launch(
        "train/sft.py",
        *common(tiny_checkpoint, sample_mix_file, output_dir, 16),
        *PACKED_SFT,
        "--eval_strategy",
        "steps",
        "--eval_steps",
        16,
    )
    return output_dir, log


def test_sft_loss_falls_and_every_checkpoint_loads_and_answers(sft_run):
    output_dir, log = sft_run
    assert "Held-out loss:" in log and falls(losses(output_dir)), losses(output_dir)
    for directory in (output_dir / "checkpoint-8", output_dir):
        config = json.loads((directory / "config.json").read_text())
        assert "AutoModel" in config["auto_map"] and (directory / "modeling_amalia_vl.py").exists()
        model = AutoModel.from_pretrained(directory, trust_remote_code=True)
        processor = AutoProcessor.from_pretrained(directory, trust_remote_code=True)
        prompt = processor.apply_chat_template(
            [{"role": "user", "content": [{"type": "text", "text": "Que dia da semana vem a seguir a sábado?"}]}],
            add_generation_prompt=True,
        )
        inputs = processor(text=prompt, return_tensors="pt")
        output = model.generate(**inputs, max_new_tokens=5, do_sample=False)
        assert output.shape[1] > inputs["input_ids"].shape[1]


def test_dpo_from_the_sft_checkpoint(sft_run, sample_mix_file, tmp_path):
    sft_dir, _ = sft_run
    log = launch(
        "train/dpo.py",
        *common(sft_dir, sample_mix_file, tmp_path, 10),
        "--save_steps",
        10,
        "--per_device_train_batch_size",
        8,
        "--eval_strategy",
        "steps",
        "--eval_steps",
        10,
    )
    assert "Held-out preference accuracy" in log
    assert falls(losses(tmp_path)), losses(tmp_path)
    assert (tmp_path / "processing_amalia_vl.py").exists()


def test_stage1_changes_connector_weights_only(tiny_checkpoint, sample_mix_file, tmp_path):
    # The tiny config leaves batching to TRL's own vision collator.
    launch(
        "train/sft.py",
        "--config",
        "train/configs/tiny_sft.yaml",
        *common(tiny_checkpoint, sample_mix_file, tmp_path, 4),
        "--save_steps",
        4,
        "--per_device_train_batch_size",
        4,
        "--max_tiles",
        1,
        "--weight_decay",
        0.1,
        "--module_learning_rates",
        json.dumps(
            {"vision_tower": 0, "multi_modal_projector": 1e-3, "image_newline": 1e-3, "language_model": 0, "lm_head": 0}
        ),
    )
    before, after = load_file(tiny_checkpoint / "model.safetensors"), load_file(tmp_path / "model.safetensors")
    assert before.keys() == after.keys()
    changed = {name for name in before if not torch.equal(before[name], after[name])}
    assert changed and all(name.startswith("model.multi_modal_projector.") for name in changed), changed
    assert json.loads((tmp_path / "processor_config.json").read_text())["image_processor"]["max_tiles"] == 1


def test_resume_continues_with_the_same_data_order(sft_run, tiny_checkpoint, sample_mix_file, tmp_path):
    sft_dir, _ = sft_run
    launch(
        "train/sft.py",
        *common(tiny_checkpoint, sample_mix_file, tmp_path, 16),
        *PACKED_SFT,
        "--resume_from_checkpoint",
        sft_dir / "checkpoint-8",
    )
    uninterrupted, resumed = load_file(sft_dir / "model.safetensors"), load_file(tmp_path / "model.safetensors")
    for name in uninterrupted:
        torch.testing.assert_close(resumed[name], uninterrupted[name], rtol=1e-5, atol=1e-6, msg=name)
    assert losses(tmp_path)[-1] == pytest.approx(losses(sft_dir)[-1], rel=1e-4)


def samples_read(output: str) -> int:
    """The samples a run's collator saw, from the summary the skip report prints when training ends."""
    (line,) = [line for line in output.splitlines() if line.startswith("Bad samples: ")]
    return int(line.split(" of ")[1].split()[0])


def test_resume_of_a_streamed_mix(tiny_checkpoint, sample_mix_file, tmp_path):
    """A streamed source (an IterableDataset, the way large sources load) resumes to the same weights, from its
    saved position: the resumed run reads none of the samples trained before the checkpoint."""
    streamed = ["--data_mix", "sample_sft_streamed", "--save_steps", 3, "--per_device_train_batch_size", 8]
    whole = launch("train/sft.py", *common(tiny_checkpoint, sample_mix_file, tmp_path / "whole", 6), *streamed)
    resumed = launch(
        "train/sft.py",
        *common(tiny_checkpoint, sample_mix_file, tmp_path / "resumed", 6),
        *streamed,
        "--resume_from_checkpoint",
        tmp_path / "whole" / "checkpoint-3",
    )
    assert (tmp_path / "whole" / "checkpoint-3" / "stream_state_rank0.pt").exists()
    assert samples_read(resumed) == samples_read(whole) - 3 * 8  # the 3 steps before the checkpoint: not re-read
    whole_weights, resumed_weights = (
        load_file(tmp_path / "whole" / "model.safetensors"),
        load_file(tmp_path / "resumed" / "model.safetensors"),
    )
    assert all(torch.equal(whole_weights[name], resumed_weights[name]) for name in whole_weights)


def test_two_processes_stay_in_sync(tiny_checkpoint, sample_mix_file, tmp_path):
    """Stage 2 on two CPU ranks, batch 1 per rank for 8 steps: ranks see text-only and image batches
    at different steps, the vision tower runs on every rank every step, and the weights stay identical."""
    launch(
        "tests/train/rank_sync.py",
        *common(tiny_checkpoint, sample_mix_file, tmp_path, 8),
        "--save_steps",
        8,
        "--per_device_train_batch_size",
        1,
        num_processes=2,
    )
    steps = json.loads((tmp_path / "rank_sync.json").read_text())
    assert len(steps) == 8 and all(len(ranks) == 2 for ranks in steps), steps
    checksums = [[rank[0] for rank in ranks] for ranks in steps]
    assert all(a == b for a, b in checksums) and checksums[0] != checksums[-1], checksums  # in sync, and moving
    assert all(rank[2] for ranks in steps for rank in ranks)  # every rank ran the vision tower every step
    assert any(ranks[0][1] != ranks[1][1] for ranks in steps), steps  # including steps where one rank had no image
