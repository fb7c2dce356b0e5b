"""Ask AMALIA-VL a question about one or more images.

    python inference/ask.py --model checkpoints/amalia-vl-sft --image foto.jpg "O que se vê nesta imagem?"
    python inference/ask.py          # builds the tiny random model and asks it about a picture it draws
    python inference/ask.py --model checkpoints/amalia-vl-sft --load-in-4bit --image fatura.jpg "Qual é o total?"

With no `--model`, the tiny random checkpoint (hub_release/build_checkpoint.py --tiny) is built in
checkpoints/amalia-vl-tiny the first time; it answers nonsense until it is trained (`accelerate launch train/sft.py`),
but it runs the whole path a real checkpoint runs: tiling, chat template, generation.
"""

import argparse
import logging
from pathlib import Path

import torch
from PIL import Image
from transformers import AutoModel, AutoProcessor

from hub_release.build_checkpoint import build_tiny
from hub_release.examples import draw_shapes
from inference.quantization import quantization_config


logger = logging.getLogger("ask")
TINY_CHECKPOINT = Path("checkpoints/amalia-vl-tiny")


def sample_image() -> Image.Image:
    """A red square and a blue circle on white, so the default question has a right answer (the releases' example)."""
    return draw_shapes()


def answer(model, processor, images: list, question: str, max_new_tokens: int = 64) -> str:
    content = [{"type": "image"}] * len(images) + [{"type": "text", "text": question}]
    prompt = processor.apply_chat_template([{"role": "user", "content": content}], add_generation_prompt=True)
    inputs = processor(images=images or None, text=prompt, return_tensors="pt").to(model.device)
    if "pixel_values" in inputs:
        inputs["pixel_values"] = inputs["pixel_values"].to(model.dtype)
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
    return processor.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True).strip()


def load_model(model_dir: Path, device: str, dtype: torch.dtype, bits: int | None = None):
    """The model on `device`; with `bits`, its language model quantised by bitsandbytes (tower and connector not)."""
    if bits is None:
        return AutoModel.from_pretrained(model_dir, trust_remote_code=True, dtype=dtype).to(device).eval()
    # Quantised weights cannot be moved after loading: they are placed on the device as they load.
    return AutoModel.from_pretrained(
        model_dir,
        trust_remote_code=True,
        dtype=dtype,
        device_map={"": device},
        quantization_config=quantization_config(bits, compute_dtype=dtype),
    ).eval()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("question", nargs="?", default="Que formas e cores vês nesta imagem?")
    parser.add_argument("--model", type=Path, help="an AMALIA-VL checkpoint directory (default: the tiny model)")
    parser.add_argument("--image", action="append", default=[], help="an image file; repeat for several")
    parser.add_argument("--max-tiles", type=int, help="tile budget per image (default: the checkpoint's)")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    bits = parser.add_mutually_exclusive_group()
    bits.add_argument("--load-in-4bit", action="store_true", help="nf4 language model (bitsandbytes)")
    bits.add_argument("--load-in-8bit", action="store_true", help="int8 language model (bitsandbytes)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    model_dir = args.model
    if model_dir is None:
        model_dir = TINY_CHECKPOINT
        if not (model_dir / "config.json").exists():
            logger.info("building the tiny random checkpoint in %s", model_dir)
            build_tiny(model_dir)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model = load_model(model_dir, device, dtype, 4 if args.load_in_4bit else 8 if args.load_in_8bit else None)
    processor = AutoProcessor.from_pretrained(model_dir, trust_remote_code=True)
    if args.max_tiles:
        processor.image_processor.max_tiles = args.max_tiles
    images = [Image.open(path) for path in args.image] or [sample_image()]
    print(f"Pergunta: {args.question}")
    print(f"Resposta: {answer(model, processor, images, args.question, args.max_new_tokens)}")


if __name__ == "__main__":
    main()
