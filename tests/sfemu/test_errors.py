"""sfemu.errors: one class per common wire code, answering exactly what the generic error answers."""

from __future__ import annotations

import pytest

from sfemu import errors
from sfemu.errors import CodedError, InvalidField, NotFound, SalesforceError, UnableToLockRow

CODED: list[type[CodedError]] = [
    cls
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, CodedError) and cls is not CodedError
]


def test_each_wire_code_has_one_class() -> None:
    codes = [cls.CODE for cls in CODED]
    assert len(CODED) >= 15
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("cls", CODED, ids=lambda cls: cls.__name__)
def test_a_coded_error_answers_as_the_generic_one(cls: type[CodedError]) -> None:
    error = cls("a message", ["Name"])
    generic = SalesforceError(cls.STATUS, cls.CODE, "a message", ["Name"])
    assert error.response().body == generic.response().body
    assert error.response().status_code == generic.status
    assert error.record_error() == generic.record_error()


def test_fields_are_left_out_unless_given() -> None:
    assert NotFound().body() == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]
    assert UnableToLockRow("locked", []).body() == [
        {"message": "locked", "errorCode": "UNABLE_TO_LOCK_ROW", "fields": []}
    ]


def test_a_code_without_a_standard_message_needs_one() -> None:
    with pytest.raises(TypeError, match="InvalidField needs a message"):
        InvalidField()
