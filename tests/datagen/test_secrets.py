"""The writer refuses to publish a dataset in which a secret of the environment appears."""

import pytest
from PIL import Image

from datagen.writing import cli
from datagen.writing.card import CardInfo
from datagen.writing.messages import make_row
from datagen.writing.secrets import SecretInDataset, check_no_secrets, secret_values
from datagen.writing.writer import per_item


SECRET = "hf_" + "LeakedDuringTheRun0123456789"


def _sample_quoting(text: str):
    def make(rng, index):
        answer = f"resposta {index}" + (f" {text}" if index == 3 else "")
        return make_row([Image.new("RGB", (8, 8))], [(f"pergunta {index}", answer)], task="toy")

    return make


def _main(text: str):
    card = CardInfo(pretty_name="Toy", summary="A toy set.", how_made="By a test.")
    return cli.main_for("toy", card, lambda args: per_item(_sample_quoting(text), args.seed))


def test_secret_looking_variables_are_the_ones_searched():
    environ = {"HF_TOKEN": SECRET, "OPENAI_API_KEY": "sk-" + "x" * 20, "HOME": "/root/long/enough", "X_TOKEN": "1"}
    assert set(secret_values(environ)) == {"HF_TOKEN", "OPENAI_API_KEY"}


def test_push_is_refused_when_a_token_value_is_in_a_sample(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", SECRET)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # were the check missing, the push would fail here, differently
    out = tmp_path / "toy"
    with pytest.raises(SecretInDataset, match=r"\$HF_TOKEN appears in row 3") as refused:
        _main(f"o token é {SECRET}")(["--num-samples", "6", "--output-dir", str(out), "--push-to-hub", "me/toy"])
    assert SECRET not in str(refused.value)  # the message names the variable, never the value


def test_a_clean_dataset_passes_the_check(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", SECRET)
    dataset = _main("nada a esconder")(["--num-samples", "6", "--output-dir", str(tmp_path / "toy")])
    check_no_secrets(dataset, tmp_path / "toy" / "README.md")
    with pytest.raises(SecretInDataset, match="dataset card"):
        check_no_secrets(dataset, tmp_path / "toy" / "README.md", environ={"HF_TOKEN": "A toy set."})
