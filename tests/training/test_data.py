"""Training data: loading dataset versions, splitting by conversation without leakage (training.data)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from knowledge_base.errors import InputError
from knowledge_base.ingest import IngestOptions, ingest_file
from knowledge_base.store import KnowledgeBase
from training.data import (
    IntentExample,
    RetrievalPair,
    Split,
    TrainingData,
    assign_groups,
    load_training_data,
    split_training_data,
)
from training.training_args import TrainingArguments

SPLITS = ("train", "validation", "test")
INTENTS = ("order_status", "refund", "change_address", "cancel_order")
COLOURS = ("red", "blue", "green", "black", "white", "grey", "pink", "brown")
ITEMS = ("kettle", "lamp", "chair", "desk", "rug", "mirror", "vase", "clock", "shelf", "pillow")

# Two customer questions and two agent answers per conversation; `{x}` is a product unique to the conversation,
# so no two conversations share a (near-duplicate) question or answer.
TEMPLATES = {
    "order_status": (
        "Where is my {x} order, it has not arrived yet",
        "Your {x} left our warehouse yesterday and should arrive on Friday.",
        "Which courier is bringing the {x} to my house",
        "The {x} travels with our usual courier and the tracking link is in your account.",
    ),
    "refund": (
        "I returned the {x} and want my money back",
        "The refund for the {x} goes back to your original payment method within five days.",
        "Will the refund for the {x} include the delivery charge",
        "Yes, the delivery charge for the {x} is refunded together with the item price.",
    ),
    "change_address": (
        "I moved house, please send the {x} to my new address",
        "I have updated the delivery address for the {x} order.",
        "Can the {x} go to my office instead of my flat",
        "The {x} will now be delivered to your office address during working hours.",
    ),
    "cancel_order": (
        "Please cancel my {x} order before it ships",
        "Your {x} order is cancelled and you will not be charged.",
        "Do I need to send anything back for the cancelled {x}",
        "No, the {x} never left the warehouse so there is nothing to return.",
    ),
}


def products() -> list[str]:
    return [f"{colour} {item}" for colour in COLOURS for item in ITEMS]


def conversation(conversation_id: str, intent: str, product: str) -> dict[str, object]:
    q1, a1, q2, a2 = (text.format(x=product) for text in TEMPLATES[intent])
    return {
        "id": conversation_id,
        "intent": intent,
        "turns": [
            {"role": "customer", "text": q1},
            {"role": "agent", "text": a1},
            {"role": "customer", "text": q2},
            {"role": "agent", "text": a2},
        ],
    }


def write_conversations(
    path: Path, *, per_intent: int = 15, intents: tuple[str, ...] = INTENTS, start: int = 0, prefix: str = "c"
) -> Path:
    """`per_intent` conversations for each intent, each about its own product (ids `{prefix}000`, ...)."""
    names = products()[start:]
    assert len(names) >= per_intent * len(intents), "not enough distinct products"
    lines = []
    for n in range(per_intent * len(intents)):
        intent = intents[n % len(intents)]
        lines.append(json.dumps(conversation(f"{prefix}{n:03d}", intent, names[n])))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_labelled_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("text,intent\n" + "".join(f"{text},{intent}\n" for text, intent in rows), encoding="utf-8")
    return path


def ingest(kb: KnowledgeBase, path: Path) -> int:
    return ingest_file(kb, path, IngestOptions()).dataset.id


def groups_by_split(split: Split[IntentExample] | Split[RetrievalPair]) -> dict[str, set[str]]:
    return {name: {item.group for item in getattr(split, name)} for name in SPLITS}


def split_of_group(data: TrainingData) -> dict[str, set[str]]:
    """Every split each group's intent examples and QA pairs were put in."""
    seen: dict[str, set[str]] = defaultdict(set)
    for split in (data.intents, data.retrieval):
        assert split is not None
        for name in SPLITS:
            for item in getattr(split, name):
                seen[item.group].add(name)
    return seen


@pytest.fixture
def history(kb: KnowledgeBase, tmp_path: Path) -> int:
    """60 two-question conversations over 4 intents, ingested as one dataset version."""
    return ingest(kb, write_conversations(tmp_path / "history.jsonl"))


