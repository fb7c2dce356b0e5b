import argparse
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from datasets import load_from_disk

from datagen import pt_caps
from datagen.model.chat_client import (
    BadReply,
    ChatClient,
    ChatError,
    ChatSettings,
    ReplyCache,
    user_message,
)
from datagen.model.model_steps import Clients
from datagen.model.replies import score


FAST_RETRIES = ["--backoff", "0.01", "--max-retries", "2", "--concurrency", "4", "--request-timeout", "1"]


def _client(urls, cache, retries=3, concurrency=(4,)):
    settings = ChatSettings(
        base_urls=tuple(urls), model="tiny", concurrency=concurrency, backoff_s=0.01, max_retries=retries, timeout_s=1
    )
    return ChatClient(settings, cache)


@pytest.mark.parametrize(
    "flags",
    [
        ("--fail-every", "3"),  # 429
        ("--error-every", "3"),  # 500
        ("--malformed-every", "3"),  # a body that is no completion
        ("--empty-every", "3"),
        ("--typed-every", "3"),  # content null or a list
        ("--hang-every", "4", "--hang-seconds", "1.5"),  # slower than the client's timeout
    ],
)
def test_each_fault_is_retried_until_a_usable_reply(fake_server, tmp_path, flags):
    server = fake_server(*flags)
    client = _client([server.url], ReplyCache(tmp_path / "cache.jsonl"))
    replies = [client.complete([user_message(f"pergunta {i}")]) for i in range(8)]
    assert replies == ["Resposta do modelo tiny."] * 8
    # Every request answered, after retries (a reply the server sent after the client gave up is sent again).
    assert len(set(server.answered)) == 8 and client.sent > 8


def test_a_reply_that_stays_unusable_is_refused_and_never_cached(fake_server, tmp_path):
    server = fake_server("--always-bad-mod", "2")
    cache = ReplyCache(tmp_path / "cache.jsonl")
    client = _client([server.url], cache)
    outcomes = []
    for i in range(8):
        try:
            outcomes.append(client.complete([user_message(f"pergunta {i}")]))
        except BadReply as error:
            assert "empty" in str(error) and "3 tries" in str(error)
            outcomes.append(None)
    assert 0 < outcomes.count(None) < 8
    assert len(ReplyCache(tmp_path / "cache.jsonl")) == 8 - outcomes.count(None)


def test_a_parser_decides_what_is_usable(fake_server, tmp_path):
    server = fake_server()
    client = _client([server.url], ReplyCache(tmp_path / "cache.jsonl"))
    with pytest.raises(BadReply, match="Nota"):
        client.complete([user_message("sem nota")], parse=score)
    assert client.sent == 3 and len(client.cache) == 0  # asked three times, nothing cached


def test_cache_answers_a_rerun_without_the_server(fake_server, tmp_path):
    server = fake_server()
    first = _client([server.url], ReplyCache(tmp_path / "cache.jsonl"))
    replies = [first.complete([user_message(f"pergunta {i}")], temperature=0.0) for i in range(5)]
    server.stop()
    again = _client([server.url], ReplyCache(tmp_path / "cache.jsonl"), retries=0)
    assert [again.complete([user_message(f"pergunta {i}")], temperature=0.0) for i in range(5)] == replies
    assert again.sent == 0
    with pytest.raises(ChatError, match="check that the servers are up"):
        again.complete([user_message("nova pergunta")])


def test_a_torn_or_empty_cache_line_is_asked_again(tmp_path):
    path = tmp_path / "cache.jsonl"
    lines = [json.dumps({"key": "a", "reply": "x"}), json.dumps({"key": "c", "reply": ""}), '{"key": "b", "rep']
    path.write_text("\n".join(lines))
    assert len(ReplyCache(path)) == 1


def test_several_servers_share_the_load_and_one_dying_is_left_out(fake_server, tmp_path):
    steady, dying = fake_server(), fake_server("--die-after", "3")
    client = _client([steady.url, dying.url], ReplyCache(tmp_path / "cache.jsonl"), retries=1, concurrency=(2, 2))
    replies = [client.complete([user_message(f"pergunta {i}")]) for i in range(12)]
    assert replies == ["Resposta do modelo tiny."] * 12
    assert len(dying.answered) == 3 and len(steady.answered) >= 9
    assert len(set(steady.answered) | set(dying.answered)) == 12


def test_concurrency_is_capped_per_server_across_the_models_of_a_run(fake_server, tmp_path):
    first, second = fake_server("--delay", "0.2"), fake_server("--delay", "0.2")
    args = argparse.Namespace(
        base_url=f"{first.url},{second.url}", model="gemma", concurrency="2,3", request_timeout=10, max_retries=1,
        bad_reply_retries=0, backoff=0.01, max_tokens=None, cache=None, output_dir=str(tmp_path),
    )  # fmt: skip
    clients = Clients(args)
    models = [clients.get(), clients.get("judge")]  # two models, the same servers
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: models[i % 2].complete([user_message(f"pergunta {i}")]), range(40)))
    assert (first.most_in_flight, second.most_in_flight) == (2, 3)
    assert len(first.answered) + len(second.answered) == 40


def test_concurrency_must_match_the_servers():
    with pytest.raises(ValueError, match="one per --base-url"):
        ChatSettings(base_urls=("a", "b", "c"), concurrency=(1, 2)).per_server()
    assert ChatSettings(base_urls=("a", "b"), concurrency=(3,)).total_concurrency == 6


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
