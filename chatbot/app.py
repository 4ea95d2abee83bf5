"""The web application: FastAPI, with the Gradio chat page mounted at `/`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatbot.assistant import Assistant

if TYPE_CHECKING:
    from fastapi import FastAPI


def build_app(assistant: Assistant, *, company: str = "our shop") -> FastAPI:
    import gradio as gr
    from fastapi import FastAPI

    from chatbot.ui.chat import build_chat_ui

    app = FastAPI(title="Customer-service chatbot", version="0.1.0")

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "model_version": assistant.model_version}

    return gr.mount_gradio_app(app, build_chat_ui(assistant, company=company), path="/", footer_links=[])
