"""One XPM practice syncs with one practicelink practice: two would each create the same
staff in it, and each take the other's jobs for its own (job numbers are per practicelink
practice). A second practice is refused that tenant, clearly, whatever the way in."""

from __future__ import annotations

import html
import importlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from practicelink.xpm.models import ConnectionStatus, XpmConnection
from tests.conftest import signed_in
from tests.factories import MemberFactory, PracticeFactory
from tests.xpm.test_oauth import consent, finish, start

pytestmark = pytest.mark.django_db

TAKEN = (
    "Alpha XPM in XPM is already connected to another practicelink practice, and one XPM "
    "practice syncs with one practicelink practice. Disconnect it there first, or choose another."
)


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def beta_admin_web(xpm):
    beta = PracticeFactory(name="Beta & Co")
    return signed_in(MemberFactory(practice=beta, role="admin", login="pass-phrase-beta1"))


def test_a_second_practice_is_refused_a_tenant_another_holds(
    admin_web, beta_admin_web, practice, xpm
):
    finish(admin_web, consent(start(admin_web), tenants=[xpm.tenant_id]))
    assert XpmConnection.objects.get(practice=practice).status == ConnectionStatus.CONNECTED

    page = text(finish(beta_admin_web, consent(start(beta_admin_web), tenants=[xpm.tenant_id])))
    assert TAKEN in page
    assert not XpmConnection.objects.exclude(practice=practice).exists()  # nothing kept

    # consenting to it and another: the choice shows it disabled, saying why
    other = str(uuid.uuid4())
    xpm.server.seed({"tenants": [{"name": "Gamma XPM", "tenant_id": other}]})
    page = text(
        finish(beta_admin_web, consent(start(beta_admin_web), tenants=[xpm.tenant_id, other]))
    )
    assert "Alpha XPM (connected to another practicelink practice)" in page
    choice = beta_admin_web.get(reverse("xpm:apps")).content.decode()
    assert f'<option value="{xpm.tenant_id}" disabled>' in choice
    assert f'<option value="{other}">Gamma XPM</option>' in choice
    assert '<button type="submit">Cancel</button>' in choice
    forced = beta_admin_web.post(reverse("xpm:choose-tenant"), {"tenant_id": xpm.tenant_id})
    assert TAKEN in text(beta_admin_web.get(forced.url))
    beta = XpmConnection.objects.exclude(practice=practice).get()
    assert beta.status == ConnectionStatus.CHOOSE_TENANT
    beta_admin_web.post(reverse("xpm:disconnect"))  # Cancel
    beta.refresh_from_db()
    assert beta.status == ConnectionStatus.DISCONNECTED

    # once the first practice lets it go, the second may connect it
    admin_web.post(reverse("xpm:disconnect"))
    page = text(finish(beta_admin_web, consent(start(beta_admin_web), tenants=[xpm.tenant_id])))
    assert "Connected to Alpha XPM in XPM." in page


def test_the_database_holds_the_rule_when_two_connect_at_once(practice):
    other = PracticeFactory(name="Beta & Co")
    XpmConnection.objects.create(
        practice=practice, status=ConnectionStatus.CONNECTED, tenant_id="t1"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        XpmConnection.objects.create(
            practice=other, status=ConnectionStatus.NEEDS_RECONNECT, tenant_id="t1"
        )
    # a practice that let the tenant go (or is still choosing) does not hold it
    XpmConnection.objects.create(
        practice=other, status=ConnectionStatus.DISCONNECTED, tenant_id="t1"
    )


@contextmanager
def rule_lifted() -> Iterator[None]:
    """The database as it was before the rule (no constraint), restored afterwards."""
    rule = next(c for c in XpmConnection._meta.constraints if c.name == "xpm_tenant_one_practice")
    with connection.schema_editor() as editor:
        editor.remove_constraint(XpmConnection, rule)
    try:
        yield
    finally:
        XpmConnection.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(XpmConnection, rule)


@pytest.mark.django_db(transaction=True)  # a schema change: SQLite makes it outside a transaction
def test_the_upgrade_keeps_the_first_holder_and_tells_the_others_why(practice):
    """The migration's data step, on practices that shared a tenant before the rule."""
    migration = importlib.import_module(
        "practicelink.xpm.migrations.0013_one_practice_per_xpm_tenant"
    )
    later = PracticeFactory(name="Later")
    with rule_lifted():
        for holder, day in ((later, 2), (practice, 1)):
            XpmConnection.objects.create(
                practice=holder,
                status=ConnectionStatus.CONNECTED,
                tenant_id="t1",
                tenant_name="Alpha",
                access_token_encrypted="secret",
                connected_at=f"2026-01-0{day}T00:00:00Z",
            )
        migration.disconnect_the_later_sharers(django_apps, None)
        first = XpmConnection.objects.get(practice=practice)
        second = XpmConnection.objects.get(practice=later)
        assert first.status == ConnectionStatus.CONNECTED  # the first to connect keeps it
        assert (second.status, second.access_token_encrypted) == ("disconnected", "")
        assert second.problem == (
            "Disconnected: Alpha is connected to another practicelink practice, and one XPM "
            "practice syncs with one practicelink practice."
        )
