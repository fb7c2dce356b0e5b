"""A fixture mix of four local sources in their real formats, for train/prepare_mix.py and train/release_data.py.

    Cauldron VQA  the_cauldron's `images` + `texts` [{user, assistant}], save_to_disk, 600 rows, size 500 (drawn)
    Nemotron OCR  Nemotron v1's llava JSONL naming image files under `image_root`, streamed, 20 rows, size 300
    PT-OCR        datagen's output (typed content items, a `task` column), save_to_disk, 25 rows, size 250
    VQAv2 pt      a translated set in TRL's format, JSONL, streamed, 400 rows, size 150 (the first 150)
    PT-Missing    no source yet

Every answer starts with its entry's tag ("[cauldron 17]"), so a drawn row says where it came from.
"""

import json
from pathlib import Path

import datasets
import yaml
from PIL import Image


TAGS = {"Cauldron VQA": "cauldron", "Nemotron OCR": "nemotron", "PT-OCR": "ptocr", "VQAv2 pt": "vqav2pt"}
SIZES = {"Cauldron VQA": 500, "Nemotron OCR": 300, "PT-OCR": 250, "VQAv2 pt": 150, "PT-Missing": 100}
ROWS = {"Cauldron VQA": 600, "Nemotron OCR": 20, "PT-OCR": 25, "VQAv2 pt": 400}


def _image(index: int, colour: str = "red") -> Image.Image:
    return Image.new("RGB", (8 + index % 5, 6), colour)


def _cauldron(root: Path) -> dict:
    features = datasets.Features(
        {
            "images": datasets.List(datasets.Image()),
            "texts": datasets.List(
                {
                    "user": datasets.Value("string"),
                    "assistant": datasets.Value("string"),
                    "source": datasets.Value("string"),
                }
            ),
        }
    )
    rows = {
        "images": [[_image(index)] for index in range(ROWS["Cauldron VQA"])],
        "texts": [
            [{"user": "What colour is it?", "assistant": f"[cauldron {index}] Red.", "source": "VQAv2"}]
            for index in range(ROWS["Cauldron VQA"])
        ],
    }
    datasets.Dataset.from_dict(rows, features=features).save_to_disk(root / "cauldron")
    return {"path": str(root / "cauldron"), "split": "train", "format": "cauldron"}


def _nemotron(root: Path) -> dict:
    images = root / "ocr_1_images"
    images.mkdir()
    with open(root / "ocr_1.jsonl", "w") as file:
        for index in range(ROWS["Nemotron OCR"]):
            _image(index, "white").save(images / f"page_{index}.png")
            turns = [
                {"from": "human", "value": "<image>\nTranscribe the text."},
                {"from": "gpt", "value": f"[nemotron {index}] Hello."},
            ]
            row = {
                "id": f"ocr_1_{index}",
                "image": f"page_{index}.png",
                "conversations": turns,
                "metadata": {"pdf": "", "page_number": 0, "url": ""},
            }
            file.write(json.dumps(row) + "\n")
    return {
        "path": "json",
        "data_files": {"ocr_1": str(root / "ocr_1.jsonl")},
        "split": "ocr_1",
        "streaming": True,
        "format": "llava",
        "image_root": str(images),
    }


def _pt_ocr(root: Path) -> dict:
    from datagen.writing.messages import FEATURES, make_row

    rows = [
        make_row([_image(index, "blue")], [("Que texto está escrito?", f"[ptocr {index}] Olá.")], "pt_ocr/word")
        for index in range(ROWS["PT-OCR"])
    ]
    datasets.Dataset.from_list(rows, features=FEATURES).save_to_disk(root / "pt_ocr")
    return {"path": str(root / "pt_ocr"), "split": "train", "format": "messages"}


def _vqav2_pt(root: Path) -> dict:
    _image(0, "green").save(root / "green.png")
    with open(root / "vqav2_pt.jsonl", "w") as file:
        for index in range(ROWS["VQAv2 pt"]):
            messages = [
                {"role": "user", "content": "De que cor é?"},
                {"role": "assistant", "content": f"[vqav2pt {index}] Verde."},
            ]
            file.write(json.dumps({"messages": messages, "images": ["green.png"]}) + "\n")
    return {
        "path": "json",
        "data_files": {"train": str(root / "vqav2_pt.jsonl")},
        "split": "train",
        "streaming": True,
        "format": "messages",
        "image_root": str(root),
        "translated_from": "HuggingFaceM4/the_cauldron vqav2",
    }


def write_fixture_mix(root: Path) -> Path:
    """The sources under `root` and `root/data_mix.yaml`, whose mix `stage2` holds them (weights: size / total)."""
    root.mkdir(parents=True, exist_ok=True)
    entries = [
        ("General VQA", "Cauldron VQA", "en", "unknown", _cauldron(root)),
        ("Naive OCR", "Nemotron OCR", "en", "cc-by-4.0", _nemotron(root)),
        ("OCR QA", "PT-OCR", "pt-PT", "to be decided", _pt_ocr(root)),
        ("General VQA", "VQAv2 pt", "pt-PT", "cc-by-4.0", _vqav2_pt(root)),
        ("Text IF", "PT-Missing", "pt-PT", "cc-by-4.0", None),
    ]
    total = sum(SIZES.values())
    mix = [
        {
            "category": category,
            "name": name,
            "language": language,
            "size": SIZES[name],
            "weight": SIZES[name] / total,
            "license": license,
            "source": source,
        }
        for category, name, language, license, source in entries
    ]
    path = root / "data_mix.yaml"
    path.write_text(yaml.safe_dump({"stage2": mix}, sort_keys=False))
    return path


def tag_of(row: dict) -> str:
    """The entry tag of a converted row ("cauldron"), from its assistant answer."""
    answer = next(message["content"] for message in row["messages"] if message["role"] == "assistant")
    return answer[1:].split(" ")[0]
