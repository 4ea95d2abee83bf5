"""A fresh install answers at once with the base encoder, trains in the background, then swaps to the run."""

from __future__ import annotations

from pathlib import Path

from chatbot.config import Settings
from chatbot.serving import build_assistant, start_first_training
from knowledge_base.ingest import IngestOptions, ingest_file
from knowledge_base.store import KnowledgeBase
from tests.training.test_pipeline import FAST, write_conversations
from training.training_args import TrainingArguments


def test_fresh_install_serves_base_then_swaps_to_the_trained_run(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "var")
    with KnowledgeBase(settings.db_path) as kb:
        ingest_file(kb, write_conversations(tmp_path / "history.jsonl"), IngestOptions())
    assistant = build_assistant(settings, encoder=real_encoder)
    try:
        before = assistant.respond("when are you open on saturday")
        assert before.reply.explanation.model_version == "base:all-MiniLM-L6-v2"
        assert not assistant.models.check()  # nothing promoted yet: nothing to swap

        job = start_first_training(settings, TrainingArguments(**FAST))
        assert job is not None
        job.join(timeout=900)
        status = job.status
        assert status.state == "succeeded", status.message
        assert status.promoted and status.run_id
        assert any(point["loss"] is not None for point in status.history)  # progress was reported

        assert assistant.models.check()  # promoted.json changed: the new run is swapped in
        after = assistant.respond("when are you open on saturday", session_id=before.session_id)
        assert after.reply.explanation.model_version == f"run:{status.run_id}"
        assert after.reply.explanation.intent is not None
        assert start_first_training(settings) is None  # a run exists: no second first-start training
    finally:
        assistant.close()
