"""The emulated org: configuration, schema, data, clock and statistics, wired together once.

Everything the emulator keeps per org is an attribute declared here, created with the org: the record
store, tokens, query cursors, the Bulk job store, the row-lock registry. Handlers reach it all through
`request.app.state.org`; nothing attaches state to the org later.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sfemu import ids
from sfemu.auth.tokens import TokenStore
from sfemu.clock import Clock
from sfemu.config import EmulatorConfig
from sfemu.locks import ParentLocks
from sfemu.rest.cursors import Cursors
from sfemu.schema import build_schema
from sfemu.stats import Stats
from sfemu.store.db import Database, create_tables, quote, table_name
from sfemu.store.records import RecordStore

if TYPE_CHECKING:
    from sfemu.bulk2.jobs import JobStore

ORG_ID = ids.make_id("00D", 1)
ORG_NAME = "sfemu Demo Org"


class Org:
    """One org: its data file, schema and clock, and the state its APIs share.

    Attributes:
        tokens: access and refresh tokens and authorization codes (in the data file).
        cursors: the open REST query locators (in memory).
        bulk_jobs: Bulk 1.0 and 2.0 jobs (in the data file) and the worker threads that process them.
        locks: parents held by running writes, for `UNABLE_TO_LOCK_ROW` contention.
    """

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.schema = build_schema(multicurrency=config.multicurrency, custom_path=config.schema_path)
        self.schema_loaded_at = datetime.now(UTC)  # describe's Last-Modified: the schema is fixed at start
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(config.data_dir / "org.db")
        self.clock = Clock()
        self.stats = Stats(config.data_dir / "api-usage.json")
        self.records = RecordStore(
            self.db, self.schema, self.clock, duplicate_rule=lambda: self.config.duplicate_rule_email
        )
        self.org_id = ORG_ID
        self.locks = ParentLocks(config.fault_seed)
        with self.db.transaction() as conn:
            create_tables(conn, self.schema)
            self._restore_clock(conn)
        self.user_id = self._bootstrap()
        self.tokens = TokenStore(self.db, config, self.org_id)
        self.cursors = Cursors()
        # Imported here: the bulk2 package's routes import this module.
        from sfemu.bulk2.jobs import JobStore

        self.bulk_jobs: JobStore = JobStore(self)  # its worker threads start with the first job

    def _restore_clock(self, conn: sqlite3.Connection) -> None:
        latest = None
        for obj in self.schema.objects.values():
            row = conn.execute(f"SELECT MAX(SystemModstamp) FROM {quote(table_name(obj))}").fetchone()
            if row and row[0] and (latest is None or row[0] > latest):
                latest = row[0]
        if latest:
            self.clock.advance_past(latest)

    def _bootstrap(self) -> str:
        """The default user, the Organization row and the corporate currency exist in every org."""
        users = self.schema.get("User")
        assert users is not None
        existing = self.db.read('SELECT Id FROM "User" WHERE Username = ?', (self.config.username,))
        if existing:
            return str(existing[0][0])
        with self.db.transaction() as conn:
            user_id = ids.make_id("005", 1)
            # The first user creates itself: it is its own CreatedById.
            conn.execute("INSERT INTO _counters VALUES ('005', 1) ON CONFLICT(name) DO NOTHING")
            stamp = self.clock.stamp()
            conn.execute(
                'INSERT INTO "User" (Id, IsDeleted, CreatedDate, CreatedById, LastModifiedDate, '
                "LastModifiedById, SystemModstamp, Username, LastName, FirstName, Email, Alias, IsActive, "
                "TimeZoneSidKey) "
                "VALUES (?, 0, ?, ?, ?, ?, ?, ?, 'Admin', 'Sfemu', ?, 'sadmin', 1, 'America/Los_Angeles')",
                (user_id, stamp, user_id, stamp, user_id, stamp, self.config.username, self.config.username),
            )
            conn.execute("INSERT INTO _counters VALUES ('00D', 1) ON CONFLICT(name) DO NOTHING")
            conn.execute(
                'INSERT INTO "Organization" (Id, IsDeleted, CreatedDate, CreatedById, LastModifiedDate, '
                "LastModifiedById, SystemModstamp, Name, IsSandbox, OrganizationType, DefaultLocaleSidKey) "
                "VALUES (?, 0, ?, ?, ?, ?, ?, ?, 0, 'Developer Edition', 'en_US')",
                (self.org_id, stamp, user_id, stamp, user_id, stamp, ORG_NAME),
            )
            currency = self.schema.get("CurrencyType")
            if currency is not None and self.config.multicurrency:
                self.records.create(
                    currency,
                    {"IsoCode": "USD", "ConversionRate": 1.0, "IsCorporate": True, "DecimalPlaces": 2},
                    user_id=user_id,
                )
        return user_id

    def close(self) -> None:
        self.bulk_jobs.close()  # stop its worker threads before the database goes away
        self.db.close()
