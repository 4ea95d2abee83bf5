"""Shared fixtures: temporary databases and data directories, a fake encoder, one real model per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from chatbot.config import Settings
from knowledge_base.store import KnowledgeBase
from tests.fakes import HashingEncoder

REPO = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("CHATBOT_DATASETS_DIR", REPO.parent / "shared" / "datasets"))


@pytest.fixture
def kb(tmp_path: Path) -> Iterator[KnowledgeBase]:
    with KnowledgeBase(tmp_path / "kb.db") as store:
        yield store


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var")


@pytest.fixture
def fake_encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture(scope="session")
def real_encoder():  # type: ignore[no-untyped-def]
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
    from training.encoder import SentenceEncoder

    return SentenceEncoder.from_base("all-MiniLM-L6-v2")


@pytest.fixture
def datasets_dir() -> Path:
    if not DATASETS.is_dir():
        pytest.skip(f"public datasets not found at {DATASETS} (set CHATBOT_DATASETS_DIR)")
    return DATASETS
