"""Fixtures of the training tests: a small sample set and its mix file. The tiny checkpoint fixture comes from
tests/conftest.py."""

from pathlib import Path

import pytest
import yaml

from train.sample_data import make_sample_data


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sample_mix_file(tmp_path_factory) -> Path:
    """A data-mix file whose `sample_sft` / `sample_dpo` mixes read a small sample set made for the tests, plus
    `sample_sft_streamed`: the same SFT set as a streamed source."""
    root = make_sample_data(tmp_path_factory.mktemp("sample_data"), num_train=96, num_test=24, seed=0)
    with open(REPO / "train" / "data_mix.yaml") as file:
        mixes = yaml.safe_load(file)
    for name in ("sample_sft", "sample_dpo"):
        source = mixes[name][0]["source"]
        source["image_root"] = str(root)
        source["data_files"] = {split: str(root / Path(path).name) for split, path in source["data_files"].items()}
    mixes["sample_sft_streamed"] = [
        {**mixes["sample_sft"][0], "source": {**mixes["sample_sft"][0]["source"], "streaming": True}}
    ]
    path = root / "data_mix.yaml"
    path.write_text(yaml.safe_dump(mixes))
    return path
