"""InfographicSynth's chart topics written by a model, the step the paper used (Qwen3.5-122B wrote its content).

    python -m datagen.infographic_topics --output out/topics/topics.json --num-topics 200 \\
        --base-url http://gpu-1:8000/v1 --model qwen3.5-122b --concurrency 16
    python -m datagen.infographic_synth --num-samples 20000 --output-dir out/infographic_synth \\
        --topics out/topics/topics.json

Each of ``--num-topics`` requests asks for one chart topic, in pt-PT and English, as a JSON object (the
schema of ``datagen.sources.chart_topics``): title, unit, measure ("o número de visitantes"), 3-8
categories or "months", a plausible range of values (low, high, decimals) and whether the values add up
to a whole. Request ``i`` is on ``THEMES[i % len(THEMES)]`` (tourism, fisheries, energy, ... in Portugal)
and names the titles to avoid. The model writes only the topic: a chart's values are still drawn from the
topic's range, so its answers stay computed, and exact.

Replies are read tolerantly (the last JSON object, prose and code fences around it) and checked strictly:
missing or wrong-typed fields, low >= high, negative values for a measure that adds up or counts, decimals
outside 0-2, too few or too many categories, repeated labels or labels over 24 characters, a range too
narrow for distinct values, values of a million or more, a title another topic has (a built-in one or
one accepted before, case aside), pt-PT texts that the variety filter reads as pt-BR. A reply that fails
is asked again once (``--bad-reply-retries``), then skipped with its reason.

Requests go in rounds of one per theme, a round's requests at once (up to ``--concurrency``): each names
the built-in titles and those accepted on its theme in earlier rounds, and two of a round that come back
with one title keep the first (by index). So a topic depends on its index and the replies, never on the
concurrency or on how many topics a run asked for.

Writes ``--output`` (a JSON list of the accepted topics, for ``infographic_synth --topics``) and, in the
same folder (give it one of its own): ``chat_cache.jsonl`` (or ``--cache``), ``topics_progress.jsonl``
(one line per finished request: a re-run asks nothing again, and a larger ``--num-topics`` asks only for
the rest), ``skipped.jsonl`` (each rejected topic and why) and ``run_summary.json`` (asked, accepted,
rejected by reason), which it also prints.
"""

import argparse
import json
import math
import os
from pathlib import Path

from tqdm import tqdm

from datagen.filtering.classifier import add_variety_arguments, variety_filter_from
from datagen.filtering.variety import VarietyFilter
from datagen.model.chat_client import BadReply, ChatClient, ReplyCache, add_chat_arguments, settings_from, user_message
from datagen.model.model_steps import CACHE_FILE
from datagen.model.replies import json_objects
from datagen.sources.chart_data import TOPICS, Topic
from datagen.sources.chart_topics import (
    MAX_CATEGORIES,
    MAX_LABEL_CHARS,
    MIN_CATEGORIES,
    REPEATED_TITLE,
    InvalidTopic,
    titles_of,
    topic_from_json,
    topic_to_json,
)
from datagen.writing.cli import setup_logging
from datagen.writing.run_summary import SKIP_LOG, SkipLog, write_summary
from datagen.writing.writer import per_item_threaded


