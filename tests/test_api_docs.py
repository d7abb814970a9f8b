"""The API's documentation: every operation described for its users, Swagger UI served offline."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.generators import SchemaGenerator

from practicelink.api import PracticeScoped

pytestmark = pytest.mark.django_db


def _operations() -> list[tuple[str, str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path, operation.get("description", ""))
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_operation_has_a_description_of_its_own_for_api_users():
    operations = _operations()
    assert len(operations) > 30
    internal = PracticeScoped.__doc__
    for method, path, description in operations:
        assert description, f"{method} {path} has no description"
        assert description != internal, f"{method} {path} shows an internal note"
        assert "mixin" not in description.lower(), (method, path, description)
        assert "SPEC" not in description, (method, path, description)


def test_docs_page_loads_swagger_ui_from_this_server_only(client):
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/static/"), f"{asset} is not served by practicelink"
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not installed"
