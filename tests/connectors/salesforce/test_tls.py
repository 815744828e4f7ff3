"""The client over HTTPS: sfemu serves a certificate from its local CA, trusted through `verify=`."""

from __future__ import annotations

import ssl

import pyarrow as pa
import pytest

from sfemu.config import DEFAULT_USERNAME
from syncline.connectors.salesforce.errors import DomainUnreachable
from tests.connectors.salesforce.helpers import DEMO_ACCOUNTS, FAST_RETRY, Org


def test_every_api_works_over_tls_with_the_ca_trusted_by_path(tls_org: Org) -> None:
    assert tls_org.domain.startswith("https://")
    with tls_org.client() as sf:
        assert sf.username() == DEFAULT_USERNAME
        assert len(list(sf.rest.query("SELECT Id FROM Account"))) == DEMO_ACCOUNTS
        assert pa.Table.from_batches(list(sf.bulk2.query("SELECT Id FROM Account"))).num_rows == DEMO_ACCOUNTS
        assert sum(b.num_rows for b in sf.bulk1.query("Account", "SELECT Id FROM Account")) == DEMO_ACCOUNTS
        assert sf.tooling.sobjects()


def test_the_browser_flow_and_refresh_tokens_work_over_tls(tls_org: Org) -> None:
    refresh_token = tls_org.refresh_token()
    context = ssl.create_default_context(cafile=str(tls_org.server.ca_path))
    options = tls_org.options(verify=context)
    with tls_org.client("api", settings={"oauth_refresh_token": refresh_token}, options=options) as sf:
        assert sf.rest.limits()["DailyApiRequests"]["Max"] > 0


def test_an_untrusted_certificate_is_reported_against_the_domain(tls_org: Org) -> None:
    options = tls_org.options(verify=True, retry=FAST_RETRY)  # the system CAs do not know sfemu's CA
    with tls_org.client(options=options) as sf, pytest.raises(DomainUnreachable) as info:
        sf.rest.limits()
    assert "TLS certificate is not trusted" in str(info.value)
