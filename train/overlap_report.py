"""What a decontamination pass found: per training source and benchmark, the rows whose images or questions match.

`train/decontaminate.py` fills it; this file only counts, merges, prints and saves. Counts are rows: a row with two
images that both match one benchmark counts once for that benchmark, and a row that matches two benchmarks counts
once in each, but once in its source's `flagged` (the rows a drop removes).
"""

import json
import os
from dataclasses import dataclass, field


# Examples kept per (source, benchmark, kind): enough to judge whether the matches are real.
MAX_EXAMPLES = 3
# Characters of a training question kept in an example.
EXAMPLE_TEXT = 200


def _pair_counts() -> dict:
    return {"image_rows": 0, "question_rows": 0, "rows": 0, "examples": []}


@dataclass
class OverlapReport:
    """`checked[source]`: rows read; `flagged[source]`: rows that match any benchmark; `unreadable[source]`:
    images that did not decode (their rows are checked on their text only); `pairs[source][benchmark]`: rows whose
    images match (`image_rows`), rows whose user text matches (`question_rows`), rows with either (`rows`), and a
    few `examples`."""

    checked: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)
    pairs: dict[str, dict[str, dict]] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def add(self, source: str, row: int, match: dict) -> None:
        """Count one checked row; `match` is `BenchmarkIndex.match`'s result for it."""
        self.checked[source] = self.checked.get(source, 0) + 1
        self.unreadable[source] = self.unreadable.get(source, 0) + match.get("unreadable", 0)
        images, questions = match.get("images", {}), match.get("questions", {})
        if not images and not questions:
            return
        self.flagged[source] = self.flagged.get(source, 0) + 1
        for benchmark in sorted({*images, *questions}):
            counts = self.pairs.setdefault(source, {}).setdefault(benchmark, _pair_counts())
            counts["rows"] += 1
            for kind, found in (("image", images), ("question", questions)):
                if benchmark not in found:
                    continue
                counts[f"{kind}_rows"] += 1
                if sum(example["kind"] == kind for example in counts["examples"]) < MAX_EXAMPLES:
                    counts["examples"].append({"kind": kind, "row": row, **_shortened(found[benchmark])})

    def merge(self, other: "OverlapReport") -> "OverlapReport":
        """This report with `other`'s counts added (the sources of several passes, or the shards of one)."""
        for mine, theirs in ((self.checked, other.checked), (self.flagged, other.flagged)):
            for source, count in theirs.items():
                mine[source] = mine.get(source, 0) + count
        for source, count in other.unreadable.items():
            self.unreadable[source] = self.unreadable.get(source, 0) + count
        for source, benchmarks in other.pairs.items():
            for benchmark, theirs in benchmarks.items():
                counts = self.pairs.setdefault(source, {}).setdefault(benchmark, _pair_counts())
                for key in ("image_rows", "question_rows", "rows"):
                    counts[key] += theirs[key]
                for kind in ("image", "question"):
                    room = MAX_EXAMPLES - sum(example["kind"] == kind for example in counts["examples"])
                    counts["examples"] += [example for example in theirs["examples"] if example["kind"] == kind][:room]
        self.settings = self.settings or other.settings
        return self

    def to_dict(self) -> dict:
        sources = {
            source: {
                "checked": checked,
                "flagged": self.flagged.get(source, 0),
                "unreadable_images": self.unreadable.get(source, 0),
                "benchmarks": self.pairs.get(source, {}),
            }
            for source, checked in self.checked.items()
        }
        return {"settings": self.settings, "sources": sources}

    @classmethod
    def from_dict(cls, data: dict) -> "OverlapReport":
        report = cls(settings=data.get("settings", {}))
        for source, entry in data["sources"].items():
            report.checked[source] = entry["checked"]
            report.flagged[source] = entry["flagged"]
            report.unreadable[source] = entry["unreadable_images"]
            report.pairs[source] = entry["benchmarks"]
        return report

    def save(self, path: str | os.PathLike) -> None:
        with open(path, "w") as file:
            json.dump(self.to_dict(), file, ensure_ascii=False, indent=1)

    def table(self) -> str:
        """One line per (source, benchmark) that overlaps, then each source's total: readable in a terminal."""
        header = ("source", "benchmark", "image rows", "question rows", "rows", "of checked")
        lines = []
        for source, checked in self.checked.items():
            for benchmark, counts in sorted(self.pairs.get(source, {}).items()):
                lines.append(
                    (source, benchmark, counts["image_rows"], counts["question_rows"], counts["rows"], checked)
                )
            lines.append((source, "(any)", "", "", self.flagged.get(source, 0), checked))
        widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
        text = [
            "  ".join(
                str(cell).ljust(width) if i < 2 else str(cell).rjust(width)
                for i, (cell, width) in enumerate(zip(line, widths))
            )
            for line in [header, *lines]
        ]
        unreadable = {source: count for source, count in self.unreadable.items() if count}
        if unreadable:
            text.append("images that did not decode: " + ", ".join(f"{s} {c}" for s, c in unreadable.items()))
        return "\n".join(text)


def _shortened(detail: dict) -> dict:
    return {
        key: value[:EXAMPLE_TEXT] if isinstance(value, str) and key == "training_text" else value
        for key, value in detail.items()
    }
