"""One training run, end to end: data → intent classifier → retriever → evaluation → registry → promotion.

`train_run` is what `chatbot train` and the staff page's background job call. It writes the run atomically
through the registry: an error or a kill half way leaves no run behind and the promoted model untouched.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.index import Encoder, build_qa_index
from knowledge_base.store import KnowledgeBase
from training.artifacts import SERVING_FILE, encoder_name, load_serving_encoder
from training.base_model import locate_base_model
from training.calibration import choose_intent_threshold, choose_retrieval_threshold, fit_temperature
from training.data import Split, TrainingData, load_training_data
from training.device import Hardware, resolve_hardware
from training.evaluate import intent_metrics, run_retrieval
from training.progress import ProgressFn
from training.registry import Registry, RunInfo, RunWriter, compare_runs
from training.training_args import TrainingArguments

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrainResult:
    run: RunInfo
    promoted: bool
    decision: str


def train_run(
    *,
    db_path: Path,
    models_dir: Path,
    base_model: str,
    args: TrainingArguments,
    dataset_ids: Sequence[int] | None = None,
    progress: ProgressFn | None = None,
    show_progress_bar: bool = False,
) -> TrainResult:
    """Train, evaluate against the promoted run on the same test split, register, and promote if allowed."""
    started = time.perf_counter()
    registry = Registry(models_dir)
    registry.clean_stale()
    with KnowledgeBase(db_path) as kb:
        data = load_training_data(kb, dataset_ids=dataset_ids, args=args)
        serving_pairs = kb.qa_pairs(list(data.dataset_ids))
    hardware = resolve_hardware(args.device, args.precision)
    base_path = locate_base_model(base_model)
    current = registry.current()
    report = progress or (lambda _event: None)
    timings: dict[str, float] = {"load_data": time.perf_counter() - started}
    metrics: dict[str, Any] = {"data": data.describe(), "hardware": hardware.name}

    with registry.begin_run() as run, tempfile.TemporaryDirectory(prefix="chatbot-train-") as scratch:
        work = Path(scratch)
        trains_intent = args.train_intent and data.intents is not None and len(data.labels) >= 2
        classifier = None
        if trains_intent:
            assert data.intents is not None
            stage = time.perf_counter()
            report({"stage": "intent", "step": 0, "total": 0, "message": "training the intent classifier"})
            intent_metrics_, classifier = _intent_stage(
                data, data.intents, run, base_path, args, hardware, work, current, progress, show_progress_bar
            )
            metrics.update(intent_metrics_)
            timings["intent"] = time.perf_counter() - stage
        elif args.train_intent:
            metrics["intent_skipped"] = "the data has fewer than two intents; only the retriever was trained"
        if args.train_retriever and data.retrieval is not None and len(data.retrieval.train) >= 2:
            stage = time.perf_counter()
            report({"stage": "retriever", "step": 0, "total": 0, "message": "training the retrieval encoder"})
            retrieval_metrics_, served = _retrieval_stage(
                data.retrieval,
                run,
                base_path,
                base_model,
                args,
                hardware,
                work,
                current,
                progress,
                show_progress_bar,
                classifier,
            )
            metrics.update(retrieval_metrics_)
            timings["retriever"] = time.perf_counter() - stage
            stage = time.perf_counter()
            _build_serving_index(run, serving_pairs, served, show_progress_bar)
            timings["index"] = time.perf_counter() - stage
        if "intent" not in metrics and "retrieval" not in metrics:
            from knowledge_base.errors import InputError

            raise InputError(
                "nothing could be trained: the data has neither two intents nor two QA pairs in the training split",
                expected="labelled questions with at least two intents, or question/answer pairs",
                found=str(data.describe()),
            )
        primary = _primary_metric(metrics)
        timings["total"] = time.perf_counter() - started
        info = run.finish(
            base_model=base_model,
            primary_metric=primary,
            metrics=metrics,
            data=data.describe(),
            args=args.to_dict(),
            hardware=hardware.name,
            timings=timings,
        )
    promote, decision = decide_promotion(info, metrics, current, policy=args.promote)
    if promote:
        registry.promote(info.id, reason=decision)
    logger.info("run %s: %s", info.id, decision)
    report({"stage": "done", "run_id": info.id, "promoted": promote, "decision": decision})
    return TrainResult(run=registry.get(info.id), promoted=promote, decision=decision)


def _primary_metric(metrics: dict[str, Any]) -> str:
    if "intent" in metrics:
        return f"intent.{metrics['intent']['primary_metric']}"
    return "retrieval.mrr"


def decide_promotion(
    candidate: RunInfo, metrics: dict[str, Any], current: RunInfo | None, *, policy: str
) -> tuple[bool, str]:
    """Promotion under `policy`, comparing with the current run on this run's own test split when measured."""
    if policy == "always":
        return True, f"policy 'always': promoting {candidate.id}"
    if policy == "never":
        return False, f"policy 'never': {candidate.id} waits for a human: chatbot models promote {candidate.id}"
    if current is None:
        return compare_runs(candidate, None)
    section, _, name = candidate.primary_metric.partition(".")
    mine = metrics.get(section, {}).get(name)
    theirs = metrics.get(f"{section}_current", {}).get(name)
    if mine is None or theirs is None:
        return compare_runs(candidate, current)
    if mine >= theirs:
        return True, (
            f"{candidate.primary_metric} {mine:.4f} >= {theirs:.4f} of the current run {current.id} on the same"
            " test split: not worse, promoting"
        )
    return False, (
        f"{candidate.primary_metric} {mine:.4f} < {theirs:.4f} of the current run {current.id} on the same test"
        f" split: keeping {current.id} (promote anyway with: chatbot models promote {candidate.id})"
    )


