import json

import pytest
from datasets import Dataset
from PIL import Image

from datagen import preference, translate
from datagen.model.chat_client import BadReply
from datagen.model.protect import protect, restore
from datagen.model.replies import score
from datagen.writing.messages import FEATURES, check_preference_row, make_row


SERVER_ARGS = ["--backoff", "0.01", "--max-retries", "2", "--concurrency", "3", "--request-timeout", "5"]


def _sft_inputs(tmp_path, rows):
    path = tmp_path / "inputs"
    Dataset.from_list(rows, features=FEATURES).save_to_disk(str(path))
    return path


def test_protect_and_restore_round_trip():
    text = "Solve $x^2 = 4$ with `math.sqrt` and \\(a+b\\)."
    masked, spans = protect(text)
    assert "$" not in masked and "`" not in masked and len(spans) == 3
    assert restore(masked, spans) == text
    assert restore(masked.replace("⟦1⟧", ""), spans) is None  # a lost marker is refused
    assert restore(masked + " ⟦0⟧", spans) is None  # so is a duplicated one


def test_translation_keeps_notation_and_drops_pt_br(tmp_path, fake_server):
    image = Image.new("RGB", (16, 16), "white")
    rows = [
        make_row(
            [image], [("What is $x^2$ when x = 3?", "The answer is $9$, computed with `pow(3, 2)`.")], task="math"
        ),
        make_row([image], [("What is this?", "The answer is um ônibus.")], task="bus"),
    ]
    server = fake_server()
    out = translate.main(
        [
            "--inputs",
            str(_sft_inputs(tmp_path, rows)),
            "--num-samples",
            "2",
            "--output-dir",
            str(tmp_path / "out"),
            "--base-url",
            server.url,
            *SERVER_ARGS,
        ]
    )
    assert len(out) == 1  # the pt-BR row is dropped
    messages = out[0]["messages"]
    assert messages[0]["content"][1]["text"] == "Qual é $x^2$ when x = 3?"
    assert messages[1]["content"][0]["text"] == "A resposta é $9$, computed with `pow(3, 2)`."
    assert messages[0]["content"][0] == {"type": "image", "text": None}
    assert out[0]["task"] == "translated/math"


def test_translation_never_touches_what_must_stay_verbatim(tmp_path, fake_server):
    image = Image.new("RGB", (16, 16), "white")
    rows = [
        make_row([image], [("Read the text on the sign.", "Boat")], task="vqa"),
        make_row([image], [("Transcreve o texto.", "Boat 0.5")], task="ocr/plain/x/"),
        make_row([image], [("Where is the boat?", "The boat is at [0.25, 0.1, 0.75, 0.5].")], task="grounding"),
        make_row([image], [("Which colour? A) red B) blue", "B")], task="mcq"),
        make_row([image], [('What does "Boat" say about the boat?', "It costs 2.5 euros.")], task="vqa"),
    ]
    server = fake_server()
    args = ["--inputs", str(_sft_inputs(tmp_path, rows)), "--num-samples", "5", "--output-dir", str(tmp_path / "out")]
    out = translate.main([*args, "--base-url", server.url, *SERVER_ARGS])
    answers = [row["messages"][1]["content"][0]["text"] for row in out]
    assert answers[:2] == ["Boat", "Boat 0.5"]  # transcriptions (by question and by task) stay as written
    assert answers[2] == "The boat is at [0.25, 0.1, 0.75, 0.5]."  # boxes keep their decimal points
    assert answers[3] == "B"  # an option letter: nothing to translate, never sent
    assert out[4]["messages"][0]["content"][1]["text"] == 'What does "Boat" say about the boat?'
    assert answers[4] == "It costs 2.5 euros."  # numbers are protected from decimal commas
    assert len(server.answered) == 5 + 2  # five questions and the two answers with words to translate


def test_preference_pairs_rank_candidates_by_judge_score(tmp_path, fake_server):
    image = Image.new("RGB", (16, 16), (200, 30, 30))
    rows = [
        make_row([image], [("De que cor é a imagem?", "Vermelho.")], task="vqa"),
        make_row([image], [("Onde está o objeto?", "[0.1, 0.2, 0.3, 0.4]")], task="bbox"),
    ]
    server = fake_server("--fail-every", "5")
    out = preference.main(
        [
            "--inputs",
            str(_sft_inputs(tmp_path, rows)),
            "--num-samples",
            "2",
            "--output-dir",
            str(tmp_path / "out"),
            "--base-url",
            server.url,
            *SERVER_ARGS,
            "--policy-model",
            "policy",
            "--editor-model",
            "editor",
            "--judge-model",
            "judge",
            "--candidates",
            "4",
            "--min-margin",
            "1",
        ]
    )
    assert len(out) == 1  # the bounding-box prompt is skipped
    row = out[0]
    check_preference_row(row)
    chosen, rejected = row["chosen"][0]["content"][0]["text"], row["rejected"][0]["content"][0]["text"]
    # The fake judge scores (number of words) % 10 + 1: recompute the ranking independently.
    high, low = map(int, row["task"].rsplit("/", 1)[1].split("-"))
    assert (high, low) == (len(chosen.split()) % 10 + 1, len(rejected.split()) % 10 + 1)
    assert high > low
    assert row["prompt"][0]["content"][0]["type"] == "image" and len(row["images"]) == 1
    asked = len(server.answered)
    assert asked == 4 + 4 + 8  # drafts, edits, one score per distinct candidate
    # The fake editor names the image's colour only when it gets the image.
    replies = [json.loads(line)["reply"] for line in (tmp_path / "out" / "chat_cache.jsonl").read_text().splitlines()]
    assert sum(reply.endswith("A imagem é vermelho.") for reply in replies) == 4
    assert not any(reply.endswith("Espero ter ajudado.") for reply in replies)


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("Nota: 7", 7),
        ("**Nota:** 7/10", 7),
        ("Nota: 10.", 10),
        ("Primeiro Nota: 3, afinal Nota: 8", 8),
        ("Nota: 0", None),
    ],
)
def test_score_reads_the_last_grade_through_markdown(reply, expected):
    if expected is None:
        with pytest.raises(BadReply):
            score(reply)
    else:
        assert score(reply) == expected
