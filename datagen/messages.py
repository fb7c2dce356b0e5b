"""The training contract: TRL's vision chat format (``messages`` + ``images``) and its checker."""

from datasets import Features, Image, List, Value

FEATURES = Features(
    {
        "messages": List(
            {"role": Value("string"), "content": List({"type": Value("string"), "text": Value("string")})}
        ),
        "images": List(Image()),
        # Which task template made the row: lets a data mix be re-weighted without re-generating.
        "task": Value("string"),
    }
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


def check_row(row: dict) -> None:
    """Raise ``ValueError`` naming the problem if ``row`` breaks the training contract."""
    messages = row["messages"]
    if not messages or messages[-1]["role"] != "assistant":
        raise ValueError(f"a row must end with an assistant turn, got roles {[m['role'] for m in messages]}")
    placeholders = 0
    for message in messages:
        if message["role"] not in ROLES:
            raise ValueError(f"unknown role {message['role']!r}; use one of {ROLES}")
        for item in message["content"]:
            if item["type"] == "image":
                placeholders += 1
            elif item["type"] != "text" or not item["text"]:
                raise ValueError(f"content items must be images or non-empty texts, got {item!r}")
    if placeholders != len(row["images"]):
        raise ValueError(f"{placeholders} image placeholders but {len(row['images'])} images in the row")
