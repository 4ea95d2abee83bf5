"""Evaluation metrics on hand-made predictions and rankings (training.evaluate)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from tests.fakes import HashingEncoder
from training.data import RetrievalPair
from training.evaluate import intent_metrics, rank_metrics, retrieval_relevance, run_retrieval


def probabilities(predictions: list[tuple[str, float]], names: list[str]) -> np.ndarray:
    """One row per (predicted label, confidence): the rest of the mass spread evenly over the other labels."""
    rows = np.zeros((len(predictions), len(names)))
    for row, (label, confidence) in enumerate(predictions):
        assert confidence > (1 - confidence) / (len(names) - 1), "the prediction must be the top label"
        rows[row, :] = (1 - confidence) / (len(names) - 1)
        rows[row, names.index(label)] = confidence
    return rows


# ---------------------------------------------------------------------------------------- in-scope intents

NAMES = ["billing", "delivery", "refund"]
TRUE = ["billing", "billing", "billing", "delivery", "delivery", "refund", "refund", "refund", "refund"]
PRED = ["billing", "billing", "delivery", "delivery", "refund", "refund", "refund", "billing", "billing"]
CONF = [0.9, 0.6, 0.7, 0.8, 0.5, 0.95, 0.85, 0.7, 0.65]


@pytest.fixture
def report() -> dict[str, object]:
    return intent_metrics(TRUE, probabilities(list(zip(PRED, CONF, strict=True)), NAMES), NAMES)


def test_accuracy_is_the_share_of_correct_top_predictions(report: dict[str, object]) -> None:
    assert report["n"] == 9
    assert report["accuracy"] == pytest.approx(5 / 9)
    assert report["primary_metric"] == "accuracy"


def test_macro_f1_matches_sklearn_and_the_hand_computed_value(report: dict[str, object]) -> None:
    assert report["macro_f1"] == pytest.approx(f1_score(TRUE, PRED, average="macro"))
    billing = 2 * (2 / 4) * (2 / 3) / (2 / 4 + 2 / 3)
    delivery = 0.5
    refund = 2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4)
    assert report["macro_f1"] == pytest.approx((billing + delivery + refund) / 3)


def test_per_intent_precision_recall_and_support(report: dict[str, object]) -> None:
    per_intent = report["per_intent"]
    assert isinstance(per_intent, dict)
    assert set(per_intent) == set(NAMES)
    assert per_intent["billing"]["precision"] == pytest.approx(2 / 4)  # 4 predicted billing, 2 right
    assert per_intent["billing"]["recall"] == pytest.approx(2 / 3)
    assert per_intent["delivery"]["precision"] == pytest.approx(1 / 2)
    assert per_intent["delivery"]["recall"] == pytest.approx(1 / 2)
    assert per_intent["refund"]["precision"] == pytest.approx(2 / 3)
    assert per_intent["refund"]["recall"] == pytest.approx(2 / 4)
    assert {label: v["support"] for label, v in per_intent.items()} == {"billing": 3, "delivery": 2, "refund": 4}


def test_confusion_pairs_are_counted_and_ordered_most_common_first(report: dict[str, object]) -> None:
    assert report["confusion_pairs"] == [
        {"true": "refund", "predicted": "billing", "count": 2},
        {"true": "billing", "predicted": "delivery", "count": 1},
        {"true": "delivery", "predicted": "refund", "count": 1},
    ]


def test_confusion_pairs_keep_at_most_fifteen() -> None:
    names = [f"intent{i}" for i in range(20)]
    truth = [names[i] for i in range(20)]
    predicted = [(names[(i + 1) % 20], 0.9) for i in range(20)]
    report = intent_metrics(truth, probabilities(predicted, names), names)
    assert len(report["confusion_pairs"]) == 15  # type: ignore[arg-type]


def test_without_oos_a_threshold_counts_low_confidence_as_false_fallback() -> None:
    report = intent_metrics(TRUE, probabilities(list(zip(PRED, CONF, strict=True)), NAMES), NAMES, threshold=0.75)
    assert report["false_fallback_rate"] == pytest.approx(5 / 9)  # 0.6, 0.7, 0.5, 0.7, 0.65
    assert report["accuracy"] == pytest.approx(5 / 9)  # raw top-1 accuracy ignores the threshold
    # answered: 0.9 billing (right), 0.8 delivery (right), 0.95 refund (right), 0.85 refund (right)
    assert report["answered_accuracy"] == pytest.approx(1.0)
    assert "oos_recall" not in report


def test_perfect_predictions_score_one() -> None:
    report = intent_metrics(TRUE, probabilities([(t, 0.9) for t in TRUE], NAMES), NAMES)
    assert report["accuracy"] == report["macro_f1"] == 1.0
    assert report["confusion_pairs"] == []
    assert report["false_fallback_rate"] == 0.0


# ------------------------------------------------------------------------------------------ out of scope

OOS_NAMES = ["billing", "delivery", "oos"]
# (true label, top prediction, confidence); threshold 0.5
OOS_CASES = [
    ("billing", "billing", 0.9),  # right
    ("billing", "billing", 0.4),  # right label, but below the threshold: a false fallback
    ("billing", "delivery", 0.8),  # wrong intent
    ("delivery", "delivery", 0.7),  # right
    ("delivery", "oos", 0.6),  # predicted out of scope: a false fallback
    ("delivery", "delivery", 0.95),  # right
    ("oos", "oos", 0.8),  # caught by the label
    ("oos", "billing", 0.45),  # caught by the threshold
    ("oos", "delivery", 0.9),  # missed
    ("oos", "billing", 0.6),  # missed
]


def oos_report(threshold: float) -> dict[str, object]:
    truth = [t for t, _, _ in OOS_CASES]
    probs = probabilities([(p, c) for _, p, c in OOS_CASES], OOS_NAMES)
    return intent_metrics(truth, probs, OOS_NAMES, threshold=threshold, oos_label="oos")


def test_clinc150_metrics_with_out_of_scope_examples() -> None:
    report = oos_report(0.5)
    # in-scope accuracy: of the 6 in-scope queries, those whose final prediction (after fallback) is right
    assert report["in_scope_accuracy"] == pytest.approx(3 / 6)
    # out-of-scope recall: of the 4 out-of-scope queries, those that fall back
    assert report["oos_recall"] == pytest.approx(2 / 4)
    # false fallback: of the 6 in-scope queries, those that fall back (low confidence or predicted oos)
    assert report["false_fallback_rate"] == pytest.approx(2 / 6)
    assert report["primary_metric"] == "in_scope_accuracy"


def test_raw_accuracy_and_answered_accuracy_with_out_of_scope_examples() -> None:
    report = oos_report(0.5)
    assert report["accuracy"] == pytest.approx(5 / 10)  # raw top label, oos counted as a label
    # answered (no fallback): rows 0, 2, 3, 5, 8, 9 -> right: 0, 3, 5
    assert report["answered_accuracy"] == pytest.approx(3 / 6)


def test_macro_f1_leaves_out_the_oos_label() -> None:
    report = oos_report(0.5)
    truth = [t for t, _, _ in OOS_CASES]
    raw = [p for _, p, _ in OOS_CASES]
    assert report["macro_f1"] == pytest.approx(f1_score(truth, raw, labels=["billing", "delivery"], average="macro"))
    assert report["macro_f1"] != pytest.approx(f1_score(truth, raw, average="macro"))


def test_a_higher_threshold_makes_low_confidence_predictions_fall_back() -> None:
    low = oos_report(0.0)
    assert low["in_scope_accuracy"] == pytest.approx(4 / 6)  # row 1 is answered (and right)
    assert low["oos_recall"] == pytest.approx(1 / 4)  # only the oos-labelled prediction
    assert low["false_fallback_rate"] == pytest.approx(1 / 6)
    high = oos_report(0.85)
    assert high["in_scope_accuracy"] == pytest.approx(2 / 6)  # only rows 0 and 5 stay answered and right
    assert high["oos_recall"] == pytest.approx(3 / 4)  # row 8 (0.9) still slips through
    assert high["false_fallback_rate"] == pytest.approx(4 / 6)


def test_the_oos_label_may_appear_only_in_the_true_labels() -> None:
    names = ["billing", "delivery"]
    truth = ["billing", "delivery", "oos", "oos"]
    probs = probabilities([("billing", 0.9), ("delivery", 0.55), ("billing", 0.52), ("delivery", 0.95)], names)
    report = intent_metrics(truth, probs, names, threshold=0.6, oos_label="oos")
    assert report["primary_metric"] == "in_scope_accuracy"
    assert report["in_scope_accuracy"] == pytest.approx(1 / 2)
    assert report["oos_recall"] == pytest.approx(1 / 2)
    assert report["false_fallback_rate"] == pytest.approx(1 / 2)


def test_an_oos_label_without_oos_examples_keeps_accuracy_primary() -> None:
    report = intent_metrics(TRUE, probabilities(list(zip(PRED, CONF, strict=True)), NAMES), NAMES, oos_label="oos")
    assert report["primary_metric"] == "accuracy"
    assert "in_scope_accuracy" not in report


# ------------------------------------------------------------------------------------------ rank metrics


def ranking_with(item: int, at_rank: int, length: int = 12) -> list[int]:
    """`length` candidate ids with `item` at 1-based `at_rank`; the others are ids 100+."""
    others = iter(range(100, 100 + length))
    return [item if rank == at_rank else next(others) for rank in range(1, length + 1)]


def test_recall_and_mrr_on_hand_made_rankings() -> None:
    rankings = [ranking_with(1, 1), ranking_with(2, 3), ranking_with(3, 7), ranking_with(4, 11), [6, 5, 7]]
    relevant = [{1}, {2}, {3}, {4}, {5, 6}]
    metrics = rank_metrics(rankings, relevant)
    assert metrics["n"] == 5
    assert metrics["recall_at_1"] == pytest.approx(2 / 5)  # ranks 1, and 1 for the two-relevant query
    assert metrics["recall_at_5"] == pytest.approx(3 / 5)  # rank 7 and rank 11 are out
    assert metrics["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 7 + 0 + 1) / 5)


def test_a_relevant_item_at_rank_seven_counts_in_mrr_but_not_in_recall_at_5() -> None:
    metrics = rank_metrics([ranking_with(3, 7)], [{3}])
    assert metrics["mrr"] == pytest.approx(1 / 7)
    assert metrics["recall_at_5"] == 0.0


def test_a_relevant_item_past_rank_ten_counts_for_nothing() -> None:
    metrics = rank_metrics([ranking_with(4, 11)], [{4}])
    assert metrics == {"recall_at_1": 0.0, "recall_at_5": 0.0, "mrr": 0.0, "n": 1}


@pytest.mark.parametrize("rank, reciprocal", [(1, 1.0), (5, 0.2), (10, 0.1)])
def test_mrr_at_ten_boundaries(rank: int, reciprocal: float) -> None:
    metrics = rank_metrics([ranking_with(9, rank)], [{9}])
    assert metrics["mrr"] == pytest.approx(reciprocal)
    assert metrics["recall_at_5"] == (1.0 if rank <= 5 else 0.0)


def test_the_first_of_several_relevant_items_counts() -> None:
    assert rank_metrics([[8, 2, 1]], [{1, 2}])["mrr"] == pytest.approx(1 / 2)


def test_rank_metrics_of_no_queries_are_zero() -> None:
    assert rank_metrics([], []) == {"recall_at_1": 0.0, "recall_at_5": 0.0, "mrr": 0.0, "n": 0}


def test_rank_metrics_reject_mismatched_lengths() -> None:
    with pytest.raises(ValueError):
        rank_metrics([[1], [2]], [{1}])


# ------------------------------------------------------------------------------------------ relevance


CORPUS = [
    RetrievalPair("where is my parcel", "Your order NW-123 ships on Friday.", "c1", "delivery"),
    RetrievalPair("I want a refund", "Refunds take 5 working days.", "c2", "refund"),
    RetrievalPair("my parcel is late", "your order nw-98765 ships on friday", "c3", None),
    RetrievalPair("change my address", "Your address is updated.", "c4", "address"),
    RetrievalPair("what is your phone number", "Call us on weekdays.", "c5", None),
]


def test_a_near_duplicate_answer_is_relevant() -> None:
    query = RetrievalPair("parcel?", "YOUR ORDER NW-5 SHIPS ON FRIDAY!", "q", None)
    assert retrieval_relevance([query], CORPUS) == [{0, 2}]


def test_an_answer_differing_by_a_word_is_not_relevant() -> None:
    query = RetrievalPair("parcel?", "Your order NW-5 ships on Monday.", "q", None)
    assert retrieval_relevance([query], CORPUS) == [set()]


def test_the_same_intent_is_relevant() -> None:
    query = RetrievalPair("money back please", "A new answer.", "q", "refund")
    assert retrieval_relevance([query], CORPUS) == [{1}]


def test_same_answer_and_same_intent_are_combined() -> None:
    query = RetrievalPair("new address", "your address is updated", "q", "delivery")
    assert retrieval_relevance([query], CORPUS) == [{0, 3}]


def test_a_query_with_neither_answer_nor_intent_in_the_corpus_has_no_relevant_items() -> None:
    queries = [
        RetrievalPair("do you sell gift cards", "Not yet.", "q1", "gift_cards"),
        RetrievalPair("do you ship abroad", "Only within the EU.", "q2", None),
    ]
    assert retrieval_relevance(queries, CORPUS) == [set(), set()]


def test_run_retrieval_ranks_an_identical_question_first_and_excludes_unanswerable_queries(
    fake_encoder: HashingEncoder,
) -> None:
    queries = [
        RetrievalPair("what is your phone number", "Call us on weekdays.", "q1", None),
        RetrievalPair("I want a refund", "Refunds take 5 working days.", "q2", "refund"),
        RetrievalPair("do you sell gift cards", "Not yet.", "q3", "gift_cards"),
    ]
    run = run_retrieval(fake_encoder, queries, CORPUS)
    assert run.rankings[0][0] == 4
    assert run.rankings[1][0] == 1
    assert sorted(run.rankings[0]) == list(range(len(CORPUS)))  # every candidate ranked (fewer than 10)
    assert run.top_scores[0] == pytest.approx(1.0, abs=1e-5)
    assert run.relevant == [{4}, {1}, set()]
    assert run.correct_at_1.tolist() == [True, True, False]
    metrics = run.metrics()
    assert metrics["n"] == 2
    assert metrics["unanswerable_queries"] == 1
    assert metrics["recall_at_1"] == metrics["mrr"] == 1.0


def test_run_retrieval_keeps_the_top_ten(fake_encoder: HashingEncoder) -> None:
    corpus = [RetrievalPair(f"question about item {word}", f"answer {word}", f"g{word}") for word in "abcdefghijkl"]
    run = run_retrieval(fake_encoder, [RetrievalPair("question about item c", "answer c", "q")], corpus)
    assert len(run.rankings[0]) == 10
    assert run.rankings[0][0] == 2


def test_run_retrieval_with_an_empty_corpus_answers_nothing(fake_encoder: HashingEncoder) -> None:
    run = run_retrieval(fake_encoder, [RetrievalPair("hello there", "hi", "q")], [])
    assert run.rankings == [[]]
    assert run.top_scores.tolist() == [0.0]
    assert run.correct_at_1.tolist() == [False]
    assert run.metrics() == {"recall_at_1": 0.0, "recall_at_5": 0.0, "mrr": 0.0, "n": 0, "unanswerable_queries": 1}
    assert fake_encoder.calls == 0
