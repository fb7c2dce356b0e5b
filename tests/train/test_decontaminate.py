"""Decontamination against the benchmarks (train/decontaminate.py) on hand-made overlaps: near-duplicate images and
copied questions caught, unrelated ones not, exact counts per source and benchmark, the drop, the saved index, and
the index of the fixture benchmarks read through the evaluation tasks."""

import io
import json

import numpy as np
import pytest
from datasets import Dataset, DatasetDict, Features, Image, List, Value
from PIL import Image as PILImage

from evaluation import fixtures
from train.decontaminate import BenchmarkIndex, decontaminate, find_overlaps, image_hash, main, ngrams


TEXTVQA_QUESTIONS = [
    "Qual é o nome da loja que aparece no letreiro por cima da porta?",
    "Que número está pintado na camisola do jogador da esquerda?",
    "Em que ano foi publicado o livro que está em cima da mesa?",
]
AI2D_QUESTIONS = [
    "Que fase do ciclo da água está representada pela seta que sobe do oceano?",
    "Qual destes organismos ocupa o topo da cadeia alimentar mostrada no diagrama?",
    "Em que camada da Terra se encontra o magma que alimenta o vulcão?",
    "Que parte da planta absorve a água e os nutrientes do solo?",
]
MESSAGES = List({"role": Value("string"), "content": Value("string")})


