"""The customer chat page (Gradio)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chatbot.assistant import Assistant
from chatbot.errors import InputError

if TYPE_CHECKING:
    import gradio as gr

TITLE = "Customer support"
GREETING = "Hello! Ask me anything about your order, account or billing."


def build_chat_ui(assistant: Assistant, *, company: str = "our shop") -> gr.Blocks:
    import gradio as gr

    def send(
        message: str, history: list[dict[str, Any]], session_id: str | None
    ) -> tuple[str, list[dict[str, Any]], str | None]:
        try:
            turn = assistant.respond(message, session_id=session_id)
        except InputError as error:
            gr.Warning(error.reason)
            return message, history, session_id
        history = [
            *history,
            {"role": "user", "content": message.strip()},
            {"role": "assistant", "content": turn.reply.text},
        ]
        return "", history, turn.session_id

    with gr.Blocks(title=f"{TITLE} · {company}") as blocks:
        gr.Markdown(f"## {TITLE} · {company}")
        chat = gr.Chatbot(
            value=[{"role": "assistant", "content": GREETING}],
            label="Conversation",
            elem_id="chat",
            height=480,
            feedback_options=None,
        )
        session = gr.State(None)
        with gr.Row():
            box = gr.Textbox(
                placeholder="Type your question and press Enter",
                show_label=False,
                elem_id="message",
                scale=8,
                max_length=2000,
            )
            button = gr.Button("Send", variant="primary", elem_id="send", scale=1)
        box.submit(send, [box, chat, session], [box, chat, session], api_name="send")
        button.click(send, [box, chat, session], [box, chat, session], api_name="send_button")
    return blocks
