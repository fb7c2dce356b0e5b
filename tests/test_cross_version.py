"""A checkpoint saved under one transformers version loads and generates the same tokens under another.

The code travels inside the checkpoint, so this is the direction that matters: each side runs in a fresh process of
its own interpreter. `scripts/test_compat.sh` sets AMALIA_VL_COMPAT_PYTHONS to the interpreters of the floor and the
newest environment (separated by the path separator) and every ordered pair is tested; without it, both sides run
under this interpreter, which still checks the save-here, load-from-the-checkpoint-alone route.
"""

import itertools
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


PYTHONS = os.environ.get("AMALIA_VL_COMPAT_PYTHONS", sys.executable).split(os.pathsep)
PAIRS = list(itertools.permutations(PYTHONS, 2)) or [(PYTHONS[0], PYTHONS[0])]
REPOSITORY = Path(__file__).resolve().parents[1]

GENERATE = """
    import json, sys, torch, transformers
    from PIL import Image
    from transformers import AutoModel, AutoProcessor
    path = sys.argv[1]
    model = AutoModel.from_pretrained(path, trust_remote_code=True, dtype=torch.float32).eval()
    processor = AutoProcessor.from_pretrained(path, trust_remote_code=True)
    processor.tokenizer.padding_side = "left"
    questions = ["Que cor tem a imagem?", "O que está escrito aqui?"]
    images = [[Image.new("RGB", (120, 80), "red")], [Image.new("RGB", (30, 200), "blue")]]
    prompts = [processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": q}]}], add_generation_prompt=True)
        for q in questions]
    inputs = processor(images=images, text=prompts, padding=True, return_tensors="pt")
    tokens = model.generate(**inputs, max_new_tokens=8, do_sample=False)
    assert "amalia_vl" not in sys.modules, "the checkpoint's own code files must do the work"
    print(json.dumps({"version": transformers.__version__, "tokens": tokens.tolist()}))
"""

SAVE = """
    import sys
    from hub_release.build_checkpoint import build_tiny
    from pathlib import Path
    build_tiny(Path(sys.argv[1]))
"""


def _run(python: str, script: str, *args: str, cwd: Path) -> str:
    """The script's standard output; fails the test with its standard error when it fails."""
    result = subprocess.run(
        [python, "-c", textwrap.dedent(script), *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{python} failed:\n{result.stderr[-3000:]}"
    return result.stdout


def _generated(python: str, checkpoint: Path, cwd: Path) -> dict:
    """The transformers version and greedy tokens of a fresh `python` process that loads `checkpoint`."""
    return json.loads(_run(python, GENERATE, str(checkpoint), cwd=cwd).strip().splitlines()[-1])


def _environment_name(python: str) -> str:
    return Path(python).parent.parent.name


@pytest.mark.parametrize(
    "saver, loader", PAIRS, ids=[f"{_environment_name(a)}->{_environment_name(b)}" for a, b in PAIRS]
)
def test_checkpoint_saved_under_one_version_generates_the_same_under_another(saver, loader, tmp_path):
    checkpoint = tmp_path / "checkpoint"
    _run(saver, SAVE, str(checkpoint), cwd=REPOSITORY)
    saved, loaded = _generated(saver, checkpoint, tmp_path), _generated(loader, checkpoint, tmp_path)
    if saver != loader:
        assert saved["version"] != loaded["version"], "the two environments have the same transformers"
    assert loaded["tokens"] == saved["tokens"], f"saved under {saved['version']}, loaded under {loaded['version']}"