def fit_calibrated_intent(
    train: Sequence[Any],
    validation: Sequence[Any],
    *,
    labels: Sequence[str],
    base_path: Path,
    args: TrainingArguments,
    hardware: Hardware,
    work_dir: Path,
    progress: ProgressFn | None = None,
    show_progress_bar: bool = False,
) -> tuple[Any, dict[str, Any]]:
    """Train on `train` examples (with .text and .label), calibrate on `validation`; (classifier, calibration)."""
    from training.intent import softmax, train_intent_classifier

    labels = list(labels)
    classifier = train_intent_classifier(
        [e.text for e in train],
        [e.label for e in train],
        label_names=labels,
        base_path=base_path,
        args=args,
        hardware=hardware,
        work_dir=work_dir,
        progress=progress,
        show_progress_bar=show_progress_bar,
    )
    oos = args.oos_label if args.oos_label in labels else None
    if not validation:
        return classifier, {"temperature": 1.0, "threshold": 0.0, "rule": "no validation examples"}
    index = {name: i for i, name in enumerate(labels)}
    val_texts = [e.text for e in validation]
    val_targets = [index[e.label] for e in validation]
    lexical_report: dict[str, Any] = {"lexical_weight": 0.0}
    if args.lexical_ensemble:
        from training.lexical import LexicalModel, choose_weight

        lexical = LexicalModel.fit(
            [e.text for e in train], [index[e.label] for e in train], n_labels=len(labels), seed=args.seed
        )
        neural = classifier.logits(val_texts)
        weight, accuracy = choose_weight(neural, lexical.log_probabilities(val_texts), val_targets)
        classifier = classifier.with_lexical(lexical, weight)
        neural_accuracy = float((neural.argmax(axis=1) == np.asarray(val_targets)).mean())
        lexical_report = {
            "lexical_weight": weight,
            "validation_accuracy_neural": neural_accuracy,
            "validation_accuracy_combined": accuracy,
        }
    val_logits = classifier.logits(val_texts)
    temperature = fit_temperature(val_logits, val_targets)
    probs = softmax(val_logits / temperature)
    top = probs.argmax(axis=1)
    predicted_oos = np.array([labels[i] == oos for i in top]) if oos else np.zeros(len(top), bool)
    is_oos = np.array([e.label == oos for e in validation]) if oos else np.zeros(len(top), bool)
    choice = choose_intent_threshold(
        probs.max(axis=1), predicted_oos, is_oos, max_false_fallback=args.max_false_fallback
    )
    calibration = {
        "temperature": temperature,
        "threshold": choice.threshold,
        "validation_false_fallback_rate": choice.false_fallback_rate,
        "validation_oos_recall": choice.oos_recall,
        "rule": choice.rule,
        **lexical_report,
    }
    return classifier.with_calibration(temperature=temperature, threshold=choice.threshold), calibration


