"""inference/ask.py, the command-line question answering users start with."""

from inference.ask import answer, main, sample_image


def test_asks_a_checkpoint_about_an_image_file(tiny_checkpoint, tmp_path, capsys):
    path = tmp_path / "formas.png"
    sample_image().save(path)
    main(["--model", str(tiny_checkpoint), "--image", str(path), "--max-new-tokens", "3", "Que cor tem o quadrado?"])
    printed = capsys.readouterr().out
    assert "Pergunta: Que cor tem o quadrado?" in printed and "Resposta:" in printed


def test_without_a_model_it_builds_the_tiny_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    main(["--max-new-tokens", "2"])
    assert (tmp_path / "checkpoints" / "amalia-vl-tiny" / "modeling_amalia_vl.py").exists()
    assert "Resposta:" in capsys.readouterr().out


def test_answers_text_only_questions(tiny_checkpoint):
    from transformers import AutoModel, AutoProcessor

    model = AutoModel.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    processor = AutoProcessor.from_pretrained(tiny_checkpoint, trust_remote_code=True)
    assert isinstance(answer(model, processor, [], "Olá, como estás?", max_new_tokens=3), str)
