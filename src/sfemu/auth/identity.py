"""The identity URL (`GET /id/{orgId}/{userId}`) and OIDC userinfo (`GET /services/oauth2/userinfo`).

Both describe the token's user. URLs point at the emulator's base URL; `urls{}` keeps Salesforce's
literal `{version}` placeholder unless the identity URL is called with `?version=NN.N` (or `latest`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sfemu import ids
from sfemu.auth.session import authenticate, request_token, session_for
from sfemu.auth.users import User, find_user
from sfemu.errors import InvalidSessionId, NotFound
from sfemu.org import Org

LATEST_VERSION = "62.0"


def userinfo(request: Request) -> Response:
    org: Org = request.app.state.org
    user = _user(org, authenticate(request).user_id)
    return JSONResponse(userinfo_body(org, user))


def identity(request: Request) -> Response:
    org: Org = request.app.state.org
    token = request_token(request) or request.query_params.get("oauth_token")
    session_for(org, token)
    org_id = ids.normalize(request.path_params["org_id"])
    user_id = ids.normalize(request.path_params["user_id"])
    user = find_user(org, user_id=user_id) if user_id and org_id == org.org_id else None
    if user is None:
        raise NotFound()
    body = identity_body(org, user)
    version = request.query_params.get("version")
    if version:
        body["urls"] = _fill_version(body["urls"], LATEST_VERSION if version == "latest" else version)
    return JSONResponse(body)


def identity_url(org: Org, user_id: str) -> str:
    return f"{org.config.base_url}/id/{org.org_id}/{user_id}"


def identity_body(org: Org, user: User) -> dict[str, Any]:
    base = org.config.base_url
    return {
        "id": identity_url(org, user.id),
        "asserted_user": True,
        "user_id": user.id,
        "organization_id": org.org_id,
        "username": user.username,
        "nick_name": _nickname(user),
        "display_name": user.full_name,
        "email": user.email,
        "email_verified": True,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "timezone": user.time_zone,
        "photos": _photos(base),
        "addr_street": None,
        "addr_city": None,
        "addr_state": None,
        "addr_country": None,
        "addr_zip": None,
        "mobile_phone": None,
        "mobile_phone_verified": False,
        "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        "urls": urls(org, user.id),
        "active": True,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": utc_offset_ms(user.time_zone),
        "last_modified_date": _salesforce_datetime(user.last_modified),
        "is_app_installed": True,
    }


def userinfo_body(org: Org, user: User) -> dict[str, Any]:
    base = org.config.base_url
    photos = _photos(base)
    return {
        "sub": identity_url(org, user.id),
        "user_id": user.id,
        "organization_id": org.org_id,
        "preferred_username": user.username,
        "nickname": _nickname(user),
        "name": user.full_name,
        "email": user.email,
        "email_verified": True,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "zoneinfo": user.time_zone,
        "photos": photos,
        "profile": f"{base}/{user.id}",
        "picture": photos["picture"],
        "address": {},
        "is_salesforce_integration_user": False,
        "urls": urls(org, user.id),
        "active": True,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": utc_offset_ms(user.time_zone),
        "updated_at": _oidc_datetime(user.last_modified),
        "is_app_installed": True,
    }


def urls(org: Org, user_id: str) -> dict[str, str]:
    base = org.config.base_url
    org15 = org.org_id[:15]
    data = f"{base}/services/data/v{{version}}"
    return {
        "enterprise": f"{base}/services/Soap/c/{{version}}/{org15}",
        "metadata": f"{base}/services/Soap/m/{{version}}/{org15}",
        "partner": f"{base}/services/Soap/u/{{version}}/{org15}",
        "rest": f"{data}/",
        "sobjects": f"{data}/sobjects/",
        "search": f"{data}/search/",
        "query": f"{data}/query/",
        "recent": f"{data}/recent/",
        "tooling_soap": f"{base}/services/Soap/T/{{version}}/{org15}",
        "tooling_rest": f"{data}/tooling/",
        "profile": f"{base}/{user_id}",
        "feeds": f"{data}/chatter/feeds",
        "groups": f"{data}/chatter/groups",
        "users": f"{data}/chatter/users",
        "feed_items": f"{data}/chatter/feed-items",
        "feed_elements": f"{data}/chatter/feed-elements",
        "custom_domain": base,
    }


def utc_offset_ms(time_zone: str) -> int:
    """The zone's current offset from UTC in milliseconds, as Salesforce reports `utcOffset`."""
    try:
        offset = datetime.now(ZoneInfo(time_zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds() * 1000) if offset else 0


def _user(org: Org, user_id: str) -> User:
    user = find_user(org, user_id=user_id)
    if user is None:  # deactivated or deleted since the token was issued
        raise InvalidSessionId()
    return user


def _nickname(user: User) -> str:
    return user.username.split("@")[0]


def _photos(base: str) -> dict[str, str]:
    return {"picture": f"{base}/profilephoto/005/F", "thumbnail": f"{base}/profilephoto/005/T"}


def _fill_version(values: dict[str, str], version: str) -> dict[str, str]:
    return {key: value.replace("{version}", version) for key, value in values.items()}


def _salesforce_datetime(stored: str) -> str | None:
    """`2024-01-15T10:30:00.000Z` → `2024-01-15T10:30:00.000+0000`, the REST API's datetime form."""
    return stored[:-1] + "+0000" if stored.endswith("Z") else None


def _oidc_datetime(stored: str) -> str | None:
    """`2024-01-15T10:30:00.000Z` → `2024-01-15T10:30:00Z`."""
    if not stored:
        return None
    moment = datetime.strptime(stored, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
