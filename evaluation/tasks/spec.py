"""One benchmark as data (`Benchmark`), and its translation into the task config lmms-eval runs.

lmms-eval reads tasks from YAML files with `!function` references; we build the same configs in Python instead,
so one table holds all 18 benchmarks, shared pt-PT helpers are plain imports, and the dataset location (Hub id or
a local `save_to_disk` mirror) is chosen at run time rather than written into 18 files.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image


TAG = "amalia_vl_eval_pt"
HUB_ORGANISATION = "amalia-llm"

# Model names whose prompts the fork keys separately. `llava_hf` is how the authors ran AMALIA-VL, so our own
# model class (`amalia_vl`) gets the same prompts: otherwise lmms-eval would fall back to "default" for it.
AUTHORS_MODEL = "llava_hf"
OUR_MODEL = "amalia_vl"


@dataclass(frozen=True)
class Benchmark:
    """A pt-PT benchmark: where its data lives, how a document becomes a prompt, how answers are scored.

    `metrics` maps each key `process_results` returns to the aggregation that turns the per-document values into
    the reported number. `prompts` is lmms-eval's `lmms_eval_specific_kwargs`: a "default" entry and optional
    per-model entries, keyed by the name given to `--model_class`.
    """

    task: str
    dataset: str
    split: str
    doc_to_visual: Callable
    doc_to_text: Callable
    process_results: Callable
    metrics: dict[str, Callable]
    target: str = "answer"
    max_new_tokens: int | None = None
    prompts: dict[str, dict] | None = None
    process_docs: Callable | None = None
    doc_to_messages: Callable | None = None
    # A Hub dataset with several parts: a config name, or (data_files) a parquet file "<subset>.parquet".
    subset: str | None = None
    data_files: bool = False
    # Reasoning blocks lmms-eval strips from answers before scoring, e.g. [["<think>", "</think>"]].
    reasoning_tags: list | None = None

    def hub_arguments(self) -> dict:
        """`load_dataset` arguments beside the repository id that pick this benchmark's part of it."""
        if self.subset is None:
            return {}
        if self.data_files:
            return {"data_files": {self.split: f"{self.subset}.parquet"}}
        return {"name": self.subset}

    def local_path(self, data_dir: Path) -> Path:
        """Where `--data_dir` keeps it: DIR/<NAME>, or DIR/<NAME>/<subset> for one part of a larger dataset."""
        path = Path(data_dir) / self.dataset
        return path / self.subset if self.subset else path

    def dataset_location(self, data_dir: Path | None) -> tuple[str, dict]:
        """The `dataset_path` and `dataset_kwargs` for lmms-eval: `DIR/<NAME>` from disk, else the Hub id."""
        if data_dir is None:
            hub = self.hub_arguments()
            extra = {"data_files": hub["data_files"]} if "data_files" in hub else {}
            return f"{HUB_ORGANISATION}/{self.dataset}", {"token": True, **extra}
        path = self.local_path(data_dir)
        if not path.is_dir():
            raise FileNotFoundError(
                f"{self.task} reads {path}, which does not exist: --data_dir must hold one DatasetDict.save_to_disk "
                f"folder per benchmark, named as its Hub dataset ({self.dataset}, and its part below it if it has "
                f"parts); `python -m evaluation.fetch_data {data_dir}` makes them on a machine that reaches the Hub."
            )
        return str(path), {"load_from_disk": True}

    def lmms_config(self, data_dir: Path | None = None) -> dict:
        """The task config lmms-eval's `simple_evaluate(tasks=[...])` accepts in place of a YAML file."""
        dataset_path, dataset_kwargs = self.dataset_location(data_dir)
        generation = {"temperature": 0, "do_sample": False}
        if self.max_new_tokens is not None:
            generation["max_new_tokens"] = self.max_new_tokens
        config = {
            "task": self.task,
            "dataset_path": dataset_path,
            "dataset_kwargs": dataset_kwargs,
            "test_split": self.split,
            "output_type": "generate_until",
            "doc_to_visual": self.doc_to_visual,
            "doc_to_text": self.doc_to_text,
            "doc_to_target": self.target,
            "process_results": self.process_results,
            "metric_list": [
                {"metric": key, "aggregation": aggregation, "higher_is_better": True}
                for key, aggregation in self.metrics.items()
            ],
            "generation_kwargs": generation,
            "metadata": {"version": 0.0},
        }
        if self.prompts is not None:
            config["lmms_eval_specific_kwargs"] = _copy_prompts(self.prompts)
        if self.process_docs is not None:
            config["process_docs"] = self.process_docs
        if self.doc_to_messages is not None:
            config["doc_to_messages"] = self.doc_to_messages
        if self.subset is not None and not self.data_files and data_dir is None:
            config["dataset_name"] = self.subset
        if self.reasoning_tags is not None:
            config["reasoning_tags"] = self.reasoning_tags
        return config


def _copy_prompts(prompts: dict[str, dict]) -> dict[str, dict]:
    # lmms-eval updates the dict it is given in place; every run gets its own copy.
    return {model: dict(kwargs) for model, kwargs in prompts.items()}


def authors_prompts(default: dict, llava_hf: dict | None = None, **others: dict) -> dict[str, dict]:
    """Per-model prompts as the fork keys them, with our model class given the prompts the authors' route gets."""
    prompts = {"default": default, **others}
    if llava_hf is not None:
        prompts[AUTHORS_MODEL] = llava_hf
        prompts[OUR_MODEL] = llava_hf
    return prompts


def pt_image(value) -> Image.Image:
    """An RGB image from a PIL image, raw bytes or `{"bytes": ...}` (the translated datasets store all three)."""
    import io

    if isinstance(value, dict):
        value = value.get("bytes") or value.get("path")
    if isinstance(value, bytes):
        value = Image.open(io.BytesIO(value))
    elif isinstance(value, str):
        value = Image.open(value)
    if not isinstance(value, Image.Image):
        raise TypeError(f"expected an image (PIL, bytes or {{'bytes': ...}}), got {type(value).__name__}")
    return value.convert("RGB")


def image_visual(key: str = "image") -> Callable[[dict], list[Image.Image]]:
    """`doc_to_visual` for the many benchmarks with one image in one column."""

    def doc_to_visual(doc: dict) -> list[Image.Image]:
        return [pt_image(doc[key])]

    doc_to_visual.__name__ = f"doc_to_visual_{key}"
    return doc_to_visual


def question_with_prompts(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
    """`pre_prompt + question + post_prompt`, the prompt of most short-answer benchmarks."""
    kwargs = lmms_eval_specific_kwargs or {}
    return f"{kwargs.get('pre_prompt', '')}{doc['question'].strip()}{kwargs.get('post_prompt', '')}"


def mean(values: list[float]) -> float:
    if not values:
        return float("nan")
    return sum(values) / len(values)
