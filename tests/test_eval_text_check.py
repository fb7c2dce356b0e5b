"""`python -m evaluation.text_check`: a VLM against its base language model on text-only pt-PT prompts.

The tiny VLM's own language model, extracted as a `LlamaForCausalLM`, must score exactly as the VLM does (a zero
difference measured through both paths, not assumed); a base trained on the answers must beat the untouched VLM,
reported as a regression, and one taught a pt-BR reply must be flagged; missing models and broken data fail the command.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from datasets import Dataset, DatasetDict
from transformers import AutoModelForImageTextToText, AutoProcessor, AutoTokenizer, LlamaForCausalLM

from datagen.filtering.variety import VarietyFilter
from evaluation import text_check
from hub_release.convert_llava_next import convert


REPOSITORY = Path(__file__).resolve().parents[1]
LIMIT = 4
PT_BR_ANSWER = "Você está fazendo o café da manhã."
# EuroEval's multiple-choice schema: the question and its "a. ..." option lines in `text`, the letter in `label`.
CHOICE_ROWS = [
    {"text": "Pergunta: Qual é a capital de Portugal?\nOpções:\na. Porto\nb. Lisboa\nc. Braga\nd. Faro", "label": "b"},
    {"text": "Pergunta: Quantos dias tem uma semana?\nOpções:\na. Sete\nb. Cinco\nc. Dez\nd. Doze", "label": "a"},
    {"text": "Pergunta: Que cor tem o céu limpo?\nOpções:\na. Verde\nb. Vermelho\nc. Azul\nd. Preto", "label": "c"},
]


def extract_language_model(vlm_dir: Path, output_dir: Path) -> Path:
    """The VLM's language model as a plain `LlamaForCausalLM`, with the VLM's tokenizer and ChatML template."""
    vlm = AutoModelForImageTextToText.from_pretrained(vlm_dir, trust_remote_code=True, dtype=torch.float32)
    processor = AutoProcessor.from_pretrained(vlm_dir, trust_remote_code=True)
    prefix = "model.language_model."
    state = {f"model.{k[len(prefix) :]}": v for k, v in vlm.state_dict().items() if k.startswith(prefix)}
    state["lm_head.weight"] = vlm.state_dict()["lm_head.weight"]
    base = LlamaForCausalLM(vlm.config.text_config)
    base.load_state_dict(state, strict=True)
    base.generation_config = vlm.generation_config
    base.save_pretrained(output_dir)
    tokenizer = processor.tokenizer
    tokenizer.chat_template = processor.chat_template
    tokenizer.save_pretrained(output_dir)
    return output_dir


def train_on_answers(base_dir: Path, output_dir: Path, pairs: list[tuple[str, str]], steps: int = 100) -> Path:
    """The base taught to give `answer` to each `instruction`: loss on the answers' tokens, all pairs one batch."""
    model = LlamaForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    lm = text_check.load_base(str(base_dir), dtype="float32", device="cpu")
    rows = []
    for instruction, answer in pairs:
        prompt = lm.encode_chat(instruction)
        answer_ids = lm.tokenizer(answer, add_special_tokens=False)["input_ids"] + [lm.tokenizer.eos_token_id]
        rows.append((prompt + answer_ids, [-100] * len(prompt) + answer_ids))
    width = max(len(ids) for ids, _ in rows)
    # Padded on the right, where the mask and the -100 labels keep padding out of attention and loss.
    input_ids = torch.tensor([ids + [lm.tokenizer.pad_token_id] * (width - len(ids)) for ids, _ in rows])
    labels = torch.tensor([labels + [-100] * (width - len(labels)) for _, labels in rows])
    attention_mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in rows])
    torch.manual_seed(0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        optimizer.zero_grad()
        model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss.backward()
        optimizer.step()
    model.save_pretrained(output_dir)
    lm.tokenizer.save_pretrained(output_dir)
    return output_dir


def write_choice_mirror(data_dir: Path, rows: list[dict] = CHOICE_ROWS) -> Path:
    for folder in ("mmlu-pt-mini", "goldenswag-pt-mini"):
        DatasetDict({"test": Dataset.from_list(rows)}).save_to_disk(str(data_dir / folder))
    return data_dir


@pytest.fixture(scope="module")
def models(tiny_checkpoint, tmp_path_factory):
    root = tmp_path_factory.mktemp("text-check")
    data_dir = write_choice_mirror(root / "data")
    base = extract_language_model(tiny_checkpoint, root / "base")
    instructions = [item["instruction"] for item in text_check.shipped_prompts()[:LIMIT]]
    # Better at pt-PT: the reviewed references and the gold letters.
    references = [(item["instruction"], item["reference"]) for item in text_check.shipped_prompts()[:LIMIT]]
    letters = [(item["instruction"], item["gold"]) for item in text_check.mirrored_choice_set(data_dir, "mmlu-pt-mini")]
    trained = train_on_answers(base, root / "trained-base", references + letters)
    # Worse: a pt-BR reply ("você", the gerund progressive) to every instruction.
    brazilian = train_on_answers(base, root / "pt-br-base", [(text, PT_BR_ANSWER) for text in instructions])
    return tiny_checkpoint, base, trained, brazilian, data_dir


def _check(model: Path, base: Path, data_dir: Path, output_dir: Path, tasks: str = "all") -> dict:
    argv = ["--model", str(model), "--base", str(base), "--data_dir", str(data_dir), "--tasks", tasks]
    argv += ["--limit", str(LIMIT), "--max_new_tokens", "12", "--device", "cpu", "--output_dir", str(output_dir)]
    assert text_check.main(argv) == 0
    return json.loads((output_dir / "text_check.json").read_text())


def _samples(output_dir: Path, task: str) -> list[dict]:
    return [json.loads(line) for line in (output_dir / "samples" / f"{task}.jsonl").read_text().splitlines()]


def test_shipped_prompts_read_as_pt_pt():
    items = text_check.shipped_prompts()
    variety_filter = VarietyFilter()
    assert len(items) >= 16 and len({item["id"] for item in items}) == len(items)
    flagged = [(i["id"], k) for i in items for k in ("instruction", "reference") if variety_filter.is_pt_br(i[k])]
    assert flagged == []


def test_the_vlm_and_its_own_language_model_score_identically(models, tmp_path):
    vlm, base, _, _, data_dir = models
    summary = _check(vlm, base, data_dir, tmp_path)
    assert set(summary["tasks"]) == set(text_check.TASKS) and summary["prompts"]["same_tokens"]
    for name, row in summary["tasks"].items():
        assert row["difference"] == 0 and not row["regression"], name
    # Per item too, not only on average: the same log-likelihoods and the same greedy answers.
    for row in _samples(tmp_path, "pt_instructions_nll"):
        assert row["model"]["nll"] == row["base"]["nll"] and row["model"]["tokens"] > 0
    for row in _samples(tmp_path, "mmlu_pt"):
        assert row["model"]["logprobs"] == row["base"]["logprobs"]
    answers = [(row["model"]["answer"], row["base"]["answer"]) for row in _samples(tmp_path, "pt_instructions_variety")]
    assert all(ours == theirs for ours, theirs in answers) and any(ours for ours, _ in answers)
    assert "| pt_instructions_nll (n=4) |" in (tmp_path / "text_check.md").read_text()


def test_a_generation_setting_saved_with_one_model_does_not_change_its_answers(models, tmp_path):
    # A repetition penalty in the base's generation_config would make greedy answers differ without the weights
    # differing; the check generates both with the same bare greedy settings.
    vlm, base, _, _, data_dir = models
    penalised = tmp_path / "penalised-base"
    shutil.copytree(base, penalised)
    config = json.loads((penalised / "generation_config.json").read_text())
    (penalised / "generation_config.json").write_text(json.dumps(config | {"repetition_penalty": 50.0}))
    summary = _check(vlm, penalised, data_dir, tmp_path / "out", tasks="pt_instructions_variety")
    assert summary["tasks"]["pt_instructions_variety"]["difference"] == 0
    assert all(
        row["model"]["answer"] == row["base"]["answer"] for row in _samples(tmp_path / "out", "pt_instructions_variety")
    )


def test_the_llava_next_export_scores_as_its_own_language_model_too(models, tmp_path):
    # The released AMALIA-VL weights are llava_next checkpoints: the check reads them through their own processor.
    vlm, base, _, _, data_dir = models
    export = tmp_path / "llava-next"
    assert convert(vlm, export) == "llava_next"
    summary = _check(export, base, data_dir, tmp_path / "out", tasks="pt_instructions_nll,mmlu_pt")
    assert summary["prompts"]["same_tokens"]
    assert [row["difference"] for row in summary["tasks"].values()] == [0, 0]


def test_a_better_base_shows_the_vlm_regressing(models, tmp_path):
    vlm, _, trained, _, data_dir = models
    summary = _check(vlm, trained, data_dir, tmp_path)
    nll, choice = summary["tasks"]["pt_instructions_nll"], summary["tasks"]["mmlu_pt"]
    # The trained base is more likely to produce the references (lower NLL) and picks the gold letters.
    assert nll["difference"] > 0.5 and nll["regression"]
    assert choice["base"] == 1.0 and choice["difference"] < 0 and choice["regression"]
    assert "regression" in text_check.markdown(summary)


def test_a_pt_br_base_shows_the_vlm_better_on_variety(models, tmp_path):
    vlm, _, _, brazilian, data_dir = models
    summary = _check(vlm, brazilian, data_dir, tmp_path, tasks="pt_instructions_variety")
    variety = summary["tasks"]["pt_instructions_variety"]
    answers = [row["base"]["answer"] for row in _samples(tmp_path, "pt_instructions_variety")]
    # What it was taught (cut at the 12 new tokens), which the filter must flag.
    assert len(answers) == LIMIT and all(answer.startswith("Você está fazendo") for answer in answers)
    assert variety["base"] == 1.0 and variety["difference"] == variety["model"] - 1.0 < 0
    assert not variety["regression"]


def test_a_base_without_chat_template_is_refused(models, tmp_path):
    _, base, _, _, _ = models
    tokenizer = AutoTokenizer.from_pretrained(base)
    tokenizer.chat_template = None
    tokenizer.save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="no chat template"):
        text_check.load_base(str(tmp_path))


