"""Training data from dataset versions, split train/validation/test by conversation.

Everything that comes from one conversation (its labelled customer questions and its QA pairs) lands in the
same split, so no test question has a sibling in training. Splits are stratified by intent (each intent's
conversations are shuffled with the seed and dealt out), so every intent with enough conversations is
present in all three splits.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from knowledge_base.errors import InputError
from knowledge_base.mining import near_duplicate_key
from knowledge_base.store import KnowledgeBase
from training.training_args import TrainingArguments

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class IntentExample:
    text: str
    label: str
    group: str  # conversation (or row) it came from


@dataclass(frozen=True, slots=True)
class RetrievalPair:
    question: str
    answer: str
    group: str
    intent: str | None = None
    qa_id: int | None = None

    @property
    def answer_key(self) -> str:
        return near_duplicate_key(self.answer)


@dataclass(frozen=True, slots=True)
class Split(Generic[T]):
    train: tuple[T, ...]
    validation: tuple[T, ...]
    test: tuple[T, ...]

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


@dataclass(frozen=True, slots=True)
class TrainingData:
    intents: Split[IntentExample] | None  # None when the data has no (usable) intent labels
    labels: tuple[str, ...]
    retrieval: Split[RetrievalPair] | None  # None when the data has no QA pairs
    dataset_ids: tuple[int, ...]
    fingerprint: str  # sha256 over the examples and the split, for the model card

    def describe(self) -> dict[str, object]:
        return {
            "dataset_ids": list(self.dataset_ids),
            "fingerprint": self.fingerprint,
            "labels": len(self.labels),
            "intent_examples": self.intents.sizes() if self.intents else None,
            "retrieval_pairs": self.retrieval.sizes() if self.retrieval else None,
        }


def assign_groups(
    group_labels: dict[str, str | None], *, validation_fraction: float, test_fraction: float, seed: int
) -> dict[str, str]:
    """Map each group to "train", "validation" or "test", stratified by the group's label."""
    by_label: dict[str | None, list[str]] = defaultdict(list)
    for group, label in sorted(group_labels.items(), key=lambda item: item[0]):
        by_label[label].append(group)
    assignment: dict[str, str] = {}
    rng = random.Random(seed)
    for label in sorted(by_label, key=lambda lab: "" if lab is None else lab):
        groups = by_label[label]
        rng.shuffle(groups)
        n = len(groups)
        n_test = max(1, round(n * test_fraction)) if n >= 3 else 0
        n_validation = max(1, round(n * validation_fraction)) if n >= 3 else 0
        if n >= 3:
            n_validation = min(n_validation, n - n_test - 1)  # every intent keeps a training group
        for i, group in enumerate(groups):
            assignment[group] = "test" if i < n_test else "validation" if i < n_test + n_validation else "train"
    return assignment


def _split(items: Iterable[T], group_of: Callable[[T], str], assignment: dict[str, str]) -> Split[T]:
    parts: dict[str, list[T]] = {"train": [], "validation": [], "test": []}
    for item in items:
        parts[assignment[group_of(item)]].append(item)
    return Split(tuple(parts["train"]), tuple(parts["validation"]), tuple(parts["test"]))


def check_intents(examples: Sequence[IntentExample], *, min_examples: int, oos_label: str) -> None:
    """Clear errors for label sets no classifier can learn or be tested on."""
    counts = Counter(example.label for example in examples)
    in_scope = [label for label in counts if label != oos_label]
    if len(in_scope) < 2:
        found = f"{len(in_scope)} ({', '.join(in_scope) or 'none'})"
        raise InputError(
            "an intent classifier needs at least two intents; label more conversations, or train the"
            " retriever only (`--no-intent`)",
            expected="at least 2 distinct intents",
            found=found,
        )
    groups: dict[str, set[str]] = defaultdict(set)
    for example in examples:
        groups[example.label].add(example.group)
    thin = sorted((label, counts[label], len(groups[label])) for label in counts if len(groups[label]) < min_examples)
    if thin:
        listed = ", ".join(f"{label!r} ({n} examples in {g} conversations)" for label, n, g in thin[:10])
        more = f" and {len(thin) - 10} more" if len(thin) > 10 else ""
        raise InputError(
            "some intents have too few examples to be trained, validated and tested; add examples, merge or"
            " drop those intents, or lower `min_examples_per_intent`",
            expected=f"at least {min_examples} conversations (or labelled rows) per intent",
            found=listed + more,
        )


