"""The `chatbot` command: every subcommand, its help, and errors as one line with a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.cli import build_parser, main
from knowledge_base.store import KnowledgeBase

CONVERSATIONS = [
    {
        "id": "a1",
        "intent": "order_status",
        "turns": [
            {"role": "customer", "text": "Where is my order?"},
            {"role": "agent", "text": "It ships tomorrow."},
        ],
    },
    {
        "id": "a2",
        "intent": "password_reset",
        "turns": [
            {"role": "user", "text": "How do I reset my password?"},
            {"role": "support", "text": "Use the 'Forgot password' link on the sign-in page."},
        ],
    },
]


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in CONVERSATIONS) + "\n")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_then_list_show_and_retire(tmp_path: Path, transcript: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "var")
    code, out, _ = run(capsys, "ingest", str(transcript), "--data-dir", data)
    assert code == 0
    assert "imported dataset version 1" in out and "2 QA pairs" in out

    code, out, _ = run(capsys, "datasets", "--data-dir", data)
    assert code == 0
    header, row = out.strip().splitlines()
    assert header.split()[:4] == ["id", "status", "name", "format"]
    assert row.split()[:4] == ["1", "active", "history", "jsonl"]

    code, out, _ = run(capsys, "datasets", "show", "1", "--data-dir", data)
    assert code == 0 and "2 conversations, 4 turns, 2 QA pairs" in out

    code, out, _ = run(capsys, "datasets", "retire", "1", "--data-dir", data)
    assert code == 0 and "retired dataset version 1" in out
    with KnowledgeBase(tmp_path / "var" / "chatbot.db") as kb:
        assert kb.dataset(1).status == "retired"
        assert kb.qa_pairs() == []


def test_bad_file_is_one_line_error_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(CONVERSATIONS[0]) + "\n{not json\n")
    code, out, err = run(capsys, "ingest", str(bad), "--data-dir", str(tmp_path / "var"))
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("error: bad.jsonl:2:")
    with KnowledgeBase(tmp_path / "var" / "chatbot.db") as kb:
        assert kb.counts()["datasets"] == 0


def test_lenient_flag_skips_bad_records_with_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "mixed.jsonl"
    bad.write_text(json.dumps(CONVERSATIONS[0]) + "\n{not json\n" + json.dumps(CONVERSATIONS[1]) + "\n")
    code, out, err = run(capsys, "ingest", str(bad), "--lenient", "--data-dir", str(tmp_path / "var"))
    assert code == 0
    assert "2 QA pairs" in out
    assert "warning: mixed.jsonl:2:" in err


def test_duplicate_upload_is_refused(tmp_path: Path, transcript: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "var")
    assert run(capsys, "ingest", str(transcript), "--data-dir", data)[0] == 0
    code, _, err = run(capsys, "ingest", str(transcript), "--data-dir", data)
    assert code == 1 and "already imported as dataset version 1" in err


def test_unknown_dataset_and_missing_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "var")
    code, _, err = run(capsys, "datasets", "show", "7", "--data-dir", data)
    assert code == 1 and "no dataset version 7" in err
    code, _, err = run(capsys, "datasets", "retire", "--data-dir", data)
    assert code == 2 and "needs a dataset version id" in err


def test_bad_setting_from_environment_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATBOT_MAX_UPLOAD_MB", "-3")
    code, _, err = run(capsys, "datasets", "--data-dir", str(tmp_path / "var"))
    assert code == 1
    assert "max_upload_mb" in err and "CHATBOT_MAX_UPLOAD_MB" in err


def test_oversize_limit_comes_from_settings(
    tmp_path: Path, transcript: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATBOT_MAX_UPLOAD_MB", "0.0001")  # about 100 bytes
    code, _, err = run(capsys, "ingest", str(transcript), "--data-dir", str(tmp_path / "var"))
    assert code == 1 and "file too large" in err


@pytest.mark.parametrize("command", [[], ["ingest"], ["datasets"], ["train"], ["models"], ["serve"]])
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: chatbot" in capsys.readouterr().out


def test_console_script_is_installed() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "chatbot"), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "ingest" in result.stdout and "datasets" in result.stdout and "serve" in result.stdout


def test_parser_lists_the_documented_subcommands() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert set(subparsers.choices) == {"ingest", "datasets", "train", "models", "serve"}  # type: ignore[union-attr]
