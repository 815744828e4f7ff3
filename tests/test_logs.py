"""Structured logging: secrets scrubbed from every line, one JSON object per record."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from syncline.logs import REDACTED, JsonFormatter, SecretRegistry, secrets


@pytest.fixture
def registry() -> SecretRegistry:
    return SecretRegistry()


@pytest.fixture
def json_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger whose records go through JsonFormatter into a string buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(f"syncline.test.{uuid.uuid4().hex[:8]}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def lines_of(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def unique_secret() -> str:
    return f"s3cret-{uuid.uuid4().hex}"


# --- SecretRegistry ----------------------------------------------------------------------------


def test_registered_value_is_scrubbed_wherever_it_appears(registry: SecretRegistry) -> None:
    registry.add("hunter2-hunter2")

    scrubbed = registry.scrub("login failed for hunter2-hunter2 (tried hunter2-hunter2 twice)")

    assert scrubbed == f"login failed for {REDACTED} (tried {REDACTED} twice)"


def test_unregistered_text_is_left_alone(registry: SecretRegistry) -> None:
    registry.add("hunter2-hunter2")

    assert registry.scrub("synced 42 rows from public.users") == "synced 42 rows from public.users"


def test_short_values_are_not_registered(registry: SecretRegistry) -> None:
    registry.add("abc")
    registry.add("")

    assert registry.scrub("abc is a word") == "abc is a word"


def test_non_string_values_are_ignored(registry: SecretRegistry) -> None:
    registry.add(1234567)
    registry.add(None)

    assert registry.scrub("port 1234567") == "port 1234567"


def test_longer_secret_is_scrubbed_whole_when_it_contains_a_shorter_one(registry: SecretRegistry) -> None:
    registry.add("abcdef")
    registry.add("abcdef-and-more")

    assert registry.scrub("key abcdef-and-more") == f"key {REDACTED}"


def test_registered_non_ascii_value_is_scrubbed(registry: SecretRegistry) -> None:
    registry.add("pässwörd-123")

    assert registry.scrub("using pässwörd-123") == f"using {REDACTED}"


@pytest.mark.parametrize(
    "header",
    ["Authorization: Bearer sl_abc.DEF-123_xyz", "authorization: bearer sl_abc.DEF-123_xyz"],
)
def test_bearer_token_is_scrubbed_without_registration(registry: SecretRegistry, header: str) -> None:
    scrubbed = registry.scrub(header)

    assert "sl_abc.DEF-123_xyz" not in scrubbed
    assert scrubbed.endswith(REDACTED)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password=hunter2 user=bob", f"password={REDACTED} user=bob"),
        ("PASSWORD: hunter2", f"PASSWORD: {REDACTED}"),
        ('{"password": "hunter2", "port": 5432}', f'{{"password": "{REDACTED}", "port": 5432}}'),
        ("client_secret=abc123&grant_type=refresh", f"client_secret={REDACTED}&grant_type=refresh"),
        ("api_key='k-123'", f"api_key='{REDACTED}'"),
    ],
)
def test_password_like_assignments_are_scrubbed(registry: SecretRegistry, text: str, expected: str) -> None:
    assert registry.scrub(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://bob:hunter2@db.example.com:5432/app",
            f"postgresql://bob:{REDACTED}@db.example.com:5432/app",
        ),
        ("https://user:p%40ss@example.com/x", f"https://user:{REDACTED}@example.com/x"),
    ],
)
def test_url_password_is_scrubbed(registry: SecretRegistry, url: str, expected: str) -> None:
    assert registry.scrub(f"connecting to {url}") == f"connecting to {expected}"


def test_url_without_password_is_left_alone(registry: SecretRegistry) -> None:
    text = "fetching https://example.com:8443/path and postgresql://bob@db/app"

    assert registry.scrub(text) == text


# --- JsonFormatter -----------------------------------------------------------------------------


def test_each_record_is_one_json_object_per_line(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log

    logger.info("first")
    logger.warning("second\nspans two lines")

    records = lines_of(stream)
    assert [r["message"] for r in records] == ["first", "second\nspans two lines"]
    assert [r["level"] for r in records] == ["info", "warning"]
    assert {r["logger"] for r in records} == {logger.name}


def test_record_has_time_level_logger_and_message(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log

    logger.error("sync %s failed after %d rows", "s1", 42)

    (record,) = lines_of(stream)
    assert record["message"] == "sync s1 failed after 42 rows"
    assert record["level"] == "error"
    assert record["time"].endswith("+00:00")
    assert list(record)[:4] == ["time", "level", "logger", "message"]


def test_extras_become_top_level_fields(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log

    logger.info(
        "request",
        extra={
            "method": "POST",
            "path": "/api/connections",
            "status": 200,
            "duration_ms": 1.5,
            "tags": ["a", "b"],
        },
    )

    (record,) = lines_of(stream)
    assert record["method"] == "POST"
    assert record["path"] == "/api/connections"
    assert record["status"] == 200
    assert record["duration_ms"] == 1.5
    assert record["tags"] == ["a", "b"]
    assert "args" not in record
    assert "levelno" not in record


def test_non_json_extra_is_written_as_text(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log

    logger.info("scheduled", extra={"next_run": datetime(2025, 1, 31, 12, 0, tzinfo=UTC)})

    (record,) = lines_of(stream)
    assert record["next_run"] == "2025-01-31 12:00:00+00:00"


def test_exception_is_kept_on_the_same_line(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("unhandled error")

    (record,) = lines_of(stream)
    assert record["message"] == "unhandled error"
    assert "RuntimeError: boom" in record["exception"]
    assert "Traceback" in record["exception"]


def test_registered_secret_is_scrubbed_from_message_and_extras(
    json_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = json_log
    secret = unique_secret()
    secrets.add(secret)

    logger.info("upstream said: bad token %s", secret, extra={"detail": {"token_seen": secret}})

    output = stream.getvalue()
    assert secret not in output
    (record,) = lines_of(stream)
    assert record["message"] == f"upstream said: bad token {REDACTED}"
    assert record["detail"] == {"token_seen": REDACTED}


def test_registered_secret_is_scrubbed_from_exceptions(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log
    secret = unique_secret()
    secrets.add(secret)

    try:
        raise ValueError(f"could not log in with {secret}")
    except ValueError:
        logger.exception("check failed")

    assert secret not in stream.getvalue()
    assert REDACTED in lines_of(stream)[0]["exception"]


def test_password_extra_is_scrubbed(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log

    logger.info(
        "connecting",
        extra={
            "password": "hunter2",
            "dsn": "postgresql://bob:hunter2@db/app",
            "headers": {"Authorization": "Bearer sl_live_abc123"},
        },
    )

    output = stream.getvalue()
    assert "hunter2" not in output
    assert "sl_live_abc123" not in output
    (record,) = lines_of(stream)
    assert record["password"] == REDACTED
    assert record["dsn"] == f"postgresql://bob:{REDACTED}@db/app"


def test_password_extra_with_spaces_is_scrubbed_whole(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log

    logger.info("connecting", extra={"password": "correct horse battery staple"})

    assert "horse battery staple" not in stream.getvalue()


@pytest.mark.parametrize("suffix", ["pässwörd", 'with"quote', "back\\slash"])
def test_registered_secret_with_escaped_characters_is_scrubbed(
    json_log: tuple[logging.Logger, io.StringIO], suffix: str
) -> None:
    logger, stream = json_log
    secret = f"{unique_secret()}-{suffix}"
    secrets.add(secret)

    logger.info("upstream rejected %s", secret)

    (record,) = lines_of(stream)
    assert record["message"] == f"upstream rejected {REDACTED}"


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        pytest.param('password: "has space"', "space", id="quoted-free-text-with-space"),
        pytest.param("{'client_secret': 'two words'}", "words", id="single-quoted-with-space"),
        pytest.param("postgresql://bob:hun@ter2@db/app", "ter2", id="url-password-with-at-sign"),
    ],
)
def test_free_text_secrets_are_masked_whole(text: str, leak: str) -> None:
    scrubbed = secrets.scrub(text)
    assert leak not in scrubbed
    assert REDACTED in scrubbed
