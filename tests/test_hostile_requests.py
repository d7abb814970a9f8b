"""Hostile requests from outside: an oversized API body is a JSON 413 and stores nothing; a
form posted without its CSRF token is refused on every page the URL conf has."""

from __future__ import annotations

import json

import pytest
from django.test import Client as BrowserClient
from django.urls import get_resolver

from practicelink.clients.models import Client
from tests.test_isolation_matrix import _filled, _walk

pytestmark = pytest.mark.django_db


def test_an_oversized_api_body_is_a_json_413_and_stores_nothing(admin_api, settings):
    body = json.dumps({"name": "Big Body Ltd", "notes": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    answer = admin_api.generic("POST", "/api/v1/clients/", body, content_type="application/json")
    assert answer.status_code == 413
    assert answer["Content-Type"] == "application/json"
    assert "larger than the" in answer.json()["detail"]
    assert not Client.objects.filter(name="Big Body Ltd").exists()


def _pages() -> list[str]:
    """Every page of the URL conf outside the API (the API takes tokens, not cookies)."""
    paths = {_filled(route) for route, _, _ in _walk(get_resolver().url_patterns)}
    return sorted(p for p in paths if not p.startswith("/api/") and "^" not in p)


@pytest.mark.parametrize("path", _pages())
def test_a_post_without_the_csrf_token_is_refused(admin, path):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(admin.user)
    answer = browser.post(path, {"name": "Forged", "email": "forged@example.com"})
    assert answer.status_code == 403, path
    assert b"CSRF" in answer.content
