"""The composer: what to say, by an explicit policy over what the models found.

Rules, in order (the first that applies wins; its name is logged with every reply):

1. `choice`      the customer picked one of the options of the last clarifying question (by its label or
                 number) -> answer for that option, as if the intent were confident.
2. `slot`        the bot asked for a slot and the message has it -> the template, filled.
3. `human`       the customer asks for a person, or the intent is marked `always_human` -> hand-off.
4. `template`    the intent is confident (calibrated confidence >= intent threshold and ahead of the
                 runner-up by the ambiguity margin) and has a template -> the template with slots filled;
                 when every variant needs a missing slot -> ask for it (`clarify`) and wait.
5. `intent+retrieval` the intent is confident, no template -> the best retrieved answer of that intent.
6. `ambiguous`   the top two intents are within the ambiguity margin (both plausible) -> ask which one,
                 offering the top 2-3 as choices.
7. `retrieval`   the best retrieved question scores >= the retrieval threshold -> its answer (among
                 near-duplicate answers in the top hits, the most frequent one wins).
8. `middling`    the best retrieval score is within `clarify_band` below the threshold -> offer the top 2-3
                 distinct retrieved questions as choices.
9. `fallback`    nothing applies -> an honest "I don't know" that offers a person; the second fallback in a
                 row becomes a hand-off.

Retrieved answers written for one customer (naming their order number, or holding masked personal data)
are never given to another: only reusable answers take part in rules 1, 5, 7 and 8.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from chatbot.dialogue import DialogueState
from chatbot.templates import SLOT_QUESTIONS, TemplateSet
from chatbot.types import Choice, Explanation, Hit, IntentPrediction, Reply, ReplyKind
from knowledge_base.mining import near_duplicate_key
from knowledge_base.types import QAPair

FALLBACK_TEXT = (
    "I'm sorry, I don't know the answer to that one, and I'd rather not guess. "
    "Could you rephrase it, or shall I pass you to a member of our support team?"
)
HANDOFF_TEXT = (
    "I'm passing you to a member of our support team now. They can see this conversation, so you won't "
    "need to repeat yourself."
)
CLARIFY_INTENT_TEXT = "I want to make sure I get this right. Which of these is closest to what you need?"
CLARIFY_RETRIEVAL_TEXT = "I'm not completely sure what you mean. Is it one of these?"

_PERSON = (
    r"(?:a |an |the |some |your )?(?:real |live |actual )?"
    r"(?:human(?: being)?|person|agent|operator|representative|rep|advisor|someone|somebody|staff"
    r"|member of (?:staff|your team))"
)
PERSONAL_DATA = re.compile(r"\[(?:EMAIL|PHONE|CARD)\]")
HUMAN_REQUEST = re.compile(
    rf"\b(?:(?:talk|speak|chat) (?:to|with) {_PERSON}|"
    rf"(?:want|need|get(?: me)?|give me|connect me (?:to|with)|transfer me to|put me through to)"
    rf" {_PERSON}|real (?:person|human)|human being|(?:is|are) (?:this|you) (?:a )?(?:bot|robot|human))\b",
    re.IGNORECASE,
)
_BARE_PERSON = re.compile(r"^\W*(?:human|agent|operator|person|representative)(?: please)?\W*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    intent_threshold: float = 0.5
    ambiguity_margin: float = 0.1
    retrieval_threshold: float = 0.5
    clarify_band: float = 0.1
    max_choices: int = 3
    fallbacks_before_handoff: int = 2


class Composer:
    """Decide the reply from intent prediction, retrieval hits and dialogue state (see module docstring)."""

    def __init__(
        self,
        *,
        answers: Mapping[int, QAPair],
        templates: TemplateSet,
        policy: Policy,
        model_version: str,
        seed: int | None = None,
    ) -> None:
        self.answers = answers
        self.templates = templates
        self.policy = policy
        self.model_version = model_version
        self.slot_filler = templates.slot_filler()
        self.reusable = frozenset(qa_id for qa_id, pair in answers.items() if self._is_reusable(pair.answer))
        self._rng = random.Random(seed)

    def compose(
        self,
        message: str,
        *,
        intent: IntentPrediction | None,
        hits: Sequence[Hit],
        state: DialogueState,
    ) -> tuple[Reply, DialogueState]:
        retrieved = tuple(hits)
        usable = tuple(hit for hit in retrieved if hit.qa_id in self.reusable)
        state = state.with_slots(self.slot_filler.extract(message))
        context = _Context(self, intent, usable, state, retrieved)
        for rule in (self._choice, self._slot):
            result = rule(message, context)
            if result is not None:
                return _reset_fallbacks(result)
        # The message neither picked an offered choice nor gave the awaited detail: it is a new request,
        # so the old menu and the pending question are dropped (a rule below may set new ones).
        context = replace(context, state=replace(state, choices=(), pending_intent=None, pending_slot=None))
        for rule in (self._human, self._confident_intent, self._ambiguous, self._retrieval, self._middling):
            result = rule(message, context)
            if result is not None:
                return _reset_fallbacks(result)
        return self._fallback(context)

    # -- rules ---------------------------------------------------------------------------------------

    def _choice(self, message: str, c: _Context) -> tuple[Reply, DialogueState] | None:
        choice = _picked(message, c.state.choices)
        if choice is None:
            return None
        state = replace(c.state, choices=())
        if choice.qa_id is not None:
            pair = self.answers.get(choice.qa_id)
            if pair is None:  # offered by a model version that is no longer served: treat as a new message
                return None
            return c.reply(pair.answer, ReplyKind.RETRIEVAL, f"choice: picked {choice.label!r}", qa=choice.qa_id), state
        if choice.intent is None:
            return None
        return self._answer_intent(choice.intent, replace(c, state=state), rule=f"choice: picked {choice.label!r}")

    def _slot(self, message: str, c: _Context) -> tuple[Reply, DialogueState] | None:
        if c.state.pending_intent is None or c.state.pending_slot is None:
            return None
        intent, slot = c.state.pending_intent, c.state.pending_slot
        cleared = replace(c.state, pending_intent=None, pending_slot=None)
        if slot not in c.state.slots:
            return None  # not the answer we asked for: treat it as a new message
        return self._answer_intent(intent, replace(c, state=cleared), rule=f"slot: got {slot} for {intent}")

    def _human(self, message: str, c: _Context) -> tuple[Reply, DialogueState] | None:
        template = self.templates.get(c.intent.label if c.confident else None)
        if HUMAN_REQUEST.search(message) or _BARE_PERSON.match(message):
            return self._handoff(c, "human: the customer asked for a person")
        if template is not None and template.always_human:
            return self._handoff(c, f"human: intent {template.intent} is always handled by staff")
        return None

    def _confident_intent(self, message: str, c: _Context) -> tuple[Reply, DialogueState] | None:
        if not c.confident:
            return None
        assert c.intent is not None
        return self._answer_intent(c.intent.label, c, rule=f"template: {c.describe_intent()}")

    def _ambiguous(self, message: str, c: _Context) -> tuple[Reply, DialogueState] | None:
        if c.intent is None or not c.intent.alternatives:
            return None
        top, runner_up = c.intent.confidence, c.intent.alternatives[0][1]
        if top < self.policy.intent_threshold / 2 or top - runner_up >= self.policy.ambiguity_margin:
            return None
        candidates = [(c.intent.label, top), *c.intent.alternatives]
        options = [
            label for label, p in candidates[: self.policy.max_choices] if p >= top - 2 * self.policy.ambiguity_margin
        ]
        choices = tuple(Choice(label=self.templates.title(label), intent=label) for label in options)
        rule = f"ambiguous: {c.describe_intent()} within margin {self.policy.ambiguity_margin}"
        return c.reply(CLARIFY_INTENT_TEXT, ReplyKind.CLARIFY, rule, choices=choices), replace(c.state, choices=choices)

    def _retrieval(self, message: str, c: _Context) -> tuple[Reply, DialogueState] | None:
        best = c.hits[0] if c.hits else None
        if best is None or best.score < self.policy.retrieval_threshold:
            return None
        qa_id = self._best_answer([h for h in c.hits if h.score >= self.policy.retrieval_threshold])
        rule = (
            f"retrieval: best match qa #{best.qa_id} scored {best.score:.3f} >= {self.policy.retrieval_threshold:.3f}"
        )
        return c.reply(self.answers[qa_id].answer, ReplyKind.RETRIEVAL, rule, qa=qa_id), c.state

    def _middling(self, message: str, c: _Context) -> tuple[Reply, DialogueState] | None:
        best = c.hits[0] if c.hits else None
        low = self.policy.retrieval_threshold - self.policy.clarify_band
        if best is None or best.score < low:
            return None
        choices: list[Choice] = []
        seen: set[str] = set()
        for hit in c.hits:
            pair = self.answers.get(hit.qa_id)
            if hit.score < low or pair is None:
                continue
            key = near_duplicate_key(pair.answer)
            if key in seen:
                continue
            seen.add(key)
            choices.append(Choice(label=_short(pair.question), qa_id=hit.qa_id))
            if len(choices) == self.policy.max_choices:
                break
        rule = f"middling: best retrieval score {best.score:.3f} in [{low:.3f}, {self.policy.retrieval_threshold:.3f})"
        return c.reply(CLARIFY_RETRIEVAL_TEXT, ReplyKind.CLARIFY, rule, choices=tuple(choices)), replace(
            c.state, choices=tuple(choices)
        )

    def _fallback(self, c: _Context) -> tuple[Reply, DialogueState]:
        count = c.state.fallbacks_in_a_row + 1
        if count >= self.policy.fallbacks_before_handoff:
            return self._handoff(c, f"human: {count} fallbacks in a row")
        best = f"best retrieval score {c.hits[0].score:.3f}" if c.hits else "no retrieval hits"
        rule = f"fallback: {c.describe_intent()}; {best} below {self.policy.retrieval_threshold:.3f}"
        state = replace(c.state, fallbacks_in_a_row=count, choices=(), pending_intent=None, pending_slot=None)
        return c.reply(FALLBACK_TEXT, ReplyKind.FALLBACK, rule), state

    # -- helpers -------------------------------------------------------------------------------------

    def _is_reusable(self, answer: str) -> bool:
        """An answer written for one customer (it names their order, or masked personal data) is never given
        to another; it still trained the models."""
        if PERSONAL_DATA.search(answer):
            return False
        order = self.slot_filler.extractors.get("order_id")
        return order is None or order.extract(answer) is None

    def _handoff(self, c: _Context, rule: str) -> tuple[Reply, DialogueState]:
        state = replace(
            c.state, handed_off=True, fallbacks_in_a_row=0, choices=(), pending_intent=None, pending_slot=None
        )
        return c.reply(HANDOFF_TEXT, ReplyKind.HANDOFF, rule), state

    def _answer_intent(self, intent: str, c: _Context, *, rule: str) -> tuple[Reply, DialogueState]:
        template = self.templates.get(intent)
        if template is not None and template.always_human:
            return self._handoff(c, f"{rule}; intent {intent} is always handled by staff")
        if template is not None:
            text = template.fill(c.state.slots, self._rng)
            if text is not None:
                return c.reply(text, ReplyKind.TEMPLATE, rule), replace(c.state, choices=())
            slot = template.missing_slot(c.state.slots)
            assert slot is not None
            question = SLOT_QUESTIONS.get(slot, f"Could you tell me the {slot.replace('_', ' ')}?")
            state = replace(c.state, pending_intent=intent, pending_slot=slot, choices=())
            return c.reply(question, ReplyKind.CLARIFY, f"{rule}; template needs {slot}"), state
        same_intent = [h for h in c.hits if self.answers.get(h.qa_id) and self.answers[h.qa_id].intent == intent]
        if same_intent:
            qa_id = self._best_answer(same_intent)
            reason = rule.removeprefix("template: ")
            return c.reply(
                self.answers[qa_id].answer,
                ReplyKind.RETRIEVAL,
                f"intent+retrieval: {reason}; no template, best answer of {intent}",
                qa=qa_id,
            ), replace(c.state, choices=())
        if c.hits and c.hits[0].score >= self.policy.retrieval_threshold:
            return self._retrieval("", c) or self._fallback(c)
        return self._fallback(c)

    def _best_answer(self, hits: Sequence[Hit]) -> int:
        """The answer given most often among the hits: near-duplicate answers are counted together, the group
        with the most uses wins (ties: the earlier, better-scored group), and within it the wording used most
        often (ties: the better score)."""
        groups: dict[str, list[QAPair]] = {}
        for hit in hits:  # hits come best first
            pair = self.answers[hit.qa_id]
            groups.setdefault(near_duplicate_key(pair.answer), []).append(pair)
        best_group = max(groups.values(), key=lambda members: sum(p.count for p in members))
        best = max(best_group, key=lambda p: p.count)  # max keeps the first (best-scored) on ties
        assert best.id is not None
        return best.id


def _reset_fallbacks(result: tuple[Reply, DialogueState]) -> tuple[Reply, DialogueState]:
    reply, state = result
    return reply, (replace(state, fallbacks_in_a_row=0) if reply.kind != ReplyKind.FALLBACK else state)


@dataclass(frozen=True, slots=True)
class _Context:
    composer: Composer
    intent: IntentPrediction | None
    hits: tuple[Hit, ...]  # hits whose answers may be given to anyone
    state: DialogueState
    retrieved: tuple[Hit, ...] = ()  # every hit, for the explanation

    @property
    def confident(self) -> bool:
        policy = self.composer.policy
        return self.intent is not None and (
            self.intent.confidence >= policy.intent_threshold and self.intent.margin >= policy.ambiguity_margin
        )

    def describe_intent(self) -> str:
        if self.intent is None:
            return "no intent model"
        return f"intent {self.intent.label} {self.intent.confidence:.2f} (margin {self.intent.margin:.2f})"

    def reply(
        self, text: str, kind: ReplyKind, rule: str, *, qa: int | None = None, choices: tuple[Choice, ...] = ()
    ) -> Reply:
        explanation = Explanation(
            rule=rule,
            model_version=self.composer.model_version,
            hits=self.retrieved or self.hits,
            intent=self.intent,
            slots=dict(self.state.slots),
            answer_qa_id=qa,
        )
        return Reply(text, kind, explanation, choices)


def _picked(message: str, choices: Sequence[Choice]) -> Choice | None:
    if not choices:
        return None
    text = message.strip().lower().rstrip(".!?")
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1]
    for choice in choices:
        if text == choice.label.lower().rstrip(".!?") or text == (choice.intent or "").lower():
            return choice
    return None


def _short(text: str, limit: int = 80) -> str:
    first = text.strip().splitlines()[0] if text.strip() else text
    return first if len(first) <= limit else first[: limit - 1] + "…"
