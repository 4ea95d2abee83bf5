"""Fakes and builders for runtime tests: a real Assistant from a hashing encoder and a rule-driven intent model.

Nothing here loads a real model. `make_assistant(tmp_path)` gives an `Assistant` whose bundle is made of:
- the QA pairs in `ANSWERS` (ids and intents), indexed with `tests.fakes.HashingEncoder` vectors of their
  questions, behind a real `Retriever`;
- `FakeIntents`, whose `predict` (and `predict_many`) follows keyword rules: the first rule whose keyword
  is in the message wins;
- the templates in `TEMPLATES_TOML`, written to a file and loaded with `load_templates`;
- a real `Composer` with `POLICY`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from chatbot.assistant import Assistant
from chatbot.composer import Composer, Policy
from chatbot.log import ConversationLog
from chatbot.models import ModelHolder, ServingModels
from chatbot.retrieval import Retriever
from chatbot.templates import TemplateSet, load_templates
from chatbot.types import IntentPrediction
from knowledge_base.index import QAIndex
from knowledge_base.migrations import connect
from knowledge_base.types import QAPair
from tests.fakes import HashingEncoder

DIMENSION = 512  # wide enough that unrelated words rarely share a bucket

POLICY = Policy(intent_threshold=0.5, ambiguity_margin=0.1, retrieval_threshold=0.5, clarify_band=0.1, max_choices=3)


def _pair(qa_id: int, question: str, answer: str, intent: str, count: int = 1) -> tuple[int, QAPair]:
    return qa_id, QAPair(question=question, answer=answer, intent=intent, count=count, id=qa_id, dataset_id=1)


ANSWERS: dict[int, QAPair] = dict(
    [
        _pair(1, "How do I reset my password?", "Use the Forgot password link on the sign-in page.", "password_reset"),
        _pair(2, "My account is locked", "We unlock accounts after a quick identity check by email.", "account_locked"),
        _pair(3, "What are your opening hours?", "Our showrooms open at 9am every day.", "opening_hours"),
        # 4 and 5 are near-duplicate answers (they differ only in a number); 5 was given far more often.
        _pair(4, "How much is delivery?", "Delivery costs £3.95 per order.", "shipping_costs", count=1),
        _pair(5, "What does delivery cost?", "Delivery costs £4.95 per order.", "shipping_costs", count=6),
        _pair(6, "Do you ship abroad?", "We ship to 30 countries in Europe.", "international_shipping", count=2),
        _pair(7, "Can I pay with PayPal?", "Yes, we accept PayPal, Apple Pay and Google Pay.", "payment_methods"),
        _pair(8, "Where is my parcel?", "You can follow every parcel under My Account > Orders.", "track_parcel"),
    ]
)

TEMPLATES_TOML = """\
[intents.opening_hours]
title = "Opening hours"
variants = ["We are open 9am to 6pm, Monday to Saturday."]

[intents.track_parcel]
title = "Where is my parcel?"
variants = ["Parcel {order_id} is with the courier and arrives in 2 days."]

[intents.refund_request]
title = "Ask for a refund"
variants = [
    "Refunds reach your account within 5 working days.",
    "The refund for order {order_id} is on its way.",
    "The refund of {amount} for order {order_id} is on its way.",
]

[intents.cancel_order]
title = "Cancel an order"
variants = ["You can cancel under My Account > Orders until it is dispatched."]

[intents.return_item]
title = "Return an item"
variants = ["Returns are free within 30 days."]

[intents.change_plan]
title = "Change my plan"
variants = ["You can change your plan under My Account > Subscriptions."]

