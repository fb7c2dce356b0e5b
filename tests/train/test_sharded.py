"""Sharded training launched as a user launches it, `accelerate launch --config_file train/configs/accelerate/X.yaml
--num_processes 2`, for FSDP2 (fsdp2.yaml) and DeepSpeed ZeRO-3 (zero3.yaml), on two CPU ranks over gloo: a few SFT
and DPO steps from the tiny checkpoint on the sample mixes, batch 1 per rank, so that at some step one rank's batch
has an image and the other's none. Each run is compared with one process training on the same global batch (2).

Why the two runs see the same samples at every step (and the test checks it, sample by sample): the Trainer's
sampler is a RandomSampler that accelerate replaces by its SeedableRandomSampler, seeded by `seed` (42 in the
configs) whatever the number of processes, so both runs draw the same permutation of the same mix (the mix order is
a function of the seed); with two processes accelerate's BatchSamplerShard hands batch i of that permutation (batch
size 1) to rank i % 2, so optimizer step k sees samples 2k and 2k+1 on two ranks, exactly the batch of 2 the single
process sees at step k. `dispatch_batches` stays off (a map-style dataset: every rank reads its own batches) and
`split_batches` off, so no batch is re-cut.

Why the losses can be compared tightly: the runs are fp32 (`--mixed_precision no`). In bf16 the two layouts round
differently (other matmul shapes, other summation orders), by about 1e-3 relative, which would hide real
differences of that size. In fp32 the only differences left are summation orders, about 1e-7 relative; the tests
allow 1e-5. The logged loss of a sharded step is the mean over ranks, which with `average_tokens_across_devices`
(the default) is the token-weighted loss of the global batch, as in one process; DPO's loss is a mean over pairs.
Every step's loss depends on the weights the previous steps left, so equal losses over several steps also mean
equal updates; the final weights are compared too. The configs' own precision (bf16 compute over fp32 master
weights) is checked by a separate, shorter FSDP2 run; zero3.yaml's bf16 cannot run on CPU (transformers refuses
`bf16` without a GPU unless `use_cpu` is set, and accelerate never picks DeepSpeed under `use_cpu`).

On CPU accelerate 1.15 needs two nudges, one per config: FSDP2 runs with the trainer on CPU (`--use_cpu true`, which
makes accelerate set up a gloo group) and `sharded_run.py` lets accelerate enable FSDP on that group, which it
otherwise does only on GPU groups; ZeRO-3 runs without `--use_cpu` (accelerate picks DeepSpeed only when not forced
to CPU) and with `--ddp_backend gloo`, on DeepSpeed's CPU accelerator (`DS_ACCELERATOR=cpu`), whose collectives are
gloo's unless oneCCL's bindings are installed.
"""

import json
import os
import socket
import subprocess
import sys

import pytest
import torch
from conftest import REPO
from safetensors.torch import load_file
from test_training import common
from transformers import AutoModelForImageTextToText


SCRIPT = "tests/train/sharded_run.py"
CONFIGS = REPO / "train" / "configs" / "accelerate"
STEPS = {"sft": 6, "dpo": 6}
# How each config runs on CPU (see the module docstring).
ON_CPU = {"fsdp2": ["--use_cpu", "true"], "zero3": ["--ddp_backend", "gloo"]}
RTOL = 1e-5


def command(output_dir, stage, checkpoint, mix_file, *accelerate_args, script_args=(), steps=None):
    """The `accelerate launch` command of one training run."""
    return [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--num_machines",
        "1",
        "--dynamo_backend",
        "no",
        *map(str, accelerate_args),
        SCRIPT,
        stage,
        *map(str, common(checkpoint, mix_file, output_dir, steps or STEPS[stage])),
        # Every step logged; no checkpoints, only the final save, which the tests load; images still tiled (a
        # thumbnail and up to 2 tiles), at a fraction of the 12 tiles' cost.
        *("--logging_steps", "1", "--save_strategy", "no", "--max_tiles", "2"),
        *script_args,
    ]


def single(output_dir, stage, checkpoint, mix_file, **kwargs):
    return command(
        output_dir,
        stage,
        checkpoint,
        mix_file,
        *("--cpu", "--num_processes", "1", "--mixed_precision", "no"),
        # fp32 whatever the stage config says: the Trainer's `bf16` would turn autocast on over accelerate's "no".
        script_args=("--use_cpu", "true", "--bf16", "false", "--per_device_train_batch_size", "2"),
        **kwargs,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sharded(output_dir, stage, config, checkpoint, mix_file, precision="no", **kwargs):
    return command(
        output_dir,
        stage,
        checkpoint,
        mix_file,
        *("--config_file", CONFIGS / f"{config}.yaml", "--num_processes", 2, "--main_process_port", free_port()),
        *([] if precision is None else ["--mixed_precision", precision]),
        script_args=(
            *ON_CPU[config],
            *(["--bf16", "false"] if precision == "no" else []),
            "--per_device_train_batch_size",
            "1",
        ),
        **kwargs,
    )


def run_together(runs: dict) -> dict:
    """Run {name: (output_dir, command)} at the same time (most of a run is start-up, which overlaps well) and
    return {name: (output_dir, what sharded_run.py recorded)}."""
    # CPU ranks even where a GPU is visible, and DeepSpeed's CPU accelerator.
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "DS_ACCELERATOR": "cpu"}
    started = {}
    for name, (output_dir, arguments) in runs.items():
        log = open(output_dir / "launch.log", "w+")
        started[name] = subprocess.Popen(arguments, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT), log
    for name, (process, log) in started.items():
        returncode = process.wait(timeout=600)
        log.seek(0)
        assert returncode == 0, f"{name}:\n" + log.read()[-8000:]
        log.close()
    return {name: (runs[name][0], json.loads((runs[name][0] / "sharded_run.json").read_text())) for name in runs}


