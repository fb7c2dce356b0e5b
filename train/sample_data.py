"""The small pt-PT sample dataset that the default training run learns from.

Real images (drawn with PIL) with real European Portuguese questions and answers that a tiny model can learn in a
few CPU minutes: the colour and shape of a figure, how many circles there are, which word is written, which bar of
a chart is tallest, and text-only questions (which weekday comes next). Images have mixed sizes and aspect ratios
so that tiling sees several grids; some samples have two turns about the same image.

    python train/sample_data.py outputs/sample_data

writes `images/*.png`, `sft_{train,test}.jsonl` (TRL's `messages` + `images`) and `dpo_{train,test}.jsonl`
(`prompt` / `chosen` / `rejected` + `images`, the rejected answer a wrong one from the same task). Test rows also
carry `answer` and `choices`, so accuracy and its chance level can be computed. The same seed gives the same files.
"""

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont


COLOURS = {"vermelho": (220, 30, 30), "azul": (30, 60, 220), "verde": (30, 170, 60), "amarelo": (240, 210, 20)}
SHAPES = ("círculo", "quadrado", "triângulo")
COUNTS = ("um", "dois", "três", "quatro")
WORDS = ("sol", "mar", "pão", "casa", "gato", "lua", "rio", "flor")
FRUITS = ("maçãs", "peras", "uvas")
WEEKDAYS = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo")


@dataclass
class Question:
    """One question about an image (or about nothing, for text-only samples) and its closed answer set."""

    question: str
    answer: str
    choices: tuple[str, ...]


def _canvas(rng: random.Random) -> Image.Image:
    # Mixed sizes and aspect ratios, from small squares to wide and tall strips, so every tiling grid gets used.
    width, height = rng.choice([(64, 64), (96, 160), (192, 96), (128, 128), (256, 64), (80, 240), (320, 200)])
    return Image.new("RGB", (width, height), (245, 245, 240))


