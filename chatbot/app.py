"""The web application: FastAPI with the REST API under /api and the Gradio chat page mounted at `/`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatbot.assistant import Assistant

if TYPE_CHECKING:
    from fastapi import FastAPI

    from training.jobs import TrainingJob


def build_app(
    assistant: Assistant, *, company: str = "our shop", with_ui: bool = True, job: TrainingJob | None = None
) -> FastAPI:
    from fastapi import FastAPI

    from chatbot.api import api_router, install_error_handlers

    app = FastAPI(title="Customer-service chatbot", version="0.1.0")
    install_error_handlers(app)
    app.include_router(api_router(assistant, job=job))
    if not with_ui:
        return app
    import gradio as gr

    from chatbot.ui.chat import build_chat_ui

    return gr.mount_gradio_app(app, build_chat_ui(assistant, company=company), path="/", footer_links=[])
