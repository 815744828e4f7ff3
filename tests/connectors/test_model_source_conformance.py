"""The ModelSource conformance suite: every connection type that is a model source passes the same checks.

Each case is a real upstream (`conformance_cases.py`) holding the same five rows; the checks are the
protocol's promises: described fields with Arrow types, batches that match the description and stay
within `batch_rows`, primary keys of tables, and refusals in categories.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from syncline.connectors.errors import ConnectorError, ErrorCategory
from syncline.connectors.protocols import Relation
from tests.connectors.conformance_cases import NAMES, ROWS, Case


def test_every_model_source_type_is_in_the_suite() -> None:
    from syncline.connectors import all_connection_types

    assert {t.id for t in all_connection_types() if t.model_source is not None} == {
        "postgresql",
        "duckdb",
        "salesforce",
    }


def test_a_query_is_described_with_arrow_types(case: Case) -> None:
    described = case.source.describe(Relation.of_query(case.query))
    assert [f.name for f in described.fields] == list(case.types)
    assert {f.name: f.type for f in described.fields} == case.types


def test_batches_match_the_description_and_stay_within_batch_rows(case: Case) -> None:
    schema = case.source.describe(Relation.of_query(case.query)).arrow_schema()
    batches = list(case.source.stream(Relation.of_query(case.query), batch_rows=2))
    assert [b.num_rows for b in batches] == [2, 2, 1]
    for batch in batches:
        assert batch.schema.names == schema.names
        assert batch.schema.types == schema.types
    table = pa.Table.from_batches(batches)
    assert table.column(0).to_pylist() == NAMES


def test_values_round_trip_through_arrow(case: Case) -> None:
    table = pa.Table.from_batches(list(case.source.stream(Relation.of_query(case.query))))
    numbers = table.column(list(case.types)[1]).to_pylist()
    assert numbers == [i * 10 for i in range(ROWS)]
    assert pa.Table.from_pylist(table.to_pylist(), schema=table.schema).equals(table)


def test_a_table_is_described_with_its_primary_key_and_read_whole(case: Case) -> None:
    described = case.source.describe(Relation.of_table(case.table))
    assert described.primary_key == case.primary_key
    assert set(case.primary_key) <= {f.name for f in described.fields}
    rows = sum(b.num_rows for b in case.source.stream(Relation.of_table(case.table), batch_rows=3))
    assert rows == ROWS


def test_a_refused_query_is_a_request_error(case: Case) -> None:
    with pytest.raises(ConnectorError) as refused:
        list(case.source.stream(Relation.of_query(case.bad_query)))
    assert refused.value.category is ErrorCategory.REQUEST
    assert str(refused.value)
