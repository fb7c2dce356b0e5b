"""Small local copies of the pt-PT benchmark datasets, in their real schemas, for tests and offline smoke runs.

    python -m evaluation.fixtures data/eval-fixtures
    python -m evaluation.run --model checkpoints/amalia-vl-tiny --tasks amalia_vl_eval_pt \
        --data_dir data/eval-fixtures --max_new_tokens 8 --output_dir outputs/eval-smoke

Each dataset is a `DatasetDict.save_to_disk` folder named as its Hub dataset (`MME-PT`, ...), with the split and
the columns the task reads, as `amalia-llm/<NAME>-PT` has them (the English lmms-eval datasets' columns, the text
translated). Images are small drawn pictures of several shapes and sizes, so the tiling runs its branches.
"""

import argparse
from pathlib import Path

from datasets import Dataset, DatasetDict, Features, Image, List, Value, concatenate_datasets
from PIL import Image as PILImage
from PIL import ImageDraw


SIZES = [(48, 32), (32, 64), (40, 40), (96, 24), (30, 50)]
COLOURS = ["red", "blue", "green", "yellow", "black", "orange"]


def picture(index: int) -> PILImage.Image:
    """A coloured rectangle on white, in one of several sizes."""
    width, height = SIZES[index % len(SIZES)]
    image = PILImage.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=COLOURS[index % len(COLOURS)])
    return image


def _dataset(rows: list[dict], features: dict, split: str) -> DatasetDict:
    return DatasetDict({split: Dataset.from_list(rows, features=Features(features))})


def mme() -> DatasetDict:
    # Every MME image has a "yes" and a "no" question under the same question_id.
    rows = []
    for index, (category, question_id) in enumerate(
        [("existence", "000000006040.jpg"), ("OCR", "0001.jpg"), ("code_reasoning", "0020.png")]
    ):
        for answer in ("Sim", "Não"):
            rows.append(
                {
                    "question_id": question_id,
                    "image": picture(index),
                    "category": category,
                    "answer": answer,
                    "question": f"Há um retângulo {COLOURS[index]} na imagem? Por favor, responda sim ou não.",
                }
            )
    return _dataset(
        rows,
        {
            "question_id": Value("string"),
            "image": Image(),
            "question": Value("string"),
            "answer": Value("string"),
            "category": Value("string"),
        },
        "test",
    )


def pope() -> DatasetDict:
    rows = [
        {
            "question_id": str(i),
            "image": picture(i),
            "question": f"Há um {obj} na imagem?",
            "answer": answer,
            "image_source": f"COCO_val2014_{i:012d}",
            "category": "adversarial",
        }
        for i, (obj, answer) in enumerate([("gato", "sim"), ("cão", "não"), ("carro", "Sim"), ("mesa", "não")])
    ]
    return _dataset(
        rows,
        {
            "question_id": Value("string"),
            "image": Image(),
            "question": Value("string"),
            "answer": Value("string"),
            "image_source": Value("string"),
            "category": Value("string"),
        },
        "test",
    )


def ai2d() -> DatasetDict:
    rows = [
        {
            "question": f"Que parte do diagrama está assinalada com {i}?",
            "options": ["raiz", "caule", "folha", "flor"],
            "answer": str(i % 4),
            "image": picture(i),
        }
        for i in range(4)
    ]
    return _dataset(
        rows,
        {"question": Value("string"), "options": List(Value("string")), "answer": Value("string"), "image": Image()},
        "test",
    )


def mmstar() -> DatasetDict:
    categories = [
        ("coarse perception", "image emotion"),
        ("math", "geometry"),
        ("logical reasoning", "diagram reasoning"),
    ]
    rows = [
        {
            "index": i,
            "question": "Qual é a cor do retângulo?\nOpções: A: vermelho, B: azul, C: verde, D: amarelo",
            "image": picture(i),
            "answer": "ABCD"[i % 4],
            "category": category,
            "l2_category": l2,
            "meta_info": {"source": "fixture", "split": "val", "image_path": f"images/{i}.jpg"},
        }
        for i, (category, l2) in enumerate(categories)
    ]
    meta = {"source": Value("string"), "split": Value("string"), "image_path": Value("string")}
    return _dataset(
        rows,
        {
            "index": Value("int64"),
            "question": Value("string"),
            "image": Image(),
            "answer": Value("string"),
            "category": Value("string"),
            "l2_category": Value("string"),
            "meta_info": meta,
        },
        "validation",
    )


