"""Bulk syncs (ELT): every enabled schema of a source copied into a destination, incrementally."""