def losses(record):
    return [entry["loss"] for entry in record["log_history"] if "loss" in entry]


@pytest.fixture(scope="module")
def reference(tiny_checkpoint, sample_mix_file, tmp_path_factory):
    """Single-process SFT and DPO, batch 2, fp32: what the sharded runs must reproduce."""
    output_dirs = {stage: tmp_path_factory.mktemp(f"single_{stage}") for stage in STEPS}
    return run_together(
        {
            stage: (output_dir, single(output_dir, stage, tiny_checkpoint, sample_mix_file))
            for stage, output_dir in output_dirs.items()
        }
    )


def deepspeed_on_cpu():
    """Skip, saying why, when DeepSpeed or its CPU backend cannot run here."""
    try:
        from deepspeed.accelerator.cpu_accelerator import CPU_Accelerator
    except ImportError as error:
        # The main test environment leaves DeepSpeed out: once installed, transformers and accelerate import it in
        # every process, seconds each across the suite's launches. scripts/test_compat.sh's newest environment
        # installs the `deepspeed` extra and runs this file, so CI runs ZeRO-3 there.
        pytest.skip(
            f"DeepSpeed's CPU accelerator does not import ({error}): `pip install -e .[deepspeed]` runs ZeRO-3 here; "
            "CI runs it in scripts/test_compat.sh's newest environment."
        )
    backend = CPU_Accelerator().communication_backend_name()
    if backend not in ("gloo", "ccl"):
        pytest.skip(f"DeepSpeed's CPU accelerator offers the {backend!r} backend, not gloo or oneCCL.")


@pytest.fixture(scope="module", params=["fsdp2", "zero3"])
def sharded_runs(request, tiny_checkpoint, sample_mix_file, tmp_path_factory):
    """Two-rank SFT and DPO under one config, fp32."""
    config = request.param
    if config == "zero3":
        deepspeed_on_cpu()
    output_dirs = {stage: tmp_path_factory.mktemp(f"{config}_{stage}") for stage in STEPS}
    runs = run_together(
        {
            stage: (output_dir, sharded(output_dir, stage, config, tiny_checkpoint, sample_mix_file))
            for stage, output_dir in output_dirs.items()
        }
    )
    return config, runs


@pytest.mark.parametrize("stage", list(STEPS))
def test_sharded_run_equals_one_process(sharded_runs, reference, stage):
    config, runs = sharded_runs
    (output_dir, record), (single_dir, expected) = runs[stage], reference[stage]
    assert record["sharding"] == config, record["sharding"]  # really sharded, not DDP
    steps = record["steps"]
    assert len(steps) == STEPS[stage] and all(len(ranks) == 2 for ranks in steps), steps
    # The same samples at every step: the two ranks' together, the single process's batch.
    for ranks, alone in zip(steps, expected["steps"]):
        assert sorted(ranks[0][0] + ranks[1][0]) == alone[0][0]
    # Including a step where one rank's batch had an image and the other's none.
    assert any(ranks[0][1] != ranks[1][1] for ranks in steps), steps

    torch.testing.assert_close(losses(record), losses(expected), rtol=RTOL, atol=0)
    # The final save loads on its own, and holds the weights one process trained (Adam moves a weight by about
    # the learning rate, 1e-4 to 2e-3 a step, so 1e-5 leaves no room for a wrongly reduced gradient).
    model = AutoModelForImageTextToText.from_pretrained(output_dir, trust_remote_code=True)
    assert type(model).__name__ == "AmaliaVLForConditionalGeneration"
    trained, expected_weights = model.state_dict(), load_file(single_dir / "model.safetensors")
    torch.testing.assert_close({name: trained[name] for name in expected_weights}, expected_weights, rtol=0, atol=1e-5)


def test_fsdp2_trains_bf16_over_fp32_master_weights(tiny_checkpoint, sample_mix_file, reference, tmp_path):
    """fsdp2.yaml as shipped (bf16): the optimizer updates fp32 shards, the layers compute in bf16, and the loss
    stays within bf16's rounding of the fp32 run (gloo reduces bf16 on CPU as NCCL does on GPUs)."""
    run = sharded(tmp_path, "sft", "fsdp2", tiny_checkpoint, sample_mix_file, precision=None, steps=3)
    _, record = run_together({"bf16": (tmp_path, run)})["bf16"]
    assert record["sharding"] == "fsdp2"
    assert record["master_dtypes"] == ["torch.float32"] and record["compute_dtype"] == ["torch.bfloat16"] * 2
    torch.testing.assert_close(losses(record), losses(reference["sft"][1])[:3], rtol=2e-2, atol=0)
