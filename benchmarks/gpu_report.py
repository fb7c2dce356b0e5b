"""The GPU check's record: the environment it ran in, each section's result or error, as JSON and as markdown."""

import importlib.metadata
import json
import platform
import subprocess
import sys
import traceback
from pathlib import Path

import torch


# Distributions whose versions explain a result (the GPU image brings some, .whl/ the others).
VERSIONS_OF = (
    "torch",
    "transformers",
    "trl",
    "datasets",
    "accelerate",
    "tokenizers",
    "huggingface-hub",
    "safetensors",
    "pyarrow",
    "flash-attn",
)


def error_record(error: BaseException) -> dict:
    return {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc(limit=-8)}


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def environment(device: str) -> dict:
    record = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "argv": sys.argv,
        "commit": _commit(),
        "device": device,
        "versions": {name: _version(name) for name in VERSIONS_OF},
    }
    if device == "cuda":
        properties = torch.cuda.get_device_properties(0)
        record |= {
            "gpu": properties.name,
            "gpu_memory_gib": properties.total_memory / 2**30,
            "compute_capability": f"{properties.major}.{properties.minor}",
            "cuda": torch.version.cuda,
        }
    return record


def write(report: dict, output_dir: Path):
    """Both files, rewritten whole after every section: a run stopped by its time guard keeps what it measured."""
    output_dir.mkdir(parents=True, exist_ok=True)
    for name, text in (("gpu_check.json", json.dumps(report, indent=2)), ("gpu_check.md", markdown(report))):
        partial = output_dir / f".{name}.partial"
        partial.write_text(text + "\n")
        partial.replace(output_dir / name)


def _number(value, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def _section_failure(section: dict | None) -> str | None:
    if section is None:
        return "not run"
    if "error" in section:
        return f"**failed**: `{section['error']}`"
    if "skipped" in section:
        return f"skipped: {section['skipped']}"
    return None


def _parity_lines(parity: dict) -> list[str]:
    lines = [
        f"{parity['tiles']} tiles, {parity['tokens_per_row']} tokens a row; "
        f"processor outputs identical: {parity['inputs_identical']}.",
        "",
        "| compared | dtype | attention | max abs diff | mean abs diff | top-1 agreement |",
        "|---|---|---|---|---|---|",
    ]
    row = lambda what, dtype, attention, s: (
        f"| {what} | {dtype} | {attention} | {_number(s['max_abs_diff'])} | {_number(s['mean_abs_diff'])} | "
        f"{s['top1_agreement']:.4f} |"
    )
    for dtype, per_implementation in parity["ours_vs_llava_next"].items():
        for attention, stats in per_implementation.items():
            if isinstance(stats, str):
                lines.append(f"| ours vs LlavaNext | {dtype} | {attention} | {stats} | | |")
            else:
                lines.append(row("ours vs LlavaNext", dtype, attention, stats))
    for dtype, stats in parity["ours_sdpa_vs_ours_eager"].items():
        lines.append(row("ours sdpa vs ours eager", dtype, "-", stats))
    lines.append(
        row("yardstick: LlavaNext fp32 vs bf16", "-", "sdpa", parity["yardstick_llava_next_fp32_vs_bf16_sdpa"])
    )
    return lines


def _train_lines(train: dict) -> list[str]:
    params = train["parameters"]
    lines = [
        f"{params['total'] / 1e9:.2f}B parameters trained ({train['widths']['text']['num_hidden_layers']} Llama "
        f"layers, vocabulary {train['vocab_size']}); {train['precision']}; {train['samples_per_step']} samples a "
        f"step, rows of at most {train['max_length']} tokens. MFU against {_number(train['peak_tflops'])} TFLOP/s "
        f"({train['peak_name'] or 'no known peak for this device'}).",
        "",
        "| collator | rows/step | real tokens/step | padding | step s | tokens/s | model TFLOP/s | MFU | peak GiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, stats in train["modes"].items():
        if "error" in stats:
            lines.append(f"| {mode} | **failed**: `{stats['error']}` | | | | | | | |")
            continue
        mfu = f"{stats['mfu']:.1%}" if stats["mfu"] is not None else "n/a"
        lines.append(
            f"| {mode} | {stats['rows_per_step']:.2f} | {stats['real_tokens_per_step']:.0f} | "
            f"{stats['padding_fraction']:.1%} | {stats['step_seconds']:.3f} | {stats['tokens_per_s']:.0f} | "
            f"{stats['model_tflops_per_s']:.1f} | {mfu} | {_number(stats['peak_memory_gib'])} |"
        )
    return [*lines, "", f"FLOPs: {train['flops_formula']}"]


def _generate_lines(generate: dict) -> list[str]:
    return [
        f"{generate['parameters'] / 1e9:.2f}B parameters ({generate['layers']} Llama layers), one image of "
        f"{generate['tiles']} views, {generate['prompt_tokens']} prompt tokens, batch 1, bf16, sdpa, KV cache.",
        "",
        f"- time to first token: {generate['time_to_first_token_ms']:.1f} ms",
        f"- decode: {generate['decode_ms_per_token']:.2f} ms per token "
        f"({_number(generate['decode_tokens_per_s'])} tokens/s) over {generate['new_tokens']} new tokens",
        f"- peak memory: {_number(generate['peak_memory_gib'])} GiB",
    ]


SECTIONS = {
    "parity": ("Parity: ours against LlavaNext on the same weights", _parity_lines),
    "train_step": ("Stage-2 training step", _train_lines),
    "generate": ("Generate latency", _generate_lines),
}


def markdown(report: dict) -> str:
    env = report["environment"]
    versions = ", ".join(f"{name} {version}" for name, version in env["versions"].items() if version)
    lines = [
        "# GPU check",
        "",
        f"{env.get('gpu', env['device'])}, sizes `{report['sizes']}`, {report.get('seconds', 0):.0f} s; {versions}.",
    ]
    for key, (title, render) in SECTIONS.items():
        section = report["sections"].get(key)
        failure = _section_failure(section)
        body = [failure] if failure else render(section)
        seconds = f" ({section['seconds']:.0f} s)" if section and "seconds" in section else ""
        lines += ["", f"## {title}{seconds}", "", *body]
    return "\n".join(lines)
