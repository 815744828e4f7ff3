"""Row-lock contention: UNABLE_TO_LOCK_ROW when concurrent writes touch children of the same parent.

Salesforce locks the parent of a child record while the child is written; two transactions writing
children of one Account at the same time make one of them fail. A write request registers the parents
of its records for as long as it runs; a record whose parent another running request holds fails.
Whether a contested record fails is drawn from a generator seeded with `fault_seed`, so runs repeat.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable

from sfemu.errors import SalesforceError, UnableToLockRow


def lock_error(record_id: str | None = None) -> SalesforceError:
    return UnableToLockRow(
        f"unable to obtain exclusive access to this record or 1 records: {record_id or ''}".rstrip(": "),
        [],
    )


class ParentLocks:
    def __init__(self, seed: int = 0) -> None:
        self._held: dict[str, str] = {}  # parent id -> owner (request or batch id)
        self._lock = threading.Lock()
        self._seed = seed
        self._random = random.Random(seed)

    def reseed(self, seed: int) -> None:
        if seed != self._seed:
            self._seed = seed
            self._random = random.Random(seed)

    def contested(self, owner: str, parents: Iterable[str]) -> set[str]:
        """Take the free parents for `owner`; return those another owner holds (and that lost the draw)."""
        lost = set()
        with self._lock:
            for parent in parents:
                holder = self._held.get(parent)
                if holder is None or holder == owner:
                    self._held[parent] = owner
                elif self._random.random() < 0.5:
                    lost.add(parent)
        return lost

    def release(self, owner: str) -> None:
        with self._lock:
            for parent in [p for p, o in self._held.items() if o == owner]:
                del self._held[parent]
