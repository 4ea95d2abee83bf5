"""Train and score every chosen system of a benchmark on the same split.

Intent systems: `chatbot` (the project's classifier, `training.pipeline.fit_calibrated_intent`), `tfidf_lr`,
`frozen_lr`, `setfit`. Retrieval systems: `chatbot` (the retriever of `training.retriever.train_retriever`),
`frozen` (the base encoder), `bm25`. Metrics come from `training.evaluate`. A system that fails is recorded
as {"error": one line} and the others still run.

`train_seconds` times only fitting (for `chatbot` intent: training and calibration on the validation split;
for `frozen_lr`: embedding the train texts and fitting the regression). `predict_ms_per_query` times scoring
the test queries (for retrieval: embedding the query and searching a prebuilt index), divided by their count.
On a dataset with both tasks (bitext), the `chatbot` entry holds both tasks' metrics and the sum of their times.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.bench.baselines import Bm25Ranker, DenseRanker, SystemUnavailable, fit_frozen_lr, fit_setfit, fit_tfidf_lr
from training.bench.datasets import Benchmark, IntentTask, QuerySet, RetrievalTask
from training.data import RetrievalPair
from training.device import Hardware
from training.progress import ProgressFn
from training.training_args import TrainingArguments

logger = logging.getLogger(__name__)

INTENT_SYSTEMS = ("chatbot", "tfidf_lr", "frozen_lr", "setfit")
RETRIEVAL_SYSTEMS = ("chatbot", "frozen", "bm25")
INDEX_TEXTS = {"question": "q", "answer": "a", "question+answer": "q+a"}  # what a dense or BM25 index embeds
INTENT_METRICS = ("accuracy", "macro_f1")
OOS_METRICS = ("in_scope_accuracy", "oos_recall", "false_fallback_rate")
RANK_METRICS = ("recall_at_1", "recall_at_5", "mrr")
SUMMED = ("train_seconds", "predict_ms_per_query")

SystemResult = dict[str, float | str]


@dataclass(frozen=True)
class BenchConfig:
    systems: tuple[str, ...]
    base_model: str
    base_path: Path
    args: TrainingArguments  # seed, epochs, max_steps of the chatbot's models
    hardware: Hardware
    work_dir: Path
    index_texts: tuple[str, ...] = ("question",)
    setfit_epochs: int = 1
    fail_fast: bool = False  # raise instead of recording {"error": ...}


@dataclass
class BenchOutcome:
    systems: dict[str, SystemResult] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)  # calibration, index-text choices: for "settings"


def applicable_systems(bench: Benchmark) -> tuple[str, ...]:
    names = (INTENT_SYSTEMS if bench.intent else ()) + (RETRIEVAL_SYSTEMS if bench.retrieval else ())
    return tuple(dict.fromkeys(names))


def default_systems(bench: Benchmark, *, few_shot: bool) -> tuple[str, ...]:
    """Every applicable system; SetFit only for K-shot runs (on full data it is slow on a CPU)."""
    return tuple(name for name in applicable_systems(bench) if name != "setfit" or few_shot)


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300].rstrip(": ")


@contextmanager
def _timer() -> Iterator[dict[str, float]]:
    elapsed: dict[str, float] = {}
    started = time.perf_counter()
    yield elapsed
    elapsed["seconds"] = time.perf_counter() - started


class _Shared:
    """Lazily loaded things several systems use (the frozen base encoder)."""

    def __init__(self, config: BenchConfig) -> None:
        self.config = config
        self._encoder: Any = None

    @property
    def base_encoder(self) -> Any:
        from training.encoder import SentenceEncoder

        if self._encoder is None:
            name = f"base:{self.config.base_model}"
            self._encoder = SentenceEncoder(self.config.base_path, name=name, device=self.config.hardware.device)
        return self._encoder


def run_benchmark(bench: Benchmark, config: BenchConfig, progress: ProgressFn | None = None) -> BenchOutcome:
    """Every chosen system of `bench`, trained and scored; results in the order of `config.systems`."""
    report = progress or (lambda _event: None)
    shared = _Shared(config)
    outcome = BenchOutcome()
    plan = [(n, "intent") for n in config.systems if bench.intent and n in INTENT_SYSTEMS]
    plan += [(n, "retrieval") for n in config.systems if bench.retrieval and n in RETRIEVAL_SYSTEMS]
    for step, (name, kind) in enumerate(plan):
        report({"stage": "system", "system": f"{name} ({kind})", "step": step, "total": len(plan)})
        try:
            if kind == "intent":
                assert bench.intent is not None
                results = {name: _intent_system(name, bench.intent, config, shared, outcome, progress)}
            else:
                assert bench.retrieval is not None
                results = _retrieval_system(name, bench.retrieval, config, shared, outcome, progress)
        except Exception as error:
            if config.fail_fast:
                raise
            if not isinstance(error, SystemUnavailable):
                logger.warning("benchmark system %s (%s) failed", name, kind, exc_info=True)
            results = {name: {"error": one_line(error)}}
        for system, result in results.items():
            _merge(outcome.systems, system, result)
    report({"stage": "system", "system": "done", "step": len(plan), "total": len(plan), "done": True})
    return outcome


def _merge(systems: dict[str, SystemResult], name: str, result: SystemResult) -> None:
    """Add `result` under `name`; a second task's metrics join the first's (times add up, an error wins)."""
    previous = systems.get(name)
    if previous is None or "error" in previous:
        systems[name] = previous or dict(result)
        return
    if "error" in result:
        systems[name] = dict(result)
        return
    merged = dict(previous)
    for metric, value in result.items():
        if metric in merged and metric not in SUMMED:
            raise ValueError(f"metric {metric} of system {name} measured twice")
        merged[metric] = float(merged.get(metric, 0.0)) + float(value) if metric in SUMMED else value
    systems[name] = merged


# ---------------------------------------------------------------------------------------------- intent


def _intent_system(
    name: str,
    task: IntentTask,
    config: BenchConfig,
    shared: _Shared,
    outcome: BenchOutcome,
    progress: ProgressFn | None,
) -> SystemResult:
    texts, labels = [e.text for e in task.train], [e.label for e in task.train]
    seed = config.args.seed
    threshold = 0.0
    if name == "frozen_lr":
        shared.base_encoder  # loading the encoder is not training  # noqa: B018
    with _timer() as fit:
        if name == "chatbot":
            model, threshold = _fit_chatbot_intent(task, config, outcome, progress)
        elif name == "tfidf_lr":
            model = fit_tfidf_lr(texts, labels, label_names=task.labels, seed=seed)
        elif name == "frozen_lr":
            model = fit_frozen_lr(texts, labels, label_names=task.labels, encoder=shared.base_encoder, seed=seed)
        elif name == "setfit":
            model = fit_setfit(
                texts,
                labels,
                label_names=task.labels,
                base_path=config.base_path,
                work_dir=config.work_dir / "setfit",
                seed=seed,
                epochs=config.setfit_epochs,
                max_steps=config.args.max_steps,
                device=config.hardware.device,
            )
        else:
            raise ValueError(f"unknown intent system {name!r}")
    return score_intent(model, task, threshold=threshold) | {"train_seconds": fit["seconds"]}


def _fit_chatbot_intent(
    task: IntentTask, config: BenchConfig, outcome: BenchOutcome, progress: ProgressFn | None
) -> tuple[Any, float]:
    from training.pipeline import fit_calibrated_intent

    classifier, calibration = fit_calibrated_intent(
        task.train,
        task.validation,
        labels=task.labels,
        base_path=config.base_path,
        args=config.args,
        hardware=config.hardware,
        work_dir=config.work_dir / "intent",
        progress=progress,
    )
    outcome.details["chatbot_calibration"] = calibration
    return classifier, classifier.config.threshold


def score_intent(model: Any, task: IntentTask, *, threshold: float) -> SystemResult:
    """Test metrics of a model with `probabilities(texts)`; a prediction below `threshold` falls back."""
    from training.evaluate import intent_metrics

    texts = [e.text for e in task.test]
    started = time.perf_counter()
    probabilities = model.probabilities(texts)
    elapsed = time.perf_counter() - started
    metrics = intent_metrics(
        [e.label for e in task.test], probabilities, task.labels, threshold=threshold, oos_label=task.oos_label
    )
    names = INTENT_METRICS + (OOS_METRICS if task.oos_label else ())
    result: SystemResult = {name: float(metrics[name]) for name in names}  # type: ignore[arg-type]
    result["predict_ms_per_query"] = 1000 * elapsed / max(1, len(texts))
    return result


# ---------------------------------------------------------------------------------------------- retrieval


def index_text(pair: RetrievalPair, kind: str) -> str:
    """The text of a corpus pair that an index holds: its question, its answer, or both."""
    if kind == "question":
        return pair.question
    if kind == "answer":
        return pair.answer
    if kind == "question+answer":
        return f"{pair.question}\n{pair.answer}"
    raise ValueError(f"unknown index text {kind!r}; choose from {', '.join(INDEX_TEXTS)}")


def _retrieval_system(
    name: str,
    task: RetrievalTask,
    config: BenchConfig,
    shared: _Shared,
    outcome: BenchOutcome,
    progress: ProgressFn | None,
) -> dict[str, SystemResult]:
    """One result per index text (named `name[q]`, ...) plus `name`: the variant best on validation MRR."""
    trained: SystemResult = {}
    encoder: Any = None
    if name == "chatbot":
        encoder, seconds = _train_chatbot_retriever(task, config, progress)
        trained = {"train_seconds": seconds}
    elif name == "frozen":
        encoder = shared.base_encoder
    elif name != "bm25":
        raise ValueError(f"unknown retrieval system {name!r}")
    variants: dict[str, SystemResult] = {}
    validation_mrr: dict[str, float] = {}
    for kind in config.index_texts:
        documents = [index_text(pair, kind) for pair in task.corpus]
        ranker = Bm25Ranker(documents) if encoder is None else DenseRanker(encoder, documents)
        variants[kind] = score_ranker(ranker, task.test) | trained
        validation_mrr[kind] = float(score_ranker(ranker, task.validation).get("mrr", 0.0))
    if len(variants) == 1:
        return {name: next(iter(variants.values()))}
    best = max(config.index_texts, key=lambda kind: validation_mrr[kind])  # first of equals wins
    outcome.details.setdefault("index_text_selected_on_validation_mrr", {})[name] = best
    outcome.details.setdefault("validation_mrr", {}).update(
        {f"{name}[{INDEX_TEXTS[kind]}]": mrr for kind, mrr in validation_mrr.items()}
    )
    results = {f"{name}[{INDEX_TEXTS[kind]}]": result for kind, result in variants.items()}
    return {name: dict(variants[best])} | results


def _train_chatbot_retriever(
    task: RetrievalTask, config: BenchConfig, progress: ProgressFn | None
) -> tuple[Any, float]:
    from training.encoder import SentenceEncoder
    from training.retriever import train_retriever

    with _timer() as fit:
        model = train_retriever(
            task.train,
            base_path=config.base_path,
            args=config.args,
            hardware=config.hardware,
            work_dir=config.work_dir / "retriever-work",
            progress=progress,
        )
    directory = config.work_dir / "retriever"
    model.save(str(directory))
    return SentenceEncoder(directory, name="benchmark:retriever", device=config.hardware.device), fit["seconds"]


def score_ranker(ranker: Bm25Ranker | DenseRanker, queries: QuerySet) -> SystemResult:
    """recall@1, recall@5, MRR@10 over the queries that have a relevant corpus pair; query latency."""
    from training.evaluate import rank_metrics

    if not queries.texts:
        return {}
    started = time.perf_counter()
    rankings = ranker.rank(queries.texts, k=10)
    elapsed = time.perf_counter() - started
    answerable = [i for i, good in enumerate(queries.relevant) if good]
    metrics = rank_metrics([rankings[i] for i in answerable], [set(queries.relevant[i]) for i in answerable])
    result: SystemResult = {name: float(metrics[name]) for name in RANK_METRICS}
    result["predict_ms_per_query"] = 1000 * elapsed / len(queries.texts)
    return result


def check_systems(names: Sequence[str], bench: Benchmark) -> tuple[str, ...]:
    """`names` in the given order, or a ValueError naming the ones that do not apply to `bench`."""
    allowed = applicable_systems(bench)
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ValueError(
            f"system(s) {', '.join(unknown)} do not apply to {bench.name}; choose from {', '.join(allowed)}"
        )
    return tuple(dict.fromkeys(names))
