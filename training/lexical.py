"""A lexical intent model (TF-IDF word 1-2-grams + character 2-5-grams, logistic regression) that the
neural classifier is combined with: it costs well under a millisecond per query and catches what sentence
embeddings blur (product names, codes, exact wording). Its weight in the combination is chosen on
validation, so where it does not help it is switched off (weight 0)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

LEXICAL_FILE = "lexical.joblib"
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)


class LexicalModel:
    def __init__(self, pipeline: object, n_labels: int) -> None:
        self.pipeline = pipeline
        self.n_labels = n_labels

    @classmethod
    def fit(cls, texts: Sequence[str], targets: Sequence[int], *, n_labels: int, seed: int = 0) -> LexicalModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        )
        pipeline = make_pipeline(features, LogisticRegression(C=10.0, max_iter=2000, random_state=seed))
        pipeline.fit(list(texts), list(targets))
        return cls(pipeline, n_labels)

    def log_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), n_labels); labels never seen in training get a very low log-probability."""
        out = np.full((len(texts), self.n_labels), -30.0, dtype=np.float32)
        if texts:
            probabilities = self.pipeline.predict_proba(list(texts))  # type: ignore[attr-defined]
            classes = self.pipeline.classes_  # type: ignore[attr-defined]
            out[:, classes] = np.log(np.clip(probabilities, 1e-12, 1.0))
        return out

    def save(self, directory: Path) -> None:
        import joblib

        joblib.dump({"pipeline": self.pipeline, "n_labels": self.n_labels}, directory / LEXICAL_FILE)

    @classmethod
    def load(cls, directory: Path) -> LexicalModel:
        import joblib

        raw = joblib.load(directory / LEXICAL_FILE)  # our own artifact, written by `save`
        return cls(raw["pipeline"], int(raw["n_labels"]))


def choose_weight(neural_logits: np.ndarray, lexical: np.ndarray, targets: Sequence[int]) -> tuple[float, float]:
    """The weight w (from WEIGHTS) maximising validation accuracy of neural_logits + w * lexical log-probs;
    ties go to the smaller weight. Returns (w, accuracy)."""
    y = np.asarray(targets)
    best = (0.0, -1.0)
    for weight in WEIGHTS:
        accuracy = float(((neural_logits + weight * lexical).argmax(axis=1) == y).mean()) if len(y) else 0.0
        if accuracy > best[1] + 1e-9:
            best = (weight, accuracy)
    return best
