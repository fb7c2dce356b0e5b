"""The demo Space as it is pushed: hub_release/space/ with the example images (and examples.json, which lists them
with their questions) and model.txt, the model it serves.

    stage_space(Path("build/space"), "me/AMALIA-VL-SFT")   # then push_folder(..., repo_type="space")
"""

import json
import shutil
from pathlib import Path

from huggingface_hub import metadata_load, metadata_save

from hub_release.examples import write_examples


SPACE_SOURCE = Path(__file__).resolve().parent / "space"
SPACE_FILES = ("app.py", "requirements.txt", "README.md")


def stage_space(target: Path, model_id: str) -> Path:
    """A folder in the Spaces layout that demos `model_id` (a Hub id, or a local folder for a local run)."""
    target = Path(target)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in SPACE_FILES:
        shutil.copy(SPACE_SOURCE / name, target / name)
    # app.py reads the examples from here: the Space cannot import this package.
    examples = [{"image": example.file, "question": example.question} for example in write_examples(target)]
    (target / "examples.json").write_text(json.dumps(examples, ensure_ascii=False, indent=2))
    (target / "model.txt").write_text(model_id + "\n")
    # The Hub links a Space to the models it lists in `models`.
    metadata = metadata_load(target / "README.md")
    metadata_save(target / "README.md", {**metadata, "models": [model_id]})
    return target
