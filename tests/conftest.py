"""Shared fixtures: a practice with an admin and a standard member, signed-in clients."""

from __future__ import annotations

import pytest
from django.test import Client as BrowserClient
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from tests.factories import MemberFactory, PracticeFactory

# The same examples on every run, so a red CI can be reproduced; widen the search on purpose
# with `--hypothesis-profile=search`.
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.register_profile("search", derandomize=False, max_examples=500)
hypothesis_settings.load_profile("ci")

PASSWORD = "correct horse battery staple"


@pytest.fixture
def practice():
    return PracticeFactory(name="Alpha & Co")


@pytest.fixture
def admin(practice):
    return MemberFactory(practice=practice, role="admin", name="Ada Admin", login=PASSWORD)


@pytest.fixture
def standard(practice):
    return MemberFactory(practice=practice, role="standard", name="Sam Standard", login=PASSWORD)


def signed_in(member) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(member.user)
    return browser


@pytest.fixture
def admin_web(admin) -> BrowserClient:
    return signed_in(admin)


@pytest.fixture
def standard_web(standard) -> BrowserClient:
    return signed_in(standard)


def api_for(member) -> APIClient:
    api = APIClient()
    api.force_authenticate(member.user)
    return api


@pytest.fixture
def admin_api(admin) -> APIClient:
    return api_for(admin)
