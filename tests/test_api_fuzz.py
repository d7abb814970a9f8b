"""API fuzzing: schemathesis makes requests from /api/schema/ for every operation, as an admin
with a token. None may answer 5xx, every answer must match its schema and content type, and
every status the API answers must be documented (`practicelink.api.AutoSchema` declares the
errors every caller can meet)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from practicelink.team.tokens import token_create
from tests.conftest import PASSWORD
from tests.factories import ClientFactory, MemberFactory, PracticeFactory, make_proposal

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "5"))
"""Cases per operation: about a minute for every operation in CI."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]


@pytest.fixture
def api_schema():
    # As Django's test client does: the test's transaction must outlive each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token() -> str:
    """An admin's token in a practice with a client and a proposal to find."""
    practice = PracticeFactory()
    admin = MemberFactory(practice=practice, role="admin", login=PASSWORD)
    make_proposal(ClientFactory(practice=practice))
    return token_create(user=admin.user, name="fuzzing")[1]


def test_every_operation_answers_as_documented(api_schema, token) -> None:
    failures, requests = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case) -> None:
            nonlocal requests
            requests += 1
            case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as error:
            failures.append(f"{operation.label}: {str(error)[:600]}")
    print(f"\napi fuzzing: {requests} requests")
    assert failures == [], "\n\n".join(failures)
