"""Assemble a running syncline from settings: store migrated, bootstrap done, secrets key loaded."""

from __future__ import annotations

from syncline.api.state import AppState
from syncline.settings import Settings
from syncline.store.bootstrap import Bootstrap, bootstrap
from syncline.store.crypto import SecretBox, load_or_create_key
from syncline.store.db import Store
from syncline.store.events import purge_expired_events
from syncline.store.idempotency import IdempotencyRecords


def open_service(settings: Settings) -> tuple[AppState, Bootstrap]:
    settings.ensure_data_dir()
    store = Store.from_settings(settings)
    store.migrate()
    box = SecretBox(load_or_create_key(settings.secret_key, settings.data_dir))
    with store.session() as session:
        boot = bootstrap(session, settings.api_key)
        purge_expired_events(session)
    IdempotencyRecords(store).purge_expired()
    return AppState(settings=settings, store=store, secret_box=box), boot