def test_broken_data_fails_before_loading_models(tmp_path):
    write_choice_mirror(tmp_path, [{"text": "Pergunta sem opções", "label": "a"}])
    with pytest.raises(ValueError, match="not one of its options"):
        text_check.mirrored_choice_set(tmp_path, "mmlu-pt-mini")
    DatasetDict({"test": Dataset.from_list([{"question": "?", "answer": "a"}])}).save_to_disk(str(tmp_path / "x"))
    with pytest.raises(ValueError, match="EuroEval's schema"):
        text_check.mirrored_choice_set(tmp_path, "x")
    with pytest.raises(ValueError, match="--data_dir"):
        text_check.select_tasks(["mmlu_pt"], None)


@pytest.mark.parametrize(("broken", "message"), [("model", "missing-checkpoint"), ("data", "does not exist")])
def test_the_command_exits_non_zero(models, tmp_path, broken, message):
    vlm, base, _, _, data_dir = models
    model = tmp_path / "missing-checkpoint" if broken == "model" else vlm
    data = tmp_path if broken == "data" else data_dir  # tmp_path holds no mirror
    command = [sys.executable, "-m", "evaluation.text_check", "--model", str(model), "--base", str(base)]
    command += ["--data_dir", str(data), "--tasks", "pt_instructions_nll,mmlu_pt", "--limit", "1"]
    command += ["--device", "cpu", "--output_dir", str(tmp_path / "out")]
    result = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and message in result.stderr
    assert not (tmp_path / "out" / "text_check.json").exists()
