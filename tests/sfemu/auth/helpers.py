"""Requests the auth tests share."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_USERNAME

CLIENT = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
REDIRECT_URI = "https://app.example.com/oauth/callback"


def token(client: httpx.Client, **form: str) -> httpx.Response:
    return client.post("/services/oauth2/token", data=form)


def password_grant(client: httpx.Client, **overrides: str) -> httpx.Response:
    form = {"grant_type": "password", **CLIENT, "username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD}
    return token(client, **{**form, **overrides})


def access_token(client: httpx.Client) -> str:
    response = password_grant(client)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def authorize(client: httpx.Client, **params: str) -> httpx.Response:
    query = {"response_type": "code", "client_id": DEFAULT_CLIENT_ID, "redirect_uri": REDIRECT_URI, **params}
    return client.get("/services/oauth2/authorize", params=query)


def redirect_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {key: values[0] for key, values in parse_qs(urlsplit(response.headers["location"]).query).items()}


def code_grant(client: httpx.Client, code: str, **overrides: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, **CLIENT, "redirect_uri": REDIRECT_URI}
    return token(client, **{k: v for k, v in {**form, **overrides}.items() if v is not None})


def refresh_token(client: httpx.Client) -> str:
    code = redirect_params(authorize(client))["code"]
    response = code_grant(client, code)
    assert response.status_code == 200, response.text
    return str(response.json()["refresh_token"])


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def unsigned_jwt(**claims: Any) -> str:
    """A JWT with the given claims and a junk signature (the emulator does not check signatures)."""
    defaults = {
        "iss": DEFAULT_CLIENT_ID,
        "sub": DEFAULT_USERNAME,
        "aud": "https://login.salesforce.com",
        # An hour: parametrized assertions are built when tests are collected, and the whole suite runs
        # well past three minutes before they are sent.
        "exp": int(time.time()) + 3600,
    }
    parts = [{"alg": "RS256", "typ": "JWT"}, {**defaults, **claims}]
    encoded = [base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode() for part in parts]
    return ".".join([*encoded, "c2lnbmF0dXJl"])
