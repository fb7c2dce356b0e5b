"""Decontamination against the evaluation suite: training rows whose images or questions are the benchmarks'.

    python -m evaluation.fetch_data data/eval                                  # the 18 benchmarks (a Hub machine)
    python -m train.decontaminate index --benchmarks data/eval --output outputs/benchmark_index.pkl
    python -m train.decontaminate report --index outputs/benchmark_index.pkl --stage 2 --output overlap.json
    python -m train.decontaminate report --index outputs/benchmark_index.pkl --data out/pt_ocr --output overlap.json

    from train.decontaminate import BenchmarkIndex, decontaminate
    index = BenchmarkIndex.load("outputs/benchmark_index.pkl")
    clean, report = decontaminate(dataset, index, "PT-OCR", num_proc=8)   # drops the overlapping rows
    print(report.table())

Images match by perceptual hash (pHash, 64 bits): a benchmark image resized, re-encoded or slightly cropped keeps
its hash within a few bits, an unrelated image differs in about half of them. Questions match by word 3-grams: a
benchmark question found in a user turn with another case, punctuation or accents matches, a question that shares
a few common words does not. The benchmarks are pt-PT translations, so the question side finds pt-PT training text
only (our datagen sets, translated sets); English originals are caught by their images.
"""

import argparse
import json
import logging
import os
import pickle
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

import datasets
import imagehash
import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from train.data import DEFAULT_MIX_FILE, load_source, text_content, usable_entries
from train.overlap_report import OverlapReport


logger = logging.getLogger(__name__)

# pHash on an 8 x 8 DCT: 64 bits. Measured on photographs and smooth synthetic images (the tests'): resizing and
# JPEG re-encoding move 0-2 bits, a 2 % crop on each side 4-10, a 5 % crop 10-18 (mostly missed: pHash is not made
# for crops); unrelated images differ in 32 bits on average and in 16 or more in every pair we measured. A larger
# hash (16 x 16) is more exact but keeps higher frequencies, which a crop changes: a 2 % crop moved 30-40 of 256.
HASH_SIZE = 8
# At most 10 differing bits is a match. Two uniformly random 64-bit hashes fall that close with probability 1.5e-8,
# so a million training images against 70 thousand benchmark images draw on the order of a thousand chance matches,
# 0.1 % of the data: decontamination errs towards dropping (a lost sample costs less than a score it inflates).
MAX_DISTANCE = 10
# Word 3-grams: VQA questions are 6-15 words, so GPT-3's 13-grams are longer than most of them, and single words (a
# bag of words) match "what colour is the car" to "what car is the colour"; a changed word breaks 3 trigrams only.
NGRAM = 3
# A question with fewer content trigrams (under 7 words) is not indexed, and a user turn must share this many with a
# question to match it: "Qual é o nome da loja?" is asked of many images, in a benchmark and in training sets alike,
# and its text cannot tell a copy from a coincidence. Its image still matches.
MIN_NGRAMS = 5
# A benchmark question and a user turn match when one holds 80 % of the other's content trigrams, whichever is
# shorter (the overlap coefficient, |Q & T| / min(|Q|, |T|)), and they share at least MIN_NGRAMS of them: a copy with
# another case, punctuation or accents scores 1, and so does a multiple-choice question copied without its options
# or a question with an instruction added; one word changed in a 10-word question keeps 5 of 8; an unrelated
# question that starts "Qual é o nome ..." shares two or three trigrams.
MIN_OVERLAP = 0.8
# A trigram in more than half of a benchmark's questions is its prompt ("... resolve o problema passo a passo ..."),
# not its content; only counted in benchmarks of at least this many questions, where a share means something.
BOILERPLATE_SHARE = 0.5
BOILERPLATE_MIN_QUESTIONS = 20
# A question asked more often than this in one benchmark is a template ("Que texto está escrito na imagem?"): it
# identifies no benchmark item, so it is not indexed.
MAX_REPEATS = 3
FORMAT_VERSION = 2
OVERLAP_COLUMN = "__overlap__"
FLAG_COLUMN = "__flagged__"
_IMAGE_MARKER = re.compile(r"<image[^>]*>", re.IGNORECASE)


