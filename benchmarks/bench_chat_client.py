"""How many requests per second the chat client itself sustains: the ceiling it puts on a model server.

    python -m benchmarks.bench_chat_client [--requests 400] [--concurrency 1,8,32] [--servers 1,2]

The servers are the tests' rule-based fake (``tests/datagen/fake_openai_server.py``), which answers at once,
so the figure is the client's (and the fake's) overhead per request: cache lookup and append, JSON, HTTP
through the openai library, the event loop. Each request carries a 384 x 384 PNG, as the captioning steps'
do. A real server is slower by its generation time; see datagen/README.md for what to expect.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from datagen.chat_client import ChatClient, ChatSettings, ReplyCache, user_message


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


def measure(urls: list[str], concurrency: int, requests: int, cache_path: Path) -> float:
    settings = ChatSettings(base_urls=tuple(urls), model="bench", concurrency=(concurrency,), timeout_s=30)
    client = ChatClient(settings, ReplyCache(cache_path))
    image = Image.new("RGB", (384, 384), (30, 60, 200))
    start = time.perf_counter()
    with ThreadPoolExecutor(settings.total_concurrency) as pool:
        list(pool.map(lambda i: client.complete([user_message(f"Descreve a imagem {i}.", image)]), range(requests)))
    return requests / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", default="1,8,32", help="requests in flight per server")
    parser.add_argument("--servers", default="1,2")
    args = parser.parse_args()
    print("| servers | in flight per server | requests/s |")
    print("|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        counts = [int(n) for n in args.servers.split(",")]
        servers = [start_fake(folder, i) for i in range(max(counts))]
        try:
            for count in counts:
                for concurrency in (int(n) for n in args.concurrency.split(",")):
                    cache = folder / f"cache-{count}-{concurrency}.jsonl"
                    rate = measure([url for _, url in servers[:count]], concurrency, args.requests, cache)
                    print(f"| {count} | {concurrency} | {rate:.0f} |", flush=True)
        finally:
            for process, _ in servers:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
