"""The composer decides what to say from what the models found.

Policy so far: a retrieved historical answer when the best match is at least `retrieval_threshold`
similar to the customer's message; otherwise an honest fallback that offers a person. Templates,
clarifying questions and hand-offs come with the intent classifier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chatbot.types import Explanation, Hit, Reply, ReplyKind
from knowledge_base.types import QAPair

FALLBACK_TEXT = (
    "I'm sorry, I don't know the answer to that one, and I'd rather not guess. "
    "Could you rephrase it, or shall I pass you to a member of our support team?"
)


class Composer:
    def __init__(self, *, answers: Mapping[int, QAPair], retrieval_threshold: float, model_version: str) -> None:
        self.answers = answers
        self.retrieval_threshold = retrieval_threshold
        self.model_version = model_version

    def compose(self, hits: Sequence[Hit]) -> Reply:
        hits = tuple(hits)
        best = hits[0] if hits else None
        if best is not None and best.score >= self.retrieval_threshold:
            pair = self.answers[best.qa_id]
            rule = f"retrieval: best match qa #{best.qa_id} scored {best.score:.3f} >= {self.retrieval_threshold}"
            return Reply(pair.answer, ReplyKind.RETRIEVAL, Explanation(rule, self.model_version, hits))
        found = f"best match scored {best.score:.3f}" if best is not None else "the knowledge base is empty"
        rule = f"fallback: {found} < retrieval threshold {self.retrieval_threshold}"
        return Reply(FALLBACK_TEXT, ReplyKind.FALLBACK, Explanation(rule, self.model_version, hits))
