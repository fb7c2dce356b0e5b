"""The GPU check on CPU at tiny widths (the code paths it takes on a GPU), and the wheels it carries to the GPU.

No GPU is needed: the check's real-size numbers can only be read on one, but its arithmetic, its record and the
coverage of its wheel list are tested here.
"""

import ast
import importlib.metadata
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from benchmarks.gpu_check import main


REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
# Imported inside a try by the check, which records "not importable" when they are missing.
OPTIONAL = {"flash_attn"}
# The GPU machine runs Python 3.12 on x86-64 Linux: requirement markers are evaluated for it.
GPU_PYTHON = {**default_environment(), "python_version": "3.12", "python_full_version": "3.12.3"}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("gpu_check")
    result = main(["--device", "cpu", "--tiny", "--output-dir", str(output_dir)])
    return result, output_dir


def _finite(value) -> bool:
    return isinstance(value, float) and math.isfinite(value)


def test_parity_section_compares_every_attention_with_llava_next(report):
    parity = report[0]["sections"]["parity"]
    assert "error" not in parity, parity.get("traceback")
    assert parity["inputs_identical"]
    for dtype in ("float32", "bfloat16"):
        per_implementation = parity["ours_vs_llava_next"][dtype]
        for implementation in ("sdpa", "eager"):
            stats = per_implementation[implementation]
            assert all(_finite(stats[key]) for key in ("max_abs_diff", "mean_abs_diff", "top1_agreement"))
        # No flash-attn on a CPU: the record says why instead of giving numbers.
        assert per_implementation["flash_attention_2"].startswith("not run")
    # Same weights, same maths: our fp32 logits are LlavaNext's, and sdpa agrees with eager to fp32 rounding.
    assert parity["ours_vs_llava_next"]["float32"]["sdpa"]["max_abs_diff"] < 1e-5
    assert parity["ours_sdpa_vs_ours_eager"]["float32"]["max_abs_diff"] < 1e-4
    yardstick = parity["yardstick_llava_next_fp32_vs_bf16_sdpa"]
    assert 0 < yardstick["max_abs_diff"] < 1 and _finite(yardstick["top1_agreement"])


def test_train_section_measures_every_collator(report):
    train = report[0]["sections"]["train_step"]
    assert "error" not in train, train.get("traceback")
    assert "6 * N_llm * T" in train["flops_formula"]
    assert all(flops > 0 for flops in train["model_tflop_per_step"])
    modes = train["modes"]
    assert set(modes) == {"trl_padded", "packed_rows", "packed_one_row"}
    for name, stats in modes.items():
        assert "error" not in stats, f"{name}: {stats.get('error')}"
        assert stats["tokens_per_s"] > 0 and stats["model_tflops_per_s"] > 0
        assert all(math.isfinite(loss) for loss in stats["losses"])
        assert stats["mfu"] is None and stats["peak_memory_gib"] is None  # no known peak, no CUDA memory on a CPU
    # The same samples whatever the layout: the same real tokens, laid out with less padding by packing.
    real = {stats["real_tokens_per_step"] for stats in modes.values()}
    assert len(real) == 1
    assert modes["packed_rows"]["pad_tokens_per_step"] < modes["trl_padded"]["pad_tokens_per_step"]
    assert modes["packed_one_row"]["pad_tokens_per_step"] == 0 and modes["packed_one_row"]["rows_per_step"] == 1
    assert modes["trl_padded"]["rows_per_step"] == train["samples_per_step"]


def test_generate_section_times_the_first_token_and_decoding(report):
    generate = report[0]["sections"]["generate"]
    assert "error" not in generate, generate.get("traceback")
    assert generate["time_to_first_token_ms"] > 0 and generate["decode_ms_per_token"] > 0
    assert generate["tiles"] == 7 and generate["prompt_tokens"] > generate["tiles"] * 16


def test_json_and_markdown_name_every_section(report):
    result, output_dir = report
    assert json.loads((output_dir / "gpu_check.json").read_text())["sections"].keys() == result["sections"].keys()
    text = (output_dir / "gpu_check.md").read_text()
    for title in ("## Parity: ours against LlavaNext", "## Stage-2 training step", "## Generate latency"):
        assert title in text
    assert "failed" not in text and "| packed_one_row |" in text


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _listed(path: Path) -> dict[str, str | None]:
    """{normalised name: version or None} of a `NAME[==VERSION]  # comment` list."""
    entries = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            entries[_normalise(name)] = version or None
    return entries


def _first_party() -> set[str]:
    return {path.stem for path in REPO.glob("*.py")} | {path.name for path in REPO.iterdir() if path.is_dir()}


