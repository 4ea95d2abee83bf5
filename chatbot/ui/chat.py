"""The customer chat page (Gradio): a conversation, quick-reply buttons for clarifying questions, a hand-off notice."""

from __future__ import annotations

from typing import Any

# Imported at module level (this module is loaded only when the page is built): Gradio finds the event
# argument of a handler by its annotation, `gr.SelectData`, which must resolve at run time.
import gradio as gr

from chatbot.assistant import Assistant
from chatbot.errors import InputError
from chatbot.types import ReplyKind

TITLE = "Customer support"
GREETING = "Hello! Ask me anything about your order, your account or your plan."
HANDOFF_NOTE = "A member of our team will pick up this conversation."

Message = dict[str, Any]


def build_chat_ui(assistant: Assistant, *, company: str = "our shop") -> gr.Blocks:
    def send(message: str, history: list[Message], session_id: str | None) -> tuple[str, list[Message], str | None]:
        try:
            turn = assistant.respond(message, session_id=session_id)
        except InputError as error:
            gr.Warning(error.reason)
            return message, history, session_id
        reply: Message = {"role": "assistant", "content": turn.reply.text}
        if turn.reply.choices:
            reply["options"] = [{"value": choice.label} for choice in turn.reply.choices]
        if turn.reply.kind == ReplyKind.HANDOFF:
            reply["metadata"] = {"title": HANDOFF_NOTE}
        return "", [*history, {"role": "user", "content": message.strip()}, reply], turn.session_id

    def pick(
        history: list[Message], session_id: str | None, event: gr.SelectData
    ) -> tuple[str, list[Message], str | None]:
        return send(str(event.value), history, session_id)

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
        chat.option_select(pick, [chat, session], [box, chat, session], api_name=False)
    return blocks
