"""Every list the REST API pages comes in a stable, total order (no row on two pages)."""

from __future__ import annotations

import warnings

import pytest
from django.core.paginator import UnorderedObjectListWarning
from django.urls import reverse
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.pagination import stable_order
from practicelink.urls import router
from practicelink.xpm import services
from practicelink.xpm.models import Staff
from tests.factories import ClientFactory, MemberFactory, make_proposal

pytestmark = pytest.mark.django_db

LIST_ROUTES = [basename for _, viewset, basename in router.registry if hasattr(viewset, "list")]


@pytest.fixture
def linked(practice):
    """Members linked to XPM staff, linked in another order than their names'."""
    members = []
    for number, name in enumerate(["Zed Last", "amy First", "Bob Middle", "Bob Middle"]):
        member = MemberFactory(practice=practice, name=name, email=f"m{number}@example.com")
        staff = Staff.objects.create(
            practice=practice, uuid=f"staff-{number}", name=name, seen_at=timezone.now()
        )
        services.link_create(practice=practice, member=member, staff=staff)
        members.append(member)
    return members


@pytest.mark.parametrize("basename", LIST_ROUTES)
def test_every_paged_list_is_ordered(admin_api, practice, linked, basename):
    make_proposal(practice=practice, client=ClientFactory(practice=practice))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        response = admin_api.get(reverse(f"{basename}-list"))
    assert response.status_code == 200
    assert "results" in response.data


def test_links_come_in_member_name_order_ties_by_member(admin_api, linked):
    zed, amy, bob, bob_again = linked
    response = admin_api.get(reverse("xpm-link-list"))
    assert [row["member"] for row in response.data["results"]] == [
        amy.pk,
        bob.pk,
        bob_again.pk,
        zed.pk,
    ]


def test_stable_order_breaks_ties_by_primary_key_and_keeps_a_total_order(practice):
    by_name = stable_order(Client.objects.filter(practice=practice).order_by("name"))
    assert by_name.query.order_by == ("name", "pk")
    newest = Client.objects.order_by("-created_at", "-id")
    assert stable_order(newest).query.order_by == ("-created_at", "-id")
    unordered = Client.objects.filter(practice=practice).order_by()
    assert stable_order(unordered).query.order_by == ("pk",)
