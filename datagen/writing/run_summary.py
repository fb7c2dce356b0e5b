"""What a run made, dropped and skipped: ``skipped.jsonl`` as it goes, ``run_summary.json`` at the end.

Samples are dropped by design (a filter said no: pt-BR, an answer that does not match) or skipped because
a model never gave a usable reply (after its retries). Skips are recorded with their reason as they
happen, one JSON line each, and summed up once the dataset is written, so a long run says where its
losses went instead of crashing on them.
"""

import json
import logging
import threading
from collections import Counter
from pathlib import Path


logger = logging.getLogger(__name__)

SKIP_LOG = "skipped.jsonl"
SUMMARY = "run_summary.json"


class SkipLog:
    """Appends ``{"index", "reason"}`` lines; safe across the threads of one process."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, index: int, reason: str) -> None:
        logger.warning("sample %d skipped: %s", index, reason)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as log:
                log.write(json.dumps({"index": index, "reason": reason}, ensure_ascii=False) + "\n")


def skip_reasons(output_dir: str | Path) -> Counter:
    """Skipped samples by reason; a sample skipped again by a resumed run counts once (its last reason)."""
    path = Path(output_dir) / SKIP_LOG
    last: dict[int, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                last[int(entry["index"])] = str(entry["reason"]).split(" (model ")[0]
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a crash
    return Counter(last.values())


def write_summary(output_dir: str | Path, requested: int, kept: int, details: dict | None = None) -> dict:
    """``details``: a step's own counts, added as they are (e.g. calls kept and dropped)."""
    skipped = skip_reasons(output_dir)
    summary = {
        "requested": requested,
        "kept": kept,
        "skipped_for_bad_replies": sum(skipped.values()),
        "dropped_by_filters": requested - kept - sum(skipped.values()),
        "skip_reasons": dict(skipped.most_common()),
        **(details or {}),
    }
    Path(output_dir, SUMMARY).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    logger.info(
        "run summary: %d of %d kept, %d dropped by filters, %d skipped for unusable replies%s",
        kept,
        requested,
        summary["dropped_by_filters"],
        summary["skipped_for_bad_replies"],
        "".join(f"\n  {count} x {reason}" for reason, count in skipped.most_common()),
    )
    return summary
