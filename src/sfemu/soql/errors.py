"""Query errors in Salesforce's wording: every one is a 400 `SalesforceError` with a caret message.

Salesforce echoes the offending line, points at the token with a caret and names the row and column:

    \\nSELECT Id FROM Accountz LIMIT 2\\n               ^\\nERROR at Row:1:Column:16\\nsObject type ...

Codes: MALFORMED_QUERY (syntax), INVALID_FIELD (unknown column or relationship, wrongly typed or quoted
value), INVALID_TYPE (unknown object), INVALID_QUERY_FILTER_OPERATOR (bad id, operator on a wrong type),
NUMBER_OUTSIDE_VALID_RANGE (OFFSET above 2000). Airbyte regex-extracts `No such column '(?P<field>[^']+)'
on entity`, so that sentence must stay verbatim.
"""

from __future__ import annotations

from sfemu.errors import MalformedQuery, SalesforceError
from sfemu.soql.nodes import Pos

# Long lines are shown as a window around the error, as Salesforce does for wide SELECT lists.
_WINDOW_BEFORE = 40
_WINDOW_WIDTH = 120


def query_error(code: str, message: str, source: str, pos: Pos | None) -> SalesforceError:
    if pos is None or not source:
        return SalesforceError(400, code, message)
    lines = source.splitlines() or [""]
    line = lines[min(pos.line, len(lines)) - 1]
    start = 0
    if len(line) > _WINDOW_WIDTH:
        start = max(0, pos.column - 1 - _WINDOW_BEFORE)
        cut = max(line.rfind(",", 0, start), line.rfind(" ", 0, start))
        start = cut + 1 if cut >= 0 and start - cut < 20 else start
        line = line[start : start + _WINDOW_WIDTH]
    caret = " " * max(0, pos.column - 1 - start) + "^"
    text = f"\n{line}\n{caret}\nERROR at Row:{pos.line}:Column:{pos.column}\n{message}"
    return SalesforceError(400, code, text)


def malformed(source: str, pos: Pos | None, message: str) -> SalesforceError:
    return query_error("MALFORMED_QUERY", message, source, pos)


def unexpected_token(source: str, pos: Pos | None, token: str) -> SalesforceError:
    return malformed(source, pos, f"unexpected token: '{token}'")


def no_such_column(source: str, pos: Pos, column: str, entity: str) -> SalesforceError:
    message = (
        f"No such column '{column}' on entity '{entity}'. If you are attempting to use a custom field, "
        "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
        "describe call for the appropriate names."
    )
    return query_error("INVALID_FIELD", message, source, pos)


def unknown_relationship(source: str, pos: Pos, name: str) -> SalesforceError:
    message = (
        f"Didn't understand relationship '{name}' in field path. If you are attempting to use a custom "
        "relationship, be sure to append the '__r' after the custom relationship name. Please reference your "
        "WSDL or the describe call for the appropriate names."
    )
    return query_error("INVALID_FIELD", message, source, pos)


def invalid_field(source: str, pos: Pos | None, message: str) -> SalesforceError:
    return query_error("INVALID_FIELD", message, source, pos)


def invalid_type(source: str, pos: Pos, name: str) -> SalesforceError:
    message = (
        f"sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to "
        "append the '__c' after the entity name. Please reference your WSDL or the describe call for the "
        "appropriate names."
    )
    return query_error("INVALID_TYPE", message, source, pos)


def invalid_operator(source: str, pos: Pos | None, message: str) -> SalesforceError:
    return query_error("INVALID_QUERY_FILTER_OPERATOR", message, source, pos)


def offset_too_large(source: str, pos: Pos | None) -> SalesforceError:
    return query_error("NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000", source, pos)


def wrong_value_type(source: str, pos: Pos, field: str, expected: str, *, quoted: bool) -> SalesforceError:
    """A literal of the wrong kind: `'2024-01-01'` or `2024-01-01` for a datetime, `5` for a string."""
    enclosed = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    message = f"value of filter criterion for field '{field}' must be of type {expected} and {enclosed}"
    return query_error("INVALID_FIELD", message, source, pos)


def bulk_unsupported(message: str) -> SalesforceError:
    return MalformedQuery(message)
