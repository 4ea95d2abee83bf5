"""Intent prediction at serving time: calibrated probabilities → label, confidence and alternatives."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from chatbot.types import IntentPrediction

if TYPE_CHECKING:
    from training.intent import IntentClassifier


class IntentPredictor:
    def __init__(self, classifier: IntentClassifier, *, alternatives: int = 2) -> None:
        self.classifier = classifier
        self.alternatives = alternatives

    @property
    def labels(self) -> tuple[str, ...]:
        return self.classifier.labels

    @property
    def threshold(self) -> float:
        return self.classifier.config.threshold

    @property
    def oos_label(self) -> str | None:
        return self.classifier.config.oos_label

    def predict(self, text: str) -> IntentPrediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[IntentPrediction]:
        return self.from_logits(self.classifier.logits(list(texts)))

    def from_logits(self, logits: np.ndarray) -> list[IntentPrediction]:
        """Predictions from raw logits (calibrated here), e.g. from a pass shared with retrieval."""
        from training.intent import softmax

        return [self._prediction(row) for row in softmax(logits / self.classifier.config.temperature)]

    def _prediction(self, row: np.ndarray) -> IntentPrediction:
        order = np.argsort(-row)[: self.alternatives + 1]
        labels = self.classifier.labels
        return IntentPrediction(
            label=labels[order[0]],
            confidence=float(row[order[0]]),
            alternatives=tuple((labels[i], float(row[i])) for i in order[1:]),
        )
