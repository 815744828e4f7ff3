"""User SQL on DuckDB cannot reach the file system, the network or DuckDB's settings (issue 8, item 1).

The data dir beside the organization's database holds what an attacker wants: the deployment's secret key
and another organization's warehouse. Every query below was shown to work before the sandbox.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from syncline.connectors import ConnectorContext, get_connection_type
from syncline.connectors.errors import ErrorCategory, QueryFailed
from syncline.connectors.protocols import ModelSource, Relation

DUCKDB = get_connection_type("duckdb")
SECRET = "deployment-secret-key-material"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "secret.key").write_text(SECRET)
    with duckdb.connect(str(tmp_path / "mine.duckdb")) as conn:
        conn.execute("CREATE TABLE accounts AS SELECT 'Acme' AS name")
    with duckdb.connect(str(tmp_path / "theirs.duckdb")) as conn:
        conn.execute("CREATE TABLE secrets AS SELECT 'their data' AS value")
    return tmp_path


@pytest.fixture
def source(data_dir: Path) -> ModelSource:
    config = DUCKDB.validate_config({"path": "mine.duckdb"})
    return DUCKDB.open_model_source(config, ConnectorContext(data_dir=data_dir))


def run(source: ModelSource, sql: str) -> list[dict[str, object]]:
    return [row for batch in source.stream(Relation.of_query(sql)) for row in batch.to_pylist()]


ATTACKS = {
    "read_text": "SELECT content FROM read_text('{dir}/secret.key')",
    "read_csv": "SELECT * FROM read_csv('{dir}/secret.key')",
    "read_blob": "SELECT content FROM read_blob('{dir}/secret.key')",
    "glob": "SELECT * FROM glob('{dir}/*')",
    "copy_to": "COPY (SELECT 1) TO '{dir}/dropped.pth'",
    "attach": "ATTACH '{dir}/theirs.duckdb' AS theirs",
    "install_from": "INSTALL httpfs FROM 'http://127.0.0.1:9/'",
    "load": "LOAD httpfs",
    "set": "SET enable_external_access = true",
    "pragma": "PRAGMA enable_profiling",
    "two_statements": "SELECT 1; SELECT content FROM read_text('{dir}/secret.key')",
    "attach_then_read": "ATTACH '{dir}/theirs.duckdb' AS t; SELECT * FROM t.secrets",
}


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_user_sql_cannot_leave_its_database(source: ModelSource, data_dir: Path, attack: str) -> None:
    with pytest.raises(QueryFailed) as refused:
        run(source, ATTACKS[attack].format(dir=data_dir))
    assert refused.value.category is ErrorCategory.REQUEST
    assert SECRET not in str(refused.value)
    assert not (data_dir / "dropped.pth").exists()


def test_its_own_tables_still_answer(source: ModelSource) -> None:
    assert run(source, "SELECT name FROM accounts") == [{"name": "Acme"}]
    assert run(source, "WITH a AS (SELECT 1 AS one) SELECT * FROM a") == [{"one": 1}]
