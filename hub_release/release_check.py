"""The release check: a release directory is published only if a clean process, with nothing but the runtime
dependencies importable, loads it through AutoModel, AutoModelForImageTextToText, AutoProcessor and
pipeline("image-text-to-text") and answers a pt-PT question about an image."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from hub_release import load_check
from hub_release.runtime_env import build_runtime_path


TIMEOUT_S = 900  # a 9B model loads in minutes on CPU


class ReleaseCheckError(RuntimeError):
    pass


def _clean_environment(home: Path) -> dict:
    # Nothing downloaded, nothing cached from earlier runs: the dynamic modules come from the release itself.
    keep = {key: value for key, value in os.environ.items() if key in ("PATH", "LANG", "LC_ALL", "TMPDIR")}
    return {
        **keep,
        "HF_HOME": str(home / "hf-home"),
        "HF_MODULES_CACHE": str(home / "modules"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }


def check_release(release: Path, question: str, image: Path) -> dict:
    """Runs hub_release/load_check.py in a clean process; returns its summary or raises ReleaseCheckError."""
    release = Path(release).resolve()
    with tempfile.TemporaryDirectory(prefix="amalia-vl-release-check-") as scratch:
        scratch = Path(scratch)
        runtime = build_runtime_path(scratch / "runtime")
        # -I: no user site, no PYTHONPATH, not the script's folder; -S: no site-packages (so no editable install).
        command = [sys.executable, "-I", "-S", load_check.__file__, str(runtime), str(release), question, str(image)]
        result = subprocess.run(
            command, cwd=scratch, env=_clean_environment(scratch), capture_output=True, text=True, timeout=TIMEOUT_S
        )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RELEASE-CHECK ")]
    if result.returncode != 0 or not lines:
        raise ReleaseCheckError(
            f"{release} does not load in a clean process with only the runtime dependencies "
            f"(exit {result.returncode}); nothing is published. Its error:\n{result.stderr[-4000:]}"
        )
    summary = json.loads(lines[-1].removeprefix("RELEASE-CHECK "))
    problems = []
    if not summary["model_class"].startswith("transformers_modules."):
        problems.append(f"the model class {summary['model_class']} does not come from the release's code files")
    if summary["project_modules"]:
        problems.append(f"the project's own modules were imported: {summary['project_modules']}")
    if summary["new_tokens"] < 1:
        problems.append("generation produced no token")
    if not isinstance(summary["pipeline_answer"], str):
        problems.append(f"the pipeline answered {summary['pipeline_answer']!r}, not text")
    if problems:
        raise ReleaseCheckError(f"{release} fails the release check: " + "; ".join(problems))
    return summary
