"""What user SQL may be on PostgreSQL: one read-only query, checked before anything is sent.

The query runs in a READ ONLY transaction over the extended protocol (which refuses several statements in
one string), but some statements act outside a transaction's reach — `COPY … TO PROGRAM` runs a shell
command as the database server, `SET` changes the session, `COMMIT` would end the read-only transaction,
`DO` and `CALL` run code. So a statement whose first keyword is a command must open a query: SELECT,
WITH, VALUES, TABLE, SHOW or EXPLAIN (a first word that is no command at all is a syntax error, left to
PostgreSQL to report). What a query may still do (call a function that writes a file, read another schema) is
as strong as the database role the connection logs in with: docs/security.md recommends one.
"""

from __future__ import annotations

import re

from syncline.connectors.errors import QueryFailed

__all__ = ["ALLOWED_FIRST_WORDS", "COMMAND_WORDS", "first_word", "read_only_query"]

ALLOWED_FIRST_WORDS = frozenset({"select", "with", "values", "table", "show", "explain"})
# Every word a PostgreSQL statement can start with. Anything else is a syntax error that PostgreSQL
# reports in its own words without running anything, so it is sent as it is.
COMMAND_WORDS = ALLOWED_FIRST_WORDS | frozenset(
    [
        "abort",
        "alter",
        "analyze",
        "begin",
        "call",
        "checkpoint",
        "close",
        "cluster",
        "comment",
        "commit",
        "copy",
        "create",
        "deallocate",
        "declare",
        "delete",
        "discard",
        "do",
        "drop",
        "end",
        "execute",
        "fetch",
        "grant",
        "import",
        "insert",
        "listen",
        "load",
        "lock",
        "merge",
        "move",
        "notify",
        "prepare",
        "reassign",
        "refresh",
        "reindex",
        "release",
        "reset",
        "revoke",
        "rollback",
        "savepoint",
        "security",
        "set",
        "start",
        "truncate",
        "unlisten",
        "update",
        "vacuum",
    ]
)
_WORD = re.compile(r"[A-Za-z_]+")


def first_word(sql: str) -> str:
    """The statement's first keyword, lower-cased, after comments, whitespace and opening parentheses."""
    index, length = 0, len(sql)
    while index < length:
        char = sql[index]
        if char.isspace() or char == "(":
            index += 1
        elif sql.startswith("--", index):
            end = sql.find("\n", index)
            index = length if end < 0 else end + 1
        elif sql.startswith("/*", index):
            index = _after_block_comment(sql, index)
        else:
            break
    match = _WORD.match(sql, index)
    return match.group(0).lower() if match else ""


def read_only_query(sql: str) -> str:
    """`sql`, when it is a query (see the module docstring).

    Raises:
        QueryFailed: Naming the statement and what is allowed.
    """
    word = first_word(sql)
    if word in COMMAND_WORDS - ALLOWED_FIRST_WORDS or not word:
        shown = word.upper() or "an empty statement"
        raise QueryFailed(
            f"{shown} is not run here: user SQL is one read-only query starting with SELECT, WITH, VALUES, "
            "TABLE, SHOW or EXPLAIN (COPY, SET, RESET, transaction control, DO and CALL are refused)"
        )
    return sql


def _after_block_comment(sql: str, start: int) -> int:
    """The index after a /* … */ comment starting at `start` (PostgreSQL nests them)."""
    depth, index = 0, start
    while index < len(sql):
        if sql.startswith("/*", index):
            depth += 1
            index += 2
        elif sql.startswith("*/", index):
            depth -= 1
            index += 2
            if depth == 0:
                return index
        else:
            index += 1
    return len(sql)
