"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with one key per deployment.

The key comes from `SYNCLINE_SECRET_KEY`; when unset, one is generated into `<data dir>/secret.key`
with mode 0600 and reused on every start. Losing that file makes the stored secrets unreadable.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from syncline.logs import secrets as log_secrets
from syncline.settings import GENERATE_KEY

KEY_FILE = "secret.key"


class SecretKeyError(Exception):
    """The configured secret key is missing, malformed or does not open the stored secrets."""


def load_or_create_key(configured: str | None, data_dir: Path, *, may_create: bool = True) -> bytes:
    """`SYNCLINE_SECRET_KEY`, else the key file in the data dir, else (only when `may_create`) a new key
    written there.

    Raises:
        SecretKeyError: the key is malformed, or there is none and `may_create` is false (the store
            already holds secrets: a new key would leave them unreadable).
    """
    if configured:
        key = configured.encode()
        _check_key(key, source="its value")
        return key
    path = data_dir / KEY_FILE
    if path.exists():
        key = path.read_bytes().strip()
        _check_key(key, source=f"unset, and the key file {path}")
        return key
    if not may_create:
        raise SecretKeyError(
            f"SYNCLINE_SECRET_KEY: unset and {path} does not exist, but the metadata store holds encrypted "
            "secrets; set SYNCLINE_SECRET_KEY to the key they were written with (or restore that file): "
            "a new key would not open them"
        )
    key = Fernet.generate_key()
    data_dir.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting together must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_key(None, data_dir)
    with os.fdopen(fd, "wb") as file:
        file.write(key)
    return key


def _check_key(key: bytes, source: str) -> None:
    try:
        Fernet(key)
    except ValueError as exc:
        raise SecretKeyError(
            f"SYNCLINE_SECRET_KEY: {source} is not a valid Fernet key (32 url-safe base64-encoded bytes); "
            + GENERATE_KEY
        ) from exc


class SecretBox:
    """Encrypts and decrypts JSON-able values; every decrypted string is registered for log scrubbing."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, value: Any) -> str:
        _register(value)
        return self._fernet.encrypt(json.dumps(value).encode()).decode()

    def seal(self, data: bytes) -> bytes:
        """Raw bytes encrypted (e.g. a stored response that may carry a minted key); not registered for
        log scrubbing, as `encrypt` does with secret values."""
        return self._fernet.encrypt(data)

    def unseal(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise SecretKeyError(
                "stored data cannot be decrypted with the current secret key; "
                "set SYNCLINE_SECRET_KEY to the key it was written with"
            ) from exc

    def decrypt(self, token: str) -> Any:
        try:
            value = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise SecretKeyError(
                "stored secrets cannot be decrypted with the current secret key; "
                "set SYNCLINE_SECRET_KEY to the key they were written with"
            ) from exc
        _register(value)
        return value


def _register(value: Any) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _register(item)
    elif isinstance(value, list):
        for item in value:
            _register(item)
    else:
        log_secrets.add(value)
