import pytest
from datasets import Dataset
from datasets import Image as ImageFeature
from PIL import Image

from datagen import add_reasoning, pt_caps_fusion, pt_vqa_gen
from datagen.filtering.caption_similarity import cosine, most_dissimilar, without_outliers
from datagen.model.chat_client import BadReply
from datagen.model.replies import final_answer, json_list
from datagen.pt_vqa_gen import balanced_order
from datagen.sources.image_inputs import ImageInputs
from datagen.writing.messages import FEATURES, make_row


SERVER_ARGS = ["--backoff", "0.01", "--max-retries", "3", "--concurrency", "3", "--request-timeout", "5"]
# The fake server's concept for each colour ("Animais." shows that replies are normalised).
COLOUR_OF = {
    "comida e bebida": "vermelho",
    "natureza e paisagens": "verde",
    "transportes": "azul",
    "animais": "amarelo",
}


def test_outliers_and_most_dissimilar_captions():
    captions = [
        "a red car parked on a quiet street",
        "a red car parked on a street at night",
        "a small red car on an empty street",
        "a red vehicle beside the road",
        "three penguins swimming in icy water",  # no other model saw this: an outlier
    ]
    kept = without_outliers(captions)
    assert kept == [0, 1, 2, 3]
    chosen = most_dissimilar(captions, kept)
    assert len(chosen) == 3 and 3 in chosen  # the odd-but-corroborated view is kept for diversity
    assert cosine("a b c", "x y z") == 0.0 and cosine("casa azul", "casa azul") == pytest.approx(1.0)


def test_caps_fusion_end_to_end(tmp_path, fake_server, coloured_images):
    server = fake_server("--fail-every", "6")
    out = pt_caps_fusion.main(
        [
            "--inputs",
            str(coloured_images),
            "--num-samples",
            "4",
            "--output-dir",
            str(tmp_path / "out"),
            "--base-url",
            server.url,
            *SERVER_ARGS,
            "--caption-models",
            "m1,m2,m3,m4",
            "--fusion-model",
            "big",
            "--model",
            "tradutor",
        ]
    )
    assert len(out) == 4
    assert all(len(row["task"].split("/")[1].split("+")) == 3 for row in out)
    assert len(server.answered) == 4 * (4 + 1 + 1)  # captions, merge, translation


def test_vqa_gen_runs_all_five_stages(tmp_path, fake_server, coloured_images):
    server = fake_server("--malformed-every", "5")
    out = pt_vqa_gen.main(
        [
            "--inputs",
            str(coloured_images),
            "--num-samples",
            "8",
            "--output-dir",
            str(tmp_path / "out"),
            "--base-url",
            server.url,
            *SERVER_ARGS,
            "--model",
            "gemma",
            "--judge-model",
            "pequeno",
        ]
    )
    assert len(out) == 8
    concepts = [row["task"].split("/")[1] for row in out]
    assert concepts == sorted(COLOUR_OF) * 2  # inputs taken round-robin across concepts
    for row, concept in zip(out, concepts, strict=True):
        colour = COLOUR_OF[concept].capitalize()
        questions = [m["content"][-1]["text"] for m in row["messages"][::2]]
        answers = [m["content"][-1]["text"] for m in row["messages"][1::2]]
        # Stage 3 drops the pt-BR question ("Você ..."), stage 5 the easy one ("Quantos ..."):
        assert [q.split("\n")[0] for q in questions] == ["De que cor é a imagem?"]
        kind = row["task"].rsplit("/", 1)[1]
        if kind == "reasoning":
            assert answers[0].endswith(f"Resposta: {colour}")
        elif kind == "short":
            assert answers[0] == colour
        else:
            assert f"{answers[0]}) {colour}" in questions[0]


def test_json_list_tolerates_prose_and_refuses_garbage():
    reply = 'Aqui está:\n```json\n[{"question": "Q", "answer": "A"}]\n```'
    assert json_list(reply) == [{"question": "Q", "answer": "A"}]
    assert json_list("Primeiro [1, 2] e depois [3]") == [3]  # the last list that parses
    for garbage in ("[1, 2", "sem JSON"):
        with pytest.raises(BadReply, match="no JSON list"):
            json_list(garbage)


def test_balanced_order_interleaves_concepts():
    concepts = ["a", "a", "a", "a", "b", "c", "c"]
    order = balanced_order(concepts)
    assert sorted(order) == list(range(7))
    assert [concepts[i] for i in order[:5]] == ["a", "b", "c", "a", "c"]


