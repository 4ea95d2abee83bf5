"""Calibration: temperature scaling and the fallback thresholds (training.calibration)."""

from __future__ import annotations

import numpy as np
import pytest

from training.calibration import choose_intent_threshold, choose_retrieval_threshold, fit_temperature
from training.intent import softmax

# ------------------------------------------------------------------------------------------------ temperature


def sampled_labels(true_logits: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    probabilities = softmax(true_logits)
    return np.array([rng.choice(len(row), p=row) for row in probabilities])


@pytest.mark.parametrize("k", [0.4, 2.5, 4.0])
def test_fit_temperature_recovers_the_scale_of_miscalibrated_logits(k: float) -> None:
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0.0, 2.0, size=(3000, 5))
    labels = sampled_labels(true_logits, seed=1)
    fitted = fit_temperature(true_logits * k, labels.tolist())
    assert fitted == pytest.approx(k, rel=0.15)


def test_fit_temperature_of_calibrated_logits_is_close_to_one() -> None:
    rng = np.random.default_rng(2)
    true_logits = rng.normal(0.0, 2.0, size=(3000, 4))
    assert fit_temperature(true_logits, sampled_labels(true_logits, seed=3)) == pytest.approx(1.0, rel=0.15)


def test_fit_temperature_lowers_the_nll() -> None:
    rng = np.random.default_rng(4)
    true_logits = rng.normal(0.0, 2.0, size=(500, 3))
    labels = sampled_labels(true_logits, seed=5)
    logits = true_logits * 3.0

    def nll(temperature: float) -> float:
        probs = softmax(logits / temperature)
        return float(-np.mean(np.log(probs[np.arange(len(labels)), labels])))

    assert nll(fit_temperature(logits, labels)) < nll(1.0)


def test_fit_temperature_without_targets_is_one() -> None:
    assert fit_temperature(np.zeros((0, 3)), []) == 1.0


# ------------------------------------------------------------------------------------------ intent threshold


def fallback_rate(threshold: float, confidences: np.ndarray, predicted_oos: np.ndarray, mask: np.ndarray) -> float:
    falls_back = predicted_oos | (confidences < threshold)
    return float(falls_back[mask].mean())


@pytest.fixture
def validation() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """200 in-scope examples (mostly confident) and 50 out-of-scope ones (mostly not)."""
    rng = np.random.default_rng(7)
    in_scope = rng.beta(8, 2, size=200)
    oos = rng.beta(2, 5, size=50)
    confidences = np.concatenate([in_scope, oos])
    is_oos = np.concatenate([np.zeros(200, bool), np.ones(50, bool)])
    return confidences, np.zeros(250, bool), is_oos


@pytest.mark.parametrize("max_false_fallback", [0.0, 0.01, 0.03, 0.05, 0.1, 0.25, 0.5, 0.99])
def test_false_fallback_rate_never_exceeds_the_budget(
    validation: tuple[np.ndarray, np.ndarray, np.ndarray], max_false_fallback: float
) -> None:
    confidences, predicted_oos, is_oos = validation
    choice = choose_intent_threshold(confidences, predicted_oos, is_oos, max_false_fallback=max_false_fallback)
    measured = fallback_rate(choice.threshold, confidences, predicted_oos, ~is_oos)
    assert measured <= max_false_fallback
    assert choice.false_fallback_rate == pytest.approx(measured)
    assert choice.oos_recall == pytest.approx(fallback_rate(choice.threshold, confidences, predicted_oos, is_oos))


