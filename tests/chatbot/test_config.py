"""Settings: defaults < TOML file < CHATBOT_* environment < overrides, with clear errors (chatbot.config)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chatbot.config import Settings, load_settings
from chatbot.errors import ConfigError


@pytest.fixture(autouse=True)
def empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory, so no ./chatbot.toml is picked up unless a test writes one."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def toml(tmp_path: Path, text: str, name: str = "settings.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    settings = load_settings(env={})
    assert settings == Settings()
    assert (settings.host, settings.port, settings.data_dir) == ("127.0.0.1", 7860, Path("var"))
    assert (settings.mask_pii, settings.strict_ingest, settings.max_upload_mb) == (True, True, 50.0)
    assert (settings.retrieval_threshold, settings.intent_threshold, settings.retrieval_top_k) == (None, None, 5)


def test_toml_file_overrides_defaults(tmp_path: Path) -> None:
    path = toml(tmp_path, 'port = 8080\ndata_dir = "/srv/bot"\nmask_pii = false\nretrieval_threshold = 0.7\n')
    settings = load_settings(path, env={})
    assert (settings.port, settings.data_dir, settings.mask_pii) == (8080, Path("/srv/bot"), False)
    assert settings.retrieval_threshold == 0.7
    assert settings.host == "127.0.0.1"  # untouched settings keep their defaults


def test_environment_beats_toml(tmp_path: Path) -> None:
    path = toml(tmp_path, 'port = 8080\nhost = "0.0.0.0"\n')
    settings = load_settings(path, env={"CHATBOT_PORT": "9000"})
    assert (settings.port, settings.host) == (9000, "0.0.0.0")


def test_environment_values_are_parsed_to_their_types() -> None:
    settings = load_settings(env={"CHATBOT_MASK_PII": "false", "CHATBOT_MAX_UPLOAD_MB": "0.5"})
    assert settings.mask_pii is False
    assert settings.max_upload_bytes == 512 * 1024


def test_unrelated_environment_variables_are_ignored() -> None:
    assert load_settings(env={"PORT": "1", "CHATBOT_UNKNOWN": "x", "HOME": "/root"}) == Settings()


def test_overrides_beat_environment(tmp_path: Path) -> None:
    path = toml(tmp_path, "port = 8080\n")
    settings = load_settings(path, env={"CHATBOT_PORT": "9000"}, overrides={"port": 9100})
    assert settings.port == 9100


def test_overrides_left_unset_do_not_replace_anything() -> None:
    settings = load_settings(env={"CHATBOT_PORT": "9000"}, overrides={"port": None, "host": None})
    assert (settings.port, settings.host) == (9000, "127.0.0.1")


def test_chatbot_config_variable_selects_the_file(tmp_path: Path) -> None:
    path = toml(tmp_path, "port = 8123\n", name="elsewhere.toml")
    assert load_settings(env={"CHATBOT_CONFIG": str(path)}).port == 8123


def test_explicit_file_beats_chatbot_config_variable(tmp_path: Path) -> None:
    chosen = toml(tmp_path, "port = 8001\n", name="chosen.toml")
    other = toml(tmp_path, "port = 8002\n", name="other.toml")
    assert load_settings(chosen, env={"CHATBOT_CONFIG": str(other)}).port == 8001


def test_chatbot_toml_in_the_working_directory_is_read(empty_cwd: Path) -> None:
    toml(empty_cwd, "port = 8555\n", name="chatbot.toml")
    assert load_settings(env={}).port == 8555


def test_paths_derive_from_data_dir(tmp_path: Path) -> None:
    settings = load_settings(env={"CHATBOT_DATA_DIR": str(tmp_path / "data")})
    assert settings.db_path == tmp_path / "data" / "chatbot.db"
    assert settings.indexes_dir == tmp_path / "data" / "indexes"
    assert settings.models_dir == tmp_path / "data" / "models"
    assert settings.uploads_dir == tmp_path / "data" / "uploads"
    assert settings.max_upload_bytes == 50 * 1024 * 1024


def test_settings_are_frozen() -> None:
    settings = load_settings(env={})
    with pytest.raises(ValueError, match="frozen"):
        settings.port = 1  # type: ignore[misc]


# -- bad values name the setting and where it came from ---------------------------------------------------


def test_port_zero_from_toml_names_the_file_and_key(tmp_path: Path) -> None:
    path = toml(tmp_path, "port = 0\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    message = str(caught.value)
    assert message.startswith(f"bad setting port from {path} key 'port': ")
    assert "greater than or equal to 1" in message and "(found 0)" in message


def test_port_zero_from_an_override_names_the_option() -> None:
    with pytest.raises(ConfigError, match=r"bad setting port from option --port: .*\(found 0\)"):
        load_settings(env={}, overrides={"port": 0})


def test_non_numeric_port_names_the_environment_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"CHATBOT_PORT": "abc"})
    message = str(caught.value)
    assert message.startswith("bad setting port from environment variable CHATBOT_PORT: ")
    assert "valid integer" in message and "(found 'abc')" in message


def test_retrieval_threshold_above_one_names_the_file_and_key(tmp_path: Path) -> None:
    path = toml(tmp_path, "retrieval_threshold = 2\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    message = str(caught.value)
    assert message.startswith(f"bad setting retrieval_threshold from {path} key 'retrieval_threshold': ")
    assert "less than or equal to 1" in message


def test_environment_error_is_blamed_on_the_environment_not_the_file(tmp_path: Path) -> None:
    path = toml(tmp_path, "port = 8080\n")
    with pytest.raises(ConfigError, match="from environment variable CHATBOT_PORT"):
        load_settings(path, env={"CHATBOT_PORT": "70000"})


def test_unknown_toml_key_raises(tmp_path: Path) -> None:
    path = toml(tmp_path, "prot = 8080\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    message = str(caught.value)
    assert message.startswith(f"{path}: unknown setting 'prot'")
    assert "known settings: data_dir, base_model, host, port" in message


def test_bad_toml_syntax_raises(tmp_path: Path) -> None:
    path = toml(tmp_path, "port = \n")
    with pytest.raises(ConfigError, match=f"^{re.escape(str(path))}: not valid TOML: .*line 1"):
        load_settings(path, env={})


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"settings file not found: {tmp_path / 'nope.toml'}")):
        load_settings(tmp_path / "nope.toml", env={})


def test_missing_file_named_by_chatbot_config_raises(tmp_path: Path) -> None:
    missing = tmp_path / "gone.toml"
    with pytest.raises(ConfigError, match=re.escape(str(missing))):
        load_settings(env={"CHATBOT_CONFIG": str(missing)})


def test_config_path_that_is_a_directory_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape(str(tmp_path))):
        load_settings(tmp_path, env={})


def test_toml_file_that_is_not_utf8_raises_config_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('base_model = "modèle"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        load_settings(path, env={})
