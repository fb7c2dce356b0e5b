"""A dataset made by a datagen pipeline trains with train/sft.py as it is, named in a data-mix file."""

import math
import subprocess
import sys

import yaml
from conftest import REPO
from test_training import common, launch, losses

from train.data import load_mix


def test_rendered_dataset_trains_with_sft(tiny_checkpoint, tmp_path):
    dataset_dir = tmp_path / "pt_render_text"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "datagen.pt_render_text",
            "--num-samples",
            "24",
            "--output-dir",
            str(dataset_dir),
            "--shard-size",
            "12",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=600,
    )
    source = {
        "path": "arrow",
        "data_files": {"train": str(dataset_dir / "data-*.arrow")},
        "split": "train",
        "format": "messages",
    }
    mix_file = tmp_path / "mix.yaml"
    mix_file.write_text(
        yaml.safe_dump(
            {
                "rendered": [
                    {"category": "OCR QA", "name": "PT-Render-Text", "size": 24, "weight": 1.0, "source": source}
                ]
            }
        )
    )

    rows = load_mix("rendered", mix_file=mix_file)
    first = rows[0]
    assert len(rows) == 24 and len(first["images"]) == 1
    assert [m["role"] for m in first["messages"]][:2] == ["user", "assistant"]
    assert all(isinstance(m["content"], str) and m["content"] for m in first["messages"])

    output_dir = tmp_path / "sft"
    launch(
        "train/sft.py",
        *common(tiny_checkpoint, mix_file, output_dir, 4),
        "--data_mix",
        "rendered",
        "--save_steps",
        4,
        "--max_tiles",
        4,
        "--max_length",
        4096,
    )
    values = losses(output_dir)
    assert values and all(math.isfinite(value) for value in values)
    assert (output_dir / "model.safetensors").exists()
