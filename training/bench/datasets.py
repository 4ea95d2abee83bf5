"""The public benchmark datasets, read from their original files (see each folder's SOURCE.md).

Each loader returns a frozen `Benchmark`: an intent task (train / validation / test examples and the label
set), a retrieval task (corpus, retriever training pairs, validation and test queries with the corpus
positions relevant to each), or both. Everything random is drawn from `random.Random(seed)`.
"""

from __future__ import annotations

import csv
import json
import os
import random
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from training.data import IntentExample, RetrievalPair, assign_groups

T = TypeVar("T")

DATASETS = ("banking77", "clinc150", "bitext", "stackfaq")
FOLDERS = {
    "banking77": "banking77",
    "clinc150": "clinc150",
    "bitext": "bitext_customer_support",
    "stackfaq": "stackfaq",
}
BITEXT_FILE = "Bitext_Sample_Customer_Support_Training_Dataset.csv"
STACKFAQ_FILE = "stackExchange-FAQ.xml"
OOS_LABEL = "oos"
CALIBRATION_FRACTION = 0.1  # BANKING77 has no validation split: this much of train is held out per intent


@dataclass(frozen=True, slots=True)
class IntentTask:
    train: tuple[IntentExample, ...]
    validation: tuple[IntentExample, ...]  # for calibration only; may be empty
    test: tuple[IntentExample, ...]
    labels: tuple[str, ...]
    oos_label: str | None = None  # set when one label means "out of scope" (CLINC150)


@dataclass(frozen=True, slots=True)
class QuerySet:
    texts: tuple[str, ...]
    relevant: tuple[frozenset[int], ...]  # per query, the corpus positions that answer it


@dataclass(frozen=True, slots=True)
class RetrievalTask:
    corpus: tuple[RetrievalPair, ...]  # what is searched
    train: tuple[RetrievalPair, ...]  # what the chatbot's retriever is fine-tuned on
    validation: QuerySet  # for choosing among index texts; never the test queries
    test: QuerySet


@dataclass(frozen=True, slots=True)
class Benchmark:
    name: str
    split: str  # how train / validation / test were made, with their sizes
    intent: IntentTask | None = None
    retrieval: RetrievalTask | None = None


@dataclass(frozen=True, slots=True)
class FaqThread:
    question: str
    answers: tuple[str, ...]
    first_half: tuple[str, ...]  # the paraphrased queries before the `*` separator
    second_half: tuple[str, ...]  # and after it