def seedbench() -> DatasetDict:
    rows = [
        {
            "answer": "ABCD"[i],
            "choice_a": "um",
            "choice_b": "dois",
            "choice_c": "três",
            "choice_d": "quatro",
            "data_id": f"{i}.jpg",
            "data_type": "image",
            "question": "Quantos retângulos há na imagem?",
            "question_id": str(100 + i),
            "question_type_id": 1,
            "image": [picture(i)],
            "segment": None,
        }
        for i in range(3)
    ]
    return _dataset(
        rows,
        {
            "answer": Value("string"),
            "choice_a": Value("string"),
            "choice_b": Value("string"),
            "choice_c": Value("string"),
            "choice_d": Value("string"),
            "data_id": Value("string"),
            "data_type": Value("string"),
            "question": Value("string"),
            "question_id": Value("string"),
            "question_type_id": Value("int64"),
            "image": List(Image()),
            "segment": List(Value("int64")),
        },
        "test",
    )


def realworldqa() -> DatasetDict:
    rows = [
        {
            "image": picture(0),
            "answer": "B",
            "question": "Em que lado está o carro?\nA. Esquerda\nB. Direita\n"
            "Por favor, responde diretamente apenas com a letra da opção correta e nada mais.",
        },
        {"image": picture(1), "answer": "3", "question": "Quantos semáforos há? Responde com um número."},
    ]
    return _dataset(rows, {"image": Image(), "question": Value("string"), "answer": Value("string")}, "test")


def embspatial() -> DatasetDict:
    sources = ["ai2thor", "mp3d", "scannet"]
    rows = [
        {
            "question_id": f"q{i}",
            "image": picture(i),
            "question": "Qual objeto está mais perto da câmara?",
            "answer_options": ["a cadeira", "a mesa", "o sofá", "a porta"],
            "answer": i % 4,
            "relation": "close",
            "data_source": sources[i],
        }
        for i in range(3)
    ]
    return _dataset(
        rows,
        {
            "question_id": Value("string"),
            "image": Image(),
            "question": Value("string"),
            "answer_options": List(Value("string")),
            "answer": Value("int64"),
            "relation": Value("string"),
            "data_source": Value("string"),
        },
        "test",
    )


def _mmmu_row(index: int, subject: str, question_type: str, answer: str, options: str, split: str) -> dict:
    return {
        "id": f"{split}_{subject}_{index + 1}",
        "question": f"<image 1> Qual é a resposta à pergunta {index}?",
        "options": options,
        "explanation": "",
        "image_1": picture(index),
        "img_type": "['Diagrams']",
        "answer": answer,
        "topic_difficulty": "Easy",
        "question_type": question_type,
        "subfield": subject,
    }


def mmmu() -> DatasetDict:
    options = "['Lisboa', 'Porto', 'Coimbra', 'Faro']"
    rows = [
        _mmmu_row(0, "Art", "multiple-choice", "B", options, "validation"),
        _mmmu_row(1, "Math", "multiple-choice", "D", options, "validation"),
        _mmmu_row(2, "Physics", "open", "12", "[]", "validation"),
    ]
    return _dataset(
        rows,
        {
            "id": Value("string"),
            "question": Value("string"),
            "options": Value("string"),
            "explanation": Value("string"),
            "image_1": Image(),
            "img_type": Value("string"),
            "answer": Value("string"),
            "topic_difficulty": Value("string"),
            "question_type": Value("string"),
            "subfield": Value("string"),
        },
        "validation",
    )


def mmmu_pro() -> DatasetDict:
    options = "['vermelho', 'azul', 'verde', 'amarelo', 'preto', 'branco', 'roxo', 'cinzento', 'laranja', 'rosa']"
    rows = [
        {
            "id": f"test_{subject}_{i}",
            "question": "<image 1> Que cor tem o retângulo?",
            "options": options,
            "explanation": "",
            "image_1": picture(i),
            "img_type": "['Photos']",
            "answer": "ACE"[i],
            "topic_difficulty": "Medium",
            "subject": subject,
        }
        for i, subject in enumerate(["Art", "Biology", "Economics"])
    ]
    return _dataset(
        rows,
        {
            "id": Value("string"),
            "question": Value("string"),
            "options": Value("string"),
            "explanation": Value("string"),
            "image_1": Image(),
            "img_type": Value("string"),
            "answer": Value("string"),
            "topic_difficulty": Value("string"),
            "subject": Value("string"),
        },
        "test",
    )


def ocrbench() -> DatasetDict:
    rows = [
        {
            "dataset": dataset,
            "question": "Que texto está escrito na imagem?",
            "question_type": question_type,
            "answer": answers,
            "image": picture(i),
        }
        for i, (dataset, question_type, answers) in enumerate(
            [
                ("IIIT5K", "Regular Text Recognition", ["Lisboa"]),
                ("HME100k", "Handwritten Mathematical Expression Recognition", ["x ^ { 2 }"]),
                ("docVQA", "Doc-oriented VQA", ["45,90 euros", "45,90"]),
            ]
        )
    ]
    return _dataset(
        rows,
        {
            "dataset": Value("string"),
            "question": Value("string"),
            "question_type": Value("string"),
            "answer": List(Value("string")),
            "image": Image(),
        },
        "test",
    )


