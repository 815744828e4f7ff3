"""The composition root: a running syncline assembled from settings (store migrated, bootstrap done,
secrets key loaded, background runtime started). The API, the CLI and workers depend on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from syncline.runtime.background import Background
from syncline.settings import Settings
from syncline.store.bootstrap import Bootstrap, bootstrap
from syncline.store.crypto import SecretBox, load_or_create_key
from syncline.store.db import Store
from syncline.store.events import purge_expired_events
from syncline.store.idempotency import IdempotencyRecords


@dataclass
class Services:
    """What a syncline process holds for its lifetime."""

    settings: Settings
    store: Store
    secret_box: SecretBox
    background: Background = field(default_factory=Background)

    def close(self) -> None:
        self.background.shutdown()


def open_services(settings: Settings) -> tuple[Services, Bootstrap]:
    settings.ensure_data_dir()
    store = Store.from_settings(settings)
    store.migrate()
    box = SecretBox(load_or_create_key(settings.secret_key, settings.data_dir))
    with store.session() as session:
        boot = bootstrap(session, settings.api_key)
        purge_expired_events(session)
    IdempotencyRecords(store).purge_expired()
    return Services(settings=settings, store=store, secret_box=box), boot
