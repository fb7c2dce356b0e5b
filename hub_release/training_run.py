"""What a checkpoint's training run left behind, read for its model card: the stage config, the trainer's state and
the data mix it trained on. Every part is optional: a checkpoint that was never trained here has none of them."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml


REPO = Path(__file__).resolve().parents[1]
DEFAULT_MIX_FILE = REPO / "train" / "data_mix.yaml"
# "owner/name" is a Hub id; a builder name (json, arrow) or a local folder is not.
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass
class MixEntry:
    category: str
    name: str
    size: int
    weight: float
    hub_id: str | None  # where the set loads from on the Hub, when it does


@dataclass
class TrainingRun:
    config: dict = field(default_factory=dict)  # the stage's YAML (or sft.py's arguments), as given
    state: dict = field(default_factory=dict)  # the trainer's trainer_state.json
    mix: list[MixEntry] = field(default_factory=list)

    @property
    def final_loss(self) -> float | None:
        losses = [entry["loss"] for entry in self.state.get("log_history", []) if "loss" in entry]
        return losses[-1] if losses else None

    @property
    def eval_loss(self) -> float | None:
        losses = [entry["eval_loss"] for entry in self.state.get("log_history", []) if "eval_loss" in entry]
        return losses[-1] if losses else None

    @property
    def base_models(self) -> list[str]:
        """The Hub models the run fine-tuned, as the config names them in `base_model` (an id or a list). Only the
        run knows whether `model_name_or_path` was a Hub id or a local folder, so it is never guessed from that."""
        named = self.config.get("base_model") or []
        return [named] if isinstance(named, str) else list(named)

    @property
    def datasets(self) -> list[str]:
        return sorted({entry.hub_id for entry in self.mix if entry.hub_id})


def trainer_state(checkpoint: Path) -> dict:
    """trainer_state.json of the checkpoint, or of the newest `checkpoint-N` inside a training output folder."""
    if (checkpoint / "trainer_state.json").exists():
        return json.loads((checkpoint / "trainer_state.json").read_text())
    saved = sorted(checkpoint.glob("checkpoint-*/trainer_state.json"), key=lambda path: _step(path.parent))
    return json.loads(saved[-1].read_text()) if saved else {}


def _step(directory: Path) -> int:
    suffix = directory.name.removeprefix("checkpoint-")
    return int(suffix) if suffix.isdigit() else -1


def _hub_id(source: dict | None) -> str | None:
    path = (source or {}).get("path")
    if not path or not HUB_ID.match(str(path)) or Path(path).exists():
        return None
    return str(path)


def data_mix(name: str, mix_file: Path) -> list[MixEntry]:
    """The entries of mix `name` in a data-mix file (train/data_mix.yaml's format)."""
    mixes = yaml.safe_load(Path(mix_file).read_text())
    if name not in mixes:
        raise KeyError(f"{mix_file} has no data mix {name!r}; it has {sorted(mixes)}")
    return [
        MixEntry(entry["category"], entry["name"], int(entry["size"]), float(entry["weight"]), _hub_id(entry["source"]))
        for entry in mixes[name]
    ]


def read_stage_config(config: dict | str | Path | None) -> dict:
    """A stage config as a dict: a YAML path is read, a dict copied, None is empty."""
    if isinstance(config, str | Path):
        return dict(yaml.safe_load(Path(config).read_text()) or {})
    return dict(config or {})


def read_training_run(checkpoint: Path, config: dict | Path | None = None) -> TrainingRun:
    """The run behind `checkpoint`: `config` is the stage YAML it was trained with (a path or its parsed dict)."""
    config = read_stage_config(config)
    mix = []
    if config.get("data_mix"):
        mix_file = Path(config.get("data_mix_file") or DEFAULT_MIX_FILE)
        # A relative path is the run's (its working directory), else the repository's, as train/ reads it.
        mix = data_mix(config["data_mix"], mix_file if mix_file.exists() else REPO / mix_file)
    return TrainingRun(config=config, state=trainer_state(Path(checkpoint)), mix=mix)
