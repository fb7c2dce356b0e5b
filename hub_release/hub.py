"""Pushing a folder to the Hub in one commit, with an error that says what happened when the Hub cannot be reached.

A commit on the Hub is atomic: either every file of the folder lands in it or none does. So a push that fails
leaves the repository as it was (at most created, empty, when the failure comes after `create_repo`).
"""

from pathlib import Path


class PushError(RuntimeError):
    pass


def push_folder(
    folder: Path,
    repo_id: str,
    repo_type: str = "model",
    private: bool = False,
    revision: str = "main",
    commit_message: str | None = None,
    space_sdk: str | None = None,
    allow_patterns: list[str] | None = None,
) -> str:
    """Uploads every file of `folder` (or those `allow_patterns` match) to `repo_id` at `revision` in a single
    commit; returns the commit URL."""
    from huggingface_hub import HfApi

    api = HfApi()
    try:
        api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True, space_sdk=space_sdk)
        if revision != "main":
            api.create_branch(repo_id, repo_type=repo_type, branch=revision, exist_ok=True)
        commit = api.upload_folder(
            folder_path=str(folder),
            repo_id=repo_id,
            repo_type=repo_type,
            revision=revision,
            commit_message=commit_message or f"Release from {Path(folder).name}",
            allow_patterns=allow_patterns,
        )
    except Exception as error:  # connection refused, DNS, TLS, HTTP 4xx/5xx: all end the push the same way
        raise PushError(
            f"Could not push {folder} to the Hub repository {repo_id} at {api.endpoint} "
            f"({type(error).__name__}: {error}). No commit was made: the repository holds none of these files. "
            "Check your network, HF_ENDPOINT and your token (`hf auth login`), then run the push again."
        ) from error
    return str(commit)
