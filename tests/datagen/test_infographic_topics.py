"""datagen.infographic_topics against the fake OpenAI server (scripted replies, one per theme) and against
``transformers serve``; then infographic_synth on the topics it wrote."""

import hashlib
import json
import random

import pytest

from datagen import infographic_synth, infographic_topics
from datagen.infographic_topics import THEMES
from datagen.render.charts import TEMPLATES
from datagen.sources.chart_data import TOPICS
from datagen.sources.chart_topics import load_topics
from datagen.tasks.chart_questions import ask
from tests.datagen.test_infographic_synth import _check, _many_charts


def _topic(pt, en, categories, low, high, decimals=0, additive=True, unit=("milhares", "thousands"), measure=None):
    measure = measure or (f"o número de {pt.split()[0].lower()}", f"the number of {en.split()[0].lower()}")
    if categories != "months":
        categories = [{"pt": p, "en": e} for p, e in categories]
    return {
        "title": {"pt": pt, "en": en},
        "unit": dict(zip(("pt", "en"), unit)),
        "measure": dict(zip(("pt", "en"), measure)),
        "categories": categories,
        "low": low,
        "high": high,
        "decimals": decimals,
        "additive": additive,
    }


DESTINATIONS = [("Lisboa", "Lisbon"), ("Porto", "Porto"), ("Algarve", "Algarve"), ("Madeira", "Madeira")]
GUESTS = _topic("Hóspedes por destino", "Guests by destination", DESTINATIONS + [("Açores", "Azores")], 20, 900)
MILK = _topic(
    "Produção mensal de leite", "Monthly milk production", "months", 100, 190,
    unit=("milhões de litros", "million litres"), measure=("a produção de leite", "the milk production"),
)  # fmt: skip
FISH = _topic(
    "Preço do peixe em lota", "Fish price at auction",
    [("Sardinha", "Sardine"), ("Carapau", "Horse mackerel"), ("Polvo", "Octopus"), ("Cavala", "Mackerel")],
    1.5, 14, decimals=2, additive=False, unit=("€/kg", "€/kg"), measure=("o preço médio", "the average price"),
)  # fmt: skip
POWER = _topic(
    "Preço da eletricidade por mês", "Electricity price by month", "months", 40, 160, decimals=1, additive=False,
    unit=("€/MWh", "€/MWh"), measure=("o preço da eletricidade", "the electricity price"),
)  # fmt: skip
VALID = [GUESTS, MILK, FISH, POWER]  # additive and not, over categories and over months
CAMPSITES = _topic("Dormidas em parques de campismo", "Campsite nights", DESTINATIONS[:3], 5, 400)


def _json(topic) -> str:
    return json.dumps(topic, ensure_ascii=False)


# What the model answers on each theme: four good topics (one wrapped in prose and a code fence), then one
# reply for each reason a topic is rejected.
REPLIES = {
    "turismo": "Claro! Segue o tema (em {JSON}):\n\n```json\n" + _json(GUESTS) + "\n```\nEspero que sirva.",
    "agricultura": _json(MILK),
    "pescas": _json(FISH),
    "energia": _json(POWER),
    "transportes": _json(
        _topic("Usuários de ônibus por cidade", "Bus users by city", DESTINATIONS, 10, 500)
    ),  # pt-BR: usuários, ônibus
    "saúde": _json({key: value for key, value in GUESTS.items() if key != "measure"}),
    "educação": _json(_topic("Alunos por escola", "Pupils per school", DESTINATIONS, "20", 900)),
    "cultura": _json(_topic("Espetadores por teatro", "Spectators per theatre", DESTINATIONS, 300, 10)),
    "desporto": _json(_topic("Golos por clube", "Goals per club", DESTINATIONS, -5, 90)),
    "habitação": _json(_topic("Casas vendidas", "Houses sold", DESTINATIONS, 1, 90, decimals=3)),
    "ambiente": _json(_topic("Árvores plantadas", "Trees planted", DESTINATIONS[:2], 1, 90)),
    "indústria": _json(
        _topic("Fábricas por distrito", "Factories per district", [(f"D{k}", f"D{k}") for k in range(9)], 1, 90)
    ),
    "comércio": _json(_topic("Lojas por cidade", "Shops per town", DESTINATIONS + [("LISBOA", "LISBON")], 1, 90)),
    "emprego": _json(
        _topic(
            "Empregos por área", "Jobs by area", DESTINATIONS + [("Área Metropolitana de Lisboa", "Lisbon area")], 1, 90
        )
    ),
    "população": _json(_topic("taxa de DESEMPREGO por região", "Jobless rate", DESTINATIONS, 1, 20, additive=False)),
    "clima": "Não sei dizer.",
    "vinho": _json(
        _topic("PRODUÇÃO MENSAL DE LEITE", "Milk by month", "months", 10, 90)
    ),  # agricultura's, a round later
    "florestas": _json(_topic("Incêndios por mês", "Fires per month", "months", 1, 5)),  # 5 values for 12 months
    "água": _json(GUESTS | {"title": {"pt": "Água por região", "en": "Water by region"}, "categories": "regions"}),
    "ciência": _json(_topic("Artigos publicados", "Papers published", DESTINATIONS, 10, 5_000_000)),
    "comunicações": _json(GUESTS | {"title": {"pt": "Chamadas", "en": "Calls"}, "additive": "sim"}),
    "portos": _json(GUESTS | {"title": "Navios por porto"}),
    "finanças públicas": _json(_topic("Impostos por tipo", "Taxes by kind", DESTINATIONS + [(" ", "IRS")], 1, 90)),
    "segurança": _json(
        _topic("Ocorrências", "Incidents", DESTINATIONS, -3, 40, additive=False)  # "the number of" cannot be negative
    ),
}
REASONS = {
    "the pt-PT texts read as pt-BR": 1,
    "'measure' is missing": 1,
    "'low' is not a number": 1,
    "'low' is not below 'high'": 1,
    "negative values for a measure that adds up or counts": 2,
    "'decimals' is not a whole number from 0 to 2": 1,
    "fewer than 3 categories": 1,
    "more than 8 categories": 1,
    "two categories have the same label": 1,
    "a category label is over 24 characters": 1,
    "the title is that of another topic": 2,  # a built-in title, and one accepted earlier in the round
    "the reply holds no JSON object": 1,
    "a range too narrow for distinct values": 1,
    "'categories' is neither \"months\" nor a list of pt and en labels": 1,
    "values of 1,000,000 or more (a larger unit reads better)": 1,
    "'additive' is not true or false": 1,
    "'title' is not an object of pt and en texts": 1,
    "a category has an empty text": 1,
}


