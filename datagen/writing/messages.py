"""The training contract: TRL's vision formats and their checks.

SFT rows are ``messages`` + ``images``; preference (DPO) rows are ``prompt``, ``chosen`` and ``rejected``
message lists + ``images``. Every row also names the ``task`` template that made it, so that a data mix
can be re-weighted without re-generating.
"""

from collections.abc import Callable
from dataclasses import dataclass

from datasets import Features, Image, List, Value


MESSAGES = List({"role": Value("string"), "content": List({"type": Value("string"), "text": Value("string")})})

FEATURES = Features({"messages": MESSAGES, "images": List(Image()), "task": Value("string")})
PREFERENCE_FEATURES = Features(
    {"prompt": MESSAGES, "chosen": MESSAGES, "rejected": MESSAGES, "images": List(Image()), "task": Value("string")}
)

MESSAGE_FIELDS_DOC = """- `images`: the images, one per `{"type": "image"}` placeholder, in order.
- `task`: the task template that made the row."""
SFT_FIELDS_DOC = (
    """- `messages`: the dialogue in TRL's vision chat format: a list of `{"role", "content"}` turns whose
  content items are `{"type": "image"}` placeholders or `{"type": "text", "text": ...}`.
"""
    + MESSAGE_FIELDS_DOC
)
PREFERENCE_FIELDS_DOC = (
    """- `prompt`: the user turn (TRL's conversational preference format, images as placeholders).
- `chosen` / `rejected`: the preferred and the dispreferred assistant turn.
"""
    + MESSAGE_FIELDS_DOC
)

ROLES = ("system", "user", "assistant")


def user_turn(text: str, num_images: int = 0) -> dict:
    """A user message whose images come first, then the question (how the paper's prompts read)."""
    content = [{"type": "image", "text": None} for _ in range(num_images)]
    content.append({"type": "text", "text": text})
    return {"role": "user", "content": content}


def assistant_turn(text: str) -> dict:
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}


def make_row(images: list, turns: list[tuple[str, str]], task: str) -> dict:
    """One dataset row: all images go into the first user turn, then (question, answer) pairs follow."""
    messages = []
    for position, (question, answer) in enumerate(turns):
        messages.append(user_turn(question, num_images=len(images) if position == 0 else 0))
        messages.append(assistant_turn(answer))
    return {"messages": messages, "images": list(images), "task": task}


def message_text(message: dict) -> str:
    """The text items of a message, joined: what a model is asked, without its image placeholders."""
    return " ".join(item["text"] for item in message["content"] if item["type"] == "text")


def _count_placeholders(messages: list[dict]) -> int:
    placeholders = 0
    for message in messages:
        if message["role"] not in ROLES:
            raise ValueError(f"unknown role {message['role']!r}; use one of {ROLES}")
        for item in message["content"]:
            if item["type"] == "image":
                placeholders += 1
            elif item["type"] != "text" or not item["text"]:
                raise ValueError(f"content items must be images or non-empty texts, got {item!r}")
    return placeholders


def _check_images(placeholders: int, row: dict) -> None:
    if placeholders != len(row["images"]):
        raise ValueError(f"{placeholders} image placeholders but {len(row['images'])} images in the row")


def check_row(row: dict) -> None:
    """Raise ``ValueError`` naming the problem if an SFT row breaks the training contract."""
    messages = row["messages"]
    if not messages or messages[-1]["role"] != "assistant":
        raise ValueError(f"a row must end with an assistant turn, got roles {[m['role'] for m in messages]}")
    _check_images(_count_placeholders(messages), row)


def check_preference_row(row: dict) -> None:
    """Raise ``ValueError`` if a preference row is not prompt -> (chosen, rejected) with matching images."""
    for side in ("chosen", "rejected"):
        if [m["role"] for m in row[side]] != ["assistant"] or _count_placeholders(row[side]):
            raise ValueError(f"`{side}` must be one assistant turn without images")
    if row["chosen"] == row["rejected"]:
        raise ValueError("`chosen` and `rejected` are the same answer")
    _check_images(_count_placeholders(row["prompt"]), row)


@dataclass(frozen=True)
class RowFormat:
    """The columns of a dataset, the check every row must pass before it is written, and their card text."""

    features: Features
    check: Callable[[dict], None]
    fields_doc: str


SFT_FORMAT = RowFormat(FEATURES, check_row, SFT_FIELDS_DOC)
PREFERENCE_FORMAT = RowFormat(PREFERENCE_FEATURES, check_preference_row, PREFERENCE_FIELDS_DOC)
