"""End to end with real parts: the packaged model, the demo company, a real server, a real HTTP client."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from chatbot.config import Settings
from chatbot.models import index_directory
from chatbot.serving import build_assistant
from chatbot.types import ReplyKind
from knowledge_base.demo import CONVERSATIONS
from knowledge_base.ingest import IngestOptions, ingest_file
from knowledge_base.migrations import connect
from knowledge_base.store import KnowledgeBase

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("demo") / "var")
    with KnowledgeBase(settings.db_path) as kb:
        ingest_file(kb, CONVERSATIONS, IngestOptions(uploaded_by="test"))
    return settings


def test_demo_question_gets_a_retrieved_answer_and_is_logged(demo_settings: Settings, real_encoder) -> None:  # type: ignore[no-untyped-def]
    assistant = build_assistant(demo_settings, encoder=real_encoder)
    turn = assistant.respond("hi, where is my parcel? it has not arrived yet")
    assert turn.reply.kind == ReplyKind.RETRIEVAL
    answered = turn.reply.explanation.answer_qa_id
    assert answered is not None and answered in {hit.qa_id for hit in turn.reply.explanation.hits}
    with KnowledgeBase(demo_settings.db_path) as kb:
        pair = kb.qa_pair(answered)
    assert pair.answer == turn.reply.text
    assert pair.intent in {"order_status", "delivery_delay"}
    assert "NW-" not in pair.answer  # an answer about someone else's order is never reused

    logged = assistant.log.turns(turn.session_id)
    assert [row["id"] for row in logged] == [turn.turn_id]
    assert logged[0]["kind"] == "retrieval"
    assert logged[0]["explanation"]["answer_qa_id"] == answered
    assert logged[0]["model_version"] == "base:all-MiniLM-L6-v2"


def test_off_topic_question_falls_back_honestly(demo_settings: Settings, real_encoder) -> None:  # type: ignore[no-untyped-def]
    assistant = build_assistant(demo_settings, encoder=real_encoder)
    turn = assistant.respond("Who painted the Mona Lisa?")
    assert turn.reply.kind == ReplyKind.FALLBACK
    assert "support team" in turn.reply.text


def test_index_is_cached_between_starts(demo_settings: Settings, real_encoder) -> None:  # type: ignore[no-untyped-def]
    build_assistant(demo_settings, encoder=real_encoder)
    with KnowledgeBase(demo_settings.db_path) as kb:
        directory = index_directory(demo_settings.indexes_dir, real_encoder.name, kb.qa_pairs())
    manifest = directory / "manifest.json"
    assert manifest.is_file()
    stamp = manifest.stat().st_mtime_ns
    build_assistant(demo_settings, encoder=real_encoder)
    assert manifest.stat().st_mtime_ns == stamp


def test_served_chat_page_answers_and_logs(demo_server: tuple[str, Path]) -> None:
    from gradio_client import Client

    url, data_dir = demo_server
    assert httpx.get(f"{url}/api/health").json()["model_version"] == "base:all-MiniLM-L6-v2"
    assert "<html" in httpx.get(url).text.lower()

    client = Client(url, verbose=False)
    _, history = client.predict("How do I reset my password?", [], api_name="/send")
    reply = history[-1]["content"][0]["text"]
    assert history[-1]["role"] == "assistant" and reply

    conn = connect(data_dir / "chatbot.db")
    rows = conn.execute(
        "SELECT message, reply, kind FROM chat_turns WHERE message = ?", ("How do I reset my password?",)
    ).fetchall()
    conn.close()
    assert [(r["message"], r["reply"]) for r in rows] == [("How do I reset my password?", reply)]
    assert rows[0]["kind"] == "retrieval"
