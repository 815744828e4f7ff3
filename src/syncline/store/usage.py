"""What still uses a connection, so that deleting it can be refused (409) unless forced.

Each later resource that points at connections (models, syncs, bulk syncs) adds its query to
`_REFERENCES`; a forced delete removes those resources with the connection.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

# (kind, finder) pairs: the finder returns the ids of resources of that kind using the connection.
_REFERENCES: list[tuple[str, Callable[[Session, str], list[str]]]] = []


def connection_users(session: Session, connection_id: str) -> dict[str, list[str]]:
    """Resource ids by kind (e.g. {"model": [...]}) that use the connection; empty when unused."""
    found = {kind: finder(session, connection_id) for kind, finder in _REFERENCES}
    return {kind: ids for kind, ids in found.items() if ids}
