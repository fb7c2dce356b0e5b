import json

import pytest
from datasets import load_from_disk

from datagen import pt_caps
from datagen.chat_client import (
    ChatClient,
    ChatError,
    ChatSettings,
    ReplyCache,
    user_message,
)


FAST_RETRIES = ["--backoff", "0.01", "--max-retries", "3", "--concurrency", "4"]


def _client(url, cache, retries=6):
    return ChatClient(
        ChatSettings(base_url=url, model="tiny", backoff_s=0.01, max_retries=retries, timeout_s=10), cache
    )


def test_rate_limits_and_malformed_replies_are_retried(fake_server, tmp_path):
    server = fake_server("--fail-every", "3", "--malformed-every", "4")
    client = _client(server.url, ReplyCache(tmp_path / "cache.jsonl"))
    replies = [client.complete([user_message(f"pergunta {i}")]) for i in range(10)]
    assert replies == ["Resposta do modelo tiny."] * 10
    assert len(server.answered) == 10 and client.sent > 10  # every request answered once, after retries


def test_cache_answers_a_rerun_without_the_server(fake_server, tmp_path):
    server = fake_server()
    first = _client(server.url, ReplyCache(tmp_path / "cache.jsonl"))
    replies = [first.complete([user_message(f"pergunta {i}")], temperature=0.0) for i in range(5)]
    server.stop()
    again = _client(server.url, ReplyCache(tmp_path / "cache.jsonl"), retries=0)
    assert [again.complete([user_message(f"pergunta {i}")], temperature=0.0) for i in range(5)] == replies
    assert again.sent == 0
    with pytest.raises(ChatError, match="check that the server is up"):
        again.complete([user_message("nova pergunta")])


def test_a_torn_cache_line_is_asked_again(tmp_path):
    path = tmp_path / "cache.jsonl"
    path.write_text(json.dumps({"key": "a", "reply": "x"}) + "\n" + '{"key": "b", "rep')
    assert len(ReplyCache(path)) == 1


def test_pt_caps_survives_a_dying_server_and_resumes_without_redoing_work(fake_server, tmp_path, coloured_images):
    out = tmp_path / "caps"
    args = [
        "--inputs",
        str(coloured_images),
        "--num-samples",
        "12",
        "--output-dir",
        str(out),
        "--shard-size",
        "4",
        "--model",
        "tiny",
        *FAST_RETRIES,
    ]
    dying = fake_server("--die-after", "30", "--fail-every", "7", "--malformed-every", "11")
    with pytest.raises(ChatError):
        pt_caps.main([*args, "--base-url", dying.url])
    cached_before = len(ReplyCache(out / "chat_cache.jsonl"))
    assert 0 < cached_before <= len(dying.answered) <= 30  # a reply sent as the server died may never arrive

    healthy = fake_server()
    dataset = pt_caps.main([*args, "--base-url", healthy.url])
    assert len(dataset) == 12
    # Every reply that reached the first run is reused; the second run asks only for the rest, once each.
    assert len(healthy.answered) == len(set(healthy.answered)) == 12 * 6 - cached_before
    assert len(ReplyCache(out / "chat_cache.jsonl")) == 12 * 6

    loaded = load_from_disk(str(out))
    colours = ["vermelho", "verde", "azul", "amarelo"]
    for i, row in enumerate(loaded):
        texts = [m["content"][-1]["text"] for m in row["messages"]]
        assert len(texts) == 12 and len(row["images"]) == 1
        assert colours[i % 4] in texts[7]  # the pt-PT short caption names the image's colour
