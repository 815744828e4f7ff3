from __future__ import annotations

from typing import Any

import pytest

from syncline.connectors import ConfigurationInvalid, get_connection_type


def errors_of(type_id: str, raw: Any) -> dict[str, str]:
    """The field errors `validate_config` raises for `raw`, as {field: message}."""
    with pytest.raises(ConfigurationInvalid) as info:
        get_connection_type(type_id).validate_config(raw)
    return {error.field: error.message for error in info.value.errors}
