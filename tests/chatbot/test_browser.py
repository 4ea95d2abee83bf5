"""A customer chats on the real page, in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge_base.migrations import connect

CHROMIUM = os.environ.get("CHATBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def page() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}: `make test` installs it (apt-get install chromium) when run as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser.new_page(viewport={"width": 1000, "height": 800})
        browser.close()


def _turns(data_dir: Path, message: str) -> list[tuple[str, str]]:
    conn = connect(data_dir / "chatbot.db")
    rows = conn.execute("SELECT message, reply FROM chat_turns WHERE message = ? ORDER BY id", (message,)).fetchall()
    conn.close()
    return [(row["message"], row["reply"]) for row in rows]


def test_customer_asks_and_sees_the_logged_answer(demo_server: tuple[str, Path], page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, data_dir = demo_server
    page.goto(url)
    box = page.locator("#message textarea")
    box.wait_for(timeout=60_000)
    bots = page.locator('#chat [data-testid="bot"]')
    assert bots.count() == 1  # the greeting

    box.fill("How can I return an item I bought?")
    box.press("Enter")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"bot\"]').length >= 2", timeout=60_000)
    shown = bots.nth(1).inner_text().strip()
    assert _turns(data_dir, "How can I return an item I bought?") == [("How can I return an item I bought?", shown)]
    assert box.input_value() == ""
    page.screenshot(path=str(tmp_path / "chat.png"))

    box.fill("   ")  # an empty message: a warning, no turn, the conversation unchanged
    box.press("Enter")
    page.wait_for_timeout(1500)
    assert bots.count() == 2
    assert page.get_by_text("the message is empty").count() >= 1


@pytest.fixture
def fake_server(tmp_path: Path) -> Iterator[str]:
    """The real app (FastAPI + Gradio page) over fake models, served by uvicorn in a thread."""
    import socket
    import threading
    import time

    import uvicorn

    from chatbot.app import build_app
    from tests.chatbot.fakes import make_assistant

    assistant = make_assistant(tmp_path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(build_app(assistant), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    assistant.close()


def test_clarifying_question_offers_buttons_and_a_click_answers(fake_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(fake_server)
    box = page.locator("#message textarea")
    box.wait_for(timeout=60_000)
    box.fill("I want to cancel or return something")
    box.press("Enter")
    option = page.get_by_role("button", name="Return an item")
    option.wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Cancel an order").count() == 1
    option.click()
    page.get_by_text("Returns are free within 30 days.").wait_for(timeout=30_000)
    assert page.get_by_text("Error").count() == 0
