from __future__ import annotations

import pathlib

import pytest

from syncline.connectors import ConnectorContext


@pytest.fixture
def ctx(tmp_path: pathlib.Path) -> ConnectorContext:
    return ConnectorContext(data_dir=tmp_path)