def words(text: str) -> list[str]:
    """Lower-case words without accents or punctuation; `<image 1>` placeholders dropped."""
    text = unicodedata.normalize("NFKD", _IMAGE_MARKER.sub(" ", text))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return re.findall(r"\w+", text)


def ngrams(text: str, n: int = NGRAM) -> set[str]:
    """The word n-grams of `text`, normalised by `words`; none for a text shorter than n words."""
    tokens = words(text)
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def image_hash(image) -> int:
    """The 64-bit pHash of an image: PIL, or a `{"bytes"|"path"}` dict or a path, as datasets' Image feature reads."""
    if not isinstance(image, Image.Image):
        image = datasets.Image().decode_example(image if isinstance(image, dict) else {"path": image, "bytes": None})
    return int(str(imagehash.phash(image.convert("RGB"), hash_size=HASH_SIZE)), 16)


def _popcount(values: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2
        return np.bitwise_count(values)
    return np.unpackbits(values.view(np.uint8)).reshape(-1, 64).sum(axis=1)


def _bands(max_distance: int) -> list[tuple[int, int]]:
    """(shift, mask) of `max_distance + 1` disjoint bit bands covering the hash. Two hashes that differ in at most
    `max_distance` bits agree exactly on at least one band (pigeonhole), so looking up each band's bucket finds every
    near-duplicate without comparing against the whole index."""
    bits = HASH_SIZE * HASH_SIZE
    count = max_distance + 1
    if not 0 < count <= bits:
        raise ValueError(f"max_distance must be between 0 and {bits - 1}, got {max_distance}")
    widths = [bits // count + (i < bits % count) for i in range(count)]
    shifts = np.cumsum([0, *widths[:-1]])
    return [(int(shift), (1 << width) - 1) for shift, width in zip(shifts, widths)]


def user_texts(row: dict) -> list[str]:
    """The text of every user turn of a TRL row (`messages` for SFT, `prompt` for DPO)."""
    turns = [*(row.get("messages") or []), *(row.get("prompt") or [])]
    return [text_content(turn)["content"] for turn in turns if turn["role"] == "user"]


class BenchmarkIndex:
    """Perceptual hashes of every benchmark image and the content trigrams of every benchmark question.

    `from_benchmarks(folder)` builds it from the folder `python -m evaluation.fetch_data` writes, through the
    evaluation tasks' own readers; `match(row)` says which benchmarks a TRL row overlaps.
    """

    def __init__(self, state: dict):
        self.__setstate__(state)

    # Pickled (to a file, and to `Dataset.map`'s processes, whose cache fingerprint hashes it) as the compact state
    # alone: arrays and one list of trigrams; the lookup tables are rebuilt from it.
    def __getstate__(self) -> dict:
        return self.state

    def __setstate__(self, state: dict) -> None:
        self.state = state
        self.settings = state["settings"]
        self.benchmarks = state["benchmarks"]
        self.hashes = np.asarray(state["image_hashes"], dtype=np.uint64)
        self._buckets = self._image_buckets()
        self._gram_ids = {gram: i for i, gram in enumerate(state["grams"])}
        self._question_sizes = np.diff(state["question_offsets"]).astype(np.float64)
        self._postings, self._posting_offsets = self._question_postings()

    # Building

    @classmethod
    def from_items(cls, items: Iterable[tuple[str, int, list, str]], max_distance: int = MAX_DISTANCE):
        """An index of `(benchmark, document, images, question)` items."""
        benchmarks, hashes, owners, docs, questions = [], [], [], [], {}
        for benchmark, doc, images, question in items:
            if benchmark not in benchmarks:
                benchmarks.append(benchmark)
            for image in images:
                hashes.append(image_hash(image))
                owners.append(benchmarks.index(benchmark))
                docs.append(doc)
            questions.setdefault(benchmark, []).append((doc, question))
        state = {
            "version": FORMAT_VERSION,
            "settings": {
                "hash": f"phash {HASH_SIZE * HASH_SIZE} bits",
                "max_distance": max_distance,
                "ngram": NGRAM,
                "min_ngrams": MIN_NGRAMS,
                "min_overlap": MIN_OVERLAP,
            },
            "benchmarks": benchmarks,
            "image_hashes": np.array(hashes, dtype=np.uint64),
            "image_owner": np.array(owners, dtype=np.int32),
            "image_doc": np.array(docs, dtype=np.int64),
            "documents": {benchmark: len(asked) for benchmark, asked in questions.items()},
            **_content_questions(questions, benchmarks),
        }
        return cls(state)

    @classmethod
    def from_benchmarks(cls, folder: str | os.PathLike, tasks: list[str] | None = None, **settings):
        """The index of the benchmarks in `folder` (`DIR/<NAME>-PT`, as `evaluation.fetch_data` writes them); by
        default the 18 of Table 3. Each benchmark's documents, images and question are read by its own task
        definition (`process_docs`, `doc_to_visual`, `doc_to_text` without the prompt around the question)."""
        from evaluation.tasks import TAG, select  # the eval extra: only building an index needs it

        return cls.from_items(_benchmark_items(select(tasks or [TAG]), Path(folder)), **settings)

    # Saving

    def save(self, path: str | os.PathLike) -> None:
        """Pickle the index (plain lists and arrays; load only index files you made)."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as file:
            pickle.dump(self.state, file, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "BenchmarkIndex":
        with open(path, "rb") as file:
            state = pickle.load(file)
        if not isinstance(state, dict) or state.get("version") != FORMAT_VERSION:
            raise ValueError(
                f"{path} is not a benchmark index of format {FORMAT_VERSION}: rebuild it with "
                "`python -m train.decontaminate index --benchmarks DIR --output PATH`."
            )
        return cls(state)

    def summary(self) -> dict[str, dict[str, int]]:
        """Per benchmark: documents read, images hashed, questions indexed (distinct, not templates, long enough)."""
        images = Counter(self.state["image_owner"].tolist())
        questions = Counter(self.state["question_owner"])
        return {
            name: {"documents": self.state["documents"][name], "images": images[i], "questions": questions[i]}
            for i, name in enumerate(self.benchmarks)
        }

    # Looking up

    def _image_buckets(self) -> list[dict[int, np.ndarray]]:
        buckets = []
        for shift, mask in _bands(self.settings["max_distance"]):
            keys = (self.hashes >> np.uint64(shift)) & np.uint64(mask)
            order = np.argsort(keys, kind="stable")
            values, starts = np.unique(keys[order], return_index=True)
            buckets.append(dict(zip(values.tolist(), np.split(order, starts[1:]))))
        return buckets

    def _question_postings(self) -> tuple[np.ndarray, np.ndarray]:
        """For each trigram, the questions that hold it: `postings[offsets[g]:offsets[g + 1]]` for trigram id g."""
        grams, offsets = self.state["question_grams"], self.state["question_offsets"]
        questions = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        order = np.argsort(grams, kind="stable")
        counts = np.bincount(grams, minlength=len(self.state["grams"]))
        return questions[order], np.concatenate([[0], np.cumsum(counts)])

    def image_matches(self, hashed: int) -> dict[str, dict]:
        """The benchmarks holding an image within `max_distance` bits of `hashed`: the closest per benchmark."""
        bands = _bands(self.settings["max_distance"])
        found = [bucket.get((hashed >> shift) & mask) for (shift, mask), bucket in zip(bands, self._buckets)]
        found = [ids for ids in found if ids is not None]
        if not found:
            return {}
        candidates = np.concatenate(found)
        distances = _popcount(self.hashes[candidates] ^ np.uint64(hashed))
        close = distances <= self.settings["max_distance"]
        order = np.argsort(distances[close], kind="stable")  # the closest first
        matches = {}
        for candidate, distance in zip(candidates[close][order].tolist(), distances[close][order].tolist()):
            benchmark = self.benchmarks[self.state["image_owner"][candidate]]
            matches.setdefault(benchmark, {"distance": distance, "document": int(self.state["image_doc"][candidate])})
        return matches

    def question_matches(self, text: str) -> dict[str, dict]:
        """The benchmarks with a question that `text` overlaps (see MIN_OVERLAP): the closest question per
        benchmark."""
        grams = ngrams(text)
        ids = [self._gram_ids[gram] for gram in grams if gram in self._gram_ids]
        posted = [self._postings[self._posting_offsets[i] : self._posting_offsets[i + 1]] for i in ids]
        if not posted:
            return {}
        questions, hits = np.unique(np.concatenate(posted), return_counts=True)
        overlaps = hits / np.minimum(self._question_sizes[questions], len(grams))
        enough = (hits >= self.settings["min_ngrams"]) & (overlaps >= self.settings["min_overlap"])
        order = np.argsort(-overlaps[enough], kind="stable")  # the closest first
        matches = {}
        for question, overlap in zip(questions[enough][order].tolist(), overlaps[enough][order].tolist()):
            benchmark = self.benchmarks[self.state["question_owner"][question]]
            matches.setdefault(
                benchmark,
                {
                    "overlap": round(overlap, 3),
                    "document": self.state["question_doc"][question],
                    "benchmark_question": self.state["question_text"][question],
                    "training_text": text,
                },
            )
        return matches

    def match(self, row: dict) -> dict:
        """What one TRL row overlaps: `images` and `questions`, each {benchmark: the best match's details}, and how
        many of its images did not decode (`unreadable`)."""
        images, questions, unreadable = {}, {}, 0
        for image in row.get("images") or []:
            try:
                hashed = image_hash(image)
            except (OSError, ValueError) as error:  # PIL's decode errors (UnidentifiedImageError is an OSError)
                logger.debug(f"image not decoded: {error}")
                unreadable += 1
                continue
            for benchmark, detail in self.image_matches(hashed).items():
                if benchmark not in images or detail["distance"] < images[benchmark]["distance"]:
                    images[benchmark] = detail
        for text in user_texts(row):
            for benchmark, detail in self.question_matches(text).items():
                if benchmark not in questions or detail["overlap"] > questions[benchmark]["overlap"]:
                    questions[benchmark] = detail
        return {"images": images, "questions": questions, "unreadable": unreadable}


def _benchmark_items(benchmarks: list, folder: Path) -> Iterator[tuple[str, int, list, str]]:
    for benchmark in benchmarks:
        path, _ = benchmark.dataset_location(folder)  # raises, naming the missing folder and how to fetch it
        documents = datasets.load_from_disk(path)[benchmark.split]
        if benchmark.process_docs is not None:
            documents = benchmark.process_docs(documents)
        prompts = _blank_prompts(benchmark)
        for doc_id, doc in enumerate(tqdm(documents, desc=f"indexing {benchmark.task}")):
            yield benchmark.task, doc_id, benchmark.doc_to_visual(doc), benchmark.doc_to_text(doc, prompts)


def _blank_prompts(benchmark) -> dict | None:
    # The prompt around each question (pre_prompt, post_prompt, the answer-format instructions) is the same for every
    # document: blanked, so that the question's own words are what is indexed. Non-text settings (MMMU's
    # prompt_type) stay, the functions need them.
    if benchmark.prompts is None:
        return None
    return {key: "" if isinstance(value, str) else value for key, value in benchmark.prompts["default"].items()}


def _content_questions(questions: dict[str, list[tuple[int, str]]], benchmarks: list[str]) -> dict:
    """The questions worth indexing, with their content trigrams: distinct, not templates, not prompt words."""
    owners, docs, texts, grams = [], [], [], []
    for benchmark, asked in questions.items():
        repeats = Counter(" ".join(words(text)) for _, text in asked)
        sets = [ngrams(text) for _, text in asked]
        boilerplate = set()
        if len(asked) >= BOILERPLATE_MIN_QUESTIONS:
            shares = Counter(gram for found in sets for gram in found)
            boilerplate = {gram for gram, count in shares.items() if count > BOILERPLATE_SHARE * len(asked)}
        seen = set()
        for (doc, text), found in zip(asked, sets):
            key = " ".join(words(text))
            content = found - boilerplate
            if key in seen or repeats[key] > MAX_REPEATS or len(content) < MIN_NGRAMS:
                continue
            seen.add(key)
            owners.append(benchmarks.index(benchmark))
            docs.append(doc)
            texts.append(text)
            grams.append(sorted(content))
    vocabulary = sorted({gram for content in grams for gram in content})
    ids = {gram: i for i, gram in enumerate(vocabulary)}
    return {
        "question_owner": owners,
        "question_doc": docs,
        "question_text": texts,
        "grams": vocabulary,
        # Question q's content trigrams are question_grams[question_offsets[q]:question_offsets[q + 1]].
        "question_grams": np.array([ids[gram] for content in grams for gram in content], dtype=np.int64),
        "question_offsets": np.concatenate([[0], np.cumsum([len(content) for content in grams])]).astype(np.int64),
    }


def find_overlaps(
    rows: Iterable[dict], index: BenchmarkIndex, source_name: str, total: int | None = None
) -> OverlapReport:
    """Which of `rows` (TRL rows: `images`, and `messages` or `prompt`) overlap which benchmarks, counted per
    benchmark, with a few examples."""
    report = OverlapReport(settings=index.settings)
    for row_id, row in enumerate(tqdm(rows, desc=f"checking {source_name}", total=total)):
        report.add(source_name, row_id, index.match(row))
    return report


def _overlap_json(row: dict, index: BenchmarkIndex) -> dict:
    match = index.match(row)
    found = match["images"] or match["questions"] or match["unreadable"]
    return {OVERLAP_COLUMN: json.dumps(match, ensure_ascii=False) if found else ""}


def decontaminate(
    dataset: datasets.Dataset,
    index: BenchmarkIndex,
    source_name: str,
    drop: bool = True,
    num_proc: int | None = None,
) -> tuple[datasets.Dataset, OverlapReport]:
    """`dataset` without the rows that overlap a benchmark (all of it with `drop=False`), and the report.

    The matching runs in `num_proc` processes (`Dataset.map`, writing one short column); the drop is a
    `Dataset.filter` on that column alone, which reads no image again.
    """
    if not isinstance(dataset, datasets.Dataset):
        raise TypeError(
            f"decontaminate needs a map-style datasets.Dataset, got {type(dataset).__name__}: write a streamed "
            "source to disk first (python -m train.prepare_mix), or count its overlaps with find_overlaps."
        )
    found = dataset.map(
        _overlap_json,
        fn_kwargs={"index": index},
        remove_columns=dataset.column_names,
        features=datasets.Features({OVERLAP_COLUMN: datasets.Value("string")}),
        num_proc=num_proc,
        desc=f"matching {source_name} against the benchmarks",
    )[OVERLAP_COLUMN]
    report = OverlapReport(settings=index.settings)
    for row_id, encoded in enumerate(found):
        report.add(source_name, row_id, json.loads(encoded) if encoded else {})
    if not drop:
        return dataset, report
    flagged = [bool(encoded) and _overlaps(json.loads(encoded)) for encoded in found]
    kept = dataset.add_column(FLAG_COLUMN, flagged).filter(
        lambda flag: not flag, input_columns=FLAG_COLUMN, num_proc=num_proc, desc=f"dropping from {source_name}"
    )
    return kept.remove_columns(FLAG_COLUMN), report


def _overlaps(match: dict) -> bool:
    return bool(match["images"] or match["questions"])


def _mix_name(stage: str) -> str:
    return f"stage{stage}" if stage.isdigit() else stage


def _sources(args) -> Iterator[tuple[str, Iterable[dict], int | None]]:
    """(name, rows, expected count) of each source to check: the entries of a mix, or folders of prepared data."""
    if args.data:
        for folder in args.data:
            dataset = load_source({"path": str(folder)}, args.split)
            yield Path(folder).name, dataset, _count(dataset, args.limit)
        return
    for entry in usable_entries(_mix_name(args.stage), args.mix, skip_unavailable=True, licenses=args.licenses):
        source = entry["source"]
        try:
            dataset = load_source(source, source.get("split", "train"))
        except ValueError as error:
            raise ValueError(f"{entry['name']} ({entry['category']}): {error}") from error
        yield entry["name"], dataset, _count(dataset, args.limit) or entry.get("size")


def _check(rows, index: BenchmarkIndex, name: str, total: int | None, args) -> OverlapReport:
    if isinstance(rows, datasets.Dataset) and args.num_proc:  # map-style: the matching in parallel
        rows = rows.select(range(total)) if total is not None else rows
        return decontaminate(rows, index, name, drop=False, num_proc=args.num_proc)[1]
    return find_overlaps(islice(rows, args.limit), index, name, total)


def _count(dataset, limit: int | None) -> int | None:
    size = len(dataset) if isinstance(dataset, datasets.Dataset) else None
    return min(filter(None, (size, limit)), default=None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("index", help="hash the benchmarks' images and index their questions")
    build.add_argument("--benchmarks", type=Path, required=True, help="the folder evaluation.fetch_data wrote")
    build.add_argument("--output", type=Path, required=True)
    build.add_argument("--tasks", default=None, help="comma-separated task names (default: the 18 of Table 3)")
    build.add_argument("--max_distance", type=int, default=MAX_DISTANCE, help="pHash bits that may differ")
    check = commands.add_parser("report", help="count what a mix or prepared data shares with the benchmarks")
    check.add_argument("--index", type=Path, required=True)
    what = check.add_mutually_exclusive_group(required=True)
    what.add_argument("--stage", help="the mix to check: 1, 2, 3 (stage1, ...) or a mix name of --mix")
    what.add_argument("--data", nargs="+", type=Path, help="prepared data folders (save_to_disk or data files)")
    check.add_argument("--mix", type=Path, default=DEFAULT_MIX_FILE)
    check.add_argument("--licenses", default=None, help="check only the entries whose licence this accepts")
    check.add_argument("--split", default="train", help="the split of --data folders")
    check.add_argument("--limit", type=int, default=None, help="rows checked per source (default: all)")
    check.add_argument("--num_proc", type=int, default=None, help="processes for map-style sources (not streams)")
    check.add_argument("--output", type=Path, help="write the report here as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    if args.command == "index":
        tasks = args.tasks.split(",") if args.tasks else None
        index = BenchmarkIndex.from_benchmarks(args.benchmarks, tasks, max_distance=args.max_distance)
        index.save(args.output)
        for name, counts in index.summary().items():
            print(
                f"{name:<24} {counts['documents']:>7} documents {counts['images']:>7} images "
                f"{counts['questions']:>7} questions indexed"
            )
        print(f"Index written to {args.output}.")
        return
    index = BenchmarkIndex.load(args.index)
    report = OverlapReport(settings=index.settings)
    for name, rows, total in _sources(args):
        report.merge(_check(rows, index, name, total, args))
    print(report.table())
    if args.output:
        report.save(args.output)
        print(f"Report written to {args.output}.")


if __name__ == "__main__":
    main()
