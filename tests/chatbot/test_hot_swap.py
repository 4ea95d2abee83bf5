"""Swapping models while serving (chatbot.models.ModelHolder): one version per turn, failures keep the old one."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import pytest

from chatbot.assistant import Assistant
from chatbot.models import ModelHolder, ServingModels
from chatbot.templates import TemplateSet
from chatbot.types import ReplyKind, TurnRecord
from knowledge_base.errors import ModelNotFoundError
from tests.chatbot.fakes import ANSWERS, make_assistant, make_bundle, make_templates, versioned_answers

THREADS = 8
REQUESTS_PER_THREAD = 40
HANG_GUARD_SECONDS = 60  # only so that a deadlock fails the test instead of stalling the suite
MAX_RELOADS = 500

# Each thread repeats this little conversation: a slot question and its answer, a retrieval, a template,
# a fallback. Retrieved answers end with "[v1]" or "[v2]", so the text shows which bundle wrote it.
SCRIPT = ("where is my parcel", "NW-123456", "Do you ship abroad?", "What are your opening hours?", "xyzzy")


@pytest.fixture
def templates(tmp_path: Path) -> TemplateSet:
    return make_templates(tmp_path)


def alternating_loader(templates: TemplateSet, versions: tuple[str, ...] = ("v1", "v2")) -> Callable[[], ServingModels]:
    """A fresh bundle on every call, v1, v2, v1, ... (as a promotion then a rollback would load)."""
    calls = count()

    def load() -> ServingModels:
        version = versions[next(calls) % len(versions)]
        return make_bundle(templates, version=version, answers=versioned_answers(version))

    return load


@pytest.fixture
def swapping(tmp_path: Path, templates: TemplateSet) -> Iterator[Assistant]:
    bot = make_assistant(tmp_path, loader=alternating_loader(templates))
    yield bot
    bot.close()


def converse(assistant: Assistant, turns: list[TurnRecord], errors: list[BaseException]) -> None:
    session: str | None = None
    try:
        for i in range(REQUESTS_PER_THREAD):
            message = SCRIPT[i % len(SCRIPT)]
            turn = assistant.respond(message, session_id=session)
            session = turn.session_id
            turns.append(turn)
    except BaseException as error:  # reported by the main thread
        errors.append(error)


def run_under_swaps(assistant: Assistant) -> tuple[list[TurnRecord], list[BaseException], int]:
    """8 threads converse while this one reloads the models, until they finish (or hang: then it fails)."""
    turns: list[TurnRecord] = []
    errors: list[BaseException] = []
    workers = [threading.Thread(target=converse, args=(assistant, turns, errors), daemon=True) for _ in range(THREADS)]
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, to shake out races
    try:
        for worker in workers:
            worker.start()
        reloads = 0
        while any(worker.is_alive() for worker in workers) and reloads < MAX_RELOADS and time.monotonic() < deadline:
            assistant.models.reload()
            reloads += 1
            workers[0].join(0.001)
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
    finally:
        sys.setswitchinterval(old_interval)
    hung = sum(worker.is_alive() for worker in workers)
    assert hung == 0, f"{hung} of {THREADS} conversations hung during {reloads} model swaps"
    return turns, errors, reloads


def test_requests_during_repeated_swaps_are_each_answered_by_one_version(swapping: Assistant) -> None:
    turns, errors, reloads = run_under_swaps(swapping)
    assert errors == []
    assert len(turns) == THREADS * REQUESTS_PER_THREAD
    assert reloads > 0 and swapping.models.swaps == reloads
    for turn in turns:
        version = turn.reply.explanation.model_version
        assert version in ("v1", "v2")
        if turn.reply.kind == ReplyKind.RETRIEVAL:
            assert turn.reply.text.endswith(f"[{version}]")  # the answer came from the same bundle


def test_each_logged_turn_names_the_version_that_answered_it(swapping: Assistant) -> None:
    turns, errors, _ = run_under_swaps(swapping)
    assert errors == []
    rows = {
        row["id"]: row
        for row in swapping.log.conn.execute("SELECT id, model_version, explanation FROM chat_turns").fetchall()
    }
    assert len(rows) == len(turns)
    for turn in turns:
        row = rows[turn.turn_id]
        assert row["model_version"] == turn.reply.explanation.model_version
        assert json.loads(row["explanation"])["model_version"] == turn.reply.explanation.model_version


def test_conversation_keeps_its_state_across_a_swap(swapping: Assistant) -> None:
    asked = swapping.respond("where is my parcel")
    assert swapping.models.reload()
    answered = swapping.respond("NW-123456", session_id=asked.session_id)
    assert (asked.reply.explanation.model_version, answered.reply.explanation.model_version) == ("v1", "v2")
    assert answered.reply.text == "Parcel NW-123456 is with the courier and arrives in 2 days."


def test_choice_offered_by_the_old_version_whose_answer_is_gone_is_not_a_crash(
    tmp_path: Path, templates: TemplateSet
) -> None:
    """v1 offers "Do you ship abroad?" (#6); v2 was trained without it; the customer then picks "1"."""
    without_6 = {qa_id: pair for qa_id, pair in ANSWERS.items() if qa_id != 6}
    bundles = iter([make_bundle(templates, version="v1"), make_bundle(templates, version="v2", answers=without_6)])
    bot = make_assistant(tmp_path, loader=lambda: next(bundles))
    try:
        offered = bot.respond("ship abroad to norway please")
        assert [choice.qa_id for choice in offered.reply.choices] == [6]
        bot.models.reload()
        picked = bot.respond("1", session_id=offered.session_id)
    finally:
        bot.close()
    assert picked.reply.explanation.model_version == "v2"
    assert picked.reply.explanation.answer_qa_id != 6


# -- failed loads ----------------------------------------------------------------------------------------


def failing_on_second_call(templates: TemplateSet, error: Exception) -> Callable[[], ServingModels]:
    calls = count()

    def load() -> ServingModels:
        n = next(calls)
        if n == 1:
            raise error
        return make_bundle(templates, version=f"v{n + 1}")

    return load


def test_failed_load_keeps_the_old_version_serving_and_says_why(tmp_path: Path, templates: TemplateSet) -> None:
    bot = make_assistant(tmp_path, loader=failing_on_second_call(templates, ModelNotFoundError("no weights in run 7")))
    try:
        assert bot.models.reload() is False
        turn = bot.respond("Do you ship abroad?")
        assert bot.models.current.version == "v1"
        assert turn.reply.explanation.model_version == "v1"
        assert bot.models.last_error is not None and "no weights in run 7" in bot.models.last_error
        assert bot.models.swaps == 0
    finally:
        bot.close()


def test_next_successful_load_clears_the_error(tmp_path: Path, templates: TemplateSet) -> None:
    holder = ModelHolder(failing_on_second_call(templates, RuntimeError("CUDA out of memory")))
    try:
        assert holder.reload() is False
        assert holder.reload() is True
        assert (holder.current.version, holder.last_error, holder.swaps) == ("v3", None, 1)
    finally:
        holder.stop()


def test_load_failing_with_an_unexpected_error_also_keeps_the_old_version(
    tmp_path: Path, templates: TemplateSet
) -> None:
    """E.g. a run's threshold.json without "threshold": a KeyError must not escape into the watcher thread."""
    holder = ModelHolder(failing_on_second_call(templates, KeyError("threshold")))
    try:
        assert holder.reload() is False
        assert holder.current.version == "v1"
        assert holder.last_error is not None and "threshold" in holder.last_error
    finally:
        holder.stop()


# -- watching promoted.json ------------------------------------------------------------------------------


def promote(models_dir: Path, run: str, mtime_ns: int) -> None:
    path = models_dir / "promoted.json"
    path.write_text(json.dumps({"run": run}))
    os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "models"
    directory.mkdir()
    promote(directory, "a", 1_000_000_000_000_000_000)
    return directory


def counting_loader(templates: TemplateSet) -> tuple[Callable[[], ServingModels], list[str]]:
    loaded: list[str] = []

    def load() -> ServingModels:
        loaded.append(f"v{len(loaded) + 1}")
        return make_bundle(templates, version=loaded[-1])

    return load, loaded


def test_check_does_not_reload_while_promoted_json_is_unchanged(models_dir: Path, templates: TemplateSet) -> None:
    load, loaded = counting_loader(templates)
    holder = ModelHolder(load, models_dir=models_dir)
    try:
        assert holder.check() is False
        assert holder.check() is False
        assert loaded == ["v1"]
    finally:
        holder.stop()


def test_check_reloads_once_when_promoted_json_changes(models_dir: Path, templates: TemplateSet) -> None:
    load, loaded = counting_loader(templates)
    holder = ModelHolder(load, models_dir=models_dir)
    try:
        promote(models_dir, "bb", 2_000_000_000_000_000_000)  # another size and another mtime
        assert holder.check() is True
        assert holder.check() is False
        assert loaded == ["v1", "v2"]
        assert holder.current.version == "v2"
    finally:
        holder.stop()


def test_check_notices_a_rewrite_of_the_same_size(models_dir: Path, templates: TemplateSet) -> None:
    load, loaded = counting_loader(templates)
    holder = ModelHolder(load, models_dir=models_dir)
    try:
        promote(models_dir, "b", 3_000_000_000_000_000_000)  # same size as run "a", later mtime
        assert holder.check() is True
        assert loaded == ["v1", "v2"]
    finally:
        holder.stop()


def test_check_reloads_when_promoted_json_is_removed(models_dir: Path, templates: TemplateSet) -> None:
    load, loaded = counting_loader(templates)
    holder = ModelHolder(load, models_dir=models_dir)
    try:
        (models_dir / "promoted.json").unlink()
        assert holder.check() is True
        assert holder.check() is False
        assert loaded == ["v1", "v2"]
    finally:
        holder.stop()


def test_check_without_a_models_dir_never_reloads(templates: TemplateSet) -> None:
    load, loaded = counting_loader(templates)
    holder = ModelHolder(load)
    try:
        assert holder.check() is False
        assert loaded == ["v1"]
    finally:
        holder.stop()


def test_watcher_thread_picks_up_a_promotion(models_dir: Path, templates: TemplateSet) -> None:
    load, _ = counting_loader(templates)
    holder = ModelHolder(load, models_dir=models_dir, poll_seconds=0.01)
    holder.start()
    try:
        promote(models_dir, "bb", 2_000_000_000_000_000_000)
        deadline = time.monotonic() + HANG_GUARD_SECONDS
        while holder.swaps == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert holder.current.version == "v2"
    finally:
        holder.stop()


def test_async_turns_from_one_event_loop_are_batched_and_each_logged(tmp_path: Path) -> None:
    import asyncio

    from tests.chatbot.fakes import OPENING_HOURS_TEXT, make_assistant

    assistant = make_assistant(tmp_path)
    try:

        async def many() -> list:  # type: ignore[type-arg]
            return await asyncio.gather(*(assistant.respond_async(f"opening hours {i}?") for i in range(20)))

        turns = asyncio.run(many())
        assert [t.reply.text for t in turns] == [OPENING_HOURS_TEXT] * 20
        assert len({t.session_id for t in turns}) == 20
        assert all(len(assistant.log.turns(t.session_id)) == 1 for t in turns)
    finally:
        assistant.close()
