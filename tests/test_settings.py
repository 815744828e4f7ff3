"""Settings: defaults, parsing of every SYNCLINE_* variable, all bad values reported at once, masking."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from syncline.settings import MASK, Settings, SettingsError, mask_url, unknown_variables, variable

API_KEY = "sl_settings_test_key_0123456789"
PG_URL = "postgresql+psycopg://sync:hunter2-pw@db.internal:5432/syncline"


def test_defaults_work_on_a_laptop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.data_dir == tmp_path / ".syncline"
    assert settings.database_url == f"sqlite:///{tmp_path / '.syncline' / 'syncline.db'}"
    assert (settings.api_key, settings.secret_key) == (None, None)
    assert (settings.salesforce_client_id, settings.salesforce_client_secret) == (None, None)
    assert (settings.db_pool_size, settings.db_max_overflow) == (5, 10)
    assert settings.job_workers == 4
    assert (settings.job_heartbeat_seconds, settings.job_stale_after_seconds) == (10, 60)
    assert (settings.query_max_rows, settings.query_max_bytes) == (10_000, 16 * 1024 * 1024)
    assert settings.statement_timeout_seconds == 30
    assert settings.proxy_rate_limit_per_minute == 60
    assert settings.proxy_org_rate_limit_per_minute == 600
    assert settings.proxy_timeout_ms == 30_000
    assert {origin for _, _, origin in settings.entries()} == {"default"}


def test_database_url_follows_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"SYNCLINE_DATA_DIR": str(tmp_path / "state")})
    assert settings.data_dir == tmp_path / "state"
    assert settings.database_url == f"sqlite:///{tmp_path / 'state' / 'syncline.db'}"
    assert settings.origin("database_url") == "default"


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("db_pool_size", "20", 20),
        ("db_max_overflow", "0", 0),
        ("job_workers", "8", 8),
        ("job_heartbeat_seconds", "5", 5),
        ("job_stale_after_seconds", "300", 300),
        ("query_max_rows", "500", 500),
        ("query_max_bytes", "1048576", 1024 * 1024),
        ("statement_timeout_seconds", "120", 120),
        ("proxy_rate_limit_per_minute", "3", 3),
        ("proxy_org_rate_limit_per_minute", "5", 5),
        ("proxy_timeout_ms", "500", 500),
        ("database_url", PG_URL, PG_URL),
        ("api_key", API_KEY, API_KEY),
        ("salesforce_client_id", "3MVG9.app", "3MVG9.app"),
    ],
)
def test_each_variable_is_read(name: str, raw: str, expected: object) -> None:
    settings = Settings.from_env({variable(name): raw, "SYNCLINE_SECRET_KEY": Fernet.generate_key().decode()})
    assert getattr(settings, name) == expected
    assert settings.origin(name) == "environment"


def test_secret_key_and_salesforce_app_are_read() -> None:
    key = Fernet.generate_key().decode()
    settings = Settings.from_env(
        {
            "SYNCLINE_SECRET_KEY": key,
            "SYNCLINE_SALESFORCE_CLIENT_ID": "3MVG9.app",
            "SYNCLINE_SALESFORCE_CLIENT_SECRET": "app-secret-value",
        }
    )
    assert settings.secret_key == key
    assert settings.salesforce_client_secret == "app-secret-value"


def test_empty_values_count_as_unset() -> None:
    settings = Settings.from_env({"SYNCLINE_API_KEY": "", "SYNCLINE_PROXY_TIMEOUT_MS": ""})
    assert settings.api_key is None
    assert settings.proxy_timeout_ms == 30_000
    assert settings.origin("proxy_timeout_ms") == "default"


def test_the_process_environment_is_read_when_no_mapping_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCLINE_JOB_WORKERS", "7")
    assert Settings.from_env().job_workers == 7
    assert Settings.from_env({}).job_workers == 4  # an explicit mapping is all that is read


def test_a_bad_number_names_the_variable_and_the_value() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"SYNCLINE_PROXY_TIMEOUT_MS": "abc"})
    assert caught.value.problems == [
        "SYNCLINE_PROXY_TIMEOUT_MS: must be a whole number greater than 0 and at most 600000, got 'abc'"
    ]


def test_every_bad_value_is_reported_at_once() -> None:
    bad = {
        "SYNCLINE_DB_POOL_SIZE": "0",
        "SYNCLINE_DB_MAX_OVERFLOW": "-1",
        "SYNCLINE_JOB_WORKERS": "1.5",
        "SYNCLINE_JOB_HEARTBEAT_SECONDS": "often",
        "SYNCLINE_JOB_STALE_AFTER_SECONDS": "0",
        "SYNCLINE_QUERY_MAX_ROWS": "10000000",
        "SYNCLINE_QUERY_MAX_BYTES": "12",
        "SYNCLINE_STATEMENT_TIMEOUT_SECONDS": "true",
        "SYNCLINE_PROXY_RATE_LIMIT_PER_MINUTE": "many",
        "SYNCLINE_PROXY_ORG_RATE_LIMIT_PER_MINUTE": "0",
        "SYNCLINE_PROXY_TIMEOUT_MS": "abc",
        "SYNCLINE_DATABASE_URL": "mysql://root:pw-123456@db/sync",
        "SYNCLINE_API_KEY": "short",
        "SYNCLINE_SECRET_KEY": "not-a-fernet-key",
        "SYNCLINE_SALESFORCE_CLIENT_SECRET": "secret-without-app",
    }
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({**bad, "SYNCLINE_DATA_DIR": "/tmp"})
    lines = str(caught.value).splitlines()
    assert lines == caught.value.problems
    assert sorted(line.split(":", 1)[0] for line in lines) == sorted(bad)
    assert "SYNCLINE_JOB_WORKERS: must be a whole number greater than 0 and at most 64, got '1.5'" in lines
    assert (
        "SYNCLINE_QUERY_MAX_BYTES: must be a whole number of at least 1024 and at most 1073741824, got '12'"
    ) in lines


def test_stale_after_must_exceed_the_heartbeat() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"SYNCLINE_JOB_HEARTBEAT_SECONDS": "30", "SYNCLINE_JOB_STALE_AFTER_SECONDS": "30"})
    assert caught.value.problems == [
        "SYNCLINE_JOB_STALE_AFTER_SECONDS: must be greater than SYNCLINE_JOB_HEARTBEAT_SECONDS (30), got '30'"
    ]
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"SYNCLINE_JOB_HEARTBEAT_SECONDS": "120"})
    assert caught.value.problems[0].endswith("got the default 60")


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(SettingsError, match=r"^SYNCLINE_DATA_DIR: must be a directory"):
        Settings.from_env({"SYNCLINE_DATA_DIR": str(tmp_path / "file")})


def test_bad_secrets_are_reported_without_their_values() -> None:
    env = {
        "SYNCLINE_API_KEY": " sl_padded_key_0123456789",
        "SYNCLINE_SECRET_KEY": "my-handmade-secret-key",
        "SYNCLINE_DATABASE_URL": "oracle://scott:tiger-pw-42@db/orcl",
    }
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    message = str(caught.value)
    assert message.count("\n") == 2
    for value in ("sl_padded_key_0123456789", "my-handmade-secret-key", "tiger-pw-42"):
        assert value not in message
    assert f"oracle://scott:{MASK}@db/orcl" in message


def test_settings_never_print_secrets() -> None:
    key = Fernet.generate_key().decode()
    settings = Settings.from_env(
        {
            "SYNCLINE_API_KEY": API_KEY,
            "SYNCLINE_SECRET_KEY": key,
            "SYNCLINE_DATABASE_URL": PG_URL,
            "SYNCLINE_SALESFORCE_CLIENT_ID": "3MVG9.app",
            "SYNCLINE_SALESFORCE_CLIENT_SECRET": "app-secret-value",
        }
    )
    shown = {name: value for name, value, _ in settings.entries()}
    for text in (repr(settings), str(settings), "\n".join(shown.values())):
        for secret in (API_KEY, key, "hunter2-pw", "app-secret-value"):
            assert secret not in text
    assert shown["SYNCLINE_API_KEY"] == shown["SYNCLINE_SECRET_KEY"] == MASK
    assert shown["SYNCLINE_SALESFORCE_CLIENT_SECRET"] == MASK
    assert shown["SYNCLINE_SALESFORCE_CLIENT_ID"] == "3MVG9.app"
    assert shown["SYNCLINE_DATABASE_URL"] == f"postgresql+psycopg://sync:{MASK}@db.internal:5432/syncline"
    assert set(settings.secret_values()) == {API_KEY, key, "app-secret-value", "hunter2-pw"}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://u:p%40ss@h/db", f"postgresql+psycopg://u:{MASK}@h/db"),
        ("postgresql+psycopg://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("sqlite:////var/lib/syncline/syncline.db", "sqlite:////var/lib/syncline/syncline.db"),
        ("not a url with a password", MASK),
    ],
)
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(ValidationError):
        settings.job_workers = 9  # type: ignore[misc]


def test_unknown_variables_are_listed() -> None:
    env = {"SYNCLINE_PROXY_TIMEOUT": "5", "SYNCLINE_JOB_WORKERS": "2", "HOME": "/root"}
    assert unknown_variables(env) == ["SYNCLINE_PROXY_TIMEOUT"]


def test_a_postgres_store_needs_a_secret_key() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"SYNCLINE_DATABASE_URL": PG_URL})
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(
        "SYNCLINE_SECRET_KEY: required when SYNCLINE_DATABASE_URL is PostgreSQL"
    )
    assert "got the default" not in caught.value.problems[0]
    key = Fernet.generate_key().decode()
    assert Settings.from_env({"SYNCLINE_DATABASE_URL": PG_URL, "SYNCLINE_SECRET_KEY": key}).secret_key == key
    assert Settings.from_env({}).secret_key is None  # SQLite generates its own key file
