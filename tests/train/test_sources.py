"""The public sources of the training mixes: each converter on a few rows written in its source's real schema, the
licence selection (--licenses) and the compass of a mix. Offline: the rows are written here, not read from the Hub."""

import json
import logging
from pathlib import Path

import datasets
import pytest
import yaml
from PIL import Image

from train.data import CONVERTERS, PATH_FORMATS, compass, load_mix, read_mix, usable_entries
from train.licenses import OPEN_LICENSES, accepted_licenses


def _mix_file(tmp_path, mixes: dict):
    path = tmp_path / "mix.yaml"
    path.write_text(yaml.safe_dump(mixes))
    return path


def _entry(name, source, category="a", weight=1.0, size=2, license="cc-by-4.0"):
    return {"category": category, "name": name, "size": size, "weight": weight, "license": license, "source": source}


@pytest.mark.parametrize("streaming", [False, True])
def test_finevision_rows_become_trl_messages(tmp_path, streaming):
    # HuggingFaceM4/FineVision's features, as re-published with its configs by moondream/FineVisionShuffle
    # (README of commit a9ef5a4, config a_okvqa): images, texts [{user, assistant}], source and four turn ratings.
    features = datasets.Features(
        {
            "images": datasets.List(datasets.Image()),
            "texts": datasets.List({"user": datasets.Value("string"), "assistant": datasets.Value("string")}),
            "source": datasets.Value("string"),
            **{
                f"{rating}_{kind}": datasets.List(datasets.Value("int64"))
                if kind == "ratings"
                else datasets.Value("int64")
                for rating in ("image_correspondence", "visual_dependency", "relevance", "formatting")
                for kind in ("ratings", "min")
            },
        }
    )
    ratings = {
        f"{rating}_{kind}": [[5, 4]] if kind == "ratings" else [4]
        for rating in ("image_correspondence", "visual_dependency", "relevance", "formatting")
        for kind in ("ratings", "min")
    }
    rows = datasets.Dataset.from_dict(
        {
            "images": [[Image.new("RGB", (32, 24), "green")]],
            "texts": [
                [
                    {"user": "What colour is the picture?", "assistant": "Green."},
                    {"user": "Is it square?", "assistant": "No, it is wider than it is tall."},
                ]
            ],
            "source": ["mmevol"],
            **ratings,
        },
        features=features,
    )
    rows.save_to_disk(tmp_path / "finevision")
    mix = _mix_file(
        tmp_path, {"fv": [_entry("MMEvol", {"path": str(tmp_path / "finevision"), "format": "finevision"})]}
    )
    (row,) = load_mix("fv", mix_file=mix)
    assert set(row) == {"messages", "images"}
    assert [message["role"] for message in row["messages"]] == ["user", "assistant", "user", "assistant"]
    assert row["messages"][3]["content"] == "No, it is wider than it is tall."
    assert row["images"][0].size == (32, 24)  # a streamed source keeps its images too


def test_nemotron_v1_rows_read_their_images_from_the_image_root(tmp_path):
    # nvidia/Llama-Nemotron-VLM-Dataset-v1: one JSONL per split (ocr_*, vqa_*, captioning_*), features id, image (a
    # file name inside `<split>_images/`), conversations [{from, value}] with an <image> marker, metadata {pdf,
    # page_number, url}: the card's dataset_info (its README, as mirrored at Edens-Gate/VLM_Nvidia-backup).
    (tmp_path / "vqa_9_images").mkdir()
    Image.new("RGB", (50, 20), "white").save(tmp_path / "vqa_9_images" / "chart_00001.png")
    row = {
        "id": "vqa_9_00001",
        "image": "chart_00001.png",
        "conversations": [
            {"from": "human", "value": "<image>\nWhat is the highest value in the chart?"},
            {"from": "gpt", "value": "The highest value is 42."},
        ],
        "metadata": {"pdf": "", "page_number": 0, "url": ""},
    }
    (tmp_path / "vqa_9.jsonl").write_text(json.dumps(row) + "\n")
    source = {
        "path": "json",
        "data_files": {"vqa_9": str(tmp_path / "vqa_9.jsonl")},
        "split": "vqa_9",
        "streaming": True,
        "format": "llava",
        "image_root": str(tmp_path / "vqa_9_images"),
    }
    (converted,) = load_mix("v1", mix_file=_mix_file(tmp_path, {"v1": [_entry("Nemotron VQA9", source)]}))
    assert converted["messages"][0] == {"role": "user", "content": "What is the highest value in the chart?"}
    assert converted["images"][0].size == (50, 20)


def _nemotron_v2_row(image: str) -> dict:
    # nvidia/Nemotron-VLM-Dataset-v2's data_format.md: `messages` whose `content` is a list of typed fragments; an
    # image fragment names a file and carries its width, height, format and mode.
    return {
        "id": "docvqa_cot_0",
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "image": image,
                        "metadata": {"width": 40, "height": 60, "format": "PNG", "mode": "RGB"},
                    },
                    {"type": "text", "text": "What is the invoice number?"},
                ],
            },
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "<think>It is printed at the top.</think>A-17"}],
            },
        ],
    }


