"""The composition root: a running syncline assembled from settings (store migrated, bootstrap done,
secrets key loaded) and, for a server, its job executor. The API, the CLI and workers depend on it."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from syncline.runtime.budget import release_reservations
from syncline.runtime.context import lock_dir
from syncline.runtime.housekeeping import Housekeeper
from syncline.runtime.jobs import InProcessExecutor
from syncline.settings import Settings
from syncline.store.bootstrap import Bootstrap, bootstrap
from syncline.store.crypto import SecretBox, SecretKeyError
from syncline.store.db import Store, unusable_store_message
from syncline.store.events import purge_expired_events
from syncline.store.idempotency import IdempotencyRecords
from syncline.store.locks import locked_session
from syncline.store.secret_check import deployment_key

JOB_KINDS_MODULE = "syncline.services.job_kinds"
BOOTSTRAP_LOCK = "bootstrap"


class StartupError(Exception):
    """The process cannot start. The message is one line for the operator, naming the setting to fix."""


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
    """Migrate the store, check the secret key against it and make sure the bootstrap organization exists.

    Several processes may start at once on one store: migrations and the bootstrap take turns under locks.

    Raises:
        StartupError: the data dir, the metadata database or the secret key cannot be used.
    """
    try:
        settings.ensure_data_dir()
    except OSError as exc:
        raise StartupError(f"SYNCLINE_DATA_DIR: cannot use {settings.data_dir}: {exc.strerror}") from None
    store = Store.from_settings(settings)
    try:
        store.migrate(lock_dir(settings))
        box = SecretBox(deployment_key(store, settings.secret_key, settings.data_dir))
        with locked_session(store, lock_dir(settings), BOOTSTRAP_LOCK) as session:
            boot = bootstrap(session, settings.api_key)
            purge_expired_events(session)
        IdempotencyRecords(store, box).purge_expired()
    except SecretKeyError as exc:
        store.dispose()
        raise StartupError(str(exc)) from None
    except DBAPIError as exc:
        store.dispose()
        raise StartupError(unusable_store_message(settings.database_url, exc)) from None
    return Services(settings=settings, store=store, secret_box=box), boot
