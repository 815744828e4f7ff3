"""Business rules between the API and the rest: connection status, connecting, what a change invalidates.

Routers parse requests and shape answers; they call these functions, which own the rules and raise
`ServiceError`s that the API turns into HTTP in one place.
"""