def textvqa() -> DatasetDict:
    answer_sets = [["lisboa"] * 7 + ["porto"] * 3, ["stop"] * 10, ["2"] * 4 + ["dois"] * 6]
    rows = [
        {
            "image_id": f"img{i}",
            "question_id": i,
            "question": "O que diz a placa?",
            "question_tokens": [],
            "image": picture(i),
            "image_width": picture(i).width,
            "image_height": picture(i).height,
            "flickr_original_url": "",
            "flickr_300k_url": "",
            "answers": answers,
            "image_classes": [],
            "set_name": "val",
            "ocr_tokens": [],
        }
        for i, answers in enumerate(answer_sets)
    ]
    return _dataset(
        rows,
        {
            "image_id": Value("string"),
            "question_id": Value("int64"),
            "question": Value("string"),
            "question_tokens": List(Value("string")),
            "image": Image(),
            "image_width": Value("int64"),
            "image_height": Value("int64"),
            "flickr_original_url": Value("string"),
            "flickr_300k_url": Value("string"),
            "answers": List(Value("string")),
            "image_classes": List(Value("string")),
            "set_name": Value("string"),
            "ocr_tokens": List(Value("string")),
        },
        "validation",
    )


def docvqa() -> DatasetDict:
    # InfographicVQA has more columns, but the ones the task reads are DocVQA's: one fixture serves both.
    answer_sets = [["3 de maio"], ["45,90 euros", "45,90"], ["Lisboa"]]
    rows = [
        {
            "questionId": str(i),
            "question": "Qual é a data da fatura?",
            "question_types": ["form"],
            "image": picture(i),
            "docId": i,
            "answers": answers,
            "data_split": "val",
        }
        for i, answers in enumerate(answer_sets)
    ]
    return _dataset(
        rows,
        {
            "questionId": Value("string"),
            "question": Value("string"),
            "question_types": List(Value("string")),
            "image": Image(),
            "docId": Value("int64"),
            "answers": List(Value("string")),
            "data_split": Value("string"),
        },
        "validation",
    )


def chartqa() -> DatasetDict:
    rows = [
        {"type": kind, "question": "Qual é o valor da barra mais alta?", "answer": answer, "image": picture(i)}
        for i, (kind, answer) in enumerate([("human_test", "12.5"), ("augmented_test", "março"), ("human_test", "40")])
    ]
    return _dataset(
        rows,
        {"type": Value("string"), "question": Value("string"), "answer": Value("string"), "image": Image()},
        "test",
    )


def refcoco() -> DatasetDict:
    # bbox is COCO's (x, y, width, height) in pixels; each row has one or more referring expressions.
    rows = []
    for i in range(3):
        image = picture(i)
        width, height = image.size
        rows.append(
            {
                "question_id": str(500 + i),
                "image": image,
                "question": "",
                "file_name": f"{i}.jpg",
                "answer": [f"o retângulo {COLOURS[i]} no meio da imagem", "a forma colorida no centro"][: 1 + i % 2],
                "bbox": [width / 4, height / 4, width / 2, height / 2],
                "iscrowd": 0,
                "segmentation": [0.0, 0.0, 1.0, 1.0],
            }
        )
    return _dataset(
        rows,
        {
            "question_id": Value("string"),
            "image": Image(),
            "question": Value("string"),
            "file_name": Value("string"),
            "answer": List(Value("string")),
            "bbox": List(Value("float64")),
            "iscrowd": Value("int64"),
            "segmentation": List(Value("float64")),
        },
        "test",
    )


def coco_caption() -> DatasetDict:
    captions = [
        ["um retângulo vermelho sobre um fundo branco", "uma forma vermelha no meio de uma imagem branca"],
        ["um retângulo azul no centro da imagem", "uma caixa azul sobre fundo branco"],
        ["um quadrado verde numa imagem branca", "uma forma verde no meio da imagem"],
    ]
    rows = [
        {
            "question_id": f"{397133 + i:012d}.jpg",
            "image": picture(i),
            "question": "",
            "answer": answer,
            "id": 397133 + i,
            "file_name": f"{397133 + i:012d}.jpg",
            "height": picture(i).height,
            "width": picture(i).width,
        }
        for i, answer in enumerate(captions)
    ]
    return _dataset(
        rows,
        {
            "question_id": Value("string"),
            "image": Image(),
            "question": Value("string"),
            "answer": List(Value("string")),
            "id": Value("int64"),
            "file_name": Value("string"),
            "height": Value("int64"),
            "width": Value("int64"),
        },
        "validation",
    )