@pytest.fixture
def scripted_server(tmp_path, fake_server):
    """A fake server that answers each theme as REPLIES says; in the second round, turismo (whose prompt
    now names its accepted title) gets a new topic, and agricultura repeats its own."""
    script = {GUESTS["title"]["pt"]: _json(CAMPSITES)} | {f"Tema: {theme}.": reply for theme, reply in REPLIES.items()}
    path = tmp_path / "script.json"
    path.write_text(json.dumps(script, ensure_ascii=False))
    return lambda: fake_server("--replies", str(path))


def _run(output, server, num_topics: int, *extra: str) -> dict:
    return infographic_topics.main(
        ["--output", str(output), "--num-topics", str(num_topics), "--base-url", server.url, "--model", "fake"]
        + ["--concurrency", "4", "--backoff", "0", *extra]
    )


def test_themes_fill_one_round_of_the_script():
    assert set(REPLIES) == set(THEMES)


def test_valid_topics_are_kept_and_each_bad_one_is_rejected_with_its_reason(tmp_path, scripted_server):
    output, server = tmp_path / "topics" / "topics.json", scripted_server()
    summary = _run(output, server, len(THEMES))

    assert json.loads(output.read_text()) == VALID  # the fenced one read, in index order
    assert [topic.title["pt"] for topic in load_topics(output)] == [t["title"]["pt"] for t in VALID]
    assert summary["requested"] == len(THEMES) and summary["kept"] == len(VALID)
    assert summary["skip_reasons"] == REASONS
    skipped = [json.loads(line) for line in (output.parent / "skipped.jsonl").read_text().splitlines()]
    assert sorted(entry["index"] for entry in skipped) == list(range(len(VALID), len(THEMES)))
    # Asked once when usable, twice when not; vinho's topic is usable alone and rejected with its round.
    assert len(server.answered) == summary["requests_sent"] == len(VALID) + 1 + 2 * (len(THEMES) - len(VALID) - 1)


def test_a_rerun_asks_nothing_and_a_larger_run_asks_only_for_the_rest(tmp_path, scripted_server):
    output = tmp_path / "topics" / "topics.json"
    _run(output, scripted_server(), len(THEMES))
    again = scripted_server()
    assert _run(output, again, len(THEMES))["kept"] == len(VALID)
    assert again.answered == []

    more = scripted_server()
    summary = _run(output, more, len(THEMES) + 2)  # turismo and agricultura again
    assert len(set(more.answered)) == 2
    assert json.loads(output.read_text()) == VALID + [CAMPSITES]
    assert summary["kept"] == len(VALID) + 1 and summary["skip_reasons"]["the title is that of another topic"] == 3
    with pytest.raises(ValueError, match="--model fake"):
        _run(output, more, len(THEMES), "--model", "another")


def _topics_file(tmp_path, topics=VALID):
    path = tmp_path / "topics.json"
    path.write_text(json.dumps(topics, ensure_ascii=False))
    return path


def _new_topic_of(data, topics):
    return next((topic for topic in topics if topic.title[data.language] == data.title), None)


