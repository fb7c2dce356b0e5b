"""How many requests per second the chat client itself sustains: the ceiling it puts on a model server.

    python -m benchmarks.bench_chat_client [--requests 400] [--concurrency 1,8,32] [--servers 1,2]
    python -m benchmarks.bench_chat_client --base-url http://gpu-1:8000/v1 --model NAME --concurrency 32,64

Without ``--base-url`` the servers are the tests' rule-based fake (``tests/datagen/fake_openai_server.py``),
which answers at once, so the figure is the client's (and the fake's) overhead per request: cache lookup
and append, JSON, HTTP through the openai library, the event loop. With ``--base-url`` it measures real
servers (each request a captioning one: a 384 x 384 PNG and ``--max-tokens`` reply tokens).
"""

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from datagen.model.chat_client import ChatClient, ChatSettings, ReplyCache, user_message


FAKE_SERVER = Path(__file__).parents[1] / "tests" / "datagen" / "fake_openai_server.py"


def start_fake(folder: Path, index: int) -> tuple[subprocess.Popen, str]:
    port_file = folder / f"port-{index}"
    process = subprocess.Popen([sys.executable, str(FAKE_SERVER), str(port_file), str(folder / f"log-{index}")])
    deadline = time.time() + 30
    while not port_file.exists():
        if time.time() > deadline or process.poll() is not None:
            raise RuntimeError("the fake server did not start")
        time.sleep(0.05)
    return process, f"http://127.0.0.1:{port_file.read_text()}/v1"


def measure(urls: list[str], model: str, concurrency: int, requests: int, cache_path: Path, max_tokens: int) -> float:
    settings = ChatSettings(
        base_urls=tuple(urls), model=model, concurrency=(concurrency,), timeout_s=600, max_tokens=max_tokens
    )
    client = ChatClient(settings, ReplyCache(cache_path))
    image = Image.new("RGB", (384, 384), (30, 60, 200))

    def caption(i: int) -> str:
        return client.complete([user_message(f"Descreve a imagem {i}.", image)], max_tokens=max_tokens)

    start = time.perf_counter()
    with ThreadPoolExecutor(settings.total_concurrency) as pool:
        list(pool.map(caption, range(requests)))
    return requests / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", default="1,8,32", help="requests in flight per server")
    parser.add_argument("--servers", default="1,2", help="how many fake servers (ignored with --base-url)")
    parser.add_argument("--base-url", help="real servers, comma-separated, instead of the fake")
    parser.add_argument("--model", default="bench", help="the served model name (with --base-url)")
    parser.add_argument("--max-tokens", type=int, default=150, help="reply tokens per request")
    args = parser.parse_args()
    print("| servers | in flight per server | requests/s |")
    print("|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        real = args.base_url.split(",") if args.base_url else None
        counts = [len(real)] if real else [int(n) for n in args.servers.split(",")]
        servers = [] if real else [start_fake(folder, i) for i in range(max(counts))]
        urls = real or [url for _, url in servers]
        try:
            for count in counts:
                for concurrency in (int(n) for n in args.concurrency.split(",")):
                    cache = folder / f"cache-{count}-{concurrency}.jsonl"  # a fresh cache: every request is asked
                    rate = measure(urls[:count], args.model, concurrency, args.requests, cache, args.max_tokens)
                    print(f"| {count} | {concurrency} | {rate:.1f} |", flush=True)
        finally:
            for process, _ in servers:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
