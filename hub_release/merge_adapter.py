"""Merge a LoRA adapter trained by train/sft.py or train/dpo.py (`--use_peft`) into a full AMALIA-VL checkpoint.

    python hub_release/merge_adapter.py outputs/amalia-vl-tiny-lora outputs/amalia-vl-tiny-lora-merged
    python hub_release/merge_adapter.py me/amalia-vl-lora checkpoints/mine --base checkpoints/amalia-vl-sft

The base is the one the adapter names (`base_model_name_or_path` in its adapter_config.json) unless `--base` says
otherwise; it loads in full precision even when the adapter was trained on a 4-bit base (QLoRA), so the merged
weights are the base's plus the adapter's update. The adapter's own copies of fully trained modules (the connector)
replace the base's. The output holds the weights, the processor saved with the adapter (its tile budget), the three
code files and `auto_map`: it loads anywhere with `AutoModel.from_pretrained(OUTPUT_DIR, trust_remote_code=True)`.
"""

import argparse
import json
import logging
from pathlib import Path

from huggingface_hub import hf_hub_download
from peft import PeftModel
from transformers import AutoModelForImageTextToText, AutoProcessor


logger = logging.getLogger("merge_adapter")


def adapter_base(adapter: str) -> str:
    """The base model an adapter was trained on, from its adapter_config.json (a folder or a Hub id)."""
    local = Path(adapter) / "adapter_config.json"
    path = local if local.exists() else hf_hub_download(adapter, "adapter_config.json")
    base = json.loads(Path(path).read_text()).get("base_model_name_or_path")
    if not base:
        raise ValueError(f"{adapter} names no base model (base_model_name_or_path): pass --base.")
    return base


def load_processor(adapter: str, base: str):
    """The processor saved with the adapter (the tiling it was trained with), else the base's."""
    try:
        return AutoProcessor.from_pretrained(adapter, trust_remote_code=True)
    except (OSError, ValueError):
        logger.info("%s holds no processor: using the base's", adapter)
        return AutoProcessor.from_pretrained(base, trust_remote_code=True)


def merge(adapter: str, output_dir: Path, base: str | None = None, dtype: str = "auto") -> Path:
    base = base or adapter_base(adapter)
    model = AutoModelForImageTextToText.from_pretrained(base, trust_remote_code=True, dtype=dtype)
    merged = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    output_dir.mkdir(parents=True, exist_ok=True)
    # The base was loaded as remote code (or from the amalia_vl package), so saving writes the code files and auto_map.
    merged.save_pretrained(output_dir)
    load_processor(adapter, base).save_pretrained(output_dir)
    logger.info("merged %s into %s: wrote %s", adapter, base, output_dir)
    return output_dir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("adapter", help="adapter folder or Hub id (what `--use_peft` training saved or pushed)")
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--base", help="base checkpoint (folder or Hub id); default: the one the adapter names")
    parser.add_argument("--dtype", default="auto", choices=["auto", "bfloat16", "float16", "float32"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    merge(args.adapter, args.output_dir, base=args.base, dtype=args.dtype)


if __name__ == "__main__":
    main()
