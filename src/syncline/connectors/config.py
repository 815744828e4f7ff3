"""How a connection type declares its settings.

A config model is a `ConnectionConfig` subclass whose fields are made with `setting()` or `secret()`,
plus an optional tuple of `When` rules for settings that are required only in some modes. The JSON
Schema (`schema.py`) and the validation messages (`validation.py`) are both derived from it, so a
setting is declared exactly once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import UnionType
from typing import Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError, PydanticUndefined

Widget = Literal["textarea", "file"]


class ConnectionConfig(BaseModel):
    """Base class of every connection type's configuration model.

    Unknown keys are rejected (`extra="forbid"`) so a typo such as `hostnme` is reported instead of
    silently ignored. Subclasses list conditional requirements in `rules`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: ClassVar[tuple[When, ...]] = ()

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_int(cls, value: Any, info: ValidationInfo) -> Any:
        # Pydantic's lax mode turns `true` into 1; for a port or a call cap that is a mistake.
        name = info.field_name
        if isinstance(value, bool) and name and unwrap_optional(cls.model_fields[name].annotation) is int:
            raise PydanticCustomError("int_type", "must be an integer")
        return value


@dataclass(frozen=True)
class When:
    """A rule that applies while the setting `field` holds one of `values`.

    Example: `When("ssh", (True,), require=("ssh_host", "ssh_private_key"))` makes both fields
    required when `ssh` is true. `minimum` adds lower bounds that apply only under the same condition.

    Attributes:
        field: The trigger setting.
        values: Trigger values (after coercion, so `"true"` counts as `True`).
        require: Settings that must then be present and non-blank.
        minimum: Lower bounds, by setting name, that must then hold.
    """

    field: str
    values: tuple[object, ...]
    require: tuple[str, ...] = ()
    minimum: Mapping[str, int] = dataclasses.field(default_factory=dict)


def setting(
    default: Any = PydanticUndefined,
    *,
    title: str | None = None,
    description: str | None = None,
    examples: list[Any] | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    min_length: int | None = None,
    sensitive: bool = False,
    password: bool = False,
    read_only: bool = False,
    hidden: bool = False,
    api_field: bool = False,
    widget: Widget | None = None,
) -> Any:
    """Declare one connection setting and how its JSON Schema presents it.

    Leave `default` out to make the setting required. The flags become the Polytomic schema keys
    `sensitive`, `password`, `readOnly`, `hidden`, `api_field` and `widget`.

    Returns:
        A pydantic `FieldInfo`, typed `Any` so it can be assigned to a typed attribute.
    """
    extra: dict[str, Any] = {}
    for key, on in (
        ("sensitive", sensitive or password),  # Polytomic never has `password` without `sensitive`.
        ("readOnly", read_only),
        ("hidden", hidden),
        ("api_field", api_field),
        ("password", password),
    ):
        if on:
            extra[key] = True
    if widget is not None:
        extra["widget"] = widget
    return Field(
        default,
        title=title,
        description=description,
        examples=examples,
        ge=minimum,
        le=maximum,
        min_length=min_length,
        json_schema_extra=extra or None,
    )


def secret(
    default: Any = None,
    *,
    title: str | None = None,
    description: str | None = None,
    password: bool = False,
    hidden: bool = False,
    api_field: bool = False,
    widget: Widget | None = None,
) -> Any:
    """Declare a sensitive setting: never echoed back, never put in an error message.

    Returns:
        A pydantic `FieldInfo` marked `sensitive`.
    """
    return setting(
        default,
        title=title,
        description=description,
        sensitive=True,
        password=password,
        hidden=hidden,
        api_field=api_field,
        widget=widget,
    )


def unwrap_optional(annotation: Any) -> Any:
    """`X` for `X | None` (or `Optional[X]`); the annotation unchanged otherwise."""
    if get_origin(annotation) in (Union, UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def field_flags(model: type[ConnectionConfig], flag: str) -> frozenset[str]:
    """Names of the model's settings whose schema carries `flag: true` (e.g. `"sensitive"`)."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get(flag) is True
    )


def defaults(model: type[ConnectionConfig]) -> dict[str, Any]:
    """The settings that have a non-null default, in declaration order."""
    return {
        name: info.default
        for name, info in model.model_fields.items()
        if info.default is not PydanticUndefined and info.default is not None
    }