def test_the_threshold_is_the_highest_within_budget(validation: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    confidences, predicted_oos, is_oos = validation
    choice = choose_intent_threshold(confidences, predicted_oos, is_oos, max_false_fallback=0.05)
    assert fallback_rate(choice.threshold, confidences, predicted_oos, ~is_oos) == 0.05  # 10 of 200
    higher = np.nextafter(choice.threshold, 1.0)  # the least raise drops one more in-scope example
    assert fallback_rate(higher, confidences, predicted_oos, ~is_oos) > 0.05


def test_a_larger_budget_never_lowers_oos_recall(validation: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    confidences, predicted_oos, is_oos = validation
    budgets = [0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.2, 0.3, 0.5]
    choices = [choose_intent_threshold(confidences, predicted_oos, is_oos, max_false_fallback=b) for b in budgets]
    recalls = [c.oos_recall for c in choices]
    thresholds = [c.threshold for c in choices]
    assert all(r is not None for r in recalls)
    assert recalls == sorted(recalls)  # type: ignore[type-var]
    assert thresholds == sorted(thresholds)
    assert recalls[-1] > recalls[0]


def test_examples_predicted_as_oos_count_as_fallbacks() -> None:
    confidences = np.array([0.9, 0.95, 0.97, 0.99, 0.6, 0.7, 0.8, 0.85, 0.88, 0.92, 0.3, 0.2])
    is_oos = np.array([False] * 10 + [True, True])
    none_oos = np.zeros(12, bool)
    two_oos = none_oos.copy()
    two_oos[[0, 1]] = True  # two in-scope examples predicted as the out-of-scope class: already 20% fallback
    free = choose_intent_threshold(confidences, none_oos, is_oos, max_false_fallback=0.3)
    spent = choose_intent_threshold(confidences, two_oos, is_oos, max_false_fallback=0.3)
    assert free.false_fallback_rate == pytest.approx(0.3)
    assert spent.false_fallback_rate == pytest.approx(0.3)  # 2 predicted oos + 1 below the threshold
    assert spent.threshold < free.threshold
    assert fallback_rate(spent.threshold, confidences, two_oos, ~is_oos) <= 0.3


def test_predicted_oos_out_of_scope_examples_count_as_caught() -> None:
    confidences = np.array([0.9, 0.9, 0.9, 0.95])
    is_oos = np.array([False, False, False, True])
    predicted_oos = np.array([False, False, False, True])
    choice = choose_intent_threshold(confidences, predicted_oos, is_oos, max_false_fallback=0.0)
    assert choice.oos_recall == 1.0


def test_zero_budget_gives_threshold_zero(validation: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    confidences, predicted_oos, is_oos = validation
    choice = choose_intent_threshold(confidences, predicted_oos, is_oos, max_false_fallback=0.0)
    assert choice.threshold == 0.0
    assert choice.false_fallback_rate == 0.0


def test_a_budget_below_one_example_gives_threshold_zero() -> None:
    confidences = np.array([0.5, 0.6, 0.7, 0.2])
    is_oos = np.array([False, False, False, True])
    choice = choose_intent_threshold(confidences, np.zeros(4, bool), is_oos, max_false_fallback=0.3)  # 0.9 examples
    assert choice.threshold == 0.0
    assert choice.oos_recall == 0.0


def test_no_in_scope_examples_give_threshold_zero() -> None:
    choice = choose_intent_threshold(
        np.array([0.2, 0.3]), np.zeros(2, bool), np.array([True, True]), max_false_fallback=0.1
    )
    assert choice.threshold == 0.0
    assert choice.oos_recall is None
    assert "no in-scope" in choice.rule


def test_without_oos_examples_recall_is_none(validation: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    confidences, predicted_oos, is_oos = validation
    in_scope = ~is_oos
    choice = choose_intent_threshold(
        confidences[in_scope], predicted_oos[in_scope], is_oos[in_scope], max_false_fallback=0.05
    )
    assert choice.oos_recall is None
    assert 0.0 < choice.threshold < 1.0
    assert choice.false_fallback_rate <= 0.05


def test_tied_confidences_never_push_the_rate_over_budget() -> None:
    confidences = np.array([0.5, 0.5, 0.5, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1])
    is_oos = np.array([False] * 10 + [True])
    choice = choose_intent_threshold(confidences, np.zeros(11, bool), is_oos, max_false_fallback=0.2)
    assert fallback_rate(choice.threshold, confidences, np.zeros(11, bool), ~is_oos) <= 0.2
    assert choice.oos_recall == 1.0


# --------------------------------------------------------------------------------------- retrieval threshold


def utility(threshold: float, scores: np.ndarray, correct: np.ndarray, cost: float = 2.0) -> float:
    answered = scores >= threshold
    return float((answered & correct).sum() - cost * (answered & ~correct).sum())


def best_utility(scores: np.ndarray, correct: np.ndarray, cost: float = 2.0) -> float:
    candidates = [*scores.tolist(), float(scores.max()) + 1.0]
    return max(utility(t, scores, correct, cost) for t in candidates)


def test_retrieval_threshold_maximises_right_minus_twice_wrong() -> None:
    scores = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.65, 0.6, 0.5, 0.4, 0.3])
    correct = np.array([True, True, False, True, True, True, False, False, True, False])
    threshold, rule = choose_retrieval_threshold(scores, correct)
    # answering the top 6 gives 5 right - 2 x 1 wrong = 3, better than any other cut
    assert threshold == pytest.approx(0.65)
    assert utility(threshold, scores, correct) == 3.0 == best_utility(scores, correct)
    assert "6 answered" in rule


def test_retrieval_threshold_does_not_depend_on_input_order() -> None:
    rng = np.random.default_rng(11)
    scores = rng.uniform(0.2, 1.0, size=40)
    correct = rng.uniform(size=40) < scores  # higher scores are more often right
    permutation = rng.permutation(40)
    first, _ = choose_retrieval_threshold(scores, correct)
    second, _ = choose_retrieval_threshold(scores[permutation], correct[permutation])
    assert first == second
    assert utility(first, scores, correct) == best_utility(scores, correct)


def test_retrieval_threshold_is_optimal_with_tied_scores() -> None:
    # two questions get the same top score (duplicate questions in validation); only one is right
    scores = np.array([0.9, 0.8, 0.8, 0.3])
    correct = np.array([True, True, False, False])
    threshold, _ = choose_retrieval_threshold(scores, correct)
    assert utility(threshold, scores, correct) == best_utility(scores, correct) == 1.0


def test_a_higher_wrong_answer_cost_never_lowers_the_threshold() -> None:
    scores = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.65, 0.6, 0.5])
    correct = np.array([True, False, True, True, False, True, True, False])
    thresholds = [choose_retrieval_threshold(scores, correct, wrong_answer_cost=c)[0] for c in (0.5, 1.0, 2.0, 5.0)]
    assert thresholds == sorted(thresholds)