def split_training_data(
    examples: Sequence[IntentExample],
    pairs: Sequence[RetrievalPair],
    *,
    args: TrainingArguments,
    dataset_ids: Sequence[int] = (),
) -> TrainingData:
    """Split intent examples and QA pairs together, by group, stratified by intent."""
    if args.train_intent and examples:
        check_intents(examples, min_examples=args.min_examples_per_intent, oos_label=args.oos_label)
    group_votes: dict[str, Counter[str]] = defaultdict(Counter)
    for example in examples:
        group_votes[example.group][example.label] += 1
    for pair in pairs:
        group_votes[pair.group]
        if pair.intent:
            group_votes[pair.group][pair.intent] += 1
    group_labels = {
        group: (min(votes, key=lambda lab: (-votes[lab], lab)) if votes else None)
        for group, votes in group_votes.items()
    }
    assignment = assign_groups(
        group_labels,
        validation_fraction=args.validation_fraction,
        test_fraction=args.test_fraction,
        seed=args.seed,
    )
    intents = _split(examples, lambda e: e.group, assignment) if examples else None
    retrieval = _split(pairs, lambda p: p.group, assignment) if pairs else None
    labels = tuple(sorted({e.label for e in examples}))
    digest = hashlib.sha256()
    for group in sorted(assignment):
        digest.update(f"{group}\0{assignment[group]}\n".encode())
    for example in examples:
        digest.update(f"i\0{example.text}\0{example.label}\n".encode())
    for pair in pairs:
        digest.update(f"r\0{pair.question}\0{pair.answer}\n".encode())
    return TrainingData(
        intents=intents,
        labels=labels,
        retrieval=retrieval,
        dataset_ids=tuple(sorted(dataset_ids)),
        fingerprint=digest.hexdigest(),
    )


def load_training_data(
    kb: KnowledgeBase, *, dataset_ids: Sequence[int] | None, args: TrainingArguments
) -> TrainingData:
    """Training data from the given dataset versions (default: every active one)."""
    versions = [kb.dataset(i) for i in dataset_ids] if dataset_ids is not None else kb.datasets(include_retired=False)
    if not versions:
        raise InputError(
            "there is nothing to train on; import transcripts first with `chatbot ingest FILE`",
            expected="at least one active dataset version",
            found="none",
        )
    ids = [v.id for v in versions]
    examples: list[IntentExample] = []
    pairs: list[RetrievalPair] = []
    for version in versions:
        for n, utterance in enumerate(kb.utterances([version.id])):
            group = f"{version.id}/{utterance.conversation_id}" if utterance.conversation_id else f"{version.id}#{n}"
            examples.append(IntentExample(utterance.text, utterance.intent, group))
        for pair in kb.qa_pairs([version.id]):
            group = f"{version.id}/{pair.conversation_id}" if pair.conversation_id else f"{version.id}#qa{pair.id}"
            pairs.append(RetrievalPair(pair.question, pair.answer, group, pair.intent, pair.id))
    if not examples and not pairs:
        raise InputError(
            "the chosen dataset versions hold no labelled utterances and no QA pairs",
            expected="labelled questions or question/answer pairs",
            found=f"dataset versions {', '.join(map(str, ids))} with neither",
        )
    return split_training_data(examples, pairs, args=args, dataset_ids=ids)
