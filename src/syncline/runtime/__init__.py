"""Work outside a request and what it runs on: background jobs and the executor, the connector context,
a connection's shared tokens and API budget, the query-runner preview, the schema cache, the proxy rules."""
