"""The three training stages of AMALIA-VL over TRL (sft.py for stages 1-2, dpo.py for stage 3) and what they share.

The scripts run as documented (`accelerate launch train/sft.py`); the modules import as a package from anywhere
(`from train.packing import DataCollatorForPackedVision`, `from train.data import load_mix`).
"""
