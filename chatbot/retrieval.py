"""Retrieval: the nearest historical questions to what the customer wrote."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from chatbot.types import Hit
from knowledge_base.index import Encoder, QAIndex


class Retriever:
    """Encode the message and search the QA index; hits outside `allowed` (e.g. retired datasets) are dropped."""

    def __init__(
        self, *, encoder: Encoder, index: QAIndex, top_k: int = 5, allowed: Collection[int] | None = None
    ) -> None:
        if index.manifest.dimension != encoder.dimension:
            raise ValueError(
                f"index dimension {index.manifest.dimension} does not match encoder {encoder.name!r}"
                f" dimension {encoder.dimension}"
            )
        self.encoder = encoder
        self.index = index
        self.top_k = top_k
        self.allowed = frozenset(allowed) if allowed is not None else None

    def retrieve(self, text: str) -> tuple[Hit, ...]:
        return self.retrieve_many([text])[0]

    def retrieve_many(self, texts: Sequence[str]) -> list[tuple[Hit, ...]]:
        return self.search_many(self.encoder.encode(list(texts)))

    def search_many(self, vectors: np.ndarray) -> list[tuple[Hit, ...]]:
        """Hits for query vectors already computed by this retriever's encoder (e.g. in a shared pass)."""
        extra = 0 if self.allowed is None else min(len(self.index), self.top_k * 2)
        results = []
        for found in self.index.search(vectors, self.top_k + extra):
            hits = [Hit(qa_id, score) for qa_id, score in found if self.allowed is None or qa_id in self.allowed]
            results.append(tuple(hits[: self.top_k]))
        return results
