"""Every model-backed pipeline end to end against a real server: ``transformers serve`` on a tiny random VLM.

The replies are a random model's nonsense: no JSON, no «Resposta:», no «Nota:», sometimes nothing at all.
That is the point: each pipeline must finish (with rows, or with the clear "every sample was dropped"
error), account for every sample in its run summary, and cache only usable replies.
"""

import json

import pytest
from datasets import Dataset
from PIL import Image

from datagen import add_reasoning, preference, pt_caps, pt_caps_fusion, pt_vqa_gen, translate, write_calls
from datagen.writing.messages import FEATURES, make_row
from datagen.writing.writer import NothingKept


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Two images in a folder, and a two-row training set made from them."""
    root = tmp_path_factory.mktemp("served-inputs")
    images = [Image.new("RGB", (40, 30), (200, 30, 30)), Image.new("RGB", (30, 40), (30, 60, 200))]
    (root / "images").mkdir()
    for i, image in enumerate(images):
        image.save(root / "images" / f"{i}.png")
    rows = [
        make_row([images[0]], [("De que cor é a imagem?", "Vermelho."), ("What is shown?", "A red square.")], "cor"),
        make_row([images[1]], [("Which colour? A) red B) blue. Answer with the letter only.", "B")], "mcq"),
    ]
    Dataset.from_list(rows, features=FEATURES).save_to_disk(str(root / "sft"))
    return root


def _requests_served(served) -> int:
    return served.log.read_text(errors="replace").count("[Request received]")


def _arguments(step: str, root, model: str) -> tuple:
    images, sft = ["--inputs", str(root / "images")], ["--inputs", str(root / "sft")]
    return {
        "pt_caps": (pt_caps.main, images),
        "pt_caps_fusion": (
            pt_caps_fusion.main,
            [*images, "--caption-models", f"{model},{model}", "--fusion-model", model],
        ),
        "pt_vqa_gen": (pt_vqa_gen.main, [*images, "--judge-model", model]),
        "add_reasoning": (add_reasoning.main, sft),
        "translate": (translate.main, sft),
        "preference": (
            preference.main,
            [*sft, "--policy-model", model, "--editor-model", model, "--judge-model", model, "--candidates", "2"],
        ),
    }[step]


@pytest.mark.parametrize(
    "step", ["pt_caps", "pt_caps_fusion", "pt_vqa_gen", "add_reasoning", "translate", "preference"]
)
def test_pipeline_finishes_against_transformers_serve(step, served_tiny_vlm, inputs, tmp_path):
    main, step_args = _arguments(step, inputs, served_tiny_vlm.model)
    out = tmp_path / "out"
    args = [
        *step_args,
        "--num-samples", "2", "--output-dir", str(out), "--base-url", served_tiny_vlm.base_url,
        "--model", served_tiny_vlm.model, "--max-tokens", "12", "--concurrency", "2",
        "--bad-reply-retries", "1", "--backoff", "0", "--request-timeout", "120",
    ]  # fmt: skip
    requests_before = _requests_served(served_tiny_vlm)
    try:
        kept = len(main(args))
    except NothingKept:  # the random model's replies may pass no filter: a clean stop, with its summary
        kept = 0
    summary = json.loads((out / "run_summary.json").read_text())
    assert summary["requested"] == 2 and summary["kept"] == kept
    assert summary["kept"] + summary["skipped_for_bad_replies"] + summary["dropped_by_filters"] == 2
    assert _requests_served(served_tiny_vlm) > requests_before  # it really went to the server
    cache = out / "chat_cache.jsonl"  # absent when not one reply was usable
    replies = [json.loads(line)["reply"] for line in cache.read_text().splitlines()] if cache.exists() else []
    assert all(isinstance(reply, str) and reply.strip() for reply in replies)


def test_write_calls_finishes_against_transformers_serve(served_tiny_vlm, tmp_path):
    code = tmp_path / "code.jsonl"
    functions = [("dobro", "def dobro(x):\n    return 2 * x\n"), ("soma", "def soma(a, b):\n    return a + b\n")]
    code.write_text("".join(json.dumps({"name": name, "source": source}) + "\n" for name, source in functions))
    out = tmp_path / "calls"
    requests_before = _requests_served(served_tiny_vlm)
    summary = write_calls.main(
        ["--code-file", str(code), "--output-dir", str(out), "--base-url", served_tiny_vlm.base_url]
        + ["--model", served_tiny_vlm.model, "--max-tokens", "12", "--concurrency", "2", "--bad-reply-retries", "1"]
        + ["--backoff", "0", "--request-timeout", "120", "--sandbox-seconds", "2"]
    )
    assert summary["requested"] == 2
    assert summary["kept"] + summary["skipped_for_bad_replies"] + summary["dropped_by_filters"] == 2
    assert _requests_served(served_tiny_vlm) > requests_before
    kept = [json.loads(line) for line in (out / "functions.jsonl").read_text().splitlines()]
    assert all(function["calls"] for function in kept)  # whatever a random model wrote, nothing unchecked