@pytest.fixture
def data(kb: KnowledgeBase, history: int) -> TrainingData:
    return load_training_data(kb, dataset_ids=None, args=TrainingArguments())


# ------------------------------------------------------------------------------------------------ no leakage


def test_fixture_conversations_yield_two_examples_and_two_pairs_each(data: TrainingData, history: int) -> None:
    assert data.intents is not None and data.retrieval is not None
    assert sum(data.intents.sizes().values()) == 120
    assert sum(data.retrieval.sizes().values()) == 120
    assert data.labels == tuple(sorted(INTENTS))
    assert data.dataset_ids == (history,)


@pytest.mark.parametrize("kind", ["intents", "retrieval"])
def test_conversations_in_train_validation_and_test_are_pairwise_disjoint(data: TrainingData, kind: str) -> None:
    split = getattr(data, kind)
    groups = groups_by_split(split)
    assert groups["train"] and groups["validation"] and groups["test"]
    assert not groups["train"] & groups["validation"]
    assert not groups["train"] & groups["test"]
    assert not groups["validation"] & groups["test"]


def test_a_conversations_examples_and_qa_pairs_land_in_the_same_split(data: TrainingData) -> None:
    seen = split_of_group(data)
    assert len(seen) == 60
    assert {group: splits for group, splits in seen.items() if len(splits) > 1} == {}


def test_intent_and_retrieval_splits_use_the_same_conversations(data: TrainingData) -> None:
    assert data.intents is not None and data.retrieval is not None
    assert groups_by_split(data.intents) == groups_by_split(data.retrieval)


def test_every_intent_is_present_in_all_three_splits(data: TrainingData) -> None:
    assert data.intents is not None
    for name in SPLITS:
        labels = {example.label for example in getattr(data.intents, name)}
        assert labels == set(INTENTS), name


def test_split_sizes_follow_the_fractions_up_to_rounding_per_intent(kb: KnowledgeBase, history: int) -> None:
    args = TrainingArguments(validation_fraction=0.2, test_fraction=0.1)
    data = load_training_data(kb, dataset_ids=None, args=args)
    assert data.intents is not None
    groups = groups_by_split(data.intents)
    total = sum(len(g) for g in groups.values())
    assert total == 60
    # each intent's 15 conversations are dealt out separately: rounding is off by at most one per intent
    for name, fraction in (("validation", 0.2), ("test", 0.1)):
        assert abs(len(groups[name]) - fraction * total) <= len(INTENTS), (name, len(groups[name]))
    assert len(groups["train"]) > len(groups["validation"]) > len(groups["test"])


def test_the_same_seed_gives_identical_splits(kb: KnowledgeBase, history: int, data: TrainingData) -> None:
    again = load_training_data(kb, dataset_ids=None, args=TrainingArguments())
    assert again.intents == data.intents
    assert again.retrieval == data.retrieval


def test_another_seed_gives_different_splits(kb: KnowledgeBase, history: int, data: TrainingData) -> None:
    other = load_training_data(kb, dataset_ids=None, args=TrainingArguments(seed=7))
    assert other.intents is not None and data.intents is not None
    assert groups_by_split(other.intents)["test"] != groups_by_split(data.intents)["test"]
    # still a partition of the same examples
    assert sorted(e.text for e in other.intents.train + other.intents.validation + other.intents.test) == sorted(
        e.text for e in data.intents.train + data.intents.validation + data.intents.test
    )


def test_labelled_csv_rows_are_each_their_own_group(kb: KnowledgeBase, tmp_path: Path) -> None:
    rows = [(f"question {word} about {intent}", intent) for intent in ("balance", "top_up") for word in ITEMS]
    ingest(kb, write_labelled_csv(tmp_path / "labelled.csv", rows))
    data = load_training_data(kb, dataset_ids=None, args=TrainingArguments())
    assert data.intents is not None and data.retrieval is None
    examples = data.intents.train + data.intents.validation + data.intents.test
    assert len(examples) == len(rows)
    assert len({example.group for example in examples}) == len(rows)
    for name in SPLITS:  # 10 rows per intent are enough to put each intent in every split
        assert {example.label for example in getattr(data.intents, name)} == {"balance", "top_up"}


