"""train/pd12m.py: PD12M's metadata (its real parquet schema) -> a drawn URL list -> img2dataset, the real downloader,
fetching from an HTTP server on loopback -> parquet shards that stage 1 trains on with the `caption` format."""

import hashlib
import io
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from PIL import Image

from tests.serving import free_loopback_port
from train.data import compass, load_mix


REPO = Path(__file__).resolve().parents[2]


def _jpeg(size: tuple[int, int], colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


class ImageHost(BaseHTTPRequestHandler):
    """Serves `files` by path and counts requests; any other path is a 404 (a dead link)."""

    files: dict[str, bytes] = {}
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        ImageHost.requests.append(self.path)
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def pd12m(tmp_path):
    """Two metadata files of PD12M's schema, 8 rows each, with one dead link and one image whose MD5 is wrong."""
    port = free_loopback_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), ImageHost)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ImageHost.files, ImageHost.requests = {}, []
    metadata = tmp_path / "metadata"
    metadata.mkdir()
    for part in range(2):
        rows = []
        for index in range(8):
            number = part * 8 + index
            size = (200, 100) if number % 2 else (40, 30)  # larger than --image-size, or smaller
            body = _jpeg(size, ("red", "green", "blue", "white")[number % 4])
            path = f"/pd12m/{number}.jpg"
            if number != 5:  # a dead link
                ImageHost.files[path] = body
            md5 = hashlib.md5(body if number != 9 else b"other").hexdigest()  # row 9: the file is not the one listed
            rows.append(
                {
                    "id": f"id-{number}",
                    "url": f"http://127.0.0.1:{port}{path}",
                    "caption": f"A photograph number {number}.",
                    "width": size[0],
                    "height": size[1],
                    "mime_type": "image/jpeg",
                    "hash": md5,
                    "license": "https://creativecommons.org/publicdomain/zero/1.0/",
                    "source": "example",
                }
            )
        pq.write_table(pa.Table.from_pylist(rows), metadata / f"pd12m.{part:02d}.parquet")
    yield metadata
    server.shutdown()


def _run(metadata: Path, output: Path, size: int) -> dict:
    command = [sys.executable, "-m", "train.pd12m", "--output", str(output), "--metadata", str(metadata)]
    command += ["--size", str(size), "--image-size", "64", "--processes", "1", "--threads", "4", "--retries", "0"]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, timeout=300)
    return json.loads((output / "summary.json").read_text())


def test_all_rows_download_except_the_dead_and_the_corrupt_and_train_as_captions(pd12m, tmp_path):
    summary = _run(pd12m, tmp_path / "out", size=16)
    assert summary["samples"] == 16 and summary["downloaded"] == 14 and summary["failed"] == 2
    entry = {
        "category": "Captioning",
        "name": "PD12M",
        "size": 14,
        "weight": 1.0,
        "source": {
            "path": "parquet",
            "data_files": {"train": str(tmp_path / "out/shards/*.parquet")},
            "format": "caption",
        },
    }
    (tmp_path / "mix.yaml").write_text(yaml.safe_dump({"stage1": [entry]}))
    rows = load_mix("stage1", mix_file=tmp_path / "mix.yaml")
    assert len(rows) == 14
    captions = sorted(row["messages"][1]["content"] for row in rows)
    assert "A photograph number 5." not in captions and "A photograph number 9." not in captions
    for row in rows:
        number = int(row["messages"][1]["content"].split()[-1].rstrip("."))
        (image,) = row["images"]
        assert image.size == ((64, 32) if number % 2 else (40, 30))  # large ones scaled down, small ones kept


def test_the_draw_is_uniform_fixed_and_a_rerun_fetches_nothing_again(pd12m, tmp_path):
    _run(pd12m, tmp_path / "out", size=6)
    drawn = pq.read_table(tmp_path / "out" / "urls.parquet").column("id").to_pylist()
    assert len(set(drawn)) == 6
    assert {int(name.split("-")[1]) // 8 for name in drawn} == {0, 1}  # from both files, not the first rows only
    fetched = len(ImageHost.requests)
    _run(pd12m, tmp_path / "out", size=6)
    assert pq.read_table(tmp_path / "out" / "urls.parquet").column("id").to_pylist() == drawn
    assert len(ImageHost.requests) == fetched  # img2dataset's incremental mode skipped the finished shard


def test_a_folder_without_metadata_is_named(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "train.pd12m", "--output", str(tmp_path / "out"), "--metadata", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and f"No parquet file in {tmp_path}" in result.stderr


def test_before_the_download_the_stage1_entry_names_the_command_that_makes_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the mix's relative outputs/pd12m/shards do not exist here
    with pytest.raises(FileNotFoundError, match=r"outputs/pd12m/shards/\*.parquet.*python -m train.pd12m"):
        load_mix("stage1")
    assert compass("stage1").splitlines()[1].split() == ["Captioning", "100.0%", "0.0%", "100.0%"]