def default_datasets_dir() -> Path:
    """$CHATBOT_DATASETS_DIR, else `shared/datasets` beside the repository."""
    configured = os.environ.get("CHATBOT_DATASETS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


# ---------------------------------------------------------------------------------------------- sampling


def _by_key(items: Iterable[T], key: Callable[[T], Hashable]) -> dict[Hashable, list[int]]:
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for position, item in enumerate(items):
        groups[key(item)].append(position)
    return groups


def sample_per_class(examples: Sequence[IntentExample], k: int, *, seed: int) -> tuple[IntentExample, ...]:
    """K examples of each label (all of a label with fewer), drawn with `seed`, in their original order."""
    rng = random.Random(seed)
    groups = _by_key(examples, lambda e: e.label)
    chosen: list[int] = []
    for label in sorted(groups, key=str):
        positions = groups[label]
        chosen.extend(rng.sample(positions, min(k, len(positions))))
    return tuple(examples[i] for i in sorted(chosen))


def hold_out_per_class(
    examples: Sequence[IntentExample], fraction: float, *, seed: int
) -> tuple[tuple[IntentExample, ...], tuple[IntentExample, ...]]:
    """(kept, held out): `fraction` of each label (at least one of a label with two or more), drawn with `seed`."""
    rng = random.Random(seed)
    groups = _by_key(examples, lambda e: e.label)
    held: set[int] = set()
    for label in sorted(groups, key=str):
        positions = groups[label]
        n = max(1, round(len(positions) * fraction)) if len(positions) >= 2 else 0
        held.update(rng.sample(positions, n))
    kept = tuple(e for i, e in enumerate(examples) if i not in held)
    return kept, tuple(e for i, e in enumerate(examples) if i in held)


def relevance(keys: Sequence[str], corpus_keys: Sequence[str]) -> tuple[frozenset[int], ...]:
    """For each query key, the corpus positions with the same key."""
    positions = _by_key(corpus_keys, lambda key: key)
    return tuple(frozenset(positions.get(key, ())) for key in keys)


# ---------------------------------------------------------------------------------------------- readers


def read_banking77(folder: Path) -> tuple[tuple[IntentExample, ...], tuple[IntentExample, ...], tuple[str, ...]]:
    """(train, test, the 77 intent names) from `train.csv` / `test.csv` (`text,category`)."""

    def read(name: str) -> tuple[IntentExample, ...]:
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return tuple(IntentExample(r["text"], r["category"], f"{name}#{i}") for i, r in enumerate(rows))

    labels = tuple(sorted(json.loads((folder / "categories.json").read_text(encoding="utf-8"))))
    return read("train.csv"), read("test.csv"), labels


def read_clinc150(folder: Path) -> dict[str, tuple[IntentExample, ...]]:
    """Each key of `data_full.json` (train, val, test, oos_train, oos_val, oos_test) as examples."""
    raw = json.loads((folder / "data_full.json").read_text(encoding="utf-8"))
    return {
        key: tuple(IntentExample(text, label, f"{key}#{i}") for i, (text, label) in enumerate(rows))
        for key, rows in raw.items()
    }


def read_bitext(folder: Path) -> tuple[RetrievalPair, ...]:
    """Every row as (instruction, response, intent), read by the project's `csv_qa` format (strict)."""
    from knowledge_base.formats import csv_qa

    path = folder / BITEXT_FILE
    parsed = csv_qa.parse(path.read_text(encoding="utf-8"), source=str(path), strict=True)
    return tuple(
        RetrievalPair(pair.question, pair.answer, f"row{i}", pair.intent) for i, pair in enumerate(parsed.qa_pairs)
    )


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def read_stackfaq(folder: Path) -> tuple[FaqThread, ...]:
    """Every `<qapair>` thread: its question, answers and the two halves of its paraphrased queries."""
    root = ET.parse(folder / STACKFAQ_FILE).getroot()
    threads = []
    for element in root.iter("qapair"):
        queries = [_clean(e.text) for e in element.findall("rephr")]
        cut = queries.index("*")
        threads.append(
            FaqThread(
                question=_clean(element.findtext("question")),
                answers=tuple(_clean(e.text) for e in element.findall("answer")),
                first_half=tuple(queries[:cut]),
                second_half=tuple(queries[cut + 1 :]),
            )
        )
    return tuple(threads)


# ---------------------------------------------------------------------------------------------- benchmarks


def _limited(train: tuple[IntentExample, ...], limit_per_class: int | None, seed: int) -> tuple[IntentExample, ...]:
    return sample_per_class(train, limit_per_class, seed=seed) if limit_per_class else train


def _sizes(train: Sequence[object], validation: Sequence[object], test: Sequence[object]) -> str:
    return f"train {len(train):,} / validation {len(validation):,} / test {len(test):,}"


def banking77(folder: Path, *, seed: int, limit_per_class: int | None) -> Benchmark:
    """Official train / test. Full data: a stratified 10% of train is held out for calibration (all systems
    train on the rest). K-shot: K train examples per intent, no validation (calibration is skipped; the
    reported metrics use the raw argmax, which calibration does not change)."""
    train, test, labels = read_banking77(folder)
    if limit_per_class:
        train, validation = _limited(train, limit_per_class, seed), ()
        how = f"{limit_per_class} train examples per intent sampled with seed {seed}, no calibration split"
    else:
        train, validation = hold_out_per_class(train, CALIBRATION_FRACTION, seed=seed)
        how = f"stratified {CALIBRATION_FRACTION:.0%} of official train held out for calibration (seed {seed})"
    task = IntentTask(train, validation, test, labels)
    return Benchmark("banking77", f"official train/test; {how}; {_sizes(train, validation, test)}", intent=task)


def clinc150(folder: Path, *, seed: int, limit_per_class: int | None) -> Benchmark:
    """train + oos_train / val + oos_val (calibration) / test + oos_test; `oos` is a class for every system."""
    raw = read_clinc150(folder)
    train = _limited(raw["train"] + raw["oos_train"], limit_per_class, seed)
    validation, test = raw["val"] + raw["oos_val"], raw["test"] + raw["oos_test"]
    labels = tuple(sorted({e.label for e in train + validation + test}))
    shots = f"; {limit_per_class} train examples per class (oos included), seed {seed}" if limit_per_class else ""
    split = f"official data_full train/val/test, each with its oos_* part{shots}; {_sizes(train, validation, test)}"
    return Benchmark("clinc150", split, intent=IntentTask(train, validation, test, labels, OOS_LABEL))


def bitext(folder: Path, *, seed: int, limit_per_class: int | None) -> Benchmark:
    """Rows split 80/10/10 stratified by intent (`training.data.assign_groups`, one group per row).

    Intent: instruction → intent. Retrieval: the corpus is the train pairs; a query (validation or test
    instruction) is answered by every corpus pair of its intent (responses are unique per row).
    """
    rows = read_bitext(folder)
    assignment = assign_groups(
        {row.group: row.intent for row in rows}, validation_fraction=0.1, test_fraction=0.1, seed=seed
    )
    parts: dict[str, list[RetrievalPair]] = {"train": [], "validation": [], "test": []}
    for row in rows:
        parts[assignment[row.group]].append(row)
    as_examples = {
        name: tuple(IntentExample(p.question, p.intent or "", p.group) for p in ps) for name, ps in parts.items()
    }
    train = _limited(as_examples["train"], limit_per_class, seed)
    kept = {e.group for e in train}
    corpus = tuple(p for p in parts["train"] if p.group in kept)
    corpus_intents = [p.intent or "" for p in corpus]

    def queries(name: str) -> QuerySet:
        return QuerySet(
            tuple(p.question for p in parts[name]), relevance([p.intent or "" for p in parts[name]], corpus_intents)
        )

    labels = tuple(sorted({e.label for e in as_examples["train"]}))
    intent = IntentTask(train, as_examples["validation"], as_examples["test"], labels)
    retrieval = RetrievalTask(corpus, corpus, queries("validation"), queries("test"))
    shots = f"; {limit_per_class} train rows per intent" if limit_per_class else ""
    split = (
        f"rows split 80/10/10 stratified by intent (seed {seed}){shots}; "
        f"{_sizes(train, intent.validation, intent.test)}; retrieval corpus = the {len(corpus):,} train pairs,"
        " relevant = corpus pairs of the query's intent"
    )
    return Benchmark("bitext", split, intent=intent, retrieval=retrieval)


def stackfaq_task(threads: Sequence[FaqThread], *, seed: int) -> RetrievalTask:
    """Corpus: every (question, answer) pair of every thread; a query is answered by its thread's pairs.

    Test: the second-half queries. Of each thread's first-half queries one (drawn with `seed`) is held out
    for validation; the others are paired with the thread's question and with each of its answers to
    fine-tune the retriever.
    """
    rng = random.Random(seed)
    corpus: list[RetrievalPair] = []
    train: list[RetrievalPair] = []
    validation: list[tuple[str, str]] = []
    test: list[tuple[str, str]] = []
    for n, thread in enumerate(threads):
        key = f"thread{n}"
        corpus.extend(RetrievalPair(thread.question, answer, key, key) for answer in thread.answers)
        held = rng.randrange(len(thread.first_half))
        validation.append((thread.first_half[held], key))
        for query in (q for i, q in enumerate(thread.first_half) if i != held):
            train.append(RetrievalPair(query, thread.question, key, key))
            train.extend(RetrievalPair(query, answer, key, key) for answer in thread.answers)
        test.extend((query, key) for query in thread.second_half)
    corpus_keys = [p.group for p in corpus]

    def queries(items: list[tuple[str, str]]) -> QuerySet:
        return QuerySet(tuple(q for q, _ in items), relevance([k for _, k in items], corpus_keys))

    return RetrievalTask(tuple(corpus), tuple(train), queries(validation), queries(test))


def stackfaq(folder: Path, *, seed: int, limit_per_class: int | None) -> Benchmark:
    if limit_per_class:
        raise ValueError("--limit-per-class does not apply to stackfaq (a retrieval benchmark without classes)")
    threads = read_stackfaq(folder)
    task = stackfaq_task(threads, seed=seed)
    split = (
        f"corpus {len(task.corpus):,} FAQ pairs of {len(threads)} threads; retriever trained on"
        f" {len(task.train):,} pairs from 4 first-half queries per thread; validation {len(task.validation.texts)}"
        f" (1 first-half query per thread, seed {seed}); test {len(task.test.texts)} second-half queries"
    )
    return Benchmark("stackfaq", split, retrieval=task)


LOADERS: dict[str, Callable[..., Benchmark]] = {
    "banking77": banking77,
    "clinc150": clinc150,
    "bitext": bitext,
    "stackfaq": stackfaq,
}


def load_benchmark(name: str, datasets_dir: Path, *, seed: int, limit_per_class: int | None = None) -> Benchmark:
    """The benchmark `name` (one of DATASETS) from its folder under `datasets_dir`."""
    if name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    folder = datasets_dir / FOLDERS[name]
    if not folder.is_dir():
        raise FileNotFoundError(f"dataset folder {folder} not found (set --datasets-dir or CHATBOT_DATASETS_DIR)")
    return LOADERS[name](folder, seed=seed, limit_per_class=limit_per_class)