def photo(seed: int, size=(160, 120)) -> PILImage.Image:
    """A photograph-like image: random detail at four scales, coarse to fine, and a little noise."""
    rng = np.random.default_rng(seed)
    pixels = np.zeros((size[1], size[0], 3))
    for (height, width), weight in zip([(2, 3), (4, 5), (8, 10), (16, 20)], [1.0, 0.7, 0.5, 0.3]):
        grid = PILImage.fromarray((rng.random((height, width, 3)) * 255).astype(np.uint8))
        pixels += weight * (np.asarray(grid.resize(size, PILImage.BICUBIC), dtype=float) - 128)
    pixels = pixels / 2.5 * 1.5 + 128 + rng.normal(0, 6, pixels.shape)
    return PILImage.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def resized(image):
    return image.resize((image.width // 2, image.height // 2))


def as_jpeg(image):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=50)
    return PILImage.open(io.BytesIO(buffer.getvalue()))


def cropped(image, share=0.03):
    dx, dy = int(image.width * share), int(image.height * share)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


@pytest.fixture(scope="module")
def benchmark_folder(tmp_path_factory):
    """TextVQA-PT and AI2D-PT in their real schemas (evaluation/fixtures.py), with distinct photos and questions."""
    folder = tmp_path_factory.mktemp("benchmarks")
    for name, split, images, questions in (
        ("TextVQA-PT", "validation", range(0, 3), TEXTVQA_QUESTIONS),
        ("AI2D-PT", "test", range(10, 14), AI2D_QUESTIONS),
    ):
        rows = fixtures.FIXTURES[name]()[split]
        rows = rows.map(
            lambda row, i, images, questions: {"image": photo(images[i]), "question": questions[i]},
            with_indices=True,
            fn_kwargs={"images": list(images), "questions": questions},
            features=rows.features,
        )
        DatasetDict({split: rows}).save_to_disk(str(folder / name))
    return folder


@pytest.fixture(scope="module")
def index(benchmark_folder):
    return BenchmarkIndex.from_benchmarks(benchmark_folder, ["textvqa_pt", "ai2d_pt"])


def row(images=(), question="Descreve esta imagem.") -> dict:
    return {
        "images": list(images),
        "messages": [{"role": "user", "content": question}, {"role": "assistant", "content": "Uma resposta."}],
    }


def test_the_index_reads_each_benchmark_through_its_task(index):
    assert index.summary() == {
        "textvqa_pt": {"documents": 3, "images": 3, "questions": 3},
        "ai2d_pt": {"documents": 4, "images": 4, "questions": 4},
    }
    # AI2D's question is what its task asks: the question and its lettered options, without the answer prompt.
    assert index.state["question_text"][3].splitlines() == [
        AI2D_QUESTIONS[0],
        "A. raiz",
        "B. caule",
        "C. folha",
        "D. flor",
    ]


@pytest.mark.parametrize(
    "change", [resized, as_jpeg, cropped, lambda image: image], ids=["resized", "jpeg", "crop", "same"]
)
def test_a_benchmark_image_changed_slightly_is_caught(index, change):
    for seed, benchmark, document in [(1, "textvqa_pt", 1), (12, "ai2d_pt", 2)]:
        matches = index.image_matches(image_hash(change(photo(seed))))
        assert list(matches) == [benchmark]
        assert matches[benchmark]["document"] == document
        assert matches[benchmark]["distance"] <= index.settings["max_distance"]


def test_different_images_are_not_caught(index):
    caught = [seed for seed in range(100, 160) if index.image_matches(image_hash(photo(seed)))]
    assert caught == []


def test_images_as_bytes_or_paths_hash_as_the_image(tmp_path):
    image = photo(5)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    image.save(tmp_path / "a.png")
    assert image_hash({"bytes": buffer.getvalue(), "path": None}) == image_hash(str(tmp_path / "a.png"))
    assert image_hash({"bytes": None, "path": str(tmp_path / "a.png")}) == image_hash(image)


def test_a_copied_question_is_caught_with_other_case_punctuation_and_accents(index):
    copy = "QUAL E O NOME DA LOJA, que aparece no letreiro... por cima da porta"
    assert ngrams(copy) == ngrams(TEXTVQA_QUESTIONS[0])
    matches = index.question_matches(f"<image>\n{copy}\nResponde com uma palavra.")
    assert list(matches) == ["textvqa_pt"] and matches["textvqa_pt"]["document"] == 0
    # A multiple-choice question copied without its options (the benchmark's item holds it whole).
    assert list(index.question_matches(AI2D_QUESTIONS[2].lower())) == ["ai2d_pt"]


def test_unrelated_questions_sharing_common_words_are_not_caught(index):
    for text in [
        "Qual é o nome do cão que aparece na fotografia?",
        "Que número está escrito no autocarro?",
        "Em que ano foi tirada esta fotografia da mesa?",
        "Qual é o nome da loja?",  # part of a benchmark question, but too short to tell a copy from a coincidence
    ]:
        assert index.question_matches(text) == {}, text


def test_template_and_short_questions_are_not_indexed():
    items = [("pope_pt", i, [], "Há um gato na imagem?") for i in range(3)]  # 5 words
    items += [("ocrbench_pt", i, [], "Que texto está escrito nesta imagem da rua?") for i in range(5)]  # a template
    items += [("ocrbench_pt", 9, [], "Que marca de cerveja aparece no cartaz à esquerda da porta?")]
    index = BenchmarkIndex.from_items(items)
    assert index.summary()["pope_pt"]["questions"] == 0
    assert index.summary()["ocrbench_pt"]["questions"] == 1
    assert index.question_matches("Que texto está escrito nesta imagem da rua?") == {}


def training_rows() -> list[dict]:
    """Eight rows, each with what it overlaps: the counts below follow from these."""
    return [
        row([photo(200)]),  # 0 clean
        row([resized(photo(0))]),  # 1 image of TextVQA 0
        row([as_jpeg(photo(2))], "Quantas pessoas estão na fotografia?"),  # 2 image of TextVQA 2
        row([photo(201)], TEXTVQA_QUESTIONS[1].upper()),  # 3 question of TextVQA 1
        row([cropped(photo(13))], AI2D_QUESTIONS[3]),  # 4 image and question of AI2D 3
        row([photo(1), photo(11)]),  # 5 images of TextVQA 1 and AI2D 1
        row([], "Qual é o nome do cão que aparece na fotografia?"),  # 6 clean, text only
        row([photo(202), photo(203)], "Olá"),  # 7 clean
    ]


EXPECTED_PAIRS = {
    "textvqa_pt": {"image_rows": 3, "question_rows": 1, "rows": 4},
    "ai2d_pt": {"image_rows": 2, "question_rows": 1, "rows": 2},
}


def test_the_report_counts_each_source_and_benchmark_exactly(index):
    report = find_overlaps(training_rows(), index, "mine")
    other = find_overlaps([row([photo(12)])], index, "other")
    report.merge(other)
    assert report.checked == {"mine": 8, "other": 1}
    assert report.flagged == {"mine": 5, "other": 1}
    counts = {
        name: {key: value for key, value in pair.items() if key != "examples"}
        for name, pair in report.pairs["mine"].items()
    }
    assert counts == EXPECTED_PAIRS
    assert report.pairs["other"]["ai2d_pt"]["image_rows"] == 1
    question = next(e for e in report.pairs["mine"]["textvqa_pt"]["examples"] if e["kind"] == "question")
    assert (question["row"], question["document"], question["overlap"]) == (3, 1, 1.0)
    assert [e["row"] for e in report.pairs["mine"]["textvqa_pt"]["examples"] if e["kind"] == "image"] == [1, 2, 5]
    table = report.table()
    assert "textvqa_pt" in table and "(any)" in table
    assert json.loads(json.dumps(report.to_dict()))["sources"]["mine"]["flagged"] == 5


def _as_dataset(rows: list[dict]) -> Dataset:
    rows = [{**item, "id": i} for i, item in enumerate(rows)]
    return Dataset.from_list(
        rows, features=Features({"messages": MESSAGES, "images": List(Image()), "id": Value("int64")})
    )


@pytest.mark.parametrize("num_proc", [None, 2])
def test_the_drop_removes_exactly_the_overlapping_rows(index, num_proc):
    dataset = _as_dataset(training_rows())
    clean, report = decontaminate(dataset, index, "mine", num_proc=num_proc)
    assert clean["id"] == [0, 6, 7]
    assert clean.column_names == dataset.column_names
    assert clean[2]["messages"][0]["content"] == "Olá" and len(clean[2]["images"]) == 2
    assert report.to_dict() == find_overlaps(training_rows(), index, "mine").to_dict()
    kept, _ = decontaminate(dataset, index, "mine", drop=False)
    assert len(kept) == 8


def test_decontaminate_refuses_a_stream(index):
    with pytest.raises(TypeError, match="map-style"):
        decontaminate(_as_dataset(training_rows()).to_iterable_dataset(), index, "mine")


def test_the_index_saves_and_loads(index, tmp_path):
    index.save(tmp_path / "index.pkl")
    loaded = BenchmarkIndex.load(tmp_path / "index.pkl")
    assert loaded.summary() == index.summary() and loaded.settings == index.settings
    rows = training_rows()
    assert [loaded.match(item) for item in rows] == [index.match(item) for item in rows]
    (tmp_path / "bad.pkl").write_bytes(b"\x80\x05N.")  # a pickled None
    with pytest.raises(ValueError, match="not a benchmark index"):
        BenchmarkIndex.load(tmp_path / "bad.pkl")


def test_the_cli_indexes_and_reports_a_prepared_folder(benchmark_folder, tmp_path, capsys):
    main(["index", "--benchmarks", str(benchmark_folder), "--output", str(tmp_path / "index.pkl"),
          "--tasks", "textvqa_pt,ai2d_pt"])  # fmt: skip
    _as_dataset(training_rows()).save_to_disk(str(tmp_path / "PT-Mine"))
    main(["report", "--index", str(tmp_path / "index.pkl"), "--data", str(tmp_path / "PT-Mine"),
          "--output", str(tmp_path / "report.json")])  # fmt: skip
    printed = capsys.readouterr().out
    assert "PT-Mine  textvqa_pt" in printed
    saved = json.loads((tmp_path / "report.json").read_text())["sources"]["PT-Mine"]
    assert (saved["checked"], saved["flagged"]) == (8, 5)
    assert {name: pair["rows"] for name, pair in saved["benchmarks"].items()} == {"textvqa_pt": 4, "ai2d_pt": 2}


def test_a_missing_benchmark_folder_says_how_to_fetch_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="evaluation.fetch_data"):
        BenchmarkIndex.from_benchmarks(tmp_path, ["textvqa_pt"])