@pytest.mark.parametrize("streaming", [False, True])
def test_nemotron_v2_rows_take_the_image_fragments_as_paths(tmp_path, streaming):
    (tmp_path / "png").mkdir()
    Image.new("RGB", (40, 60), "white").save(tmp_path / "png" / "page_0.png")
    (tmp_path / "docvqa_cot.jsonl").write_text(json.dumps(_nemotron_v2_row("png/page_0.png")) + "\n")
    source = {
        "path": "json",
        "data_files": str(tmp_path / "docvqa_cot.jsonl"),
        "split": "train",
        "streaming": streaming,
        "format": "nemotron2",
        "image_root": str(tmp_path),
    }
    (row,) = load_mix("v2", mix_file=_mix_file(tmp_path, {"v2": [_entry("Nemotron2-DocVQA-CoT", source)]}))
    assert row["messages"] == [
        {"role": "user", "content": "What is the invoice number?"},
        {"role": "assistant", "content": "<think>It is printed at the top.</think>A-17"},
    ]
    assert row["images"][0].size == (40, 60)
    source["image_root"] = None
    with pytest.raises(ValueError, match="set `image_root`"):
        load_mix("v2", mix_file=_mix_file(tmp_path, {"v2": [_entry("Nemotron2-DocVQA-CoT", source)]}))


def _numbered(tmp_path, name: str) -> dict:
    path = tmp_path / f"{name}.jsonl"
    messages = [{"role": "user", "content": "?"}, {"role": "assistant", "content": name}]
    path.write_text(json.dumps({"messages": messages}) + "\n")
    return {"path": "json", "data_files": str(path), "split": "train", "format": "messages"}


def test_open_licences_keep_permissive_and_share_alike_and_drop_the_rest(tmp_path, caplog):
    licences = {
        "cc": "cc-by-4.0",
        "sa": "cc-by-sa-4.0",
        "nc": "cc-by-nc-4.0",
        "unk": "unknown",
        "ours": "to be decided",
    }
    entries = [_entry(name, _numbered(tmp_path, name), license=licence) for name, licence in licences.items()]
    mix = _mix_file(tmp_path, {"licensed": entries})
    assert [entry["name"] for entry in usable_entries("licensed", mix)] == list(licences)  # no selection: all
    assert [entry["name"] for entry in usable_entries("licensed", mix, licenses="open")] == ["cc", "sa"]
    assert "left out nc (cc-by-nc-4.0), unk (unknown), ours (to be decided)" in caplog.text
    assert [entry["name"] for entry in usable_entries("licensed", mix, licenses="cc-by-nc-4.0, unknown")] == [
        "nc",
        "unk",
    ]
    drawn = {row["messages"][-1]["content"] for row in load_mix("licensed", mix_file=mix, licenses="open")}
    assert drawn == {"cc", "sa"}
    with pytest.raises(ValueError, match="No entry of mix 'licensed' has a licence that --licenses mit accepts"):
        usable_entries("licensed", mix, licenses="mit")


def test_the_compass_says_what_share_of_each_category_is_missing(tmp_path, caplog):
    entries = [
        _entry("here", _numbered(tmp_path, "here"), category="OCR", weight=0.5),
        _entry("not yet", None, category="OCR", weight=0.25),
        _entry("no images", {**_numbered(tmp_path, "x"), "image_root": None}, category="VQA", weight=0.125),
        _entry("closed", _numbered(tmp_path, "closed"), category="VQA", weight=0.125, license="cc-by-nc-4.0"),
    ]
    mix = _mix_file(tmp_path, {"half": entries})
    assert compass("half", mix).splitlines() == [
        "category   share  usable  missing",
        "OCR        75.0%   50.0%    25.0%",
        "VQA        25.0%   12.5%    12.5%",
        "Total     100.0%   62.5%    37.5%",
    ]
    assert compass("half", mix, licenses="open").splitlines()[2] == "VQA        25.0%    0.0%    25.0%"
    with caplog.at_level(logging.WARNING):
        load_mix("half", mix_file=mix, skip_unavailable=True)
    assert "Mix 'half' by category (--licenses None):\ncategory" in caplog.text


def test_stage2_compass_starts_from_table_1():
    lines = {line.split("  ")[0].strip(): line.split()[-3:] for line in compass("stage2").splitlines()[1:]}
    assert lines["Grounding"][0] == "34.3%" and lines["Total"][0] == "100.0%"
    # The OI bounding-box sets are unresolved: of Grounding only TallyQA (2.1 % of the mix) has a source.
    assert lines["Grounding"][1:] == ["2.1%", "32.2%"]


def test_every_stage_entry_states_a_licence_and_a_known_format():
    allowed = OPEN_LICENSES | {"cc-by-nc-4.0", "unknown", "to be decided"}
    for stage in ("stage1", "stage2", "stage3"):
        for entry in read_mix(stage):
            assert entry.get("license") in allowed, entry["name"]
            source = entry["source"]
            if source is None:
                continue
            assert source["format"] in CONVERTERS, entry["name"]
            if source["format"] in PATH_FORMATS:
                assert "image_root" in source, entry["name"]  # where the images go once downloaded


def test_our_own_sets_keep_no_source_and_a_licence_to_be_decided():
    ours = [entry for entry in read_mix("stage2") if entry["license"] == "to be decided"]
    assert len(ours) == 12  # the 11 dagger sets of Table 1, and Self Identification (datagen.self_identification)
    assert all(entry["source"] is None and entry["language"] == "pt-PT" for entry in ours)


def test_the_open_selection_is_defined_once():
    assert accepted_licenses("open") == OPEN_LICENSES
    assert accepted_licenses(None) is None and accepted_licenses("all") is None
    assert not OPEN_LICENSES & {"cc-by-nc-4.0", "unknown", "to be decided"}


def test_the_readme_source_table_is_the_mix_file():
    """train/README.md's table of every source is the one train/source_table.py makes from data_mix.yaml."""
    from train.source_table import source_table

    readme = (Path(__file__).resolve().parents[2] / "train" / "README.md").read_text()
    start = readme.index("<!-- source table: python -m train.source_table -->\n")
    table = readme[start:].split("\n", 1)[1].split("\n<!-- end of source table -->")[0]
    assert table == source_table()
    assert "| 2 | VisDial | 123,300 | null | unknown | missing: no verified Hub copy |" in table
