"""Baselines the chatbot's models are compared with, and the two rankers used to score retrieval.

Intent baselines return a model with `probabilities(texts)`: one column per name in `label_names` (a label
absent from training gets probability 0), like `training.intent.IntentClassifier`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.index import Encoder

LOGISTIC_C = 10.0  # fixed, not tuned: K-shot runs have no validation split to tune it on
SETFIT_BATCH_SIZE = 16
SETFIT_ITERATIONS = 20  # pairs per example per epoch (SetFit paper); the default "oversampling" is quadratic


class SystemUnavailable(RuntimeError):
    """A system that cannot run in this environment (a missing optional package)."""


def align_columns(probabilities: np.ndarray, classes: Sequence[Any], label_names: Sequence[str]) -> np.ndarray:
    """Reorder a classifier's `predict_proba` columns (in `classes` order) to `label_names` order."""
    index = {name: i for i, name in enumerate(label_names)}
    out = np.zeros((probabilities.shape[0], len(label_names)), dtype=np.float64)
    for column, name in enumerate(classes):
        out[:, index[str(name)]] = probabilities[:, column]
    return out


@dataclass(frozen=True)
class SklearnIntentModel:
    """A fitted scikit-learn classifier over texts, or over features `featurize` makes from them."""

    model: Any
    label_names: tuple[str, ...]
    featurize: Callable[[Sequence[str]], Any] | None = None

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        features = self.featurize(texts) if self.featurize else list(texts)
        return align_columns(self.model.predict_proba(features), self.model.classes_, self.label_names)


def fit_tfidf_lr(
    texts: Sequence[str], labels: Sequence[str], *, label_names: Sequence[str], seed: int, c: float = LOGISTIC_C
) -> SklearnIntentModel:
    """Word 1-2-gram and char_wb 2-5-gram TF-IDF (sublinear tf) + multinomial logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True),
    )
    pipeline = make_pipeline(features, LogisticRegression(C=c, max_iter=2000, random_state=seed))
    pipeline.fit(list(texts), list(labels))
    return SklearnIntentModel(pipeline, tuple(label_names))


def fit_frozen_lr(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    label_names: Sequence[str],
    encoder: Encoder,
    seed: int,
    c: float = LOGISTIC_C,
) -> SklearnIntentModel:
    """The base encoder's L2-normalised sentence embeddings, frozen, + multinomial logistic regression."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=2000, random_state=seed)
    model.fit(encoder.encode(list(texts)), list(labels))
    return SklearnIntentModel(model, tuple(label_names), featurize=lambda batch: encoder.encode(list(batch)))


@dataclass(frozen=True)
class SetFitIntentModel:
    model: Any  # setfit.SetFitModel
    label_names: tuple[str, ...]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        probabilities = np.asarray(self.model.predict_proba(list(texts), as_numpy=True))
        classes = [self.label_names[int(i)] for i in self.model.model_head.classes_]
        return align_columns(probabilities, classes, self.label_names)


def fit_setfit(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    label_names: Sequence[str],
    base_path: Path,
    work_dir: Path,
    seed: int,
    epochs: int = 1,
    max_steps: int | None = None,
    device: str = "cpu",
) -> SetFitIntentModel:
    """SetFit (contrastive fine-tuning of the base encoder, then a logistic-regression head)."""
    try:
        from setfit import SetFitModel, Trainer
        from setfit import TrainingArguments as SetFitArguments
    except ImportError as error:
        raise SystemUnavailable(f"setfit is not installed ({error}); pip install -e '.[bench]'") from None
    from datasets import Dataset
    from transformers.trainer_callback import ProgressCallback

    from training.progress import quiet

    index = {name: i for i, name in enumerate(label_names)}
    model = SetFitModel.from_pretrained(str(base_path), local_files_only=True, device=device)
    args = SetFitArguments(
        output_dir=str(work_dir),
        batch_size=SETFIT_BATCH_SIZE,
        num_epochs=epochs,
        max_steps=max_steps or -1,
        num_iterations=SETFIT_ITERATIONS,
        seed=seed,
        report_to="none",
        save_strategy="no",
        show_progress_bar=False,
    )
    dataset = Dataset.from_dict({"text": list(texts), "label": [index[label] for label in labels]})
    trainer = Trainer(model=model, args=args, train_dataset=dataset)
    quiet(trainer)  # no log dicts on stdout: neither the printer nor the tqdm bar's tqdm.write
    trainer.remove_callback(ProgressCallback)
    trainer.train()
    return SetFitIntentModel(model, tuple(label_names))


# ---------------------------------------------------------------------------------------------- rankers


class DenseRanker:
    """Cosine search over the documents' embeddings in the project's FAISS index (exact, flat)."""

    def __init__(self, encoder: Encoder, documents: Sequence[str]) -> None:
        from knowledge_base.index import QAIndex

        unique = list(dict.fromkeys(documents))  # equal texts (a question shared by pairs) are embedded once
        vectors = encoder.encode(unique) if unique else np.zeros((0, encoder.dimension), np.float32)
        row = {text: i for i, text in enumerate(unique)}
        matrix = vectors[[row[text] for text in documents]] if documents else vectors
        self.encoder = encoder
        self.index = QAIndex.build(matrix, list(range(len(documents))), encoder=encoder.name, dataset_ids=())

    def rank(self, queries: Sequence[str], k: int = 10) -> list[list[int]]:
        if not queries:
            return []
        hits = self.index.search(self.encoder.encode(list(queries)), k)
        return [[position for position, _ in row] for row in hits]


class Bm25Ranker:
    """BM25 (bm25s, English stopwords, no stemming) over the documents."""

    def __init__(self, documents: Sequence[str]) -> None:
        import bm25s

        self.size = len(documents)
        self.model = bm25s.BM25()
        self.model.index(bm25s.tokenize(list(documents), stopwords="en", show_progress=False), show_progress=False)

    def rank(self, queries: Sequence[str], k: int = 10) -> list[list[int]]:
        import bm25s

        if not queries or not self.size:
            return [[] for _ in queries]
        tokens = bm25s.tokenize(list(queries), stopwords="en", return_ids=False, show_progress=False)
        positions, _scores = self.model.retrieve(tokens, k=min(k, self.size), show_progress=False, n_threads=1)
        return [list(map(int, row)) for row in positions]
