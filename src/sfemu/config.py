"""Emulator settings: every knob of realism and fault injection, set by flags or `/__sfemu/config`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

DEFAULT_CLIENT_ID = "sfemu"
DEFAULT_CLIENT_SECRET = "sfemu-secret"
DEFAULT_USERNAME = "admin@sfemu.local"
DEFAULT_PASSWORD = "sfemu"
SERVE_BULK_PROCESSING_SECONDS = 1.5


@dataclass
class EmulatorConfig:
    data_dir: Path = Path(".sfemu")
    host: str = "127.0.0.1"
    port: int = 8443
    tls: bool = False
    public_url: str | None = None  # what instance_url says; defaults to the listening address
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    multicurrency: bool = True
    schema_path: Path | None = None
    # --- realism -------------------------------------------------------------------------------
    daily_api_limit: int = 15000
    token_ttl_seconds: int = 7200
    rotate_refresh_tokens: bool = False
    query_page_size: int = 2000
    max_concurrent_long_requests: int = 25
    duplicate_rule_email: bool = False  # DUPLICATES_DETECTED on Lead/Contact Email
    # How long a Bulk job or batch runs before a poll sees it finished. `sfemu serve` defaults to a
    # realistic SERVE_BULK_PROCESSING_SECONDS; an org built in code (tests) finishes jobs at once.
    bulk_processing_seconds: float = 0.0
    # --- faults --------------------------------------------------------------------------------
    latency_ms: int = 0
    error_rate: float = 0.0  # share of API calls answered with a 5xx
    reset_rate: float = 0.0  # share of API calls whose connection is dropped
    lock_contention: bool = False  # UNABLE_TO_LOCK_ROW when parallel writes touch one parent
    fault_seed: int = 0

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    # Knobs that may be changed while running (the admin API); the rest are fixed at start.
    RUNTIME: tuple[str, ...] = (
        "daily_api_limit",
        "token_ttl_seconds",
        "rotate_refresh_tokens",
        "query_page_size",
        "max_concurrent_long_requests",
        "duplicate_rule_email",
        "bulk_processing_seconds",
        "latency_ms",
        "error_rate",
        "reset_rate",
        "lock_contention",
        "fault_seed",
    )

    def public(self) -> dict[str, Any]:
        shown = asdict(self)
        shown.pop("password")
        shown.pop("client_secret")
        return {k: str(v) if isinstance(v, Path) else v for k, v in shown.items()}

    def update(self, changes: dict[str, Any]) -> None:
        """Apply runtime changes; unknown or fixed knobs raise ValueError naming them."""
        types = {f.name: f.type for f in fields(self)}
        for key, value in changes.items():
            if key not in self.RUNTIME:
                changeable = ", ".join(self.RUNTIME)
                raise ValueError(f"{key!r} cannot be changed at run time; changeable: {changeable}")
            current = getattr(self, key)
            if isinstance(current, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be true or false")
            elif isinstance(current, int) and (not isinstance(value, int) or isinstance(value, bool)):
                raise ValueError(f"{key} must be an integer")
            elif key == "bulk_processing_seconds":
                if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                    raise ValueError(f"{key} must be a number of seconds, 0 or more")
                value = float(value)
            elif isinstance(current, float):
                if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                    raise ValueError(f"{key} must be a number between 0 and 1")
                value = float(value)
            _ = types
            setattr(self, key, value)
