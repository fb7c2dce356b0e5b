"""Dataset cards: a YAML header the Hub reads, then how the data was made, its fields and an example."""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from datasets import Dataset
from huggingface_hub import DatasetCardData


@dataclass
class CardInfo:
    """What a pipeline says about the dataset it makes."""

    pretty_name: str
    summary: str
    how_made: str
    languages: list[str] = field(default_factory=lambda: ["pt"])
    task_categories: list[str] = field(default_factory=lambda: ["image-text-to-text"])
    license: str = "apache-2.0"
    tags: list[str] = field(default_factory=lambda: ["pt-PT", "european-portuguese", "synthetic", "amalia-vl"])


def size_category(num_rows: int) -> str:
    """The Hub's ``size_categories`` bucket for ``num_rows``."""
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")]
    for bound, name in bounds:
        if num_rows < bound:
            return name
    return "1M<n<10M"


def _example(dataset: Dataset) -> str:
    if len(dataset) == 0:
        return "(the dataset is empty)"
    row = dataset[0]
    sizes = ", ".join(f"{image.width}x{image.height}" for image in row["images"])
    text = {key: value for key, value in row.items() if key not in ("images", "task")}
    shown = json.dumps(text, ensure_ascii=False, indent=2)
    return f"Task `{row['task']}`, images: {sizes or 'none'}.\n\n```json\n{shown}\n```"


def render_card(info: CardInfo, dataset: Dataset, command: str, fields_doc: str) -> str:
    # huggingface_hub writes the header, so any name (a colon, quotes) stays valid YAML the Hub can read.
    header = DatasetCardData(
        license=info.license,
        language=info.languages,
        task_categories=info.task_categories,
        size_categories=[size_category(len(dataset))],
        pretty_name=info.pretty_name,
        tags=info.tags,
        annotations_creators=["machine-generated"],
    ).to_yaml()
    families = Counter("/".join(task.split("/")[:2]) for task in dataset["task"]) if len(dataset) else Counter()
    return f"""---
{header}
---

# {info.pretty_name}

{info.summary}

## How it was made

{info.how_made}

Made with the AMALIA-VL `datagen` pipelines:

```bash
{command}
```

## Fields

{fields_doc}

Rows per task family (the first two parts of `task`): {", ".join(f"`{f}` {n}" for f, n in sorted(families.items()))}.

{len(dataset)} rows. Load with `datasets.load_from_disk(path)` or, from the Hub, `load_dataset(repo_id)`.

## Example

{_example(dataset)}
"""


def write_card(info: CardInfo, dataset: Dataset, output_dir: str | Path, command: str, fields_doc: str) -> Path:
    path = Path(output_dir) / "README.md"
    path.write_text(render_card(info, dataset, command, fields_doc), encoding="utf-8")
    return path
