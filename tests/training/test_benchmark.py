"""The benchmark harness (training.bench, training.benchmark): loaders on the real files, sampling, the results
file and table, and the cheap baselines. No model is trained here."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from training.bench import datasets as bench_data
from training.bench.baselines import Bm25Ranker, fit_tfidf_lr
from training.bench.datasets import Benchmark, IntentTask, load_benchmark, sample_per_class
from training.bench.report import (
    METRIC_NAMES,
    RESULT_KEYS,
    build_result,
    format_table,
    result_filename,
    validate_result,
    write_result,
)
from training.bench.runner import (
    BenchConfig,
    _merge,
    check_systems,
    default_systems,
    run_benchmark,
    score_intent,
    score_ranker,
)
from training.benchmark import build_parser
from training.data import IntentExample
from training.device import Hardware
from training.training_args import TrainingArguments

VERSIONS = {
    "python": "3.11.9",
    "torch": "2.13.0",
    "transformers": "5.0",
    "sentence_transformers": "6.0",
    "faiss": "1.15",
    "scikit-learn": "1.9",
    "bm25s": "0.3",
    "chatbot": "0.1.0",
    "git_commit": "abc123",
}


def _examples(per_label: dict[str, int]) -> list[IntentExample]:
    return [IntentExample(f"{label} {i}", label, f"g{label}{i}") for label, n in per_label.items() for i in range(n)]


# ---------------------------------------------------------------------------------------------- real files


def test_banking77_counts(datasets_dir: Path) -> None:
    train, test, labels = bench_data.read_banking77(datasets_dir / "banking77")
    assert (len(train), len(test), len(labels)) == (10_003, 3_080, 77)
    assert {e.label for e in train} == {e.label for e in test} == set(labels)
    bench = load_benchmark("banking77", datasets_dir, seed=1)
    assert bench.intent is not None and bench.intent.oos_label is None
    assert len(bench.intent.train) + len(bench.intent.validation) == 10_003
    assert 950 <= len(bench.intent.validation) <= 1050 and len(bench.intent.test) == 3_080
    assert {e.label for e in bench.intent.validation} == set(labels)
    shots = load_benchmark("banking77", datasets_dir, seed=1, limit_per_class=3)
    assert shots.intent is not None and len(shots.intent.train) == 231 and shots.intent.validation == ()


def test_clinc150_counts(datasets_dir: Path) -> None:
    bench = load_benchmark("clinc150", datasets_dir, seed=0)
    task = bench.intent
    assert task is not None and task.oos_label == "oos" and len(task.labels) == 151
    assert len(task.train) == 15_100 and Counter(e.label for e in task.train)["oos"] == 100
    assert len(task.validation) == 3_100 and Counter(e.label for e in task.validation)["oos"] == 100
    assert len(task.test) == 5_500 and Counter(e.label for e in task.test)["oos"] == 1_000


def test_stackfaq_counts(datasets_dir: Path) -> None:
    threads = bench_data.read_stackfaq(datasets_dir / "stackfaq")
    assert len(threads) == 125
    assert sum(len(t.answers) for t in threads) == 719
    assert sum(len(t.first_half) for t in threads) == sum(len(t.second_half) for t in threads) == 625
    assert all("*" not in t.first_half + t.second_half and t.question for t in threads)
    task = load_benchmark("stackfaq", datasets_dir, seed=0).retrieval
    assert task is not None and len(task.corpus) == 719
    assert len(task.test.texts) == 625 and len(task.validation.texts) == 125
    assert all(task.test.relevant) and all(task.validation.relevant)
    seen = set(task.test.texts) | set(task.validation.texts)
    assert not seen & {p.question for p in task.train}  # no held-out query is trained on


def test_bitext_counts(datasets_dir: Path) -> None:
    rows = bench_data.read_bitext(datasets_dir / "bitext_customer_support")
    assert len(rows) == 4_514 and len({r.intent for r in rows}) == 27
    bench = load_benchmark("bitext", datasets_dir, seed=0)
    assert bench.intent is not None and bench.retrieval is not None
    sizes = [len(bench.intent.train), len(bench.intent.validation), len(bench.intent.test)]
    assert sum(sizes) == 4_514 and 0.78 < sizes[0] / 4_514 < 0.82
    assert all(
        {e.label for e in part} == set(bench.intent.labels) for part in (bench.intent.validation, bench.intent.test)
    )
    assert len(bench.retrieval.corpus) == sizes[0] and len(bench.retrieval.test.texts) == sizes[2]
    intents = [p.intent for p in bench.retrieval.corpus]
    first = bench.intent.test[0]
    assert bench.retrieval.test.relevant[0] == {i for i, intent in enumerate(intents) if intent == first.label}


# ---------------------------------------------------------------------------------------------- sampling


def test_sample_per_class_is_deterministic_with_k_per_class() -> None:
    examples = _examples({"a": 10, "b": 7, "c": 2})
    first = sample_per_class(examples, 3, seed=5)
    assert first == sample_per_class(examples, 3, seed=5)
    assert Counter(e.label for e in first) == {"a": 3, "b": 3, "c": 2}
    assert list(first) == [e for e in examples if e in first]  # original order kept
    assert any(sample_per_class(examples, 3, seed=s) != first for s in range(6, 12))


def test_hold_out_per_class_is_stratified() -> None:
    examples = _examples({"a": 30, "b": 10, "c": 1})
    kept, held = bench_data.hold_out_per_class(examples, 0.1, seed=0)
    assert Counter(e.label for e in held) == {"a": 3, "b": 1}
    assert sorted(kept + held, key=examples.index) == examples


def test_stackfaq_rejects_limit_per_class(tmp_path: Path) -> None:
    (tmp_path / "stackfaq").mkdir()
    with pytest.raises(ValueError, match="does not apply"):
        load_benchmark("stackfaq", tmp_path, seed=0, limit_per_class=3)


# ---------------------------------------------------------------------------------------------- results file


def _result(systems: dict[str, dict[str, float | str]]) -> dict[str, object]:
    return build_result(
        dataset="banking77",
        split="official",
        device="cpu (2 threads)",
        systems=systems,
        settings={"seed": 42},
        versions=VERSIONS,
    )


def test_write_result_has_the_exact_shape(tmp_path: Path) -> None:
    systems = {
        "chatbot": {"accuracy": 0.9, "macro_f1": 0.89, "train_seconds": 12.5, "predict_ms_per_query": 1.2},
        "tfidf_lr": {"accuracy": 0.8, "macro_f1": 0.79, "train_seconds": 3},
        "setfit": {"error": "ImportError: no setfit"},
    }
    path = write_result(_result(systems), tmp_path / "out", limit_per_class=5)
    assert path.name == "banking77_5shot.json"
    loaded = json.loads(path.read_text())
    assert tuple(loaded) == RESULT_KEYS
    assert set(loaded["versions"]) == set(VERSIONS)
    assert loaded["systems"]["setfit"] == {"error": "ImportError: no setfit"}
    for values in loaded["systems"].values():
        assert "error" in values or set(values) <= set(METRIC_NAMES)
    assert loaded["systems"]["tfidf_lr"]["train_seconds"] == 3.0
    assert result_filename("clinc150", None) == "clinc150.json"


@pytest.mark.parametrize(
    "systems",
    [{"chatbot": {"acc": 0.5}}, {"chatbot": {"accuracy": float("nan")}}, {"x": {}}],
)
def test_validate_result_rejects_bad_metrics(systems: dict[str, dict[str, float]]) -> None:
    with pytest.raises(ValueError):
        _result(systems)


def test_validate_result_rejects_missing_versions() -> None:
    result = _result({"bm25": {"mrr": 0.5}})
    del result["versions"]["git_commit"]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="git_commit"):
        validate_result(result)


def test_format_table_aligns_columns_and_shows_errors() -> None:
    table = format_table(
        {
            "chatbot[q+a]": {"recall_at_1": 0.5, "mrr": 0.61234, "train_seconds": 100.04},
            "bm25": {"recall_at_1": 0.25, "mrr": 0.4},
            "setfit": {"error": "SystemUnavailable: setfit is not installed"},
        }
    )
    lines = table.splitlines()
    assert lines[0].split() == ["system", "recall_at_1", "mrr", "train_seconds"]
    assert len({len(line) for line in lines[:4]}) == 1  # header, rule and metric rows are equally wide
    assert "0.6123" in lines[2] and "100.0" in lines[2] and lines[3].rstrip().endswith("-")
    assert lines[4].startswith("setfit") and "error: SystemUnavailable" in lines[4]
    for line in lines[2:4]:  # numbers end where their header ends
        assert line.index("0.5000" if "chatbot" in line else "0.2500") + 6 == lines[0].index("recall_at_1") + 11


def test_merge_joins_tasks_and_adds_times() -> None:
    systems: dict[str, dict[str, float | str]] = {}
    _merge(systems, "chatbot", {"accuracy": 0.9, "train_seconds": 10.0, "predict_ms_per_query": 1.0})
    _merge(systems, "chatbot", {"mrr": 0.7, "train_seconds": 5.0, "predict_ms_per_query": 2.0})
    assert systems["chatbot"] == {"accuracy": 0.9, "mrr": 0.7, "train_seconds": 15.0, "predict_ms_per_query": 3.0}
    _merge(systems, "chatbot", {"error": "boom"})
    assert systems["chatbot"] == {"error": "boom"}


# ---------------------------------------------------------------------------------------------- systems

KEYWORDS = {
    "refund": ("refund", "money back", "reimburse"),
    "delivery": ("parcel", "delivery", "shipping"),
    "password": ("password", "log in", "locked out"),
    "invoice": ("invoice", "receipt", "bill"),
}


def _synthetic(seed_offset: int) -> list[IntentExample]:
    fillers = ("please help with my", "question about the", "I need my", "what about my", "issue with")
    return [
        IntentExample(f"{fillers[(i + seed_offset) % 5]} {words[i % 3]} today", label, f"{label}{i}")
        for label, words in KEYWORDS.items()
        for i in range(6)
    ]


def test_tfidf_lr_beats_chance_on_a_tiny_dataset() -> None:
    train, test = _synthetic(0), _synthetic(2)
    labels = tuple(sorted(KEYWORDS))
    model = fit_tfidf_lr([e.text for e in train], [e.label for e in train], label_names=labels, seed=0)
    task = IntentTask(tuple(train), (), tuple(test), labels)
    result = score_intent(model, task, threshold=0.0)
    assert result["accuracy"] > 0.5 > 1 / len(labels)
    assert set(result) == {"accuracy", "macro_f1", "predict_ms_per_query"}


def test_a_system_that_cannot_run_is_recorded_not_dropped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "setfit", None)  # import fails as if not installed
    labels = tuple(sorted(KEYWORDS))
    bench = Benchmark("toy", "toy split", intent=IntentTask(tuple(_synthetic(0)), (), tuple(_synthetic(2)), labels))
    config = BenchConfig(
        systems=("setfit", "tfidf_lr"),
        base_model="unused",
        base_path=tmp_path,
        args=TrainingArguments(),
        hardware=Hardware("cpu", "fp32", "cpu"),
        work_dir=tmp_path,
    )
    outcome = run_benchmark(bench, config)
    assert list(outcome.systems) == ["setfit", "tfidf_lr"]
    assert str(outcome.systems["setfit"]["error"]).startswith("SystemUnavailable: setfit is not installed")
    assert outcome.systems["tfidf_lr"]["accuracy"] > 0.5


def test_bm25_ranks_the_exact_question_first() -> None:
    questions = [
        "How do I reset my password?",
        "Where is my parcel?",
        "Can I get a refund for a damaged item?",
        "How do I change my delivery address?",
    ]
    ranker = Bm25Ranker(questions)
    rankings = ranker.rank(questions, k=3)
    assert [ranking[0] for ranking in rankings] == [0, 1, 2, 3]
    from training.bench.datasets import QuerySet

    scored = score_ranker(ranker, QuerySet(tuple(questions), tuple(frozenset({i}) for i in range(4))))
    assert scored["recall_at_1"] == scored["mrr"] == 1.0


def test_systems_defaults_and_checks() -> None:
    intent = IntentTask((), (), (), ("a", "b"))
    bench = Benchmark("banking77", "x", intent=intent)
    assert default_systems(bench, few_shot=False) == ("chatbot", "tfidf_lr", "frozen_lr")
    assert default_systems(bench, few_shot=True)[-1] == "setfit"
    assert check_systems(["tfidf_lr", "chatbot"], bench) == ("tfidf_lr", "chatbot")
    with pytest.raises(ValueError, match="bm25"):
        check_systems(["bm25"], bench)


def test_cli_parser_defaults() -> None:
    options = build_parser().parse_args(["--dataset", "stackfaq", "--max-steps", "5"])
    assert options.output_dir == Path("benchmarks/results") and options.max_steps == 5 and options.seed == 42
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--dataset", "banking77", "--limit-per-class", "0"])
