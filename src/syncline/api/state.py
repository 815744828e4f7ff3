"""What the API process holds for its lifetime."""

from __future__ import annotations

from dataclasses import dataclass, field

from syncline.connectors.base import ConnectorContext
from syncline.runtime.background import Background
from syncline.settings import Settings
from syncline.store.crypto import SecretBox
from syncline.store.db import Store


@dataclass
class AppState:
    settings: Settings
    store: Store
    secret_box: SecretBox
    background: Background = field(default_factory=Background)

    @property
    def connector_context(self) -> ConnectorContext:
        return ConnectorContext(data_dir=self.settings.data_dir)
