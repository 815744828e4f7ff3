"""The Tooling API against sfemu."""

from __future__ import annotations

from tests.connectors.salesforce.helpers import Org


def test_tooling_objects_are_listed(org: Org) -> None:
    with org.client() as sf:
        names = {entry["name"] for entry in sf.tooling.sobjects()}
    assert {"ApexClass", "ApexTrigger"} <= names


def test_tooling_describe_and_query(org: Org) -> None:
    with org.client() as sf:
        fields = {field["name"] for field in sf.tooling.describe("ApexClass")["fields"]}
        sf.http.send(
            "POST",
            sf.http.data_path("tooling/sobjects/ApexClass"),
            json={"Name": "Hello", "Body": "public class Hello {}"},
        )
        classes = list(sf.tooling.query("SELECT Id, Name FROM ApexClass"))
    assert {"Id", "Name"} <= fields
    assert [record["Name"] for record in classes] == ["Hello"]
