"""Build a ready assistant from settings: models (with hot swap) and the conversation log."""

from __future__ import annotations

from chatbot.assistant import Assistant
from chatbot.config import Settings
from chatbot.log import ConversationLog
from chatbot.models import ModelHolder, load_serving
from knowledge_base.index import Encoder
from knowledge_base.migrations import connect


def build_assistant(
    settings: Settings, *, encoder: Encoder | None = None, progress: bool = False, watch: bool = False
) -> Assistant:
    """The assistant over `settings.data_dir`. `watch`: follow promotions and rollbacks while serving."""
    holder = ModelHolder(
        lambda: load_serving(settings, encoder=encoder, progress=progress),
        models_dir=settings.models_dir,
    )
    if watch:
        holder.start()
    log = ConversationLog(connect(settings.db_path), state_ttl_seconds=settings.state_ttl_seconds)
    return Assistant(models=holder, log=log, mask_logged_pii=settings.mask_pii)
