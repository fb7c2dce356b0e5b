"""A client for OpenAI-compatible chat servers (vLLM, SGLang, ...) with retries and a resumable cache.

Every successful reply is appended to a JSONL cache keyed by a hash of the request, so a re-run asks
the server only what it has not answered yet: an interrupted job loses no finished call and redoes none.
"""

import argparse
import base64
import hashlib
import http.client
import io
import json
import logging
import os
import random
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from PIL import Image


logger = logging.getLogger(__name__)

RETRY_STATUSES = {408, 409, 429, 500, 502, 503, 504}


class ChatError(RuntimeError):
    """A request that still failed after every retry; the run stops, and a re-run resumes from the cache."""


@dataclass
class ChatSettings:
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "google/gemma-3-27b-it"
    concurrency: int = 8
    timeout_s: float = 120.0
    max_retries: int = 6
    backoff_s: float = 1.0  # first wait; doubles each retry, with jitter
    api_key: str | None = None


def add_chat_arguments(parser: argparse.ArgumentParser, default_model: str = ChatSettings.model) -> None:
    parser.add_argument(
        "--base-url", default=ChatSettings.base_url, help="OpenAI-compatible server, e.g. vLLM's `vllm serve`"
    )
    parser.add_argument("--model", default=default_model, help="model name the server serves")
    parser.add_argument("--concurrency", type=int, default=ChatSettings.concurrency, help="requests in flight at once")
    parser.add_argument("--max-retries", type=int, default=ChatSettings.max_retries)
    parser.add_argument("--backoff", type=float, default=ChatSettings.backoff_s, help="seconds before the first retry")
    parser.add_argument("--request-timeout", type=float, default=ChatSettings.timeout_s)


def settings_from(args: argparse.Namespace, model: str | None = None) -> ChatSettings:
    return ChatSettings(
        args.base_url,
        model or args.model,
        args.concurrency,
        args.request_timeout,
        args.max_retries,
        args.backoff,
        os.environ.get("OPENAI_API_KEY"),
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


class ChatClient:
    def __init__(self, settings: ChatSettings, cache: ReplyCache):
        self.settings, self.cache = settings, cache
        self.sent = 0  # requests that reached the wire, retries included

    def _payload(self, messages: list[dict], params: dict) -> dict:
        return {"model": self.settings.model, "messages": messages, **params}

    @staticmethod
    def request_key(payload: dict) -> str:
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def _post(self, payload: dict) -> str:
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        request = urllib.request.Request(
            self.settings.base_url.rstrip("/") + "/chat/completions",
            data=json.dumps(payload).encode(),
            headers=headers,
            method="POST",
        )
        self.sent += 1
        with urllib.request.urlopen(request, timeout=self.settings.timeout_s) as response:
            body = json.loads(response.read().decode("utf-8"))
        content = body["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise ValueError(f"reply content is {type(content).__name__}, not text")
        return content

    def _wait(self, attempt: int, error: Exception) -> None:
        retry_after = getattr(error, "headers", None) and error.headers.get("Retry-After")
        delay = float(retry_after) if retry_after else self.settings.backoff_s * 2**attempt * random.uniform(0.5, 1.5)
        logger.warning(
            "chat request failed (%s); retry %d/%d in %.1fs",
            _describe(error),
            attempt + 1,
            self.settings.max_retries,
            delay,
        )
        time.sleep(delay)

    def complete(self, messages: list[dict], **params) -> str:
        """The reply text; cached replies are returned without asking the server."""
        payload = self._payload(messages, params)
        key = self.request_key(payload)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        for attempt in range(self.settings.max_retries + 1):
            try:
                reply = self._post(payload)
            except urllib.error.HTTPError as error:
                if error.code not in RETRY_STATUSES or attempt == self.settings.max_retries:
                    raise ChatError(
                        f"{self.settings.base_url} answered HTTP {error.code}: {error.read()[:200]!r}"
                    ) from error
                self._wait(attempt, error)
            except (
                urllib.error.URLError,
                http.client.HTTPException,
                OSError,
                ValueError,
                KeyError,
                IndexError,
                TypeError,
            ) as error:
                # Connection trouble (refused, reset, a body cut short) and malformed bodies (bad JSON, no
                # choices) are worth another try.
                if attempt == self.settings.max_retries:
                    raise ChatError(
                        f"no valid reply from {self.settings.base_url} after {attempt + 1} tries: {_describe(error)}; "
                        "check that the server is up, then re-run: finished calls are cached"
                    ) from error
                self._wait(attempt, error)
            else:
                self.cache.put(key, reply)
                return reply
        raise AssertionError("unreachable")


def _describe(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    return f"{type(error).__name__}: {error}"
