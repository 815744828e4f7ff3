"""PostgreSQL as a ModelSource, beyond the conformance suite: what only a big result shows."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from syncline.connectors import ConnectorContext, get_connection_type
from syncline.connectors.errors import QueryFailed
from syncline.connectors.protocols import Relation
from syncline.runtime.preview import preview
from tests.conftest import PG_ADMIN_URL

POSTGRESQL = get_connection_type("postgresql")
CONFIG = {"hostname": "127.0.0.1", "username": "postgres", "password": "", "database": "test", "ssl": False}
# Far more than the socket buffers hold: the server is still sending when the reader stops.
BIG = "SELECT n, md5(n::text) AS h FROM generate_series(1, 2000000) AS n"
FAILURE_BOUND_SECONDS = 60  # only bounds a hang; a working stop takes well under a second


def source(tmp_path: Path):
    config = POSTGRESQL.validate_config(CONFIG)
    return POSTGRESQL.open_model_source(config, ConnectorContext(data_dir=tmp_path))


def active_queries() -> list[str]:
    with psycopg.connect(PG_ADMIN_URL) as conn:
        rows = conn.execute(
            "SELECT query FROM pg_stat_activity WHERE application_name = 'syncline' AND state = 'active'"
        ).fetchall()
    return [row[0] for row in rows if "generate_series(1, 2000000)" in row[0]]


@pytest.mark.postgres
def test_a_reader_that_stops_early_cancels_the_query_and_returns(tmp_path: Path) -> None:
    kept: list[int] = []

    def read_first_rows() -> None:
        result = preview(source(tmp_path), BIG, max_rows=10_000, max_bytes=1 << 30)
        kept.append(len(result.rows))

    reader = threading.Thread(target=read_first_rows, daemon=True)
    reader.start()
    reader.join(FAILURE_BOUND_SECONDS)
    assert not reader.is_alive(), "the preview hung after it had its rows"
    assert kept == [10_000]
    assert active_queries() == []  # the server is not left sending rows to no one


@pytest.mark.postgres
def test_statement_timeout_bounds_a_query(tmp_path: Path) -> None:
    config = POSTGRESQL.validate_config(CONFIG)
    slow = POSTGRESQL.open_model_source(config, ConnectorContext(data_dir=tmp_path, statement_timeout=0.2))
    with pytest.raises(QueryFailed, match="statement timeout"):
        list(slow.stream(Relation.of_query("SELECT pg_sleep(30)")))
