"""The model-backed steps' client for OpenAI-compatible servers (vLLM, SGLang, ``transformers serve``, ...).

Requests go through the ``openai`` library's async client, which retries 408/409/429/5xx and dropped
connections with backoff (honouring ``Retry-After``) and enforces the timeout; one event loop in a
background thread serves all the pipeline's threads, with a cap on requests in flight per server, and
several servers share the load (each request goes to the least busy one that is up).

Two kinds of failure are kept apart:
- the server cannot be reached (after the library's retries, on every server): ``ChatError``; the run stops,
  and the same command resumes from the cache;
- the server answered, but not with a usable reply (malformed body, no choices, empty or non-text content,
  a reply the step cannot parse, a request it refuses as invalid): asked again up to ``bad_reply_retries``
  times, then ``BadReply``; the step skips that sample and records why.

Every usable reply is appended to a JSONL cache keyed by a hash of the request, so a re-run asks the
server only what it has not answered yet. Unusable replies are never cached.
"""

import argparse
import asyncio
import base64
import hashlib
import io
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import openai
from PIL import Image


logger = logging.getLogger(__name__)

T = TypeVar("T")
# Statuses that say "this request cannot be served" rather than "this server is unwell": skip, do not stop.
REQUEST_REFUSED = {400, 413, 422}
SERVER_DOWN_SECONDS = 30.0  # a server that dropped connections is skipped this long while others are up
_REQUEST_STRIPES = 1024  # locks that keep two threads from asking the same request at once


class ChatError(RuntimeError):
    """No server could answer after every retry; the run stops, and a re-run resumes from the cache."""


class BadReply(ValueError):
    """A reply (or request) that cannot be used; raised by parsers, and by ``complete`` once retries run out."""


@dataclass
class ChatSettings:
    base_urls: tuple[str, ...] = ("http://127.0.0.1:8000/v1",)
    model: str = "google/gemma-3-27b-it"
    concurrency: tuple[int, ...] = (8,)  # requests in flight, per server (one value serves them all)
    timeout_s: float = 120.0
    max_retries: int = 6  # the openai library's retries of connection errors, 408/409/429 and 5xx
    bad_reply_retries: int = 2  # asking again after a reply that cannot be used
    backoff_s: float = 1.0  # wait before asking again after an unusable reply; doubles each time
    max_tokens: int | None = None  # a cap on every step's own max_tokens (cost control, tests)
    api_key: str | None = None

    def per_server(self) -> list[tuple[str, int]]:
        if len(self.concurrency) not in (1, len(self.base_urls)):
            raise ValueError(
                f"--concurrency has {len(self.concurrency)} values for {len(self.base_urls)} servers; "
                "give one value for all, or one per --base-url"
            )
        limits = self.concurrency * len(self.base_urls) if len(self.concurrency) == 1 else self.concurrency
        return list(zip(self.base_urls, limits))

    @property
    def total_concurrency(self) -> int:
        return sum(limit for _, limit in self.per_server())


def _comma_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def add_chat_arguments(parser: argparse.ArgumentParser, default_model: str = ChatSettings.model) -> None:
    parser.add_argument(
        "--base-url",
        default=ChatSettings.base_urls[0],
        help="OpenAI-compatible server(s), comma-separated, e.g. http://gpu1:8000/v1,http://gpu2:8000/v1",
    )
    parser.add_argument("--model", default=default_model, help="model name the server serves")
    parser.add_argument(
        "--concurrency", default="8", help="requests in flight per server: one number, or one per --base-url"
    )
    parser.add_argument(
        "--max-retries", type=int, default=ChatSettings.max_retries, help="retries of unreachable/overloaded servers"
    )
    parser.add_argument(
        "--bad-reply-retries", type=int, default=ChatSettings.bad_reply_retries, help="re-asks after an unusable reply"
    )
    parser.add_argument(
        "--backoff", type=float, default=ChatSettings.backoff_s, help="seconds before re-asking after an unusable reply"
    )
    parser.add_argument("--request-timeout", type=float, default=ChatSettings.timeout_s)
    parser.add_argument("--max-tokens", type=int, help="cap on the tokens of every reply (each step sets its own)")


