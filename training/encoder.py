"""The sentence encoder used for retrieval: a sentence-transformers model on local disk."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from training.base_model import locate_base_model


class SentenceEncoder:
    """Mean-pooled, L2-normalised sentence embeddings (satisfies `knowledge_base.index.Encoder`)."""

    def __init__(self, path: Path, *, name: str, device: str | None = None, batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        self._name = name
        self._batch_size = batch_size
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ValueError(f"model at {path} does not declare its embedding dimension")
        self._dimension = int(dimension)

    @classmethod
    def from_base(cls, base_model: str, *, device: str | None = None) -> SentenceEncoder:
        return cls(locate_base_model(base_model), name=f"base:{base_model}", device=device)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            vectors = self._model.encode(
                list(texts),
                batch_size=self._batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self._dimension)