PROGRESS_FILE = "topics_progress.jsonl"
THEMES = (
    "turismo", "agricultura", "pescas", "energia", "transportes", "saúde", "educação", "cultura", "desporto",
    "habitação", "ambiente", "indústria", "comércio", "emprego", "população", "clima", "vinho", "florestas",
    "água", "ciência", "comunicações", "portos", "finanças públicas", "segurança",
)  # fmt: skip
TOPIC_PROMPT = (
    "Tema: {theme}.\n"
    "Propõe o conteúdo de um gráfico sobre {theme} em Portugal, com valores plausíveis. Responde só com um "
    "objeto JSON, com os textos em português europeu (pt-PT) e em inglês, como este:\n"
    '{{"title": {{"pt": "Visitantes por museu", "en": "Visitors per museum"}}, '
    '"unit": {{"pt": "milhares", "en": "thousands"}}, '
    '"measure": {{"pt": "o número de visitantes", "en": "the number of visitors"}}, '
    '"categories": [{{"pt": "Azulejo", "en": "Azulejo"}}, {{"pt": "Coches", "en": "Coaches"}}, '
    '{{"pt": "Arte Antiga", "en": "Ancient Art"}}], "low": 10, "high": 300, "decimals": 0, "additive": true}}\n'
    'Regras: de {min} a {max} categorias, cada uma com no máximo {chars} caracteres, ou "months" em vez da '
    "lista para um eixo de meses; low e high são os valores mínimo e máximo plausíveis, na unidade dada; "
    "decimals é 0, 1 ou 2; additive é true se os valores somam um todo com sentido (visitantes, vendas) e "
    "false se não (temperaturas, preços, taxas). Não uses nenhum destes títulos: {titles}."
)


def theme_of(index: int) -> str:
    return THEMES[index % len(THEMES)]


def parse_topic(reply: str, taken: set[str], variety: VarietyFilter) -> Topic:
    """The topic in a reply's last JSON object, or ``BadReply`` with the reason it cannot be used."""
    objects = json_objects(reply)
    if not objects:
        raise BadReply("the reply holds no JSON object")
    try:
        return topic_from_json(objects[-1], variety, taken)
    except InvalidTopic as error:
        raise BadReply(str(error)) from None


def _accepted(done: dict[int, dict], before: float = math.inf) -> list[dict]:
    """The progress entries of topics accepted at indices below ``before``, in index order."""
    return [done[index] for index in sorted(done) if index < before and done[index]["topic"]]


def _titles(entry: dict) -> set[str]:
    """An entry's titles in both languages, case aside; none for a rejected topic."""
    return {title.casefold() for title in entry["topic"]["title"].values()} if entry["topic"] else set()


def _taken(entries: list[dict]) -> set[str]:
    """The titles a new topic may not have: the built-in ones and those of ``entries``."""
    return titles_of(TOPICS).union(*(_titles(entry) for entry in entries))


class TopicAsker:
    """One request of a round -> its progress entry: the topic accepted, or the reason it was not."""

    def __init__(self, client: ChatClient, variety: VarietyFilter, earlier: list[dict]):
        self.client, self.variety, self.taken = client, variety, _taken(earlier)
        # Titles of other themes are checked, not named: a prompt naming every title would grow with the run.
        self.on_theme = {theme: [e["topic"]["title"]["pt"] for e in earlier if e["theme"] == theme] for theme in THEMES}

    def prompt(self, theme: str) -> str:
        titles = [topic.title["pt"] for topic in TOPICS] + self.on_theme[theme]
        return TOPIC_PROMPT.format(
            theme=theme, min=MIN_CATEGORIES, max=MAX_CATEGORIES, chars=MAX_LABEL_CHARS, titles="; ".join(titles)
        )

    def __call__(self, rng, index: int) -> dict:
        theme = theme_of(index)
        entry = {"index": index, "theme": theme, "model": self.client.settings.model, "topic": None, "reason": None}
        try:
            topic = self.client.complete(
                [user_message(self.prompt(theme))],
                parse=lambda reply: parse_topic(reply, self.taken, self.variety),
                temperature=0.7,  # the themes vary the requests; some warmth keeps a retry from repeating itself
                max_tokens=600,
            )
        except BadReply as error:
            return entry | {"reason": str(error)}
        return entry | {"topic": topic_to_json(topic)}