def settings_from(args: argparse.Namespace, model: str | None = None) -> ChatSettings:
    return ChatSettings(
        base_urls=_comma_list(args.base_url),
        model=model or args.model,
        concurrency=tuple(int(n) for n in _comma_list(str(args.concurrency))),
        timeout_s=args.request_timeout,
        max_retries=args.max_retries,
        bad_reply_retries=args.bad_reply_retries,
        backoff_s=args.backoff,
        max_tokens=args.max_tokens,
        api_key=os.environ.get("OPENAI_API_KEY"),
    )


def image_part(image: Image.Image) -> dict:
    """An image as an OpenAI ``image_url`` content part (PNG data URL)."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()},
    }


def user_message(text: str, image: Image.Image | None = None) -> dict:
    content = ([image_part(image)] if image is not None else []) + [{"type": "text", "text": text}]
    return {"role": "user", "content": content}


class ReplyCache:
    """Append-only JSONL of ``{"key", "reply"}``; safe to share between the threads of one process."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self._replies: dict[str, str] = {}
        self._lock = threading.Lock()
        if self.path and self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash: that request is simply asked again
                if isinstance(entry, dict) and isinstance(entry.get("reply"), str) and entry["reply"].strip():
                    self._replies[entry["key"]] = entry["reply"]

    def get(self, key: str) -> str | None:
        return self._replies.get(key)

    def put(self, key: str, reply: str) -> None:
        with self._lock:
            self._replies[key] = reply
            if self.path:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.path, "a", encoding="utf-8") as cache:
                    cache.write(json.dumps({"key": key, "reply": reply}, ensure_ascii=False) + "\n")

    def __len__(self) -> int:
        return len(self._replies)


class _EventLoop:
    """One asyncio loop in a daemon thread: the pipeline's worker threads submit coroutines and wait."""

    _instance: "_EventLoop | None" = None
    _lock = threading.Lock()

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="chat-client-loop", daemon=True).start()

    @classmethod
    def shared(cls) -> "_EventLoop":
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()


class _Server:
    """One endpoint: its async client, its cap on requests in flight, and whether it was seen down."""

    def __init__(self, url: str, limit: int, settings: ChatSettings):
        self.url, self.limit, self.in_flight, self.down_until = url, limit, 0, 0.0
        self.settings = settings
        self.sent = 0  # HTTP requests that went on the wire, the library's retries included
        self._client: openai.AsyncOpenAI | None = None
        self._slots: asyncio.Semaphore | None = None

    def client(self) -> openai.AsyncOpenAI:
        # Made on first use, inside the loop that will run it.
        if self._client is None:
            self._slots = asyncio.Semaphore(self.limit)
            http = openai.DefaultAsyncHttpxClient(event_hooks={"request": [self._count]})
            self._client = openai.AsyncOpenAI(
                base_url=self.url,
                api_key=self.settings.api_key or "not-needed",  # local servers ignore it; the library wants one
                timeout=self.settings.timeout_s,
                max_retries=self.settings.max_retries,
                http_client=http,
            )
        return self._client

    async def _count(self, request) -> None:
        self.sent += 1

    @property
    def up(self) -> bool:
        return time.monotonic() >= self.down_until

    async def create(self, payload: dict):
        client = self.client()
        self.in_flight += 1
        try:
            async with self._slots:
                return await client.chat.completions.create(**payload)
        finally:
            self.in_flight -= 1


def _reply_text(completion) -> str:
    """The reply's text, or ``BadReply`` saying what is wrong with the body."""
    choices = getattr(completion, "choices", None)
    if not choices:
        raise BadReply("the reply has no choices")
    content = getattr(getattr(choices[0], "message", None), "content", None)
    if not isinstance(content, str):
        raise BadReply(f"the reply's content is {type(content).__name__}, not text")
    if not content.strip():
        raise BadReply("the reply is empty")
    return content


def servers_for(settings: ChatSettings) -> list[_Server]:
    """The endpoints of ``settings``; clients of several models on the same servers should share one list,
    so that the cap on requests in flight holds per server, not per model."""
    return [_Server(url, limit, settings) for url, limit in settings.per_server()]


