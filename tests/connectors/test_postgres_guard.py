"""User SQL on PostgreSQL stays one read-only query whatever it says (issue 8, item 3).

Each attack below ran on main before the guard: `COPY … TO PROGRAM` even ran a shell command as the
database server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from syncline.connectors import ConnectorContext, get_connection_type
from syncline.connectors.errors import ErrorCategory, QueryFailed
from syncline.connectors.postgres.guard import first_word
from syncline.connectors.protocols import ModelSource, Relation
from tests.conftest import PG_ADMIN_URL

POSTGRESQL = get_connection_type("postgresql")
CONFIG = {"hostname": "127.0.0.1", "username": "postgres", "password": "", "database": "test", "ssl": False}


@pytest.fixture
def source(tmp_path: Path) -> ModelSource:
    return POSTGRESQL.open_model_source(
        POSTGRESQL.validate_config(CONFIG), ConnectorContext(data_dir=tmp_path)
    )


@pytest.fixture
def victim() -> Iterator[str]:
    """A table the attacks try to write to; it must stay empty."""
    name = f"guard_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {name} (x int)")
    yield name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {name}")


def rows(source: ModelSource, sql: str) -> list[dict[str, object]]:
    return [row for batch in source.stream(Relation.of_query(sql)) for row in batch.to_pylist()]


ATTACKS = {
    "set_read_write": "SET TRANSACTION READ WRITE; INSERT INTO {t} VALUES (1)",
    "commit_then_write": "COMMIT; INSERT INTO {t} VALUES (1)",
    "two_statements": "SELECT 1; INSERT INTO {t} VALUES (1)",
    "insert": "INSERT INTO {t} VALUES (1)",
    "cte_write": "WITH w AS (INSERT INTO {t} VALUES (1) RETURNING x) SELECT * FROM w",
    "set": "SET statement_timeout = 0",
    "reset": "RESET ALL",
    "begin": "BEGIN READ WRITE",
    "do": "DO $$ BEGIN INSERT INTO {t} VALUES (1); END $$",
    "call": "CALL nothing()",
    "commented_copy": "/* a /* nested */ comment */ -- and a line\n COPY (SELECT 1) TO PROGRAM 'true'",
}


@pytest.mark.postgres
@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_user_sql_cannot_write_or_leave_its_transaction(
    source: ModelSource, victim: str, attack: str
) -> None:
    with pytest.raises(QueryFailed) as refused:
        rows(source, ATTACKS[attack].format(t=victim))
    assert refused.value.category is ErrorCategory.REQUEST
    with psycopg.connect(PG_ADMIN_URL) as conn:
        assert conn.execute(f"SELECT count(*) FROM {victim}").fetchone() == (0,)


@pytest.mark.postgres
def test_copy_to_program_is_refused_before_it_is_sent(source: ModelSource) -> None:
    marker = Path("/tmp") / f"syncline-guard-{uuid.uuid4().hex}"
    with pytest.raises(QueryFailed, match="COPY is not run here"):
        rows(source, f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'")
    assert not marker.exists()


@pytest.mark.postgres
def test_queries_still_run(source: ModelSource) -> None:
    assert rows(source, "-- a comment\n(SELECT 1 AS one)") == [{"one": 1}]
    assert rows(source, "WITH a AS (SELECT 2 AS two) SELECT * FROM a") == [{"two": 2}]
    assert rows(source, "VALUES (3)") == [{"column1": 3}]


@pytest.mark.parametrize(
    ("sql", "word"),
    [
        ("select 1", "select"),
        ("  (( SELECT 1))", "select"),
        ("/* x */ /* y /* z */ */ copy t to stdout", "copy"),
        ("-- line\n--more\nWITH a AS (SELECT 1) SELECT 1", "with"),
        ("", ""),
        ("/* unterminated", ""),
    ],
)
def test_the_first_word_skips_comments_and_parentheses(sql: str, word: str) -> None:
    assert first_word(sql) == word
