"""python -m train.release_data against a Hub on loopback (HF_ENDPOINT): what it sends for each prepared pt-PT set and
the mix manifest, the cards' sizes and licences, and the refusals (a licence that is not open, a secret) that send
nothing. Real HTTP through huggingface_hub; nothing leaves the machine."""

import base64
import io
import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from huggingface_hub import DatasetCard
from prepared_mix import write_fixture_mix

from tests.test_release_push import hub_env
from train.prepare_mix import main as prepare_mix


RELEASE = [sys.executable, "-m", "train.release_data"]
REPO = Path(__file__).resolve().parents[2]


class FakeHub(BaseHTTPRequestHandler):
    """The calls of a dataset push (create the repository, validate its card's YAML header, ask how each file
    uploads, commit them inline), each recorded with its body; the files of every commit are kept as {repo: {path:
    bytes}}. Anything else is answered 404, as the Hub answers what it does not know."""

    requests: list[tuple[str, str, bytes]] = []
    commits: dict[str, dict[str, bytes]] = {}

    def _answer(self, status: int, body: dict):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    @property
    def _endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        FakeHub.requests.append((self.command, self.path, body))
        if self.path == "/api/repos/create":
            request = json.loads(body)
            return self._answer(200, {"url": f"{self._endpoint}/datasets/{request['organization']}/{request['name']}"})
        if self.path == "/api/validate-yaml":  # the card's header, which upload_folder has the Hub check first
            content = json.loads(body)["content"]
            try:
                yaml.safe_load(content.split("---")[1])
            except yaml.YAMLError as error:
                return self._answer(400, {"error": str(error)})
            return self._answer(200, {"warnings": []})
        if "/preupload/" in self.path:
            files = [
                {"path": file["path"], "uploadMode": "regular", "shouldIgnore": False}
                for file in json.loads(body)["files"]
            ]
            return self._answer(200, {"files": files})
        if "/commit/" in self.path:
            repo = self.path.split("/api/datasets/")[1].split("/commit/")[0]
            lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
            FakeHub.commits[repo] = {
                line["value"]["path"]: base64.b64decode(line["value"]["content"])
                for line in lines
                if line["key"] == "file"
            }
            return self._answer(200, {"commitUrl": f"{self._endpoint}/datasets/{repo}/commit/1", "commitOid": "1" * 40})
        return self._answer(404, {"error": f"not faked: {self.path}"})

    def do_GET(self):
        FakeHub.requests.append((self.command, self.path, b""))
        self._answer(404, {"error": f"not faked: {self.path}"})

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_hub():
    FakeHub.requests, FakeHub.commits = [], {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    mix_file = write_fixture_mix(tmp_path_factory.mktemp("sources"))
    output = tmp_path_factory.mktemp("prepared")
    prepare_mix(["--stage", "2", "--output", str(output), "--mix", str(mix_file), "--skip-unavailable-sources"])
    return output


def release(prepared: Path, endpoint: str, tmp_path: Path, *extra: str, env: dict | None = None):
    command = [*RELEASE, str(prepared), "--repo-prefix", "me/amalia-vl-", *extra]
    environment = {**hub_env(tmp_path, endpoint), **(env or {})}
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, env=environment)


