"""GET /api/v1/proposals/export/ answers the media type its schema declares: text/csv."""

from __future__ import annotations

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.proposals.test_export import parse

pytestmark = pytest.mark.django_db
EXPORT = reverse("proposal-export")


def test_schema_declares_text_csv_for_the_export():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    answer = schema["paths"]["/api/v1/proposals/export/"]["get"]["responses"]["200"]
    assert list(answer["content"]) == ["text/csv"]


@pytest.mark.parametrize(
    "accept",
    ["text/csv", "text/csv; charset=utf-8", "*/*", "text/*", "text/html,*/*;q=0.8", None],
)
def test_export_answers_csv_to_clients_that_accept_it(admin_api, dataset, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = admin_api.get(EXPORT, {"status": "accepted"}, **headers)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert [row[0] for row in parse(response)] == ["PROP-0007", "PROP-0003"]  # newest first


def test_export_tells_a_json_only_client_it_cannot_answer(admin_api):
    response = admin_api.get(EXPORT, HTTP_ACCEPT="application/json")
    assert response.status_code == 406
    assert response.json() == {"detail": "Could not satisfy the request Accept header."}


def test_export_errors_are_json_even_when_csv_is_asked_for(admin_api):
    bad = admin_api.get(EXPORT, {"status": "nope"}, HTTP_ACCEPT="text/csv")
    assert bad.status_code == 400
    assert bad.json() == {
        "status": ["Select a valid choice. nope is not one of the available choices."]
    }
    anonymous = APIClient().get(EXPORT, HTTP_ACCEPT="text/csv")
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/json"
