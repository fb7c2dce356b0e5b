"""Answer accuracy on a held-out split whose rows carry `answer` and `choices` (the sample set of sample_data.py).

The model answers the first question of each row greedily; an answer counts when it equals the reference after
case and punctuation are set aside. The chance level is what guessing uniformly among `choices` scores.
"""

import string

import torch
from tqdm import tqdm
from trl.data_utils import prepare_multimodal_messages

from train.data import load_source, read_mix


ANSWER_COLUMNS = ("answer", "choices")


def load_answer_set(mix: str, mix_file: str):
    """The eval split of the first source of `mix` that has one; its rows keep `answer` and `choices`."""
    for entry in read_mix(mix, mix_file):
        source = entry["source"] or {}
        if source.get("eval_split"):
            return load_source(source, source["eval_split"], extra_columns=ANSWER_COLUMNS)
    raise ValueError(f"No source of mix {mix!r} has an `eval_split` to measure answer accuracy on.")


def _normalise(text: str) -> str:
    return text.strip().strip(string.punctuation + " ").lower()


@torch.no_grad()
def answer(model, processor, question: str, images: list, max_new_tokens: int = 10) -> str:
    """The model's greedy answer to one user question about `images`."""
    messages = prepare_multimodal_messages([{"role": "user", "content": question}], images=images)
    inputs = processor.apply_chat_template(
        [messages], add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
    ).to(model.device)
    output = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
    return processor.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)


def answer_accuracy(model, processor, rows) -> tuple[float, float]:
    """(accuracy, chance level) of `model` on `rows`."""
    was_training = model.training
    model.eval()
    correct = 0
    for row in tqdm(rows, desc="answer accuracy", leave=False):
        prediction = answer(model, processor, row["messages"][0]["content"], row["images"])
        correct += _normalise(prediction) == _normalise(row["answer"])
    model.train(was_training)
    chance = sum(1 / len(row["choices"]) for row in rows) / len(rows)
    return correct / len(rows), chance