def test_our_own_set_without_a_licence_is_refused_with_no_request(prepared, fake_hub, tmp_path):
    result = release(prepared, fake_hub, tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Not publishing anything: PT-OCR (licence 'to be decided'): our own set" in result.stderr
    assert "--own-sets-license" in result.stderr and "Traceback" not in result.stderr
    assert FakeHub.requests == []


def test_a_set_whose_licence_is_not_open_is_refused_with_no_request(prepared, fake_hub, tmp_path):
    # The translated set as if its original's card said non-commercial, or said nothing.
    for license in ("cc-by-nc-4.0", "unknown"):
        copy = tmp_path / license
        mix, entries = yaml.safe_load((prepared / "mix.yaml").read_text()).popitem()
        for entry in entries:
            entry["license"] = license if entry["name"] == "VQAv2 pt" else entry["license"]
        copy.mkdir()
        (copy / "mix.yaml").write_text(yaml.safe_dump({mix: entries}))
        result = release(copy, fake_hub, tmp_path, "--own-sets-license", "apache-2.0")
        assert result.returncode == 1, result.stderr[-3000:]
        assert f"VQAv2 pt (licence '{license}'): not a licence that lets anyone redistribute it" in result.stderr
        assert FakeHub.requests == []


def test_a_secret_in_a_set_is_refused_with_no_request(prepared, fake_hub, tmp_path):
    # datagen's check: the value of a secret-looking variable appears in a row (here an answer of PT-OCR).
    answer = pq.read_table(next((prepared / "pt-ocr").glob("train-*.parquet"))).to_pylist()[0]["messages"][1]
    secret = answer["content"]
    result = release(prepared, fake_hub, tmp_path, "--own-sets-license", "apache-2.0", env={"MY_API_KEY": secret})
    assert result.returncode == 1, result.stderr[-3000:]
    assert "the value of $MY_API_KEY appears in row" in result.stderr and secret not in result.stderr
    assert FakeHub.requests == []


def test_each_pt_set_and_the_manifest_are_pushed_with_their_cards(prepared, fake_hub, tmp_path):
    result = release(prepared, fake_hub, tmp_path, "--own-sets-license", "apache-2.0", "--private")
    assert result.returncode == 0, result.stderr[-3000:]
    created = [json.loads(body) for method, path, body in FakeHub.requests if path == "/api/repos/create"]
    assert [
        (request["organization"], request["name"], request["type"], request.get("visibility")) for request in created
    ] == [
        ("me", "amalia-vl-pt-ocr", "dataset", "private"),
        ("me", "amalia-vl-vqav2-pt", "dataset", "private"),
        ("me", "amalia-vl-stage2-mix", "dataset", "private"),
    ]  # the English originals are not published again
    posts = [
        path.split("/")[-2] if "/api/datasets/" in path else path
        for method, path, _ in FakeHub.requests
        if method == "POST"
    ]
    assert posts == ["/api/repos/create", "/api/validate-yaml", "preupload", "commit"] * 3
    for name, rows, license in (("pt-ocr", 25, "apache-2.0"), ("vqav2-pt", 150, "cc-by-4.0")):
        files = FakeHub.commits[f"me/amalia-vl-{name}"]
        shards = sorted(path for path in files if path.endswith(".parquet"))
        assert set(files) == {"README.md", *shards}  # not progress.json
        # The shards sent are the prepared ones, byte for byte.
        assert all(files[path] == (prepared / name / path).read_bytes() for path in shards)
        assert sum(pq.read_table(io.BytesIO(files[path])).num_rows for path in shards) == rows
        card = DatasetCard(files["README.md"].decode())
        assert card.data.license == license and card.data.language == ["pt"]
        assert card.data.configs == [
            {"config_name": "default", "data_files": [{"split": "train", "path": "train-*.parquet"}]}
        ]
        assert f"| {rows:,} | 1 |" in card.text  # rows, shards
        assert "## Provenance and filtering" in card.text and "decontamination: none" in card.text
    pt_ocr = DatasetCard(FakeHub.commits["me/amalia-vl-pt-ocr"]["README.md"].decode()).text
    assert "`apache-2.0` (given by its owner at release)" in pt_ocr and "rows taken: all its 25 rows" in pt_ocr
    assert "| 25 | 1 | 250 | 0.192308 | 19.2% | 20.8% | 100.0% |" in pt_ocr
    vqav2 = DatasetCard(FakeHub.commits["me/amalia-vl-vqav2-pt"]["README.md"].decode())
    assert vqav2.data.source_datasets == ["HuggingFaceM4/the_cauldron vqav2"]
    assert "rows taken: the first 150 rows of the stream" in vqav2.text
    # The manifest: pt-PT sets read from their repositories, English ones from their own sources.
    manifest = FakeHub.commits["me/amalia-vl-stage2-mix"]
    entries = {entry["name"]: entry for entry in yaml.safe_load(manifest["mix.yaml"])["stage2"]}
    assert entries["PT-OCR"]["source"] == {"path": "me/amalia-vl-pt-ocr", "split": "train", "format": "messages"}
    assert entries["Cauldron VQA"]["source"]["format"] == "cauldron"
    readme = manifest["README.md"].decode()
    assert "| PT-OCR | OCR QA | 25 | 250 | apache-2.0 | [me/amalia-vl-pt-ocr]" in readme
    assert re.search(r"OCR QA\s+19\.2%\s+20\.8%\s+25 / 250", readme)  # the shares prepare_mix printed
