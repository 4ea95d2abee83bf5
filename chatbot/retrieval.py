"""Retrieval: the nearest historical questions to what the customer wrote."""

from __future__ import annotations

from chatbot.types import Hit
from knowledge_base.index import Encoder, QAIndex


class Retriever:
    """Encode the message and search the QA index."""

    def __init__(self, *, encoder: Encoder, index: QAIndex, top_k: int = 5) -> None:
        if index.manifest.dimension != encoder.dimension:
            raise ValueError(
                f"index dimension {index.manifest.dimension} does not match encoder {encoder.name!r}"
                f" dimension {encoder.dimension}"
            )
        self.encoder = encoder
        self.index = index
        self.top_k = top_k

    def retrieve(self, text: str) -> tuple[Hit, ...]:
        vectors = self.encoder.encode([text])
        return tuple(Hit(qa_id, score) for qa_id, score in self.index.search(vectors, self.top_k)[0])