[intents.legal_complaint]
title = "Make a legal complaint"
variants = ["Our legal team will be in touch."]
always_human = true
"""

OPENING_HOURS_TEXT = "We are open 9am to 6pm, Monday to Saturday."

LABELS = (
    "opening_hours",
    "track_parcel",
    "refund_request",
    "cancel_order",
    "return_item",
    "change_plan",
    "legal_complaint",
    "password_reset",
    "account_locked",
    "shipping_costs",
    "international_shipping",
    "payment_methods",
    "oos",
)


def confident(label: str, confidence: float = 0.9, runner_up: str = "oos") -> IntentPrediction:
    """A prediction well above the threshold and well ahead of its runner-up."""
    return IntentPrediction(label, confidence, ((runner_up, 0.05),))


OOS = IntentPrediction("oos", 0.3, (("opening_hours", 0.05),))  # low confidence: never counts as confident

KEYWORD_RULES: tuple[tuple[str, IntentPrediction], ...] = (
    ("legal", confident("legal_complaint")),
    ("cancel or return", IntentPrediction("cancel_order", 0.46, (("return_item", 0.42), ("change_plan", 0.05)))),
    ("opening hours", confident("opening_hours")),
    ("parcel", confident("track_parcel")),
    ("refund", confident("refund_request")),
    ("password", confident("password_reset")),
)


class FakeIntents:
    """Stands in for `chatbot.intent.IntentPredictor`: keyword rules, first match wins, else `default`."""

    def __init__(
        self,
        rules: Iterable[tuple[str, IntentPrediction]] = KEYWORD_RULES,
        *,
        default: IntentPrediction = OOS,
        labels: Iterable[str] = LABELS,
    ) -> None:
        self.rules = tuple(rules)
        self.default = default
        self.labels = tuple(labels)
        self.threshold = POLICY.intent_threshold
        self.oos_label = "oos"
        self.seen: list[str] = []

    def predict(self, text: str) -> IntentPrediction:
        self.seen.append(text)
        lowered = text.lower()
        for keyword, prediction in self.rules:
            if keyword in lowered:
                return prediction
        return self.default

    def predict_many(self, texts: Sequence[str]) -> list[IntentPrediction]:
        return [self.predict(text) for text in texts]


def write_templates(directory: Path, text: str = TEMPLATES_TOML, name: str = "templates.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def make_templates(directory: Path, text: str = TEMPLATES_TOML) -> TemplateSet:
    return load_templates(write_templates(directory, text), known_intents=LABELS)


def make_composer(
    templates: TemplateSet,
    *,
    answers: Mapping[int, QAPair] = ANSWERS,
    policy: Policy = POLICY,
    model_version: str = "v1",
) -> Composer:
    return Composer(answers=answers, templates=templates, policy=policy, model_version=model_version, seed=7)


def make_retriever(answers: Mapping[int, QAPair] = ANSWERS, *, top_k: int = 5) -> Retriever:
    encoder = HashingEncoder(dimension=DIMENSION)
    ids = sorted(answers)
    vectors = encoder.encode([answers[i].question for i in ids])
    index = QAIndex.build(vectors, ids, encoder=encoder.name, dataset_ids=[1])
    return Retriever(encoder=encoder, index=index, top_k=top_k, allowed=answers.keys())


def make_bundle(
    templates: TemplateSet,
    *,
    version: str = "v1",
    answers: Mapping[int, QAPair] = ANSWERS,
    intents: object | None = None,
    with_intents: bool = True,
) -> ServingModels:
    """A serving bundle; `with_intents=False` serves without an intent model (retrieval only)."""
    predictor = (intents or FakeIntents()) if with_intents else None
    return ServingModels(
        version=version,
        retriever=make_retriever(answers),
        intents=predictor,  # type: ignore[arg-type]  # duck-typed: the composer only calls .predict
        composer=make_composer(templates, answers=answers, model_version=version),
    )


def versioned_answers(version: str) -> dict[int, QAPair]:
    """The same QA pairs with answers that say which version gave them."""
    return {qa_id: replace(pair, answer=f"{pair.answer} [{version}]") for qa_id, pair in ANSWERS.items()}


def make_log(directory: Path, *, state_ttl_seconds: float = 1800.0) -> ConversationLog:
    return ConversationLog(connect(directory / "db.sqlite"), state_ttl_seconds=state_ttl_seconds)


def make_assistant(
    directory: Path,
    *,
    loader: Callable[[], ServingModels] | None = None,
    models_dir: Path | None = None,
    mask_logged_pii: bool = True,
    with_intents: bool = True,
) -> Assistant:
    """A real Assistant over fakes; `loader` replaces the default one-bundle loader."""
    if loader is None:
        bundle = make_bundle(make_templates(directory), with_intents=with_intents)

        def loader() -> ServingModels:
            return bundle

    holder = ModelHolder(loader, models_dir=models_dir)
    return Assistant(models=holder, log=make_log(directory), mask_logged_pii=mask_logged_pii)
