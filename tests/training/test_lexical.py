"""The lexical half of the intent ensemble: fitted, saved, loaded, and weighted only where it helps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training.lexical import LexicalModel, choose_weight

TEXTS = ["reset my password", "forgot password", "password help", "where is my parcel", "parcel late", "track parcel"]
TARGETS = [0, 0, 0, 1, 1, 1]


def test_fits_saves_and_loads_with_the_same_predictions(tmp_path: Path) -> None:
    model = LexicalModel.fit(TEXTS, TARGETS, n_labels=3)
    before = model.log_probabilities(["my password", "parcel"])
    assert before.shape == (2, 3)
    assert list(before[:, :2].argmax(axis=1)) == [0, 1]
    assert (before[:, 2] <= -29).all()  # a label never seen in training is all but impossible
    model.save(tmp_path)
    np.testing.assert_allclose(LexicalModel.load(tmp_path).log_probabilities(["my password", "parcel"]), before)


def test_weight_is_zero_when_the_lexical_model_does_not_help() -> None:
    neural = np.array([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    misleading = np.log(np.array([[0.01, 0.99], [0.99, 0.01], [0.01, 0.99]]))
    assert choose_weight(neural, misleading, [0, 1, 0]) == (0.0, 1.0)


def test_weight_is_positive_when_it_fixes_mistakes() -> None:
    neural = np.array([[0.1, 0.0], [0.0, 2.0], [0.0, 0.1]])  # the third is wrong by a hair
    helpful = np.log(np.array([[0.9, 0.1], [0.2, 0.8], [0.9, 0.1]]))
    weight, accuracy = choose_weight(neural, helpful, [0, 1, 0])
    assert weight > 0 and accuracy == 1.0
