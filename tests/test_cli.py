"""`practicelink demo`: the demo practice and its printed admin login."""

from __future__ import annotations

import re

import pytest

from practicelink.cli import main
from practicelink.clients.models import Client
from practicelink.demo import ADMIN_EMAIL, DEMO_PRACTICE, LOGIN_FILE
from practicelink.proposals.models import Proposal
from practicelink.team.models import Access, Member, Practice

pytestmark = pytest.mark.django_db

PRINTED = re.compile(r"Demo practice ready\. Sign in as (\S+) with password (\S+)\n")


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def _demo(capsys) -> tuple[str, str]:
    assert main(["demo"]) == 0
    printed = PRINTED.fullmatch(capsys.readouterr().out)
    assert printed is not None
    return printed.group(1), printed.group(2)


def _counts() -> tuple[int, int, int, int]:
    return (
        Practice.objects.count(),
        Member.objects.count(),
        Client.objects.count(),
        Proposal.objects.count(),
    )


def _can_sign_in(client, email: str, password: str) -> bool:
    client.logout()
    response = client.post("/accounts/login/", {"username": email, "password": password})
    return response.status_code == 302 and client.get("/settings/team/").status_code == 200


def test_demo_creates_the_practice_with_a_working_admin_login(capsys, client, data_dir):
    email, password = _demo(capsys)
    assert email == ADMIN_EMAIL
    practice = Practice.objects.get(name=DEMO_PRACTICE)
    admin = Member.objects.get(practice=practice, email=ADMIN_EMAIL)
    assert (admin.role, admin.access) == ("admin", Access.ACTIVE)
    assert _counts() == (1, 6, 6, 6)
    assert sorted(Proposal.objects.values_list("status", flat=True)) == [
        "accepted",
        "declined",
        "draft",
        "lost",
        "sent",
        "sent",
    ]
    assert (data_dir / LOGIN_FILE).read_text() == password + "\n"
    assert _can_sign_in(client, email, password)


def test_second_run_prints_the_saved_login_and_duplicates_nothing(capsys, client):
    first = _demo(capsys)
    counts = _counts()
    assert _demo(capsys) == first
    assert _counts() == counts
    assert _can_sign_in(client, *first)


def test_lost_login_file_gives_a_new_password_that_works(capsys, client, data_dir):
    email, old = _demo(capsys)
    counts = _counts()
    (data_dir / LOGIN_FILE).unlink()
    new_email, new = _demo(capsys)
    assert (new_email, new != old) == (email, True)
    assert _counts() == counts
    assert _can_sign_in(client, email, new)
    assert not _can_sign_in(client, email, old)