def reject_repeats(finished: list[dict], done: dict[int, dict], indices: range) -> list[dict]:
    """The round's ``finished`` entries, each checked against the titles of the round's earlier indices (its
    requests could not see each other's): of two with one title, the later is rejected."""
    taken = _taken(_accepted(done, indices.start))
    new = {entry["index"]: entry for entry in finished}
    checked = []
    for index in indices:
        entry = new.get(index) or done.get(index)
        if index in new:
            if _titles(entry) & taken:
                entry = entry | {"topic": None, "reason": REPEATED_TITLE}
            checked.append(entry)
        taken |= _titles(entry) if entry else set()
    return checked


def read_progress(path: Path, num_topics: int, model: str) -> dict[int, dict]:
    """The finished requests among the first ``num_topics``; a run may grow, not change its model."""
    done = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                index = int(entry["index"])
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a crash: that request is asked again (from the cache if it was usable)
            if entry.get("model") != model:
                raise ValueError(
                    f"{path} was written with --model {entry.get('model')}; use another --output folder, "
                    "or delete the progress file to start over"
                )
            if index < num_topics:
                done[index] = entry
    return done


def write_topics(path: Path, done: dict[int, dict]) -> int:
    """The accepted topics, in index order, as a JSON list; returns how many."""
    topics = [entry["topic"] for entry in _accepted(done)]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(topics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # never half a file: infographic_synth may be reading the last one
    return len(topics)


def ask_round(asker: TopicAsker, indices: list[int], concurrency: int, bar: tqdm) -> list[dict]:
    finished = []
    for entry in per_item_threaded(asker, 0, concurrency)(indices):
        finished.append(entry)
        bar.update()
    return finished


def print_summary(summary: dict) -> None:
    print(
        f"infographic_topics: {summary['requested']} topics asked for, {summary['kept']} accepted, "
        f"{summary['skipped_for_bad_replies']} rejected"
        + "".join(f"\n  {count} x {reason}" for reason, count in summary["skip_reasons"].items())
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, help="the topics file to write (JSON), in a folder of its own")
    parser.add_argument("--num-topics", type=int, required=True, help="requests to make, one topic each")
    parser.add_argument("--cache", help=f"reply cache (JSONL); default {CACHE_FILE} next to --output")
    add_chat_arguments(parser)
    add_variety_arguments(parser)
    # Asked again once, then skipped: the theme comes back in the next round anyway.
    parser.set_defaults(bad_reply_retries=1)
    return parser


def ask_all(args: argparse.Namespace, client: ChatClient, folder: Path) -> dict[int, dict]:
    """Every request's progress entry: those of earlier runs read back, the others asked round by round."""
    progress = folder / PROGRESS_FILE
    done = read_progress(progress, args.num_topics, args.model)
    variety, skips = variety_filter_from(args), SkipLog(folder / SKIP_LOG)
    rounds = [
        range(start, min(start + len(THEMES), args.num_topics)) for start in range(0, args.num_topics, len(THEMES))
    ]
    pending = [index for index in range(args.num_topics) if index not in done]
    with tqdm(total=len(pending), desc="infographic_topics") as bar, open(progress, "a", encoding="utf-8") as record:
        for indices in rounds:
            asked = [index for index in indices if index not in done]
            if not asked:
                continue
            asker = TopicAsker(client, variety, _accepted(done, indices.start))
            finished = ask_round(asker, asked, client.settings.total_concurrency, bar)
            for entry in reject_repeats(finished, done, indices):
                if entry["reason"]:
                    skips.record(entry["index"], entry["reason"])
                record.write(json.dumps(entry, ensure_ascii=False) + "\n")
                done[entry["index"]] = entry
            record.flush()  # a killed run keeps every round it finished
    return done


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    setup_logging()
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    client = ChatClient(settings_from(args), ReplyCache(args.cache or output.parent / CACHE_FILE))
    done = ask_all(args, client, output.parent)
    summary = write_summary(output.parent, args.num_topics, write_topics(output, done), {"requests_sent": client.sent})
    print_summary(summary)
    return summary


if __name__ == "__main__":
    main()