def mathvision() -> DatasetDict:
    rows = [
        {
            "id": str(i),
            "question": question,
            "options": options,
            "image": f"images/{i}.jpg",
            "decoded_image": picture(i),
            "answer": answer,
            "solution": "",
            "level": 1,
            "subject": "geometry",
        }
        for i, (question, options, answer) in enumerate(
            [
                ("Quantos lados tem a figura?", ["3", "4", "5", "6", "8"], "B"),
                ("Qual é a área do retângulo, em cm²?", [], "12"),
            ]
        )
    ]
    return _dataset(
        rows,
        {
            "id": Value("string"),
            "question": Value("string"),
            "options": List(Value("string")),
            "image": Value("string"),
            "decoded_image": Image(),
            "answer": Value("string"),
            "solution": Value("string"),
            "level": Value("int64"),
            "subject": Value("string"),
        },
        "test",
    )


def portexto() -> DatasetDict:
    rows = [
        {"image": picture(i), "question": "Transcreve o texto da imagem.", "answer": answer}
        for i, answer in enumerate(["Rua Augusta, 24", "Bom dia a todos"])
    ]
    return _dataset(rows, {"image": Image(), "question": Value("string"), "answer": Value("string")}, "test")


def _caravela(extra: dict, features: dict) -> DatasetDict:
    rows = [
        {
            "image": picture(i),
            "question": question,
            "answer": answer,
            "entity": entity,
            "area": "património",
            "category": "monumentos",
            **{key: values[i] for key, values in extra.items()},
        }
        for i, (question, answer, entity) in enumerate(
            [
                ("Que monumento é este?", "O Mosteiro dos Jerónimos", "Mosteiro dos Jerónimos"),
                ("Em que cidade fica?", "Lisboa", "Torre de Belém"),
            ]
        )
    ]
    return _dataset(
        rows,
        {
            "image": Image(),
            "question": Value("string"),
            "answer": Value("string"),
            "entity": Value("string"),
            "area": Value("string"),
            "category": Value("string"),
            **features,
        },
        "test",
    )


def caravela_mcq() -> DatasetDict:
    dataset = _caravela(
        {f"options_{letter}": [f"{letter}1", f"{letter}2"] for letter in "abcd"},
        {f"options_{letter}": Value("string") for letter in "abcd"},
    )
    return DatasetDict({"test": dataset["test"].map(lambda row, i: {"answer": "BD"[i]}, with_indices=True)})


def caravela_vqa() -> DatasetDict:
    return _caravela({}, {})


def caravela_reasoning() -> DatasetDict:
    chains = ["É um mosteiro manuelino em Belém.", "A torre fica junto ao Tejo, em Lisboa."]
    return _caravela({"reasoning_chain": chains}, {"reasoning_chain": Value("string")})


# Keyed by the folder `--data_dir` reads: DIR/<NAME>, or DIR/<NAME>/<part> for the parts of one dataset.
FIXTURES = {
    "MME-PT": mme,
    "POPE-PT": pope,
    "AI2D-PT": ai2d,
    "MMStar-PT": mmstar,
    "SEED-Bench-PT": seedbench,
    "RealWorldQA-PT": realworldqa,
    "EmbSpatial-Bench-PT": embspatial,
    "MMMU-PT": mmmu,
    "MMMU-Pro-PT": mmmu_pro,
    "OCRBench-PT": ocrbench,
    "TextVQA-PT": textvqa,
    "DocVQA-PT": docvqa,
    "InfographicVQA-PT": docvqa,
    "ChartQA-PT": chartqa,
    "RefCOCO-PT": refcoco,
    "COCO-Caption2017-PT": coco_caption,
    "MATH-Vision-PT": mathvision,
    **{
        f"PorTEXTO/{subset}": portexto
        for subset in ("handwritten", "handwritten_full_page", "in_the_wild", "synthetic")
    },
    "CARAVELA/caravela_mcq": caravela_mcq,
    "CARAVELA/caravela_vqa": caravela_vqa,
    "CARAVELA/caravela_reasoning": caravela_reasoning,
}


def write_fixtures(directory: Path, names: list[str] | None = None, repeat: int = 1) -> Path:
    """Saves the fixture datasets (all, or those named) under DIRECTORY/<NAME>; returns DIRECTORY.

    `repeat` > 1 concatenates that many copies of each split, for timing runs that need more documents (the copies
    share ids, so MME's pairs no longer pair up).
    """
    for name in names or FIXTURES:
        dataset = FIXTURES[name]()
        if repeat > 1:
            dataset = DatasetDict({split: concatenate_datasets([rows] * repeat) for split, rows in dataset.items()})
        dataset.save_to_disk(str(Path(directory) / name))
    return Path(directory)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    print(write_fixtures(args.directory))


if __name__ == "__main__":
    main()
