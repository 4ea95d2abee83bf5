"""The REST API (chatbot.api) through FastAPI's TestClient: answers, sessions, a 4xx with an "error" for bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chatbot.app import build_app
from chatbot.assistant import Assistant
from tests.chatbot.fakes import make_assistant


@pytest.fixture
def assistant(tmp_path: Path) -> Iterator[Assistant]:
    bot = make_assistant(tmp_path)
    yield bot
    bot.close()


@pytest.fixture
def client(assistant: Assistant) -> Iterator[TestClient]:
    # Server errors come back as 500 responses instead of exceptions, as a real client would see them.
    with TestClient(build_app(assistant, with_ui=False), raise_server_exceptions=False) as test_client:
        yield test_client


def chat(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def error_of(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    error = response.json().get("error")
    assert isinstance(error, str) and error
    return error


# -- /api/chat -------------------------------------------------------------------------------------------


def test_chat_without_session_starts_one(client: TestClient) -> None:
    body = chat(client, message="Do you ship abroad?")
    assert isinstance(body["session_id"], str) and body["session_id"]
    assert body["kind"] == "retrieval"
    assert body["reply"] == "We ship to 30 countries in Europe."
    assert isinstance(body["turn_id"], int)
    assert body["model_version"] == "v1"
    assert body["choices"] is None


def test_chat_with_the_session_continues_it(client: TestClient, assistant: Assistant) -> None:
    first = chat(client, message="where is my parcel")
    second = chat(client, message="NW-123456", session_id=first["session_id"])
    assert second["session_id"] == first["session_id"]
    assert second["turn_id"] != first["turn_id"]
    assert second["reply"] == "Parcel NW-123456 is with the courier and arrives in 2 days."
    assert len(assistant.log.turns(first["session_id"])) == 2


def test_two_conversations_get_different_sessions(client: TestClient) -> None:
    assert chat(client, message="hi")["session_id"] != chat(client, message="hi")["session_id"]


def test_chat_reports_the_intent_and_its_confidence(client: TestClient) -> None:
    body = chat(client, message="What are your opening hours?")
    assert (body["kind"], body["intent"], body["confidence"]) == ("template", "opening_hours", 0.9)


def test_clarifying_reply_returns_its_choices(client: TestClient) -> None:
    body = chat(client, message="I want to cancel or return this")
    assert body["kind"] == "clarify"
    assert body["choices"] == ["Cancel an order", "Return an item"]
    picked = chat(client, message="2", session_id=body["session_id"])
    assert picked["reply"] == "Returns are free within 30 days."


def test_unknown_session_is_404_with_a_clear_error(client: TestClient) -> None:
    error = error_of(client.post("/api/chat", json={"message": "hi", "session_id": "no-such-session"}), 404)
    assert "unknown chat session" in error
    assert "start a new conversation" in error


def test_blank_message_is_400_saying_it_is_empty(client: TestClient) -> None:
    assert "empty" in error_of(client.post("/api/chat", json={"message": "   "}), 400)


def test_message_over_2000_characters_is_422_naming_message(client: TestClient) -> None:
    error = error_of(client.post("/api/chat", json={"message": "a" * 2001}), 422)
    assert "message" in error and "2000" in error


def test_message_of_2000_characters_is_accepted(client: TestClient) -> None:
    assert chat(client, message="a" * 2000)["kind"] == "fallback"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"message": 123}, "message"),
        ({"message": None}, "message"),
        ({}, "message"),
        ({"session_id": "abc"}, "message"),
        ({"message": "hi", "mood": "angry"}, "mood"),
        ({"message": "hi", "session_id": 5}, "session_id"),
        ({"message": "hi", "session_id": "x" * 65}, "session_id"),
        (["hi"], "body"),
    ],
)
def test_malformed_chat_request_is_422_naming_the_field(client: TestClient, body: Any, named: str) -> None:
    assert named in error_of(client.post("/api/chat", json=body), 422)


def test_invalid_json_is_422_not_500(client: TestClient) -> None:
    response = client.post("/api/chat", content=b'{"message": "hi"', headers={"content-type": "application/json"})
    assert "JSON" in error_of(response, 422)


def test_rejected_request_writes_nothing(client: TestClient, assistant: Assistant) -> None:
    client.post("/api/chat", json={"message": "   "})
    client.post("/api/chat", json={"message": 123})
    assert assistant.log.conn.execute("SELECT COUNT(*) FROM chat_turns").fetchone()[0] == 0


# -- /api/feedback ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rating", ["up", "down"])
def test_feedback_on_a_turn_is_stored(client: TestClient, assistant: Assistant, rating: str) -> None:
    turn_id = chat(client, message="Do you ship abroad?")["turn_id"]
    response = client.post("/api/feedback", json={"turn_id": turn_id, "rating": rating, "comment": "ok"})
    assert response.status_code == 200, response.text
    feedback_id = response.json()["feedback_id"]
    assert [(row["id"], row["rating"]) for row in assistant.log.feedback(turn_id)] == [(feedback_id, rating)]


def test_feedback_on_an_unknown_turn_is_404(client: TestClient) -> None:
    assert "unknown turn" in error_of(client.post("/api/feedback", json={"turn_id": 999, "rating": "up"}), 404)


def test_feedback_with_a_bad_rating_is_422(client: TestClient) -> None:
    turn_id = chat(client, message="hi")["turn_id"]
    assert "rating" in error_of(client.post("/api/feedback", json={"turn_id": turn_id, "rating": "meh"}), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"turn_id": "1", "rating": "up"},
        {"rating": "up"},
        {"turn_id": 1, "rating": "up", "stars": 5},
        {"turn_id": 1, "rating": "up", "comment": "x" * 2001},
    ],
)
def test_malformed_feedback_is_422(client: TestClient, body: dict[str, Any]) -> None:
    error_of(client.post("/api/feedback", json=body), 422)


def test_feedback_turn_id_too_large_for_the_database_is_a_client_error(client: TestClient) -> None:
    response = client.post("/api/feedback", json={"turn_id": 2**70, "rating": "up"})
    assert 400 <= response.status_code < 500, response.text
    error_of(response, response.status_code)


# -- /api/health and the spec ----------------------------------------------------------------------------


def test_health_reports_ok_and_the_model_version(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["model_version"], body["swaps"], body["last_swap_error"]) == ("ok", "v1", 0, None)


def test_openapi_spec_lists_the_three_paths(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/chat", "/api/feedback", "/api/health"} <= set(paths)
    assert "post" in paths["/api/chat"] and "post" in paths["/api/feedback"] and "get" in paths["/api/health"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/api/chat", 405), ("post", "/api/health", 405), ("get", "/api/nothing-here", 404)],
)
def test_routing_errors_also_carry_an_error_string(client: TestClient, method: str, path: str, status: int) -> None:
    error_of(client.request(method, path), status)
