"""Calibration: temperature scaling for intent confidences, and the thresholds below which the bot falls back.

Both are fitted on the validation split, never on the test split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from training.intent import softmax


def fit_temperature(logits: np.ndarray, targets: Sequence[int]) -> float:
    """The temperature T minimising the negative log-likelihood of softmax(logits / T) (1-d search on log T)."""
    from scipy.optimize import minimize_scalar

    if len(targets) == 0:
        return 1.0
    y = np.asarray(targets)

    def nll(log_t: float) -> float:
        probs = softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(probs[np.arange(len(y)), y] + 1e-12)))

    result = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(result.x))


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    threshold: float
    false_fallback_rate: float  # in-scope validation examples that would fall back
    oos_recall: float | None  # out-of-scope validation examples caught (None without any)
    rule: str


def choose_intent_threshold(
    confidences: np.ndarray,
    predicted_oos: np.ndarray,
    is_oos: np.ndarray,
    *,
    max_false_fallback: float,
) -> ThresholdChoice:
    """The highest confidence threshold whose in-scope false-fallback rate stays within `max_false_fallback`.

    A higher threshold catches more out-of-scope questions, so the highest acceptable one is chosen. An
    example falls back when its top intent is the out-of-scope label or its confidence is below the threshold.
    """
    in_scope = ~is_oos
    n_in = int(in_scope.sum())
    if n_in == 0:
        return ThresholdChoice(0.0, 0.0, None, "no in-scope validation examples: threshold 0")
    # Examples strictly below the threshold fall back: the (k+1)-th lowest in-scope confidence as threshold
    # lets exactly the k lowest (fewer on ties) fall back.
    budget = int(np.floor(max_false_fallback * n_in)) - int((predicted_oos & in_scope).sum())
    ranked = np.sort(confidences[in_scope & ~predicted_oos])
    if budget <= 0 or len(ranked) == 0:
        threshold = 0.0
    elif budget >= len(ranked):
        threshold = 1.0
    else:
        threshold = float(ranked[budget])
    falls_back = predicted_oos | (confidences < threshold)
    ff = float((falls_back & in_scope).sum() / n_in)
    n_oos = int(is_oos.sum())
    recall = float((falls_back & is_oos).sum() / n_oos) if n_oos else None
    rule = (
        f"highest threshold with in-scope false fallback <= {max_false_fallback:.1%} on validation"
        f" ({n_in} in-scope, {n_oos} out-of-scope examples)"
    )
    return ThresholdChoice(threshold, ff, recall, rule)


def choose_retrieval_threshold(
    top_scores: np.ndarray, correct: np.ndarray, *, wrong_answer_cost: float = 2.0, default: float = 0.5
) -> tuple[float, str]:
    """The score threshold maximising (right answers - cost * wrong answers) on validation questions.

    Below the threshold the bot does not answer from retrieval. A wrong answer costs more than a missed one.
    """
    if len(top_scores) == 0:
        return default, f"no validation questions: default threshold {default}"
    order = np.argsort(-top_scores)
    gains = np.where(correct[order], 1.0, -wrong_answer_cost)
    ranked = top_scores[order]
    # a cut can only fall after the last of equal scores: `score >= threshold` answers all of them
    tie_group_ends = np.r_[ranked[:-1] != ranked[1:], True]
    cumulative = np.where(tie_group_ends, np.cumsum(gains), -np.inf)
    best = int(np.argmax(cumulative))
    if cumulative[best] <= 0:
        threshold = float(top_scores[order[0]]) + 1e-6
    else:
        threshold = float(top_scores[order[best]])
    answered = int((top_scores >= threshold).sum())
    rule = (
        f"maximises right - {wrong_answer_cost:g} x wrong answers on {len(top_scores)} validation questions"
        f" ({answered} answered)"
    )
    return threshold, rule
