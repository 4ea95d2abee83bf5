"""Settings: one typed, validated object read from defaults, a TOML file and `CHATBOT_*` variables.

Precedence, lowest first: the defaults below, the TOML file (`--config`, else `$CHATBOT_CONFIG`, else
`./chatbot.toml` when it exists), environment variables `CHATBOT_<NAME>` (e.g. `CHATBOT_PORT=8000`), and
command-line flags. A bad value is reported with the place it came from.

Everything the app writes (database, uploads, models, indexes) lives under `data_dir`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from knowledge_base.errors import ConfigError

ENV_PREFIX = "CHATBOT_"
DEFAULT_CONFIG_FILE = Path("chatbot.toml")


class Settings(BaseModel):
    """Every setting of the product. Field descriptions are the documentation (see README)."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    data_dir: Path = Field(Path("var"), description="Where the database, uploads, models and indexes live.")
    base_model: str = Field(
        "all-MiniLM-L6-v2",
        description="Base encoder: the name of a model shipped in a Python package, or a local directory.",
    )
    host: str = Field("127.0.0.1", min_length=1, description="Address the web server listens on.")
    port: int = Field(7860, ge=1, le=65535, description="Port the web server listens on.")
    company_name: str = Field("our shop", min_length=1, max_length=80, description="Shown on the chat page.")
    max_upload_mb: float = Field(50.0, gt=0, le=2048, description="Largest transcript file accepted, in MB.")
    mask_pii: bool = Field(True, description="Mask emails, phone and card numbers in ingested text.")
    strict_ingest: bool = Field(
        True, description="Reject a whole file on its first bad record (false: skip bad records and report)."
    )
    retrieval_threshold: float | None = Field(
        None,
        ge=-1,
        le=1,
        description="Lowest similarity at which a retrieved answer is given (default: calibrated by training;"
        " 0.5 for the untrained base encoder).",
    )
    intent_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Lowest calibrated intent confidence at which an intent is trusted (default: calibrated by"
        " training).",
    )
    ambiguity_margin: float = Field(
        0.1, ge=0, le=1, description="Top-two intents closer than this margin make the bot ask which one."
    )
    clarify_band: float = Field(
        0.1, ge=0, le=1, description="Retrieval scores this far below the threshold get a clarifying question."
    )
    retrieval_top_k: int = Field(5, ge=1, le=100, description="How many QA pairs retrieval returns.")
    templates_file: Path | None = Field(
        None, description="Answer templates (TOML); default DATA_DIR/templates.toml when it exists."
    )
    state_ttl_seconds: float = Field(
        1800, gt=0, description="A conversation idle longer than this forgets its slots and pending questions."
    )

    @property
    def db_path(self) -> Path:
        return self.data_dir / "chatbot.db"

    @property
    def indexes_dir(self) -> Path:
        return self.data_dir / "indexes"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


def load_settings(
    config_file: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults < TOML file < `CHATBOT_*` environment < `overrides` (command-line flags)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    fields = Settings.model_fields

    path = config_file or (Path(env["CHATBOT_CONFIG"]) if env.get("CHATBOT_CONFIG") else None)
    if path is None and DEFAULT_CONFIG_FILE.is_file():
        path = DEFAULT_CONFIG_FILE
    if path is not None:
        origin = " (named by CHATBOT_CONFIG)" if config_file is None and env.get("CHATBOT_CONFIG") else ""
        for key, value in _read_toml(path, origin).items():
            if key not in fields:
                raise ConfigError(f"{path}: unknown setting {key!r}; known settings: {', '.join(fields)}")
            values[key], sources[key] = value, f"{path} key {key!r}"

    for key in fields:
        name = ENV_PREFIX + key.upper()
        if name in env:
            values[key], sources[key] = env[name], f"environment variable {name}"

    for key, value in (overrides or {}).items():
        if value is not None:
            values[key], sources[key] = value, f"option --{key.replace('_', '-')}"

    try:
        return Settings(**values)
    except ValidationError as error:
        first = error.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "?"
        where = sources.get(key, "default")
        raise ConfigError(f"bad setting {key} from {where}: {first['msg']} (found {first.get('input')!r})") from None


def _read_toml(path: Path, origin: str = "") -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"settings file not found: {path}{origin}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the settings file: {error}") from None