def _module_file(name: str) -> Path | None:
    parts = name.split(".")
    for candidate in (REPO.joinpath(*parts).with_suffix(".py"), REPO.joinpath(*parts, "__init__.py")):
        if candidate.exists():
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    """Absolute module names `path` imports, at any depth of its code (lazy imports in functions too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def third_party_imports(entries: list[str]) -> set[str]:
    """Top-level third-party modules that `entries` and the repository code they import import."""
    first_party, seen, third_party = _first_party(), set(), set()
    pending = list(entries)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is None:
            continue  # `from package import function`: the package itself was queued too
        for imported in _imports(path):
            top = imported.split(".")[0]
            if top in first_party:
                pending.append(imported)
            elif top not in sys.stdlib_module_names:
                third_party.add(top)
    return third_party


def _requirements(distribution: str, extra: str = "") -> list[Requirement]:
    """The distribution's requirements on the GPU machine's Python (with `extra`), from the metadata installed here,
    which stands in for the pinned wheel's (the same version in this project's environment)."""
    requirements = [Requirement(text) for text in importlib.metadata.requires(distribution) or []]
    return [r for r in requirements if r.marker is None or r.marker.evaluate({**GPU_PYTHON, "extra": extra})]


def test_the_wheel_list_covers_what_the_check_imports_beyond_the_gpu_image():
    image, wheels = _listed(SCRIPTS / "gpu_image_packages.txt"), _listed(SCRIPTS / "gpu_wheels.txt")
    distributions = importlib.metadata.packages_distributions()
    # Every module of the check: gpu_check.py imports its sections by name, when each runs.
    entries = [f"benchmarks.{path.stem}" for path in (REPO / "benchmarks").glob("gpu_*.py")]
    modules = third_party_imports(entries) - OPTIONAL
    assert {"torch", "transformers", "trl", "PIL"} <= modules  # the walk found the check's real imports
    unknown = sorted(module for module in modules if module not in distributions)
    assert not unknown, f"imported by the check but installed by no distribution here: {unknown}"
    needed = {_normalise(dist) for module in modules for dist in distributions[module]}
    # The carried wheels install without their dependencies: those the image lacks must be carried too.
    pending = [name for name in needed if name in wheels]
    while pending:
        for requirement in _requirements(pending.pop()):
            name = _normalise(requirement.name)
            if name not in needed:
                needed.add(name)
                pending += [name] if name in wheels else []
    missing = sorted(name for name in needed if name not in image and name not in wheels)
    assert not missing, f"not in the GPU image and not in scripts/gpu_wheels.txt: {missing}"


def test_carried_and_image_versions_meet_every_requirement():
    """What pyproject asks of a package, and what each carried wheel asks of the others and of the image, holds for
    the versions that will meet on the GPU machine (image versions where the device notes recorded them)."""
    image, wheels = _listed(SCRIPTS / "gpu_image_packages.txt"), _listed(SCRIPTS / "gpu_wheels.txt")
    assert all(wheels.values()), "every wheel is pinned: NAME==VERSION"
    on_gpu = {name: version for name, version in image.items() if version} | wheels
    # Ours: the core dependencies and the `train` extra (trl, datasets, peft).
    requirements = _requirements("amalia-vl", extra="train")
    for wheel in wheels:
        requirements += _requirements(wheel)
    broken = [
        f"{requirement} but {on_gpu[_normalise(requirement.name)]}"
        for requirement in requirements
        if _normalise(requirement.name) in on_gpu
        and not requirement.specifier.contains(on_gpu[_normalise(requirement.name)], prereleases=True)
    ]
    assert not broken, f"versions on the GPU machine that a requirement refuses: {broken}"


def test_the_carried_wheels_stay_out_of_git():
    ignored = (REPO / ".gitignore").read_text().splitlines()
    assert "/.whl/" in ignored
    assert "--target /tmp/site" in (SCRIPTS / "gpu_check.sh").read_text()
    assert "gpu_wheels.txt" in (SCRIPTS / "gpu_wheels.sh").read_text()


def test_gpu_check_sh_says_clearly_when_there_is_no_gpu(tmp_path):
    """Where nvidia-smi finds no GPU, the script stops before installing anything, and says why."""
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n")
    fake.chmod(0o755)
    result = subprocess.run(
        ["bash", str(SCRIPTS / "gpu_check.sh")],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin", "OUT": str(tmp_path / "out")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "nvidia-smi finds no working GPU" in result.stderr
    assert not (tmp_path / "out").exists()
