"""SalesforceClient: the facade's wiring, and the package's public names."""

from __future__ import annotations

from urllib.parse import urlsplit

import syncline.connectors.salesforce.client as client_package
from syncline.connectors.salesforce.client import InMemoryCredentialStore, StoredTokens
from tests.connectors.salesforce.helpers import DEMO_ACCOUNTS, Org


def test_every_public_name_is_exported_and_nothing_else() -> None:
    public = {name for name in vars(client_package) if not name.startswith("_")}
    modules = {name for name, value in vars(client_package).items() if type(value) is type(client_package)}
    assert set(client_package.__all__) == public - modules
    assert list(client_package.__all__) == sorted(client_package.__all__, key=lambda n: (not n.isupper(), n))


def test_the_instance_url_override_receives_the_data_calls(org: Org) -> None:
    port = urlsplit(org.domain).port
    with org.client(settings={"instance_url_override": f"http://localhost:{port}/"}) as sf:
        assert len(list(sf.rest.query("SELECT Id FROM Account"))) == DEMO_ACCOUNTS
        assert sf.tokens.instance_url == f"http://localhost:{port}"
        assert sf.oauth.endpoints.base_url == org.domain  # OAuth still goes to the domain


def test_the_store_s_refresh_token_wins_over_the_configured_one(org: Org) -> None:
    store = InMemoryCredentialStore(StoredTokens(refresh_token=org.refresh_token()))
    settings = {"oauth_refresh_token": "stale-token-from-before-a-rotation"}
    with org.client("api", settings=settings, credentials=store) as sf:
        assert sf.rest.limits()
    assert store.saves == 1
    assert store.load().access_token
