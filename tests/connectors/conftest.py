from __future__ import annotations

import pathlib

import pytest

from syncline.connectors import ConnectorContext


@pytest.fixture
def ctx(tmp_path: pathlib.Path) -> ConnectorContext:
    return ConnectorContext(data_dir=tmp_path)


# The conformance suites' upstreams (fixtures: `case` and one per connection type).
from tests.connectors.conformance_cases import (  # noqa: E402, F401
    case,
    duckdb_case,
    postgresql_case,
    salesforce_case,
    sfemu_server,
    sfemu_server_factory,
)
