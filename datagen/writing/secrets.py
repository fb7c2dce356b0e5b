"""Secrets never leave in a dataset: the values of the environment's tokens are looked for before a push.

A snippet, a model reply or an input file can carry a token into a sample (the old sandbox let code read
the pipeline's ``HF_TOKEN`` from ``/proc``). Before anything is uploaded every text of the dataset and its
card is searched for the value of each secret-looking environment variable.
"""

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from datasets import Dataset, Image


SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSW|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH", re.IGNORECASE)
MIN_SECRET_LENGTH = 8  # shorter values ("1", "true") are settings, and would match everywhere


class SecretInDataset(RuntimeError):
    """Raised instead of publishing a dataset that holds a secret."""


def secret_values(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """{variable name: value} for the secret-looking variables of the environment."""
    environ = os.environ if environ is None else environ
    return {
        name: value
        for name, value in environ.items()
        if SECRET_NAME.search(name) and len(value.strip()) >= MIN_SECRET_LENGTH
    }


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _holds_images(feature) -> bool:
    """An ``Image`` feature, or a list of them (``Sequence``/``List`` keep their item type in ``.feature``)."""
    if feature is None:
        return False
    return isinstance(feature, Image) or _holds_images(getattr(feature, "feature", None))


def _text_columns(dataset: Dataset) -> list[str]:
    """Every column but the images (their bytes are pixels, and decoding them all would be slow)."""
    return [name for name, feature in dataset.features.items() if not _holds_images(feature)]


def check_no_secrets(dataset: Dataset, card_path: Path | None = None, environ: Mapping[str, str] | None = None):
    """Raise ``SecretInDataset`` naming the variable and the row (never the value) if any secret appears."""
    secrets = secret_values(environ)
    if not secrets:
        return
    if card_path is not None and Path(card_path).exists():
        card = Path(card_path).read_text(encoding="utf-8", errors="replace")
        for name, value in secrets.items():
            if value in card:
                raise SecretInDataset(f"the value of ${name} appears in the dataset card {card_path}; not pushing")
    texts = dataset.select_columns(_text_columns(dataset))
    for index, row in enumerate(texts):
        for text in _strings(row):
            for name, value in secrets.items():
                if value in text:
                    raise SecretInDataset(
                        f"the value of ${name} appears in row {index} of the dataset; not pushing it. "
                        "Find where it came from (a snippet's output, a reply, an input), remove the row, "
                        "and rotate the token."
                    )