def test_csv_rows_and_conversations_of_two_versions_never_share_a_group(
    kb: KnowledgeBase, tmp_path: Path, history: int
) -> None:
    rows = [(f"where is the {word} I ordered", "order_status") for word in ITEMS]
    csv_id = ingest(kb, write_labelled_csv(tmp_path / "labelled.csv", rows))
    data = load_training_data(kb, dataset_ids=None, args=TrainingArguments())
    assert data.dataset_ids == (history, csv_id)
    seen = split_of_group(data)
    assert len(seen) == 60 + len(rows)
    assert all(len(splits) == 1 for splits in seen.values())


# -------------------------------------------------------------------------------------------- dataset versions


def test_retired_dataset_versions_are_left_out_by_default(kb: KnowledgeBase, tmp_path: Path, history: int) -> None:
    newer = ingest(kb, write_conversations(tmp_path / "newer.jsonl", per_intent=5, start=60, prefix="n"))
    kb.retire(history)
    data = load_training_data(kb, dataset_ids=None, args=TrainingArguments())
    assert data.dataset_ids == (newer,)
    assert data.intents is not None
    examples = data.intents.train + data.intents.validation + data.intents.test
    assert len(examples) == 40
    assert all(example.group.startswith(f"{newer}/") for example in examples)


def test_explicit_dataset_ids_pick_those_versions_even_retired_ones(
    kb: KnowledgeBase, tmp_path: Path, history: int
) -> None:
    newer = ingest(kb, write_conversations(tmp_path / "newer.jsonl", per_intent=5, start=60, prefix="n"))
    kb.retire(history)
    data = load_training_data(kb, dataset_ids=[history], args=TrainingArguments())
    assert data.dataset_ids == (history,)
    assert data.retrieval is not None
    pairs = data.retrieval.train + data.retrieval.validation + data.retrieval.test
    assert len(pairs) == 120
    assert all(pair.group.startswith(f"{history}/") for pair in pairs)
    both = load_training_data(kb, dataset_ids=[newer, history], args=TrainingArguments())
    assert both.dataset_ids == (history, newer)


def test_retrieval_pairs_carry_their_intent_and_qa_id(kb: KnowledgeBase, data: TrainingData) -> None:
    assert data.retrieval is not None
    pairs = data.retrieval.train + data.retrieval.validation + data.retrieval.test
    stored = {pair.id: pair for pair in kb.qa_pairs()}
    for pair in pairs:
        assert pair.qa_id in stored
        assert (pair.question, pair.answer, pair.intent) == (
            stored[pair.qa_id].question,
            stored[pair.qa_id].answer,
            stored[pair.qa_id].intent,
        )


# ---------------------------------------------------------------------------------------------------- errors


def test_an_empty_knowledge_base_has_nothing_to_train_on(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError) as caught:
        load_training_data(kb, dataset_ids=None, args=TrainingArguments())
    message = str(caught.value)
    assert "nothing to train on" in message
    assert "chatbot ingest" in message  # the fix


def test_only_retired_versions_leaves_nothing_to_train_on(kb: KnowledgeBase, history: int) -> None:
    kb.retire(history)
    with pytest.raises(InputError, match="nothing to train on"):
        load_training_data(kb, dataset_ids=None, args=TrainingArguments())


def test_a_single_intent_is_rejected_with_the_retriever_only_fix(kb: KnowledgeBase, tmp_path: Path) -> None:
    ingest(kb, write_conversations(tmp_path / "one.jsonl", per_intent=6, intents=("refund",)))
    with pytest.raises(InputError) as caught:
        load_training_data(kb, dataset_ids=None, args=TrainingArguments())
    message = str(caught.value)
    assert "at least two intents" in message
    assert "refund" in message  # what was found
    assert "--no-intent" in message  # the fix


def test_a_single_intent_is_fine_for_a_retriever_only_run(kb: KnowledgeBase, tmp_path: Path) -> None:
    ingest(kb, write_conversations(tmp_path / "one.jsonl", per_intent=6, intents=("refund",)))
    data = load_training_data(kb, dataset_ids=None, args=TrainingArguments(train_intent=False))
    assert data.retrieval is not None
    assert sum(data.retrieval.sizes().values()) == 12
    assert data.labels == ("refund",)


