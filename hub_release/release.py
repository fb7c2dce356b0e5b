"""Make a Hub release of an AMALIA-VL checkpoint: a folder that is the model repository, checked, then pushed.

    # a local release folder, checked in a clean process
    python hub_release/release.py outputs/amalia-vl-tiny-sft --output releases/amalia-vl-tiny-sft
    # the same, then pushed to the Hub in one commit (after the check), with the stage config it was trained with
    python hub_release/release.py checkpoints/amalia-vl-stage2 --output releases/stage2 \
        --stage-config train/configs/stage2.yaml --repo-id me/AMALIA-VL-SFT --push --private
    # with the scores of `python -m evaluation.run ... --output_dir results/stage2` in its card
    python hub_release/release.py checkpoints/amalia-vl-stage2 --output releases/stage2 --eval-results results/stage2
    # and its Gradio demo as a Space (hub_release/space/, the model named in model.txt)
    python hub_release/release.py checkpoints/amalia-vl-stage2 --output releases/stage2 \
        --repo-id me/AMALIA-VL-SFT --push --space-id me/AMALIA-VL-demo

The folder holds safetensors shards with their index, the config with its `auto_map`, the three code files, the
processor and tokenizer, the example images under examples/, and README.md, the model card generated from the
checkpoint and its training run. The release check loads it in a fresh Python process that can import only the
runtime dependencies (hub_release/release_check.py); a folder that fails it is never pushed.
"""

import argparse
import logging
import shutil
import sys
from pathlib import Path


if __package__ in (None, ""):  # run as a script: the repository root holds the `hub_release` package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub_release.eval_results import read_eval_run  # noqa: E402
from hub_release.examples import write_examples  # noqa: E402
from hub_release.hub import PushError, push_folder  # noqa: E402
from hub_release.model_card import model_card  # noqa: E402
from hub_release.release_check import ReleaseCheckError, check_release  # noqa: E402
from hub_release.space_release import stage_space  # noqa: E402
from hub_release.training_run import read_stage_config, read_training_run  # noqa: E402


logger = logging.getLogger("release")
DEFAULT_SHARD_SIZE = "2GB"


def save_model_files(checkpoint: Path, output: Path, max_shard_size: str):
    """Weights (sharded, with an index), config with auto_map, code files, processor; returns (config, processor)."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    # Loading through the checkpoint's own code files makes save_pretrained copy those very files.
    model = AutoModelForImageTextToText.from_pretrained(checkpoint, trust_remote_code=True, dtype="auto")
    processor = AutoProcessor.from_pretrained(checkpoint, trust_remote_code=True)
    model.save_pretrained(output, max_shard_size=max_shard_size)
    processor.save_pretrained(output)
    return model.config, processor


def build_release(
    checkpoint: Path,
    output: Path,
    stage_config=None,
    repo_id: str | None = None,
    revision: str = "main",
    max_shard_size: str = DEFAULT_SHARD_SIZE,
    eval_results: Path | None = None,
) -> Path:
    """Writes the release folder (the card names `repo_id`, or the folder itself for a local release)."""
    checkpoint, output = Path(checkpoint), Path(output)
    if output.exists() and output.resolve() == checkpoint.resolve():
        raise ValueError("--output must be a new folder, not the checkpoint itself")
    if output.exists() and any(output.iterdir()):
        if not (output / "config.json").exists():
            raise FileExistsError(f"{output} exists and is not a model folder: choose a new --output folder")
        shutil.rmtree(output)  # an earlier release is rebuilt whole: no stale shard of it survives
    output.mkdir(parents=True)
    config, processor = save_model_files(checkpoint, output, max_shard_size)
    examples = write_examples(output)
    run = read_training_run(checkpoint, stage_config)
    evaluation = read_eval_run(eval_results) if eval_results else None
    card = model_card(
        config, processor, run, examples, output, repo_id=repo_id, revision=revision, evaluation=evaluation
    )
    card.save(output / "README.md")
    logger.info("wrote the release folder %s", output)
    return output


def check(release: Path) -> dict:
    from hub_release.examples import EXAMPLES

    example = EXAMPLES[0][0]
    summary = check_release(release, example.question, release / example.file)
    logger.info("release check passed: %s answered %r", summary["model_class"], summary["pipeline_answer"])
    return summary


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path, help="an AMALIA-VL checkpoint or training output folder")
    parser.add_argument("--output", type=Path, required=True, help="the release folder to write")
    parser.add_argument("--stage-config", type=Path, help="the stage YAML the checkpoint was trained with")
    parser.add_argument(
        "--base-model",
        action="append",
        help="a Hub model this checkpoint was fine-tuned from (repeatable; default: the parents its shape shows)",
    )
    parser.add_argument("--repo-id", help="the model repository, e.g. me/AMALIA-VL-SFT (the card names it)")
    parser.add_argument("--push", action="store_true", help="push the checked folder to --repo-id in one commit")
    parser.add_argument("--private", action="store_true", help="create the repository private")
    parser.add_argument("--revision", default="main", help="the branch to push to (created if missing)")
    parser.add_argument("--space-id", help="also push the Gradio demo (hub_release/space/) of --repo-id to this Space")
    parser.add_argument(
        "--eval-results",
        type=Path,
        help="an `evaluation.run` output folder: its scores become the card's model-index and evaluation table",
    )
    parser.add_argument("--max-shard-size", default=DEFAULT_SHARD_SIZE)
    args = parser.parse_args(argv)
    if (args.push or args.space_id) and not args.repo_id:
        parser.error("--push and --space-id need --repo-id (the model repository)")
    return args


def publish(
    checkpoint: Path,
    output: Path,
    stage_config=None,
    repo_id: str | None = None,
    push: bool = False,
    private: bool = False,
    revision: str = "main",
    space_id: str | None = None,
    max_shard_size: str = DEFAULT_SHARD_SIZE,
    eval_results: Path | None = None,
) -> Path:
    """Build the release folder, check it, then push the model (`push`) and its demo Space (`space_id`), each in
    one commit. Raises ReleaseCheckError before any push, PushError when the Hub refuses or cannot be reached.
    train/sft.py's --push_to_hub calls this, so a trained model is published with the same card and check."""
    release = build_release(checkpoint, output, stage_config, repo_id, revision, max_shard_size, eval_results)
    check(release)
    if push:
        url = push_folder(release, repo_id, private=private, revision=revision)
        logger.info("pushed %s to %s", release, url)
    if space_id:
        space = stage_space(release.parent / f"{release.name}-space", repo_id)
        url = push_folder(space, space_id, repo_type="space", private=private, space_sdk="gradio")
        logger.info("pushed the demo of %s to %s", repo_id, url)
    return release


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    stage_config = read_stage_config(args.stage_config)
    if args.base_model:
        stage_config["base_model"] = args.base_model
    try:
        publish(
            args.checkpoint,
            args.output,
            stage_config,
            args.repo_id,
            push=args.push,
            private=args.private,
            revision=args.revision,
            space_id=args.space_id,
            max_shard_size=args.max_shard_size,
            eval_results=args.eval_results,
        )
    except ReleaseCheckError as error:
        logger.error("%s", error)
        return 1
    except PushError as error:
        logger.error("%s", error)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
