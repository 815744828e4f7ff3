"""The composition root: a running syncline assembled from settings (store migrated, bootstrap done,
secrets key loaded) and, for a server, its job executor. The API, the CLI and workers depend on it."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta

from syncline.runtime.budget import release_reservations
from syncline.runtime.context import lock_dir
from syncline.runtime.housekeeping import Housekeeper
from syncline.runtime.jobs import InProcessExecutor
from syncline.settings import Settings
from syncline.store.bootstrap import Bootstrap, bootstrap
from syncline.store.crypto import SecretBox, load_or_create_key
from syncline.store.db import Store
from syncline.store.events import purge_expired_events
from syncline.store.idempotency import IdempotencyRecords

JOB_KINDS_MODULE = "syncline.services.job_kinds"


@dataclass
class Services:
    """What a syncline process holds for its lifetime."""

    settings: Settings
    store: Store
    secret_box: SecretBox
    executor: InProcessExecutor[Services] | None = None
    housekeeper: Housekeeper | None = None

    def start_jobs(self) -> None:
        """Start the in-process executor (reconcile jobs of dead workers, resume queued ones) and the
        housekeeping that purges what expired."""
        if self.executor is not None:
            return
        interval = timedelta(seconds=self.settings.housekeeping_interval_seconds)
        self.housekeeper = Housekeeper(self.store, interval).start()
        importlib.import_module(JOB_KINDS_MODULE)  # registers the kinds by name
        settings = self.settings
        self.executor = InProcessExecutor(
            self.store,
            self,
            workers=settings.job_workers,
            heartbeat_seconds=settings.job_heartbeat_seconds,
            stale_after_seconds=settings.job_stale_after_seconds,
            grace_seconds=settings.job_shutdown_grace_seconds,
        ).start()

    def submit(self, kind: str, job_id: str) -> None:
        """Run a committed job; without a running executor it stays queued for the next one to start."""
        if self.executor is not None:
            self.executor.submit(kind, job_id)

    def close(self) -> None:
        """Stop the executor (running jobs that do not stop in time end `interrupted`, never `running`),
        then hand back the API calls this process reserved but did not send."""
        if self.executor is not None:
            self.executor.shutdown()
        if self.housekeeper is not None:
            self.housekeeper.stop()
        release_reservations(self.store, lock_dir(self.settings))


def open_services(settings: Settings) -> tuple[Services, Bootstrap]:
    settings.ensure_data_dir()
    store = Store.from_settings(settings)
    store.migrate()
    box = SecretBox(load_or_create_key(settings.secret_key, settings.data_dir))
    with store.session() as session:
        boot = bootstrap(session, settings.api_key)
        purge_expired_events(session)
    IdempotencyRecords(store, box).purge_expired()
    return Services(settings=settings, store=store, secret_box=box), boot
