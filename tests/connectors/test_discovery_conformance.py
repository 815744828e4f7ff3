"""The discovery conformance suite: every connection type that lists schemas passes the same checks.

The upstreams are those of `conformance_cases.py`; the checks are what the schema API and bulk syncs
rely on: schemas listed with and without fields, Polytomic field types, a primary key where the upstream
has one, samples bounded by their limit and shaped by the schema, unknown schemas as `not_found`.
"""

from __future__ import annotations

import pytest

from syncline.connectors import all_connection_types
from syncline.connectors.discovery import FIELD_TYPES, SourceDiscovery
from syncline.connectors.errors import ConnectorError, ErrorCategory
from tests.connectors.conformance_cases import ROWS, Case


def discovery_of(case: Case) -> SourceDiscovery:
    assert case.ctype.discovery is not None
    return case.ctype.discovery


def test_every_discovery_type_is_in_the_suite() -> None:
    listed = {t.id for t in all_connection_types() if t.discovery is not None}
    assert listed == {"postgresql", "duckdb", "salesforce"}


def test_schemas_are_listed_without_fields_unless_asked(case: Case) -> None:
    schemas = discovery_of(case).discover(case.config, case.ctx, include_fields=False)
    ids = [s.id for s in schemas]
    assert case.table in ids
    assert len(ids) == len(set(ids))
    assert all(s.fields is None and s.name for s in schemas)


def test_fields_carry_polytomic_types_and_the_primary_key(case: Case) -> None:
    schemas = discovery_of(case).discover(case.config, case.ctx, include_fields=True)
    schema = next(s for s in schemas if s.id == case.table)
    assert schema.fields
    ids = [f.id for f in schema.fields]
    assert len(ids) == len(set(ids))
    assert all(f.type in FIELD_TYPES and f.remote_type for f in schema.fields)
    assert tuple(f.id for f in schema.fields if f.is_primary_key) == case.primary_key


def test_a_sample_is_bounded_and_shaped_by_the_schema(case: Case) -> None:
    discovery = discovery_of(case)
    schema = next(
        s for s in discovery.discover(case.config, case.ctx, include_fields=True) if s.id == case.table
    )
    assert schema.fields is not None
    records = discovery.sample(case.config, case.ctx, case.table, 3, schema=schema)
    assert len(records) == 3 < ROWS
    assert all(set(record) <= {f.id for f in schema.fields} for record in records)


def test_an_unknown_schema_is_not_found(case: Case) -> None:
    with pytest.raises(ConnectorError) as missing:
        discovery_of(case).sample(case.config, case.ctx, "no_such_schema.nowhere", 1)
    assert missing.value.category is ErrorCategory.NOT_FOUND
