"""The assistant: one customer message in, one reply out, logged with its explanation before it is returned."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace

from chatbot.dialogue import DialogueState
from chatbot.errors import InputError, UnknownSessionError
from chatbot.log import ConversationLog
from chatbot.models import Analysis, ModelHolder, ServingModels
from chatbot.types import Reply, TurnRecord
from knowledge_base.pii import mask_pii

MAX_MESSAGE_CHARS = 2000


def validate_message(message: object) -> str:
    """The message stripped, or InputError saying what was wrong with it."""
    if not isinstance(message, str):
        raise InputError("the message must be text", expected="a string", found=type(message).__name__)
    text = message.strip()
    if not text:
        raise InputError("the message is empty", expected="some text", found="nothing but whitespace")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InputError(
            "the message is too long", expected=f"at most {MAX_MESSAGE_CHARS} characters", found=f"{len(text)}"
        )
    return text


def masked_reply(reply: Reply) -> Reply:
    """The reply as the log keeps it: personal data in its text and in the slot values masked."""
    slots = {name: mask_pii(value) for name, value in reply.explanation.slots.items()}
    return replace(reply, text=mask_pii(reply.text), explanation=replace(reply.explanation, slots=slots))


@dataclass(frozen=True, slots=True)
class _Turn:
    started: float
    text: str
    session_id: str
    models: ServingModels
    state: DialogueState


class Assistant:
    def __init__(self, *, models: ModelHolder, log: ConversationLog, mask_logged_pii: bool = True) -> None:
        self.models = models
        self.log = log
        self.mask_logged_pii = mask_logged_pii

    @property
    def model_version(self) -> str:
        return self.models.current.version

    def respond(self, message: object, *, session_id: str | None = None) -> TurnRecord:
        """Answer one message. A new session is started when `session_id` is None."""
        turn = self._begin(message, session_id)
        return self._finish(turn, turn.models.analyse(turn.text))

    async def respond_async(self, message: object, *, session_id: str | None = None) -> TurnRecord:
        """`respond` for an event loop: waits for the models without occupying a worker thread."""
        turn = self._begin(message, session_id)
        return self._finish(turn, await asyncio.wrap_future(turn.models.submit(turn.text)))

    def _begin(self, message: object, session_id: str | None) -> _Turn:
        started = time.perf_counter()
        text = validate_message(message)
        if session_id is None:
            session_id = self.log.start_session()
        elif not self.log.has_session(session_id):
            raise UnknownSessionError(session_id)
        # one model bundle for the whole turn, even if a swap happens meanwhile
        return _Turn(started, text, session_id, self.models.current, self.log.load_state(session_id))

    def _finish(self, turn: _Turn, analysis: Analysis) -> TurnRecord:
        intent, hits = analysis
        reply, new_state = turn.models.composer.compose(turn.text, intent=intent, hits=hits, state=turn.state)
        latency_ms = (time.perf_counter() - turn.started) * 1000
        turn_id = self.log.record_turn(
            turn.session_id,
            message=mask_pii(turn.text) if self.mask_logged_pii else turn.text,
            reply=masked_reply(reply) if self.mask_logged_pii else reply,
            latency_ms=latency_ms,
            state=new_state,
        )
        return TurnRecord(turn_id=turn_id, session_id=turn.session_id, reply=reply)

    def close(self) -> None:
        self.models.stop()
        self.log.close()