def test_reasoning_is_kept_only_when_it_reaches_the_known_answer(tmp_path, fake_server):
    red = Image.new("RGB", (16, 16), (200, 30, 30))
    rows = [make_row([red], [("De que cor é a imagem?", "Vermelho"), ("E a cor do fundo?", "Azul")], task="cores")]
    inputs = tmp_path / "inputs"
    Dataset.from_list(rows, features=FEATURES).save_to_disk(str(inputs))
    server = fake_server()
    out = add_reasoning.main(
        ["--inputs", str(inputs), "--num-samples", "1", "--output-dir", str(tmp_path / "out"), "--base-url", server.url]
    )
    answers = [m["content"][0]["text"] for m in out[0]["messages"][1::2]]
    assert answers[0].startswith("Observo a imagem") and answers[0].endswith("Resposta: Vermelho")
    assert answers[1] == "Azul"  # the fake model's trace said "Vermelho": the plain, true answer stays
    assert out[0]["task"] == "reasoning/cores"


def test_reasoning_keeps_the_answer_format_a_prompt_asks_for(tmp_path, fake_server):
    red = Image.new("RGB", (16, 16), (200, 30, 30))
    turns = [
        ("De que cor é a imagem? A) Vermelho B) Azul. Responde só com a letra.", "A"),
        ("Answer with a single word: what colour is it?", "Vermelho"),
        ("De que cor é a imagem?", "Vermelho"),
    ]
    inputs = tmp_path / "inputs"
    Dataset.from_list([make_row([red], turns, task="cores")], features=FEATURES).save_to_disk(str(inputs))
    server = fake_server()
    out = add_reasoning.main(
        ["--inputs", str(inputs), "--num-samples", "1", "--output-dir", str(tmp_path / "out"), "--base-url", server.url]
    )
    answers = [m["content"][0]["text"] for m in out[0]["messages"][1::2]]
    assert answers[:2] == ["A", "Vermelho"] and answers[2].endswith("Resposta: Vermelho")
    assert len(server.answered) == 1  # the fixed-format turns were never sent


@pytest.mark.parametrize(
    "trace, answer",
    [
        ("Penso. Resposta: 42", "42"),
        ("Passo 1...\n**Resposta:** 42", "42"),
        ("Resposta: 7 (primeira ideia)\nVerifico de novo.\n**Resposta final**: *42*.", "42"),
        ("Answer: «Sim»", "Sim"),
        ("sem conclusão", None),
    ],
)
def test_final_answer_reads_the_last_statement_through_markdown(trace, answer):
    assert final_answer(trace) == answer


def test_image_inputs_from_a_dataset_and_clear_errors(tmp_path, coloured_images):
    images = [Image.new("RGB", (8, 8), "red"), Image.new("RGB", (9, 8), "blue")]
    Dataset.from_dict({"foto": images}).cast_column("foto", ImageFeature()).save_to_disk(str(tmp_path / "ds"))
    inputs = ImageInputs(tmp_path / "ds", column="foto")
    assert len(inputs) == 2 and inputs[1].size == (9, 8)
    with pytest.raises(ValueError, match="pass --image-column"):
        ImageInputs(tmp_path / "ds")
    with pytest.raises(ValueError, match="exceeds the 12 inputs"):
        pt_caps_fusion.main(
            [
                "--inputs",
                str(coloured_images),
                "--num-samples",
                "13",
                "--output-dir",
                str(tmp_path / "o"),
                "--caption-models",
                "a",
                "--fusion-model",
                "b",
            ]
        )
    with pytest.raises(ValueError, match="use --concurrency, not --num-proc"):
        pt_caps_fusion.main(
            [
                "--inputs",
                str(coloured_images),
                "--num-samples",
                "2",
                "--num-proc",
                "2",
                "--output-dir",
                str(tmp_path / "o"),
                "--caption-models",
                "a",
                "--fusion-model",
                "b",
            ]
        )


def test_the_paper_s_60_concepts_and_36_personas_are_shipped_in_pt_pt():
    import json

    from datagen.filtering.variety import VarietyFilter
    from datagen.pt_vqa_gen import PERSONAS_FILE

    table = json.loads(PERSONAS_FILE.read_text(encoding="utf-8"))
    assert len(set(table["concepts"])) == 60 and len(set(table["personas"])) == 36
    assert not [text for text in table["concepts"] + table["personas"] if VarietyFilter().is_pt_br(text)]
