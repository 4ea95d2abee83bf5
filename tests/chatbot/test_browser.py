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
