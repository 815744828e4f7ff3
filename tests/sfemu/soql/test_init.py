"""The package facade: what the REST and Bulk layers import."""

from __future__ import annotations

import sfemu.soql


def test_exported_members_exist_and_are_listed() -> None:
    public = {name for name in dir(sfemu.soql) if not name.startswith("_")}
    modules = {
        "bulk",
        "compiler",
        "dates",
        "errors",
        "filters",
        "nodes",
        "parser",
        "projection",
        "resolve",
        "results",
        "select",
    }
    assert set(sfemu.soql.__all__) == public - modules
    assert all(getattr(sfemu.soql, name) is not None for name in sfemu.soql.__all__)
