"""End to end with real parts: the packaged model, the demo company, a real server, a real HTTP client."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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
    best = turn.reply.explanation.hits[0]
    with KnowledgeBase(demo_settings.db_path) as kb:
        pair = kb.qa_pair(best.qa_id)
    assert pair.answer == turn.reply.text
    assert pair.intent in {"order_status", "delivery_delay"}

    logged = assistant.log.turns(turn.session_id)
    assert [row["id"] for row in logged] == [turn.turn_id]
    assert logged[0]["kind"] == "retrieval"
    assert logged[0]["explanation"]["hits"][0]["qa_id"] == best.qa_id
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`python launch.py --demo` on a fresh data directory, as `make run` does."""
    data_dir = tmp_path_factory.mktemp("served") / "var"
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "launch.py", "--demo", "--data-dir", str(data_dir), "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"server exited early:\n{process.stdout.read() if process.stdout else ''}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise AssertionError("server did not answer /api/health within 180 s")
        yield url, data_dir
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_served_chat_page_answers_and_logs(server: tuple[str, Path]) -> None:
    from gradio_client import Client

    url, data_dir = server
    assert httpx.get(f"{url}/api/health").json()["model_version"] == "base:all-MiniLM-L6-v2"
    assert "<html" in httpx.get(url).text.lower()

    client = Client(url, verbose=False)
    _, history = client.predict("How do I reset my password?", [], api_name="/send")
    reply = history[-1]["content"][0]["text"]
    assert history[-1]["role"] == "assistant" and reply

    conn = connect(data_dir / "chatbot.db")
    rows = conn.execute("SELECT message, reply, kind FROM chat_turns").fetchall()
    conn.close()
    assert [(r["message"], r["reply"]) for r in rows] == [("How do I reset my password?", reply)]
    assert rows[0]["kind"] == "retrieval"
