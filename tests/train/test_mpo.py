"""train/mpo.py on an MMPR folder laid out as the unzipped OpenGVLab/MMPR-v1.2 (meta.json + JSON-lines annotations
of `image`, `question`, `chosen`, `rejected`): only openly licensed subsets are drawn, and the result trains."""

import json
from collections import Counter

import pytest
import yaml
from PIL import Image

from train.data import load_mix
from train.mpo import LICENSE_TABLE, licence_of, prepare


SUBSETS = {  # name in meta.json -> pairs
    "clevr_math_en_20240402_extracted_pairs": 6,
    "textvqa_en_20240611_extracted_pairs": 4,
    "scienceqa_multi_choice_en_20240402_extracted_pairs": 5,
    "m3cot_en_20240402_extracted_pairs": 3,
}


@pytest.fixture
def mmpr(tmp_path):
    root = tmp_path / "MMPR-v1.2"
    meta = {}
    for name, pairs in SUBSETS.items():
        (root / "images" / name).mkdir(parents=True)
        (root / "annotations").mkdir(exist_ok=True)
        lines = []
        for index in range(pairs):
            image = f"{index}.jpg"
            Image.new("RGB", (16 + index, 12), "red").save(root / "images" / name / image)
            lines.append(
                {
                    "image": image if index % 2 else [image, image],  # MMPR holds single and multi-image pairs
                    "question": f"<image>\n{name} question {index}?",
                    "chosen": f"right {index}",
                    "rejected": f"wrong {index}",
                }
            )
        (root / "annotations" / f"{name}.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
        meta[name] = {
            "root": f"images/{name}",
            "annotation": f"annotations/{name}.jsonl",
            "data_augment": False,
            "repeat_time": 1,
            "length": pairs,
        }
    (root / "meta.json").write_text(json.dumps(meta))
    return root


def _pairs(output):
    return [json.loads(line) for line in (output / "pairs.jsonl").read_text().splitlines()]


def test_only_open_subsets_are_drawn_and_the_report_says_why(mmpr, tmp_path):
    report = prepare(mmpr, tmp_path / "out", size=8, seed=1)
    verdicts = {subset["name"].split("_en_")[0]: (subset["license"], subset["kept"]) for subset in report["subsets"]}
    assert verdicts == {
        "clevr_math": ("cc-by-4.0", True),
        "textvqa": ("cc-by-4.0", True),
        "scienceqa_multi_choice": ("cc-by-nc-sa-4.0", False),
        "m3cot": ("unknown", False),  # no table entry: excluded until a reviewer records its licence
    }
    pairs = _pairs(tmp_path / "out")
    assert len(pairs) == report["size"] == 8
    sources = Counter(pair["prompt"][0]["content"].split(" question")[0].split("_en_")[0] for pair in pairs)
    assert set(sources) <= {"clevr_math", "textvqa"}
    assert sum(subset["pairs"] for subset in report["subsets"]) == 8
    assert all("<image>" not in pair["prompt"][0]["content"] for pair in pairs)


def test_the_draw_is_fixed_by_its_seed_and_takes_all_when_asked_for_more(mmpr, tmp_path, caplog):
    for folder, seed in (("a", 3), ("b", 3), ("c", 4)):
        prepare(mmpr, tmp_path / folder, 5, seed=seed)
    assert _pairs(tmp_path / "a") == _pairs(tmp_path / "b") != _pairs(tmp_path / "c")
    with caplog.at_level("WARNING"):
        report = prepare(mmpr, tmp_path / "all", 1000)
    assert report["size"] == 10 and "taking all of them" in caplog.text


def test_pairs_train_as_a_stage3_entry(mmpr, tmp_path):
    prepare(mmpr, tmp_path / "out", size=10)
    entry = {
        "category": "Preference",
        "name": "MPO",
        "size": 10,
        "weight": 1.0,
        "source": {
            "path": "json",
            "data_files": {"train": str(tmp_path / "out" / "pairs.jsonl")},
            "format": "messages",
            "image_root": str(mmpr),
        },
    }
    (tmp_path / "mix.yaml").write_text(yaml.safe_dump({"mpo": [entry]}))
    rows = load_mix("mpo", mix_file=tmp_path / "mix.yaml")
    assert set(rows.column_names) == {"prompt", "chosen", "rejected", "images"}
    sizes = sorted(len(row["images"]) for row in rows)
    assert sizes[0] >= 1 and sizes[-1] == 2
    assert all(image.size[1] == 12 for row in rows for image in row["images"])  # the files themselves, opened


def test_a_name_that_fits_a_restrictive_and_an_open_entry_is_excluded():
    table = yaml.safe_load(LICENSE_TABLE.read_text())
    assert licence_of("vqav2_docvqa_mixed_pairs", table)[1] == "research-only"
    assert licence_of("VQAv2_en_pairs", table) == ("VQAv2", "cc-by-4.0")
    assert licence_of("nothing_known", table) == (None, "unknown")


def test_a_missing_folder_or_annotation_is_named(tmp_path, mmpr):
    with pytest.raises(FileNotFoundError, match="meta.json not found: unzip"):
        prepare(tmp_path / "nowhere", tmp_path / "out", 5)
    (mmpr / "annotations" / "textvqa_en_20240611_extracted_pairs.jsonl").unlink()
    with pytest.raises(FileNotFoundError, match="textvqa_en_20240611_extracted_pairs.*missing"):
        prepare(mmpr, tmp_path / "out", 5)