def _intent_stage(
    data: TrainingData,
    split: Split[Any],
    run: RunWriter,
    base_path: Path,
    args: TrainingArguments,
    hardware: Hardware,
    work: Path,
    current: RunInfo | None,
    progress: ProgressFn | None,
    show_progress_bar: bool,
) -> tuple[dict[str, Any], Any]:
    from training.intent import IntentClassifier

    labels = list(data.labels)
    classifier, calibration = fit_calibrated_intent(
        split.train,
        split.validation,
        labels=labels,
        base_path=base_path,
        args=args,
        hardware=hardware,
        work_dir=work / "intent",
        progress=progress,
        show_progress_bar=show_progress_bar,
    )
    classifier.save(run.component_dir("intent"))
    texts = [e.text for e in split.test]
    truth = [e.label for e in split.test]

    def evaluate(model: IntentClassifier) -> dict[str, Any]:
        return intent_metrics(
            truth,
            model.probabilities(texts),
            list(model.labels),
            threshold=model.config.threshold,
            oos_label=model.config.oos_label,
        )

    result: dict[str, Any] = {"intent": {**evaluate(classifier), "calibration": calibration}}
    if current is not None and "intent" in current.components and texts:
        promoted = IntentClassifier.load(current.path / "intent", device=hardware.device)
        result["intent_current"] = {**evaluate(promoted), "run_id": current.id}
    return result, classifier


def _retrieval_stage(
    split: Split[Any],
    run: RunWriter,
    base_path: Path,
    base_model: str,
    args: TrainingArguments,
    hardware: Hardware,
    work: Path,
    current: RunInfo | None,
    progress: ProgressFn | None,
    show_progress_bar: bool,
    classifier: Any | None,
) -> tuple[dict[str, Any], Encoder]:
    """Train the retriever, then choose which encoder serves retrieval (see `choose_serving_encoder`)."""
    from training.encoder import SentenceEncoder
    from training.intent import IntentBodyEncoder
    from training.retriever import train_retriever

    model = train_retriever(
        split.train,
        base_path=base_path,
        args=args,
        hardware=hardware,
        work_dir=work / "retriever",
        progress=progress,
        show_progress_bar=show_progress_bar,
    )
    model.save(str(run.component_dir("retriever")))
    candidates: dict[str, Encoder] = {
        "retriever": SentenceEncoder(
            run.path / "retriever", name=encoder_name(run.run_id, "retriever"), device=hardware.device
        )
    }
    if classifier is not None:
        candidates["intent_body"] = IntentBodyEncoder(classifier, name=encoder_name(run.run_id, "intent_body"))
    corpus, validation, test = list(split.train), list(split.validation), list(split.test)
    result: dict[str, Any] = {}
    validated = {}
    for name, encoder in candidates.items():
        validated[name] = run_retrieval(encoder, validation, corpus)
        result[f"retrieval_{name}"] = run_retrieval(encoder, test, corpus).metrics()
    chosen, rule = choose_serving_encoder({name: v.metrics()["mrr"] for name, v in validated.items()})
    threshold, threshold_rule = choose_retrieval_threshold(validated[chosen].top_scores, validated[chosen].correct_at_1)
    result["retrieval"] = {**result[f"retrieval_{chosen}"], "threshold": threshold, "threshold_rule": threshold_rule}
    result["serving"] = {"retrieval_encoder": chosen, "rule": rule}
    (run.path / SERVING_FILE).write_text(
        json.dumps({"retrieval_encoder": chosen, "retrieval_threshold": threshold}, indent=2) + "\n"
    )
    base = SentenceEncoder(base_path, name=f"base:{base_model}", device=hardware.device)
    result["retrieval_base"] = run_retrieval(base, test, corpus).metrics()
    if current is not None and (current.path / SERVING_FILE).is_file():
        promoted = load_serving_encoder(current.path, current.id, device=hardware.device)
        result["retrieval_current"] = {**run_retrieval(promoted, test, corpus).metrics(), "run_id": current.id}
    return result, candidates[chosen]


SHARE_TOLERANCE = 0.02  # MRR points the shared encoder may lose on validation and still serve


def choose_serving_encoder(validation_mrr: dict[str, float]) -> tuple[str, str]:
    """Serve retrieval with the intent classifier's body (one forward pass for both models) unless the
    dedicated retriever is better on validation by more than SHARE_TOLERANCE."""
    if "intent_body" not in validation_mrr:
        return "retriever", "no intent classifier in this run: the retriever serves"
    shared, own = validation_mrr["intent_body"], validation_mrr["retriever"]
    if shared >= own - SHARE_TOLERANCE:
        return "intent_body", (
            f"validation MRR {shared:.4f} with the intent body vs {own:.4f} with the retriever: within"
            f" {SHARE_TOLERANCE}, so one encoder pass serves both models"
        )
    return "retriever", (
        f"validation MRR {own:.4f} with the retriever vs {shared:.4f} with the intent body: the retriever serves"
    )


def _build_serving_index(run: RunWriter, pairs: Sequence[Any], encoder: Encoder, show_progress_bar: bool) -> None:
    """The index the server will search: every QA pair of the run's datasets, embedded by the serving encoder."""
    index = build_qa_index(list(pairs), encoder, progress=show_progress_bar)
    index.save(run.path / "index")
