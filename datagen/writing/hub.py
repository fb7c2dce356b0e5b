"""Pushing a generated dataset and its card to the Hugging Face Hub."""

import logging
from pathlib import Path

from datasets import Dataset
from huggingface_hub import HfApi

from datagen.writing.secrets import check_no_secrets


logger = logging.getLogger(__name__)


def push_dataset(dataset: Dataset, card_path: Path, repo_id: str, private: bool = False) -> None:
    """Upload the data as Parquet, then replace the auto-generated card with ours.

    Needs a token with write access (``hf auth login`` or ``HF_TOKEN``). Refuses (``SecretInDataset``),
    before uploading anything, a dataset or card in which the value of a secret environment variable appears.
    """
    check_no_secrets(dataset, card_path)
    logger.info("pushing %d rows to https://huggingface.co/datasets/%s", len(dataset), repo_id)
    dataset.push_to_hub(repo_id, private=private)
    HfApi().upload_file(path_or_fileobj=str(card_path), path_in_repo="README.md", repo_id=repo_id, repo_type="dataset")
