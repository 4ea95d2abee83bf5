"""Training arguments validate themselves and name the bad value (training.training_args)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from knowledge_base.errors import ConfigError
from training.training_args import TrainingArguments


def test_defaults_are_valid() -> None:
    args = TrainingArguments()
    assert args.train_intent and args.train_retriever
    assert 0 < args.validation_fraction < 0.5 and 0 < args.test_fraction < 0.5
    assert args.device == "auto" and args.precision == "auto" and args.promote == "if_not_worse"
    assert args.max_steps is None


INVALID = [
    {"intent_epochs": 0},
    {"intent_batch_size": -1},
    {"intent_learning_rate": 0},
    {"intent_learning_rate": 2},
    {"validation_fraction": 0.6},
    {"test_fraction": 0},
    {"device": "tpu"},
    {"precision": "fp8"},
    {"promote": "sometimes"},
    {"max_steps": 0},
    {"warmup_ratio": 1.0},
]


def case_id(changes: dict[str, Any]) -> str:
    return ",".join(f"{name}={value!r}" for name, value in changes.items())


@pytest.mark.parametrize("changes", INVALID, ids=case_id)
def test_an_invalid_value_raises_config_error_naming_argument_and_value(changes: dict[str, Any]) -> None:
    [(name, value)] = changes.items()
    with pytest.raises(ConfigError) as caught:
        TrainingArguments(**changes)
    message = str(caught.value)
    assert name in message
    assert f"got {value!r}" in message


def test_training_nothing_raises_config_error_naming_both_arguments() -> None:
    with pytest.raises(ConfigError) as caught:
        TrainingArguments(train_intent=False, train_retriever=False)
    message = str(caught.value)
    assert "train the intent classifier, the retriever, or both" in message
    assert "train_intent" in message and "train_retriever" in message, message


@pytest.mark.parametrize(
    "changes",
    [
        {"intent_epochs": 1},
        {"intent_learning_rate": 0.5},
        {"validation_fraction": 0.49, "test_fraction": 0.01},
        {"warmup_ratio": 0.0},
        {"max_steps": 1},
        {"device": "cuda", "precision": "bf16"},
        {"promote": "never"},
        {"train_intent": False},
        {"train_retriever": False},
        {"seed": 0, "min_steps": 0},
    ],
    ids=case_id,
)
def test_boundary_values_are_accepted(changes: dict[str, Any]) -> None:
    args = TrainingArguments(**changes)
    for name, value in changes.items():
        assert getattr(args, name) == value


def test_arguments_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        TrainingArguments(5)  # type: ignore[misc]


def test_the_dataclass_is_frozen() -> None:
    args = TrainingArguments()
    with pytest.raises(dataclasses.FrozenInstanceError):
        args.intent_epochs = 10  # type: ignore[misc]


def test_replace_revalidates() -> None:
    with pytest.raises(ConfigError, match="intent_epochs"):
        dataclasses.replace(TrainingArguments(), intent_epochs=0)


def test_to_dict_round_trips() -> None:
    args = TrainingArguments(intent_epochs=2, seed=7, device="cpu", max_steps=10, train_retriever=False)
    data = args.to_dict()
    assert data["intent_epochs"] == 2 and data["max_steps"] == 10
    assert TrainingArguments(**data) == args


def test_to_dict_has_every_field() -> None:
    assert list(TrainingArguments().to_dict()) == TrainingArguments.field_names()