class ChatClient:
    def __init__(self, settings: ChatSettings, cache: ReplyCache, servers: list[_Server] | None = None):
        self.settings, self.cache = settings, cache
        self._servers = servers or servers_for(settings)
        self._loop = _EventLoop.shared()
        self._round_robin = itertools.count()
        # Samples share requests (the same text to translate, the same question): the second asker waits
        # for the first answer instead of sending it again. Striped, so the locks do not grow with the run.
        self._stripes = [threading.Lock() for _ in range(_REQUEST_STRIPES)]

    @property
    def sent(self) -> int:
        """HTTP requests that went on the wire to this client's servers, the library's retries included."""
        return sum(server.sent for server in self._servers)

    def _payload(self, messages: list[dict], params: dict) -> dict:
        cap = self.settings.max_tokens
        if cap is not None:
            params = {**params, "max_tokens": min(params.get("max_tokens", cap), cap)}
        return {"model": self.settings.model, "messages": messages, **params}

    @staticmethod
    def request_key(payload: dict) -> str:
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def _pick(self) -> _Server | None:
        """The least busy server that is up (ties in turn), or None when every one was seen down."""
        up = [server for server in self._servers if server.up]
        if not up:
            return None
        start = next(self._round_robin)
        ordered = up[start % len(up) :] + up[: start % len(up)]
        return min(ordered, key=lambda server: server.in_flight / server.limit)

    async def _ask(self, payload: dict) -> str:
        """One reply's text from some server; ``ChatError`` when none can be reached, ``BadReply`` for bodies."""
        errors = []
        while (server := self._pick()) is not None:
            try:
                return _reply_text(await server.create(payload))
            except BadReply:
                raise
            except (openai.APIConnectionError, openai.InternalServerError, openai.RateLimitError) as error:
                server.down_until = time.monotonic() + SERVER_DOWN_SECONDS  # retries exhausted: try the others
                errors.append(f"{server.url}: {_describe(error)}")
                logger.warning("server %s failed after retries (%s)", server.url, _describe(error))
            except openai.APIStatusError as error:
                if error.status_code in REQUEST_REFUSED:
                    raise BadReply(f"the server refused the request: HTTP {error.status_code}") from error
                raise ChatError(f"{server.url} answered HTTP {error.status_code}: {str(error)[:200]}") from error
            except (openai.APIResponseValidationError, ValueError) as error:  # a body that is not a completion
                raise BadReply(f"malformed reply body ({_describe(error)})") from error
        raise ChatError(
            f"no server answered ({'; '.join(errors) or 'all were seen down recently'}); check that the "
            "servers are up, then re-run the same command: finished calls are cached"
        )

    def complete(self, messages: list[dict], parse: Callable[[str], T] | None = None, **params) -> T | str:
        """The reply, parsed by ``parse`` when given (which raises ``BadReply`` on a reply it cannot use).

        Cached replies are returned without asking; an unusable reply is asked again, then ``BadReply``.
        """
        payload = self._payload(messages, params)
        key = self.request_key(payload)
        with self._stripes[int(key[:8], 16) % _REQUEST_STRIPES]:
            return self._cached_or_asked(key, payload, parse)

    def _cached_or_asked(self, key: str, payload: dict, parse):
        cached = self.cache.get(key)
        if cached is not None:
            try:
                return parse(cached) if parse else cached
            except BadReply:
                pass  # cached under other parsing rules: ask again
        reason = ""
        for attempt in range(self.settings.bad_reply_retries + 1):
            if attempt:
                time.sleep(self.settings.backoff_s * 2 ** (attempt - 1))
            try:
                reply = self._loop.run(self._ask(payload))
                value = parse(reply) if parse else reply
            except BadReply as error:
                reason = str(error)
                logger.warning("unusable reply from %s (%s), try %d", self.settings.model, reason, attempt + 1)
                continue
            self.cache.put(key, reply)
            return value
        raise BadReply(f"{reason} (model {self.settings.model}, {self.settings.bad_reply_retries + 1} tries)")


def _describe(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    return f"HTTP {status}" if status else f"{type(error).__name__}: {error}"
