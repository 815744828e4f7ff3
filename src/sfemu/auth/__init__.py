"""Authentication: OAuth 2.0 grants, the token store, SOAP login, identity, and the session check.

- `tokens`: access/refresh tokens and authorization codes, stored in the org's SQLite file
- `session`: `authenticate(request)`, the one call every REST and Bulk handler makes
- `http`: the routes (`/services/oauth2/*`, `/id/{org}/{user}`, `/services/Soap/u/{version}`)
"""