def _draw_shape(draw: ImageDraw.ImageDraw, shape: str, box: tuple[int, int, int, int], fill: tuple) -> None:
    x0, y0, x1, y1 = box
    if shape == "círculo":
        draw.ellipse(box, fill=fill)
    elif shape == "quadrado":
        draw.rectangle(box, fill=fill)
    else:
        draw.polygon([((x0 + x1) // 2, y0), (x1, y1), (x0, y1)], fill=fill)


def _centred_box(image: Image.Image, rng: random.Random) -> tuple[int, int, int, int]:
    side = int(min(image.size) * rng.uniform(0.5, 0.8))
    x0 = rng.randint(0, image.width - side)
    y0 = rng.randint(0, image.height - side)
    return x0, y0, x0 + side, y0 + side


def figure_sample(rng: random.Random) -> tuple[Image.Image, list[Question]]:
    """One coloured figure; asks its colour, its shape, or both (a two-turn conversation)."""
    image = _canvas(rng)
    colour, shape = rng.choice(list(COLOURS)), rng.choice(SHAPES)
    _draw_shape(ImageDraw.Draw(image), shape, _centred_box(image, rng), COLOURS[colour])
    questions = [
        Question("De que cor é a figura?", colour, tuple(COLOURS)),
        Question("Que figura aparece na imagem?", shape, SHAPES),
    ]
    return image, rng.choice([questions[:1], questions[1:], questions])


def count_sample(rng: random.Random) -> tuple[Image.Image, list[Question]]:
    """One to four circles side by side; asks how many."""
    image = _canvas(rng)
    draw = ImageDraw.Draw(image)
    count = rng.randint(1, len(COUNTS))
    horizontal = image.width >= image.height
    cell = (image.width if horizontal else image.height) // count
    radius = max(3, min(cell, image.height if horizontal else image.width) // 3)
    for index in range(count):
        centre = cell * index + cell // 2
        cx, cy = (centre, image.height // 2) if horizontal else (image.width // 2, centre)
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=COLOURS[rng.choice(list(COLOURS))])
    return image, [Question("Quantos círculos há na imagem?", COUNTS[count - 1], COUNTS)]


def word_sample(rng: random.Random) -> tuple[Image.Image, list[Question]]:
    """A rendered pt-PT word; asks which word it is."""
    image = _canvas(rng)
    word = rng.choice(WORDS)
    font = ImageFont.load_default(size=max(12, min(image.size) // 2))
    ImageDraw.Draw(image).text((image.width // 2, image.height // 2), word, fill=(0, 0, 0), font=font, anchor="mm")
    return image, [Question("Que palavra está escrita na imagem?", word, WORDS)]


def chart_sample(rng: random.Random) -> tuple[Image.Image, list[Question]]:
    """A bar chart of three fruits with distinct heights; asks which fruit has the tallest bar."""
    image = _canvas(rng)
    draw = ImageDraw.Draw(image)
    heights = rng.sample(range(2, 10), len(FRUITS))
    slot = image.width // len(FRUITS)
    for index, height in enumerate(heights):
        top = image.height - int(image.height * height / 10)
        draw.rectangle(
            (slot * index + slot // 4, top, slot * index + 3 * slot // 4, image.height - 1), fill=(60, 60, 60)
        )
    tallest = FRUITS[heights.index(max(heights))]
    return image, [
        Question(f"As barras mostram {', '.join(FRUITS)}. Que fruta tem a barra mais alta?", tallest, FRUITS)
    ]


def weekday_sample(rng: random.Random) -> tuple[None, list[Question]]:
    """A text-only question: which weekday follows a given one."""
    index = rng.randrange(len(WEEKDAYS))
    question = f"Que dia da semana vem a seguir a {WEEKDAYS[index]}?"
    return None, [Question(question, WEEKDAYS[(index + 1) % len(WEEKDAYS)], WEEKDAYS)]


# Rough shares of the sample mix; a fifth of the samples are text-only, as in a real mix with text SFT data.
GENERATORS = ((figure_sample, 3), (count_sample, 2), (word_sample, 2), (chart_sample, 1), (weekday_sample, 2))


def _messages(questions: list[Question]) -> list[dict]:
    # String contents: TRL's `prepare_multimodal_messages` puts the image placeholder before the first user text.
    turns = []
    for question in questions:
        turns += [{"role": "user", "content": question.question}, {"role": "assistant", "content": question.answer}]
    return turns


def _rows(image_path: str | None, questions: list[Question], rng: random.Random) -> tuple[dict, dict]:
    images = [image_path] if image_path else []
    first = questions[0]
    sft = {"messages": _messages(questions), "images": images, "answer": first.answer, "choices": list(first.choices)}
    wrong = rng.choice([choice for choice in first.choices if choice != first.answer])
    dpo = {
        "prompt": [{"role": "user", "content": first.question}],
        "chosen": [{"role": "assistant", "content": first.answer}],
        "rejected": [{"role": "assistant", "content": wrong}],
        "images": images,
    }
    return sft, dpo


def write_split(output_dir: Path, split: str, num_samples: int, rng: random.Random) -> None:
    """Draw `num_samples` samples and write their images and the SFT and DPO jsonl files of `split`."""
    (output_dir / "images").mkdir(parents=True, exist_ok=True)
    generators, weights = zip(*GENERATORS)
    with (
        open(output_dir / f"sft_{split}.jsonl", "w") as sft_file,
        open(output_dir / f"dpo_{split}.jsonl", "w") as dpo_file,
    ):
        for index in range(num_samples):
            image, questions = rng.choices(generators, weights)[0](rng)
            image_path = None
            if image is not None:
                image_path = f"images/{split}_{index:05d}.png"
                image.save(output_dir / image_path)
            sft, dpo = _rows(image_path, questions, rng)
            sft_file.write(json.dumps(sft, ensure_ascii=False) + "\n")
            dpo_file.write(json.dumps(dpo, ensure_ascii=False) + "\n")


def make_sample_data(output_dir: str | Path, num_train: int = 800, num_test: int = 100, seed: int = 0) -> Path:
    """Write the sample dataset to `output_dir` (deterministic in `seed`) and return the folder."""
    output_dir = Path(output_dir)
    rng = random.Random(seed)
    write_split(output_dir, "train", num_train, rng)
    write_split(output_dir, "test", num_test, rng)
    return output_dir


def ensure_sample_data(output_dir: str | Path, **kwargs) -> Path:
    """Make the sample dataset unless `output_dir` already holds it (the default runs call this on a fresh machine)."""
    output_dir = Path(output_dir)
    if not (output_dir / "dpo_test.jsonl").exists():
        make_sample_data(output_dir, **kwargs)
    return output_dir


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output_dir", nargs="?", default="outputs/sample_data")
    parser.add_argument("--num_train", type=int, default=800)
    parser.add_argument("--num_test", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"Wrote {make_sample_data(args.output_dir, args.num_train, args.num_test, args.seed)}")
