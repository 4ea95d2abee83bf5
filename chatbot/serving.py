"""Build a ready assistant from settings: models (with hot swap) and the conversation log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chatbot.assistant import Assistant
from chatbot.config import Settings
from chatbot.log import ConversationLog
from chatbot.models import ModelHolder, load_serving
from knowledge_base.index import Encoder
from knowledge_base.migrations import connect

if TYPE_CHECKING:
    from training.jobs import TrainingJob
    from training.training_args import TrainingArguments


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


def start_first_training(settings: Settings, args: TrainingArguments | None = None) -> TrainingJob | None:
    """On a fresh install (no run trained yet), train in the background; the model watcher swaps the new run
    in when it is promoted. Returns the job, or None when runs already exist."""
    from training.jobs import TrainingJob
    from training.pipeline import train_run
    from training.registry import Registry
    from training.training_args import TrainingArguments

    if Registry(settings.models_dir).runs():
        return None
    training_args = args or TrainingArguments()

    def train(progress: Callable[[dict[str, Any]], None]) -> object:
        return train_run(
            db_path=settings.db_path,
            models_dir=settings.models_dir,
            base_model=settings.base_model,
            args=training_args,
            progress=progress,
        )

    job = TrainingJob(train)
    job.start()
    return job