def _check_drawn_from(data, template, topic) -> None:
    """A chart on a file's topic: shown by a template that suits it, its labels and values the topic's."""
    assert not template.ordered or topic.monthly, (template, data.title)
    assert not template.parts or topic.additive, (template, data.title)
    if not topic.monthly:
        assert set(data.categories) <= set(topic.labels(data.language)[0])
    assert all(topic.low <= value <= topic.high for values in data.series.values() for value in values)


def test_infographic_synth_draws_charts_from_the_topics_and_answers_from_their_data(tmp_path, monkeypatch):
    path = _topics_file(tmp_path)
    added = load_topics(path)
    charts, answers = [], []
    render, compute = infographic_synth.render_chart, infographic_synth.ask

    def recording_render(rng, name, data):
        charts.append((name, data))
        return render(rng, name, data)

    def recording_ask(rng, data, *args, **kwargs):
        answers.append((data, compute(rng, data, *args, **kwargs)))
        return answers[-1][1]

    monkeypatch.setattr(infographic_synth, "render_chart", recording_render)
    monkeypatch.setattr(infographic_synth, "ask", recording_ask)
    dataset = infographic_synth.main(
        ["--num-samples", "12", "--output-dir", str(tmp_path / "out"), "--topics", str(path)]
    )
    assert len(dataset) == 12
    builtin = {topic.title[lang] for topic in TOPICS for lang in ("pt", "en")}
    on_file = [(name, data, _new_topic_of(data, added)) for name, data in charts if data.title not in builtin]
    assert on_file and all(topic for _, _, topic in on_file)  # every chart on a built-in or a file's topic
    for name, data, topic in on_file:
        _check_drawn_from(data, TEMPLATES[name], topic)
    for data, answer in answers:
        _check(data, answer)


def test_many_charts_on_file_topics_suit_their_templates(tmp_path):
    added = load_topics(_topics_file(tmp_path))
    seen = set()
    for seed, (name, data) in enumerate(_many_charts(300, TOPICS + added)):
        topic = _new_topic_of(data, added)
        if topic:
            seen.add(topic.title["pt"])
            _check_drawn_from(data, TEMPLATES[name], topic)
            _check(data, ask(random.Random(seed), data))
    assert seen == {topic["title"]["pt"] for topic in VALID}


@pytest.mark.parametrize(
    "content, problem",
    [
        ("{not json", "is not JSON"),
        ("[]", "holds no topics"),
        (
            _json([GUESTS, FISH | {"low": 20, "high": 3}]),
            r"topics.json: topic 2 \(.*Preço do peixe.*\): 'low' is not below",
        ),
        (_json([GUESTS, GUESTS]), r"topic 2 .*: the title is that of another topic"),
        (_json([MILK | {"decimals": 5}]), r"topic 1 .*'decimals' is not a whole number"),
        (_json([GUESTS | {"title": {"pt": "Usuários do ônibus", "en": "Bus users"}}]), r"topic 1 .*read as pt-BR"),
    ],
)
def test_a_bad_topics_file_is_refused_naming_the_problem(tmp_path, content, problem):
    path = tmp_path / "topics.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=problem):
        infographic_synth.main(["--num-samples", "2", "--output-dir", str(tmp_path / "out"), "--topics", str(path)])
    assert not (tmp_path / "out").exists()  # refused before anything is made


def test_a_run_resumed_with_another_topics_file_is_refused(tmp_path):
    """Shards drawn from one topics file never join shards drawn from another (the manifest holds its digest)."""
    path, out = _topics_file(tmp_path), tmp_path / "out"
    args = ["--num-samples", "4", "--shard-size", "2", "--output-dir", str(out), "--topics", str(path)]
    infographic_synth.main(args)
    manifest = json.loads((out / "datagen_manifest.json").read_text())
    assert manifest["content"] == {"topics": hashlib.sha256(path.read_bytes()).hexdigest()}
    (out / "_shards").mkdir()  # as an interrupted run of these topics leaves it
    (out / "_shards" / "datagen_manifest.json").write_text(json.dumps(manifest))
    path.write_text(_json([GUESTS]))
    with pytest.raises(ValueError, match="delete that folder"):
        infographic_synth.main(args)


def test_a_tiny_random_model_writes_no_topic_and_the_run_ends_cleanly(served_tiny_vlm, tmp_path):
    output = tmp_path / "topics" / "topics.json"
    summary = infographic_topics.main(
        ["--output", str(output), "--num-topics", "2", "--base-url", served_tiny_vlm.base_url]
        + ["--model", served_tiny_vlm.model, "--max-tokens", "12", "--concurrency", "2", "--backoff", "0"]
        + ["--request-timeout", "120"]
    )
    assert json.loads(output.read_text()) == []
    assert summary["requested"] == 2 and summary["kept"] == 0 and summary["skipped_for_bad_replies"] == 2
    assert summary["requests_sent"] >= 2  # it really asked the server
    skipped = [json.loads(line) for line in (output.parent / "skipped.jsonl").read_text().splitlines()]
    assert sorted(entry["index"] for entry in skipped) == [0, 1] and all(entry["reason"] for entry in skipped)
