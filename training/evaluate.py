"""Evaluation on the held-out test split. Each evaluator returns a metrics dict with one primary metric."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge_base.index import Encoder
from training.data import RetrievalPair

INTENT_PRIMARY = "accuracy"
INTENT_PRIMARY_WITH_OOS = "in_scope_accuracy"
RETRIEVAL_PRIMARY = "mrr"


def intent_metrics(
    true_labels: Sequence[str],
    probabilities: np.ndarray,
    label_names: Sequence[str],
    *,
    threshold: float = 0.0,
    oos_label: str | None = None,
) -> dict[str, object]:
    """Accuracy, macro-F1, per-intent precision/recall, confusion pairs, and with a threshold the fallback rates.

    With an out-of-scope label (in `label_names` or only in `true_labels`), a prediction counts as
    out-of-scope when it is that label or its confidence is below `threshold`; `in_scope_accuracy`,
    `oos_recall` and `false_fallback_rate` follow CLINC150's definitions and `in_scope_accuracy` is primary.
    """
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    if len(true_labels) == 0:
        return {"n": 0, "threshold": threshold, "primary_metric": INTENT_PRIMARY, "note": "no test examples"}
    names = list(label_names)
    top = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    raw = [names[i] for i in top]
    y = list(true_labels)
    fallback = confidence < threshold
    if oos_label is not None:
        fallback |= np.array([p == oos_label for p in raw])
    final = [oos_label if (f and oos_label is not None) else p for p, f in zip(raw, fallback, strict=True)]
    is_oos = (
        np.array([label == oos_label for label in y], dtype=bool) if oos_label is not None else np.zeros(len(y), bool)
    )
    in_scope = ~is_oos
    report: dict[str, object] = {"n": len(y), "threshold": threshold}
    classes = sorted(set(y) | set(raw))
    report["accuracy"] = float(np.mean([a == b for a, b in zip(raw, y, strict=True)])) if y else 0.0
    report["macro_f1"] = (
        float(
            f1_score(y, raw, labels=[c for c in classes if c != oos_label] or classes, average="macro", zero_division=0)
        )
        if y
        else 0.0
    )
    report["false_fallback_rate"] = float(fallback[in_scope].mean()) if in_scope.any() else 0.0
    report["answered_accuracy"] = (
        float(np.mean([a == b for a, b, f in zip(raw, y, fallback, strict=True) if not f]))
        if (~fallback).any()
        else 0.0
    )
    if is_oos.any():
        report["in_scope_accuracy"] = float(np.mean([final[i] == y[i] for i in np.flatnonzero(in_scope)]))
        report["oos_recall"] = float(fallback[is_oos].mean())
        report["primary_metric"] = INTENT_PRIMARY_WITH_OOS
    else:
        report["primary_metric"] = INTENT_PRIMARY
    precision, recall, f1, support = precision_recall_fscore_support(y, raw, labels=classes, zero_division=0)
    report["per_intent"] = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
    }
    confusions = Counter((t, p) for t, p in zip(y, raw, strict=True) if t != p)
    report["confusion_pairs"] = [{"true": t, "predicted": p, "count": n} for (t, p), n in confusions.most_common(15)]
    return report


def rank_metrics(rankings: Sequence[Sequence[int]], relevant: Sequence[set[int]]) -> dict[str, float]:
    """recall@1, recall@5 and MRR@10 (primary) of ranked candidate ids against relevant id sets."""
    if not rankings:
        return {"recall_at_1": 0.0, "recall_at_5": 0.0, "mrr": 0.0, "n": 0}
    r1 = r5 = rr = 0.0
    for ranked, good in zip(rankings, relevant, strict=True):
        hits = [i for i, candidate in enumerate(ranked[:10]) if candidate in good]
        if hits:
            first = hits[0]
            r1 += first == 0
            r5 += first < 5
            rr += 1.0 / (first + 1)
    n = len(rankings)
    return {"recall_at_1": r1 / n, "recall_at_5": r5 / n, "mrr": rr / n, "n": n}


def retrieval_relevance(queries: Sequence[RetrievalPair], corpus: Sequence[RetrievalPair]) -> list[set[int]]:
    """For each query, the corpus positions that answer it: the same answer (near-duplicate) or the same intent.

    A query with neither in the corpus has an empty set: the right behaviour for it is not to answer.
    """
    by_answer: dict[str, set[int]] = {}
    by_intent: dict[str, set[int]] = {}
    for position, pair in enumerate(corpus):
        by_answer.setdefault(pair.answer_key, set()).add(position)
        if pair.intent:
            by_intent.setdefault(pair.intent, set()).add(position)
    return [
        by_answer.get(q.answer_key, set()) | (by_intent.get(q.intent, set()) if q.intent else set()) for q in queries
    ]


@dataclass(frozen=True, slots=True)
class RetrievalRun:
    rankings: list[list[int]]
    top_scores: np.ndarray
    relevant: list[set[int]]

    @property
    def correct_at_1(self) -> np.ndarray:
        return np.array([bool(r) and r[0] in good for r, good in zip(self.rankings, self.relevant, strict=True)])

    def metrics(self) -> dict[str, float]:
        answerable = [i for i, good in enumerate(self.relevant) if good]
        metrics = rank_metrics([self.rankings[i] for i in answerable], [self.relevant[i] for i in answerable])
        metrics["unanswerable_queries"] = len(self.relevant) - len(answerable)
        return metrics


def run_retrieval(encoder: Encoder, queries: Sequence[RetrievalPair], corpus: Sequence[RetrievalPair]) -> RetrievalRun:
    """Rank the corpus questions for each query question by cosine similarity (exact search)."""
    relevant = retrieval_relevance(queries, corpus)
    if not queries or not corpus:
        return RetrievalRun([[] for _ in queries], np.zeros(len(queries)), relevant)
    corpus_vectors = encoder.encode([p.question for p in corpus])
    query_vectors = encoder.encode([q.question for q in queries])
    scores = query_vectors @ corpus_vectors.T
    k = min(10, len(corpus))
    top = np.argsort(-scores, axis=1)[:, :k]
    return RetrievalRun([list(map(int, row)) for row in top], scores.max(axis=1), relevant)