def test_all_wrong_answers_give_a_threshold_above_every_score() -> None:
    scores = np.array([0.9, 0.7, 0.5])
    threshold, rule = choose_retrieval_threshold(scores, np.zeros(3, bool))
    assert threshold > scores.max()
    assert not (scores >= threshold).any()
    assert "0 answered" in rule


def test_all_right_answers_answer_everything() -> None:
    scores = np.array([0.9, 0.7, 0.5])
    threshold, _ = choose_retrieval_threshold(scores, np.ones(3, bool))
    assert threshold == pytest.approx(0.5)


def test_no_validation_questions_give_the_default() -> None:
    threshold, rule = choose_retrieval_threshold(np.zeros(0), np.zeros(0, bool), default=0.42)
    assert threshold == 0.42
    assert "no validation questions" in rule
    assert choose_retrieval_threshold(np.zeros(0), np.zeros(0, bool))[0] == 0.5


def test_a_cheaper_wrong_answer_answers_more_questions() -> None:
    scores = np.array([0.9, 0.8, 0.7])
    correct = np.array([True, False, True])
    assert choose_retrieval_threshold(scores, correct)[0] == pytest.approx(0.9)  # 1 right beats 2 right - 2
    assert choose_retrieval_threshold(scores, correct, wrong_answer_cost=0.5)[0] == pytest.approx(0.7)  # 2 - 0.5
