"""SQLite gets the table statistics its query planner needs (Django never runs ANALYZE)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from tests.proposals.conftest import dataset  # noqa: F401  (the known data set fixture)

pytestmark = pytest.mark.django_db


def _analysed_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return set()
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


def test_a_request_leaves_statistics_for_the_tables_it_read(admin_web, dataset):  # noqa: F811
    response = admin_web.get(reverse("proposals:list"), {"partner": dataset.pat.pk})
    assert response.status_code == 200
    if connection.vendor == "sqlite":
        assert {"proposals_proposal", "clients_client"} <= _analysed_tables()
    else:  # PostgreSQL's autovacuum gathers its own; the middleware leaves it alone
        assert connection.vendor == "postgresql"
