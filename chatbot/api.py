"""The REST API: /api/chat, /api/feedback, /api/health. Bad input gets a 4xx with a clear message, never a 500."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from chatbot.assistant import MAX_MESSAGE_CHARS, Assistant
from chatbot.errors import InputError, UnknownSessionError, UnknownTurnError

if TYPE_CHECKING:
    from training.jobs import TrainingJob


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session_id: StrictStr | None = Field(None, max_length=64, description="Omit to start a new conversation.")
    message: StrictStr = Field(..., max_length=MAX_MESSAGE_CHARS, description="What the customer wrote.")


class ChatResponse(BaseModel):
    session_id: str
    turn_id: int
    reply: str
    kind: Literal["template", "retrieval", "clarify", "handoff", "fallback"]
    intent: str | None
    confidence: float | None
    choices: list[str] | None = Field(None, description="Quick replies offered by a clarifying question.")
    model_version: str


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    turn_id: StrictInt = Field(..., ge=1, le=2**63 - 1)
    rating: Literal["up", "down"]
    comment: StrictStr | None = Field(None, max_length=2000)


class FeedbackResponse(BaseModel):
    feedback_id: int


class Health(BaseModel):
    status: Literal["ok"]
    model_version: str
    swaps: int
    last_swap_error: str | None
    training: dict[str, Any] | None = Field(None, description="The background training job, when there is one.")


def api_router(assistant: Assistant, *, job: TrainingJob | None = None) -> APIRouter:
    router = APIRouter(prefix="/api")

    @router.post("/chat", response_model=ChatResponse)
    async def chat(request: ChatRequest) -> ChatResponse:
        # async: the models run on the batcher's thread; the short SQLite reads and writes of a turn run
        # here, which costs less than handing every request to a worker thread
        turn = await assistant.respond_async(request.message, session_id=request.session_id)
        reply = turn.reply
        intent = reply.explanation.intent
        return ChatResponse(
            session_id=turn.session_id,
            turn_id=turn.turn_id,
            reply=reply.text,
            kind=reply.kind.value,  # type: ignore[arg-type]
            intent=intent.label if intent else None,
            confidence=intent.confidence if intent else None,
            choices=[c.label for c in reply.choices] or None,
            model_version=reply.explanation.model_version,
        )

    @router.post("/feedback", response_model=FeedbackResponse)
    def feedback(request: FeedbackRequest) -> FeedbackResponse:
        return FeedbackResponse(
            feedback_id=assistant.log.record_feedback(request.turn_id, rating=request.rating, comment=request.comment)
        )

    @router.get("/health", response_model=Health)
    def health() -> Health:
        holder = assistant.models
        return Health(
            status="ok",
            model_version=holder.current.version,
            swaps=holder.swaps,
            last_swap_error=holder.last_error,
            training=job.status.as_dict() if job is not None else None,
        )

    return router


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    def input_error(request: Request, error: InputError) -> JSONResponse:
        status = 404 if isinstance(error, UnknownSessionError | UnknownTurnError) else 400
        return JSONResponse({"error": str(error)}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"] if part != "body") or "body"
            problems.append(f"{where}: {item['msg']}")
        return JSONResponse({"error": "; ".join(problems), "detail": jsonable_encoder(error.errors())}, status_code=422)
