"""The Salesforce client: OAuth for every connect mode, token refresh with rotation, an API-call budget,
retries, and the REST, Bulk 2.0, Bulk 1.0 and Tooling APIs.

The seams the store layer implements are two protocols: `CredentialStore` (a connection's tokens and the
lock that serialises refreshes) and `CallBudget` (a shared, never-exceeded call cap). Errors are in
`syncline.connectors.salesforce.errors`.
"""

from syncline.connectors.credentials import (
    CredentialStore,
    InMemoryCredentialStore,
    StoredTokens,
)
from syncline.connectors.salesforce.client.auth import (
    ClientCredentialsGrant,
    RefreshTokenGrant,
    Session,
    TokenManager,
    TokenSource,
)
from syncline.connectors.salesforce.client.authorize import (
    DEFAULT_SCOPE,
    AuthorizationRequest,
    authorization_request,
    parse_callback,
)
from syncline.connectors.salesforce.client.budget import (
    CallBudget,
    InMemoryCallBudget,
    UnlimitedBudget,
    conservative_cap,
    counts_against_limit,
    parse_limit_info,
)
from syncline.connectors.salesforce.client.bulk1 import Bulk1Api, Bulk1Load
from syncline.connectors.salesforce.client.bulk2 import Bulk2Api, IngestResults
from syncline.connectors.salesforce.client.client import SalesforceClient
from syncline.connectors.salesforce.client.connect import ClientOptions, OAuthApp
from syncline.connectors.salesforce.client.domain import LoginEndpoints, login_base_url, login_endpoints
from syncline.connectors.salesforce.client.http import DEFAULT_API_VERSION, SalesforceHttp
from syncline.connectors.salesforce.client.interactive import (
    Authorization,
    begin_authorization,
    complete_authorization,
)
from syncline.connectors.salesforce.client.oauth import OAuthClient, TokenResponse
from syncline.connectors.salesforce.client.polling import PollPolicy
from syncline.connectors.salesforce.client.rest import QueryPage, RecordError, RecordResult, RestApi
from syncline.connectors.salesforce.client.retry import RetryPolicy
from syncline.connectors.salesforce.client.tooling import ToolingApi

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_SCOPE",
    "Authorization",
    "AuthorizationRequest",
    "Bulk1Api",
    "Bulk1Load",
    "Bulk2Api",
    "CallBudget",
    "ClientCredentialsGrant",
    "ClientOptions",
    "CredentialStore",
    "InMemoryCallBudget",
    "InMemoryCredentialStore",
    "IngestResults",
    "LoginEndpoints",
    "OAuthApp",
    "OAuthClient",
    "PollPolicy",
    "QueryPage",
    "RecordError",
    "RecordResult",
    "RefreshTokenGrant",
    "RestApi",
    "RetryPolicy",
    "SalesforceClient",
    "SalesforceHttp",
    "Session",
    "StoredTokens",
    "TokenManager",
    "TokenResponse",
    "TokenSource",
    "ToolingApi",
    "UnlimitedBudget",
    "authorization_request",
    "begin_authorization",
    "complete_authorization",
    "conservative_cap",
    "counts_against_limit",
    "login_base_url",
    "login_endpoints",
    "parse_callback",
    "parse_limit_info",
]
