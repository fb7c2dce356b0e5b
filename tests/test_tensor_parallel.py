"""Tensor parallelism as transformers does it for `llava_next`: `from_pretrained(..., tp_plan="auto")` on two ranks.

torchrun starts two CPU processes (gloo); each loads the tiny checkpoint sharded by the model's plan, and rank 0's
logits must equal those of one unsharded process.
"""

import json
import subprocess
import sys
import textwrap

import torch
from transformers import AutoModel


SHARDED = """
    import json, os, sys, torch
    import torch.distributed as dist
    from transformers import AutoModel
    model = AutoModel.from_pretrained(sys.argv[1], trust_remote_code=True, tp_plan="auto", dtype=torch.float32)
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([[5, 17, 42, 7, 99, 3]])).logits
    head = model.lm_head.weight
    local = head.to_local() if hasattr(head, "to_local") else head
    if dist.get_rank() == 0:
        print(json.dumps({"logits": logits[0].tolist(), "head_rows": local.shape[0], "world": dist.get_world_size()}))
"""


def test_tp_plan_auto_on_two_ranks_gives_the_logits_of_one_process(tiny_checkpoint, tmp_path):
    script = tmp_path / "sharded.py"
    script.write_text(textwrap.dedent(SHARDED))
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", str(script)]
    command.append(str(tiny_checkpoint))
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    sharded = json.loads(result.stdout.strip().splitlines()[-1])

    model = AutoModel.from_pretrained(tiny_checkpoint, trust_remote_code=True, dtype=torch.float32).eval()
    with torch.no_grad():
        expected = model(input_ids=torch.tensor([[5, 17, 42, 7, 99, 3]])).logits[0]
    assert sharded["world"] == 2
    assert sharded["head_rows"] == model.lm_head.weight.shape[0] // 2  # the head really was split by columns
    torch.testing.assert_close(torch.tensor(sharded["logits"]), expected, rtol=1e-5, atol=1e-5)