def test_the_index_of_the_fixture_benchmarks(tmp_path):
    """All 18 Table 3 tasks read from evaluation/fixtures.py's folder: every document's images and question."""
    folder = fixtures.write_fixtures(tmp_path, [name for name in fixtures.FIXTURES if "/" not in name])
    summary = BenchmarkIndex.from_benchmarks(folder).summary()
    documents = {
        "mme_pt": 6, "mmmu_pt": 3, "mmstar_pt": 3, "mmmu_pro_pt": 3, "seedbench_pt": 3, "pope_pt": 4,
        "realworldqa_pt": 2, "ocrbench_pt": 3, "textvqa_pt": 3, "docvqa_pt": 3, "infovqa_pt": 3, "ai2d_pt": 4,
        "chartqa_pt": 3, "embspatial_pt": 3, "refcoco_bbox_rec_pt": 4, "coco2017_cap_pt": 3, "refcoco_bbox_pt": 3,
        "mathvision_pt": 2,
    }  # fmt: skip
    assert {name: counts["documents"] for name, counts in summary.items()} == documents
    # One image a document in every fixture (SEED's list holds one; RefCOCO REC has a document per expression).
    assert {name: counts["images"] for name, counts in summary.items()} == documents
    # MMMU's questions differ only in a number, but each is long enough and asked once; MME's, POPE's and
    # DocVQA's are short or asked of every image.
    assert summary["mmmu_pt"]["questions"] == 3
    assert summary["pope_pt"]["questions"] == summary["docvqa_pt"]["questions"] == 0
    index = BenchmarkIndex.from_benchmarks(folder, ["mmmu_pt"])
    assert index.question_matches("Qual é a resposta à pergunta 2?")["mmmu_pt"]["document"] == 2


def test_the_cli_reports_a_mix(index, tmp_path, sample_mix_file, capsys):
    """`report --stage` reads the entries of a mix through train/data.py; the sample set overlaps nothing."""
    index.save(tmp_path / "index.pkl")
    for extra in ([], ["--num_proc", "2"]):
        main(["report", "--index", str(tmp_path / "index.pkl"), "--stage", "sample_sft", "--mix", str(sample_mix_file),
              "--limit", "10", "--output", str(tmp_path / "report.json"), *extra])  # fmt: skip
        saved = json.loads((tmp_path / "report.json").read_text())["sources"]
        assert saved == {
            "amalia-vl pt-PT sample (SFT)": {"checked": 10, "flagged": 0, "unreadable_images": 0, "benchmarks": {}}
        }
    assert "amalia-vl pt-PT sample (SFT)  (any)" in capsys.readouterr().out