def test_an_intent_with_one_example_is_named_with_its_count(kb: KnowledgeBase, tmp_path: Path) -> None:
    rows = [(f"question {word} about {intent}", intent) for intent in ("balance", "top_up") for word in ITEMS[:4]]
    rows.append(("my card was swallowed by the machine", "card_swallowed"))
    ingest(kb, write_labelled_csv(tmp_path / "labelled.csv", rows))
    with pytest.raises(InputError) as caught:
        load_training_data(kb, dataset_ids=None, args=TrainingArguments())
    message = str(caught.value)
    assert "'card_swallowed' (1 examples in 1 conversations)" in message
    assert "balance" not in message and "top_up" not in message  # only the thin intent is listed
    assert "add examples" in message and "min_examples_per_intent" in message  # the fixes
    assert "at least 3" in message  # what is expected


def test_thin_intents_are_counted_by_conversation_not_by_example(kb: KnowledgeBase, tmp_path: Path) -> None:
    # 2 conversations hold 4 refund examples: still too few conversations to put one in every split
    ingest(kb, write_conversations(tmp_path / "history.jsonl", per_intent=2, intents=("refund", "cancel_order")))
    with pytest.raises(InputError) as caught:
        load_training_data(kb, dataset_ids=None, args=TrainingArguments())
    assert "'refund' (4 examples in 2 conversations)" in str(caught.value)


def test_train_intent_false_skips_the_thin_intent_check(kb: KnowledgeBase, tmp_path: Path) -> None:
    ingest(kb, write_conversations(tmp_path / "history.jsonl", per_intent=2, intents=("refund", "cancel_order")))
    data = load_training_data(kb, dataset_ids=None, args=TrainingArguments(train_intent=False))
    assert data.retrieval is not None
    assert sum(data.retrieval.sizes().values()) == 8


# -------------------------------------------------------------------------------------------------- fingerprint


def test_fingerprint_is_stable_for_the_same_data_and_seed(
    tmp_path: Path, data: TrainingData, kb: KnowledgeBase
) -> None:
    assert len(data.fingerprint) == 64
    assert load_training_data(kb, dataset_ids=None, args=TrainingArguments()).fingerprint == data.fingerprint
    with KnowledgeBase(tmp_path / "other.db") as other:
        ingest(other, write_conversations(tmp_path / "copy.jsonl"))
        assert load_training_data(other, dataset_ids=None, args=TrainingArguments()).fingerprint == data.fingerprint


def test_fingerprint_changes_when_the_data_changes(kb: KnowledgeBase, tmp_path: Path, data: TrainingData) -> None:
    ingest(kb, write_conversations(tmp_path / "more.jsonl", per_intent=3, start=60, prefix="m"))
    assert load_training_data(kb, dataset_ids=None, args=TrainingArguments()).fingerprint != data.fingerprint


def test_fingerprint_changes_when_the_split_changes(kb: KnowledgeBase, data: TrainingData) -> None:
    assert load_training_data(kb, dataset_ids=None, args=TrainingArguments(seed=7)).fingerprint != data.fingerprint


# ------------------------------------------------------------------------------ split_training_data edge cases


def examples_for(groups_per_label: dict[str, int]) -> list[IntentExample]:
    return [
        IntentExample(f"{label} question {n}", label, f"{label}-{n}")
        for label, count in groups_per_label.items()
        for n in range(count)
    ]


def test_no_examples_and_no_pairs_give_empty_training_data() -> None:
    data = split_training_data([], [], args=TrainingArguments())
    assert data.intents is None and data.retrieval is None
    assert data.labels == ()
    assert data.describe()["intent_examples"] is None


def test_pairs_without_any_intent_are_still_split_three_ways() -> None:
    pairs = [RetrievalPair(f"question {n}", f"answer {n}", f"g{n}") for n in range(20)]
    data = split_training_data([], pairs, args=TrainingArguments(), dataset_ids=[5])
    assert data.intents is None and data.retrieval is not None
    assert data.retrieval.sizes() == {"train": 16, "validation": 2, "test": 2}
    assert data.dataset_ids == (5,)


