"""The training scripts import their siblings (`from data import load_mix`), as `accelerate launch train/sft.py` runs
them with train/ on the path; the tests do the same."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "train"))
