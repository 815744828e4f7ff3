"""The query runner's preview: the first rows of a query, capped in rows and in bytes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from syncline.connectors import ConnectorContext, get_connection_type
from syncline.connectors.protocols import ModelSource
from syncline.runtime.preview import preview

DUCKDB = get_connection_type("duckdb")
QUERY = "SELECT range AS n, 'row ' || range AS label, DATE '2024-01-15' + range::INT AS day FROM numbers"


@pytest.fixture
def source(tmp_path: Path) -> ModelSource:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        conn.execute("CREATE TABLE numbers AS SELECT range FROM range(5000)")
    return DUCKDB.open_model_source(DUCKDB.validate_config({"path": "w.duckdb"}), ConnectorContext(tmp_path))


def test_rows_are_json_safe_and_in_query_order(source: ModelSource) -> None:
    kept = preview(source, QUERY + " ORDER BY n", max_rows=3, max_bytes=1 << 20)
    assert kept.fields == ["n", "label", "day"]
    assert kept.rows == [
        {"n": 0, "label": "row 0", "day": "2024-01-15"},
        {"n": 1, "label": "row 1", "day": "2024-01-16"},
        {"n": 2, "label": "row 2", "day": "2024-01-17"},
    ]
    assert kept.truncated


def test_the_whole_result_when_it_fits(source: ModelSource) -> None:
    kept = preview(source, QUERY, max_rows=10_000, max_bytes=1 << 20)
    assert len(kept.rows) == 5000
    assert not kept.truncated


def test_the_byte_cap_stops_before_the_row_cap(source: ModelSource) -> None:
    kept = preview(source, QUERY + " ORDER BY n", max_rows=10_000, max_bytes=1_000)
    assert kept.truncated
    assert 0 < len(kept.rows) < 100
    assert kept.size <= 1_000
    assert kept.size == sum(len(json.dumps(row).encode()) for row in kept.rows)
