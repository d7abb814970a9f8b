"""REST API: the screen's filters, sorting and page size, and the same CSV export."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import api_for
from tests.proposals.cases import FILTER_CASES, case_id, query

pytestmark = pytest.mark.django_db
LIST = "/api/v1/proposals/"
EXPORT = "/api/v1/proposals/export/"


@pytest.mark.parametrize(("params", "expected"), FILTER_CASES, ids=map(case_id, FILTER_CASES))
def test_api_filters_match_the_screen(admin_api, dataset, params, expected):
    response = admin_api.get(LIST, {**query(dataset, params), "per_page": 200})
    assert response.status_code == 200, response.data
    assert [row["number"] for row in response.data["results"]] == expected


def test_api_page_size_parameter(admin_api, dataset):
    response = admin_api.get(LIST, {"per_page": 3, "page": 2})
    assert response.data["count"] == 8
    assert [row["number"] for row in response.data["results"]] == [5, 4, 3]


def test_api_export_is_the_screens_export(admin_api, admin_web, dataset):
    params = {"partner": dataset.pat.pk, "status": ["accepted", "sent"], "sort": "-total"}
    from_api = admin_api.get(EXPORT, params)
    from_screen = admin_web.get(reverse("proposals:export"), params)
    assert from_api["Content-Type"] == "text/csv; charset=utf-8"
    assert from_api["Content-Disposition"] == from_screen["Content-Disposition"]
    body = b"".join(from_api.streaming_content)
    assert body == b"".join(from_screen.streaming_content)
    assert body.count(b"\r\n") == 1 + 3


def test_api_export_with_bom(admin_api, dataset):
    body = b"".join(admin_api.get(EXPORT, {"bom": "true"}).streaming_content)
    assert body.startswith(b"\xef\xbb\xbfNumber,")


def test_api_rejects_another_practices_ids_and_practice(dataset):
    other = api_for(dataset.other_member)
    response = other.get(EXPORT, {"partner": dataset.pat.pk})
    assert response.status_code == 400
    assert "partner" in response.data
    practice_id = str(dataset.pat.practice_id)
    response = other.get(EXPORT, headers={"X-Practice-Id": practice_id})
    assert response.status_code == 403
    numbers = [row["number"] for row in other.get(LIST).data["results"]]
    assert numbers == [2, 1]  # Beta's own two, never Alpha's eight
