"""The base model is found on local disk, or the error names the package or path that would provide it."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.errors import ModelNotFoundError
from training import base_model
from training.base_model import PackagedModel, locate_base_model


def test_packaged_model_is_found_with_its_config() -> None:
    path = locate_base_model("all-MiniLM-L6-v2")
    assert (path / "config.json").is_file()
    assert locate_base_model("sentence-transformers/all-MiniLM-L6-v2") == path


def test_missing_package_names_the_pip_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        base_model.PACKAGED_MODELS, "tiny", PackagedModel("tiny", "no_such_module_xyz", "gt-tiny-model")
    )
    with pytest.raises(ModelNotFoundError, match=r"pip install gt-tiny-model"):
        locate_base_model("tiny")


def test_local_directory_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    assert locate_base_model(str(tmp_path)) == tmp_path


def test_unknown_name_lists_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="all-MiniLM-L6-v2"):
        locate_base_model(str(tmp_path / "nowhere"))


def test_runtime_is_offline() -> None:
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
