"""With several processes, each rank reads its own shards of a streamed mix, not the whole stream."""

import json
import subprocess
import sys

import yaml
from conftest import REPO
from test_data import _numbered_source


def test_two_ranks_read_disjoint_halves_of_the_stream(tmp_path):
    entries = [
        {
            "category": "a",
            "name": "first",
            "size": 64,
            "weight": 0.5,
            "source": _numbered_source(tmp_path, "first", 64),
        },
        {
            "category": "b",
            "name": "second",
            "size": 64,
            "weight": 0.5,
            "source": _numbered_source(tmp_path, "second", 64),
        },
    ]
    (tmp_path / "mix.yaml").write_text(yaml.safe_dump({"two": entries}))
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2"]
    command += ["--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    command += ["tests/train/stream_ranks.py", str(tmp_path / "mix.yaml"), "two", str(tmp_path)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    ranks = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert all(ranks) and len(ranks[0]) + len(ranks[1]) >= 120  # the 128-sample epoch, split (last batches even out)
    # Repeats inside a source are expected (sampling with weights); across ranks a row's shard is one rank's alone.
    assert not set(ranks[0]) & set(ranks[1]), sorted(set(ranks[0]) & set(ranks[1]))[:5]