def test_pairs_are_stratified_by_their_intent_when_a_group_has_no_examples() -> None:
    pairs = [
        RetrievalPair(f"{intent} question {n}", f"{intent} answer {n}", f"{intent}-{n}", intent)
        for intent in ("refund", "delivery")
        for n in range(5)
    ]
    data = split_training_data([], pairs, args=TrainingArguments(train_intent=False))
    assert data.retrieval is not None
    for name in SPLITS:
        assert {pair.intent for pair in getattr(data.retrieval, name)} == {"refund", "delivery"}


def test_three_conversations_per_intent_give_one_to_each_split() -> None:
    data = split_training_data(examples_for({"a": 3, "b": 3}), [], args=TrainingArguments())
    assert data.intents is not None
    assert data.intents.sizes() == {"train": 2, "validation": 2, "test": 2}


def test_an_intent_with_fewer_than_three_groups_stays_in_train_when_checks_are_off() -> None:
    data = split_training_data(examples_for({"a": 2, "b": 10}), [], args=TrainingArguments(train_intent=False))
    assert data.intents is not None
    assert {e.label for e in data.intents.train} == {"a", "b"}
    assert "a" not in {e.label for e in data.intents.validation + data.intents.test}


def test_a_mixed_conversation_stays_whole() -> None:
    examples = [
        *examples_for({"a": 6, "b": 6}),
        IntentExample("first a then b", "a", "mixed"),
        IntentExample("b part one", "b", "mixed"),
        IntentExample("b part two", "b", "mixed"),
    ]
    pairs = [RetrievalPair("b part one", "answer", "mixed", "b")]
    for seed in range(10):
        data = split_training_data(examples, pairs, args=TrainingArguments(seed=seed))
        assert len(split_of_group(data)["mixed"]) == 1, seed


@pytest.mark.parametrize("per_intent", [3, 4, 5, 6])
def test_every_intent_keeps_a_training_conversation_with_large_fractions(per_intent: int) -> None:
    # 0.4 + 0.4 is accepted by TrainingArguments; no intent may end up with nothing to train on
    args = TrainingArguments(validation_fraction=0.4, test_fraction=0.4)
    data = split_training_data(examples_for({"a": per_intent, "b": per_intent}), [], args=args)
    assert data.intents is not None
    assert {e.label for e in data.intents.train} == {"a", "b"}


def test_assign_groups_covers_every_group_once() -> None:
    labels: dict[str, str | None] = {f"g{n}": ("x" if n % 3 else None) for n in range(30)}
    assignment = assign_groups(labels, validation_fraction=0.1, test_fraction=0.2, seed=1)
    assert set(assignment) == set(labels)
    assert set(assignment.values()) == set(SPLITS)


def test_assign_groups_does_not_depend_on_dict_order() -> None:
    labels = {f"g{n}": f"label{n % 4}" for n in range(40)}
    reversed_labels = dict(reversed(list(labels.items())))
    kwargs = {"validation_fraction": 0.1, "test_fraction": 0.1, "seed": 3}
    assert assign_groups(labels, **kwargs) == assign_groups(reversed_labels, **kwargs)


def test_fingerprint_changes_with_a_label_and_not_with_dataset_ids() -> None:
    examples = examples_for({"a": 5, "b": 5})
    base = split_training_data(examples, [], args=TrainingArguments())
    relabelled = [IntentExample(e.text, "c" if e.group == "a-0" else e.label, e.group) for e in examples]
    assert split_training_data(relabelled, [], args=TrainingArguments(train_intent=False)).fingerprint != (
        base.fingerprint
    )
    assert split_training_data(examples, [], args=TrainingArguments(), dataset_ids=[9]).fingerprint == base.fingerprint


def test_fingerprint_changes_when_only_a_text_changes() -> None:
    examples = examples_for({"a": 5, "b": 5})
    pairs = [RetrievalPair(f"question {n}", f"answer {n}", f"a-{n}", "a") for n in range(5)]
    base = split_training_data(examples, pairs, args=TrainingArguments())
    edited_example = [IntentExample(e.text + "!", e.label, e.group) if e.group == "b-2" else e for e in examples]
    edited_pair = [RetrievalPair(p.question, p.answer + " today", p.group, p.intent) for p in pairs]
    assert split_training_data(edited_example, pairs, args=TrainingArguments()).fingerprint != base.fingerprint
    assert split_training_data(examples, edited_pair, args=TrainingArguments()).fingerprint != base.fingerprint
