"""Every command, option and setting a user can use is documented in the README."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from chatbot.cli import build_parser
from chatbot.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_subcommand_is_documented(name: str) -> None:
    assert f"chatbot {name}" in README


@pytest.mark.parametrize(
    ("name", "option"),
    sorted(
        (name, option)
        for name, sub in _subcommands().items()
        for action in sub._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    ),
)
def test_option_is_documented(name: str, option: str) -> None:
    assert option in README, f"`chatbot {name} {option}` is not in README.md"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_setting_is_documented(field: str) -> None:
    assert f"`{field}`" in README, f"setting {field} is not in the README's settings table"
