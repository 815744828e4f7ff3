"""syncline: a self-hosted data-sync engine that speaks Polytomic's public API."""

__version__ = "0.1.0"
