"""The one setting DuckDB and PostgreSQL bulk-sync destinations take from `destination_configuration`:
`schema`, the namespace tables go to. Each type says which names it accepts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from syncline.connectors.errors import ConfigurationInvalid, FieldError

__all__ = ["schema_option"]


def schema_option(
    options: Mapping[str, Any], *, default: str, valid: Callable[[str], bool], rule: str
) -> str:
    """`options["schema"]` (or `default`), after refusing keys other than `schema` and a name `valid`
    rejects (`rule` says what is allowed).

    Raises:
        ConfigurationInvalid: naming each unknown key, or `destination_configuration.schema`.
    """
    unknown = sorted(set(options) - {"schema"})
    if unknown:
        raise ConfigurationInvalid(
            [
                FieldError(
                    f"destination_configuration.{key}", "is not a setting of this destination (schema)"
                )
                for key in unknown
            ]
        )
    value = options.get("schema", default)
    if not isinstance(value, str) or not valid(value):
        raise ConfigurationInvalid([FieldError("destination_configuration.schema", rule)])
    return value
