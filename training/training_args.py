"""Training arguments: one frozen dataclass that validates itself and names the bad value."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from knowledge_base.errors import ConfigError

Device = Literal["auto", "cpu", "cuda"]
PromotePolicy = Literal["if_not_worse", "always", "never"]


@dataclass(frozen=True, kw_only=True)
class TrainingArguments:
    """How a training run trains. Defaults were chosen by the benchmarks in `benchmarks/README.md`."""

    # intent classifier (base encoder body + mean pooling + linear head, fine-tuned end to end)
    intent_epochs: int = 5
    intent_learning_rate: float = 6e-5
    head_learning_rate: float = 3e-3
    intent_batch_size: int = 32
    min_steps: int = 150  # small datasets get more epochs so the head and body see enough updates
    max_length: int = 64
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    label_smoothing: float = 0.1
    lexical_ensemble: bool = True  # combine with TF-IDF + logistic regression, weighted on validation
    # retrieval encoder (sentence-transformers bi-encoder, in-batch negatives)
    retriever_epochs: int = 1
    retriever_learning_rate: float = 3e-5
    retriever_batch_size: int = 32
    retriever_min_steps: int = 60
    train_retriever: bool = True
    train_intent: bool = True
    # data
    validation_fraction: float = 0.1
    test_fraction: float = 0.1
    min_examples_per_intent: int = 3
    oos_label: str = "oos"
    seed: int = 42
    # calibration: highest in-scope false-fallback rate accepted on validation when picking the threshold
    max_false_fallback: float = 0.03
    # hardware
    device: Device = "auto"
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    # registry
    promote: PromotePolicy = "if_not_worse"
    max_steps: int | None = None  # cap on optimiser steps per model (tests, smoke runs)

    def __post_init__(self) -> None:
        positive_ints = (
            "intent_epochs",
            "intent_batch_size",
            "max_length",
            "retriever_epochs",
            "retriever_batch_size",
            "min_examples_per_intent",
        )
        for name in positive_ints:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"training argument {name} must be a positive integer, got {value!r}")
        for name in ("min_steps", "retriever_min_steps", "seed"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ConfigError(f"training argument {name} must be a non-negative integer, got {value!r}")
        for name in ("intent_learning_rate", "head_learning_rate", "retriever_learning_rate"):
            value = getattr(self, name)
            if not 0 < value < 1:
                raise ConfigError(f"training argument {name} must be between 0 and 1 (e.g. 5e-5), got {value!r}")
        for name in ("warmup_ratio", "weight_decay", "label_smoothing", "max_false_fallback"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise ConfigError(f"training argument {name} must be in [0, 1), got {value!r}")
        for name in ("validation_fraction", "test_fraction"):
            value = getattr(self, name)
            if not 0 < value < 0.5:
                raise ConfigError(f"training argument {name} must be in (0, 0.5), got {value!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"training argument device must be auto, cpu or cuda, got {self.device!r}")
        if self.precision not in ("auto", "fp32", "bf16", "fp16"):
            raise ConfigError(f"training argument precision must be auto, fp32, bf16 or fp16, got {self.precision!r}")
        if self.promote not in ("if_not_worse", "always", "never"):
            raise ConfigError(f"training argument promote must be if_not_worse, always or never, got {self.promote!r}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ConfigError(f"training argument max_steps must be a positive integer or None, got {self.max_steps!r}")
        if not (self.train_intent or self.train_retriever):
            raise ConfigError(
                "training arguments train_intent and train_retriever are both False (--no-intent --no-retriever);"
                " a training run must train the intent classifier, the retriever, or both"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]
