"""Every model-backed step against a faulty server that dies mid-run, then a resumed run that completes.

The faulty server answers 429s, 500s, bodies that are no completion, empty and non-text replies, replies
slower than the client waits, and one request in 31 (by hash) an empty reply every time; then it dies.
The resumed run against a healthy server (with the same persistent bad replies) must finish, ask only
what the first run did not get, once each, and account for every sample in its summary.
"""

import json

import pytest
from datasets import Dataset
from PIL import Image

from datagen import add_reasoning, preference, pt_caps, pt_caps_fusion, pt_vqa_gen, translate
from datagen.model.chat_client import ChatError, ReplyCache
from datagen.writing.messages import FEATURES, make_row


CHAOS = [
    "--fail-every", "7", "--error-every", "11", "--malformed-every", "13", "--empty-every", "5",
    "--typed-every", "9", "--hang-every", "37", "--hang-seconds", "1.5", "--always-bad-mod", "31",
]  # fmt: skip
CLIENT = ["--backoff", "0.01", "--max-retries", "2", "--bad-reply-retries", "2", "--request-timeout", "1"]
COLOURS = [(200, 30, 30), (30, 160, 60), (30, 60, 200), (230, 210, 40)]


@pytest.fixture
def sft_inputs(tmp_path):
    rows = []
    for i, name in enumerate(["Ana", "Rui", "Inês", "Tiago", "Marta", "João"]):
        image = Image.new("RGB", (16 + i, 16), COLOURS[i % 4])
        turns = [
            (f"What did {name} paint here?", f"A plain colour, says {name}."),
            (f"Quantos objetos vê {name}?", "Nenhum."),
        ]
        rows.append(make_row([image], turns, task="colours"))
    path = tmp_path / "sft"
    Dataset.from_list(rows, features=FEATURES).save_to_disk(str(path))
    return path


def _step_args(step, images, sft):
    """(main, arguments) of each model-backed step on small inputs."""
    return {
        "pt_caps": (pt_caps.main, ["--inputs", str(images), "--num-samples", "6"]),
        "pt_caps_fusion": (
            pt_caps_fusion.main,
            ["--inputs", str(images), "--num-samples", "5", "--caption-models", "a,b,c,d", "--fusion-model", "big"],
        ),
        "pt_vqa_gen": (pt_vqa_gen.main, ["--inputs", str(images), "--num-samples", "6", "--judge-model", "judge"]),
        "add_reasoning": (add_reasoning.main, ["--inputs", str(sft), "--num-samples", "6"]),
        "translate": (translate.main, ["--inputs", str(sft), "--num-samples", "6"]),
        "preference": (
            preference.main,
            ["--inputs", str(sft), "--num-samples", "4", "--candidates", "3", "--min-margin", "1"]
            + ["--policy-model", "policy", "--editor-model", "editor", "--judge-model", "judge"],
        ),
    }[step]


@pytest.mark.parametrize(
    "step", ["pt_caps", "pt_caps_fusion", "pt_vqa_gen", "add_reasoning", "translate", "preference"]
)
def test_step_survives_faults_and_a_dying_server_then_resumes(step, tmp_path, fake_server, coloured_images, sft_inputs):
    main, step_args = _step_args(step, coloured_images, sft_inputs)
    out = tmp_path / "out"
    args = [*step_args, "--output-dir", str(out), "--shard-size", "2", "--concurrency", "2", *CLIENT]

    dying = fake_server(*CHAOS, "--die-after", "12")
    with pytest.raises(ChatError, match="re-run the same command"):
        main([*args, "--base-url", dying.url])
    cached_before = len(ReplyCache(out / "chat_cache.jsonl"))
    assert 0 < cached_before <= len(set(dying.answered))

    healthy = fake_server(*CHAOS)
    dataset = main([*args, "--base-url", healthy.url])
    cache = ReplyCache(out / "chat_cache.jsonl")
    # Nothing lost, nothing asked twice: the second run asked exactly for what the cache lacked.
    assert len(set(healthy.answered)) == len(cache) - cached_before
    lines = [json.loads(line) for line in (out / "chat_cache.jsonl").read_text().splitlines()]
    assert all(isinstance(line["reply"], str) and line["reply"].strip() for line in lines)  # no bad reply cached
    assert len({line["key"] for line in lines}) == len(lines)

    summary = json.loads((out / "run_summary.json").read_text())
    assert summary["kept"] == len(dataset) > 0
    assert summary["kept"] + summary["skipped_for_bad_replies"] + summary["dropped_by_filters"] == summary["requested"]
    skipped = out / "skipped.jsonl"
    if summary["skipped_for_bad_replies"]:
        reasons = [json.loads(line)["reason"] for line in skipped.read_text().splitlines()]
        assert all("tries" in reason for reason in reasons)

    again = fake_server()
    assert len(main([*args, "--base-url", again.url])) == len(dataset) and again.answered == []
