"""The isolation matrix: every page of the URL conf and every operation of the OpenAPI schema,
tried by an intruder from another practice, a standard member, the owner and nobody.

Every object of practice A that a URL can name has the same primary key, `ID` (the fixture
sets each table's next id before creating them), so each route is filled in without knowing
its model. A new page or endpoint is covered the day it is added: if the owner cannot reach
`ID` through it, the universe below lacks its object and the test says so.

- another practice's admin: 404 for every method the page offers; practice A unchanged and
  never named in an answer;
- a standard member: 403 on the admin areas (Settings, the library's forms, the `xpm` API);
- nobody signed in: the login page, or 401 with `WWW-Authenticate` from the API.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from django.apps import apps
from django.core import serializers
from django.db import connection
from django.test import Client as BrowserClient
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from practicelink.proposals.models import LibraryService
from practicelink.team.models import Invitation, Member, Practice
from practicelink.team.services import member_delete
from practicelink.team.tokens import token_create
from practicelink.xpm.models import (
    ClientConflict,
    ClientLink,
    ClientLinkMethod,
    ClientMatch,
    Deployment,
    LinkMethod,
    StaffLink,
    SyncEvent,
    SyncRun,
    SyncTrigger,
)
from practicelink.xpm.models import Staff as StaffRow
from tests.conftest import PASSWORD, api_for, signed_in
from tests.factories import ClientFactory, MemberFactory, PracticeFactory, make_proposal

pytestmark = pytest.mark.django_db

ID = 900_001
MARK = "Alpha-secret"
"""In every name practice A has: an answer to an intruder never contains it."""
STAFF_UUID = "alpha-secret-staff-0001"
APPS = ("team", "clients", "proposals", "xpm")

# Not a practice's pages: Django's sign-in pages, a link addressed by its token, the schema,
# the operator's health check and metrics.
PUBLIC = (
    *("/accounts/", "/invite/", "/p/", "/favicon.ico", "/api/schema", "/api/docs"),
    *("/healthz", "/metrics", "/signup/", "/api/v1/signup/"),
)
ADMIN_AREAS = (
    "/settings/",
    "/proposals/library/new/",
    f"/proposals/library/{ID}/",
    "/api/v1/invitations/",
    *(
        f"/api/v1/xpm/{area}/"
        for area in ("budget", "connection", "health", "links", "members", "settings", "staff")
    ),
    *(f"/api/v1/xpm/{area}/" for area in ("syncs", "why-not")),
)
XPM_MEMBER_AREAS = ("/api/v1/xpm/client-", "/api/v1/xpm/deployments/", "/api/v1/xpm/jobs/")
"""Any member pairs clients, resolves conflicts and sees deployments, as in the UI."""
ADMIN_WRITES = ("/api/v1/members/", "/api/v1/proposals/library/")
"""Standard members may read these (pickers, the library) but not change them."""
# What an owner's request needs for the page to find `ID`, by URL name.
ARRANGE = {"team:restore": "deleted", "member-restore": "deleted"}

FORM = {
    "name": "Hijacked",
    "email": "hijacked@example.com",
    "role": "admin",
    "title": "Hijacked",
    "status": "accepted",
    "archived": "on",
    "staff": STAFF_UUID,
    "member": str(ID),
    "candidate": "alpha-secret-client-0001",
    "keep": "theirs",
    "task_uuid": "alpha-secret-task-0001",
    "staff_uuid": STAFF_UUID,
}
BODY = {**FORM, "archived": True, "member": ID, "services": []}
UI_METHODS = ("get", "post")


@dataclass(frozen=True)
class Route:
    path: str
    name: str
    methods: tuple[str, ...]
    api: bool

    @property
    def names_an_object(self) -> bool:
        return str(ID) in self.path

    @property
    def admin_only(self) -> bool:
        return self.path.startswith(ADMIN_AREAS)

    def admin_only_for(self, method: str) -> bool:
        return self.admin_only or (method != "get" and self.path.startswith(ADMIN_WRITES))


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Any]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}", pattern


def _filled(route: str) -> str:
    """A `path()` route with every parameter (an id, a job number) as `ID`."""
    return "/" + re.sub(r"<(\w+:)?\w+>", str(ID), route)


@cache
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


@cache
def api_routes() -> tuple[Route, ...]:
    routes = []
    for path, operations in schema()["paths"].items():
        methods = tuple(m for m in ("get", "post", "put", "patch", "delete") if m in operations)
        names = {op["operationId"] for op in operations.values() if isinstance(op, dict)}
        filled = re.sub(r"\{\w+\}", str(ID), path)
        if filled.startswith(PUBLIC):
            continue
        routes.append(Route(filled, ",".join(sorted(names)), methods, api=True))
    return tuple(routes)


@cache
def ui_routes() -> tuple[Route, ...]:
    routes = []
    for route, name, _ in _walk(get_resolver().url_patterns):
        path = "/" + route
        if path.startswith(("/api/", "/admin/", *PUBLIC)) or route == "":
            continue
        routes.append(Route(_filled(route), name, UI_METHODS, api=False))
    return tuple(routes)


def test_every_api_route_of_the_url_conf_is_in_the_schema():
    documented = {re.sub(r"\{\w+\}", "{}", path) for path in schema()["paths"]}
    in_conf = set()
    for route, name, _ in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/") or "format" in route or name == "api-root":
            continue
        path = "/" + route.replace("^", "").replace("$", "")
        in_conf.add(re.sub(r"\(\?P<\w+>[^)]*\)|<\w+:\w+>", "{}", path))
    assert in_conf == documented


# --- the universe ---------------------------------------------------------------------------


def _next_ids_from(first: int) -> None:
    """Every practicelink table hands out `first` as its next primary key."""
    with connection.cursor() as cursor:
        for app in APPS:
            for model in apps.get_app_config(app).get_models():
                table = model._meta.db_table
                if connection.vendor == "sqlite":
                    cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                    cursor.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                        [table, first - 1],
                    )
                else:
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)",
                        [table, model._meta.pk.column, first],
                    )


@dataclass(frozen=True)
class Universe:
    practice: Practice
    target: Member
    owner: Member
    standard: Member
    intruder: Member


@pytest.fixture
def universe() -> Universe:
    # Practice A first: PostgreSQL's sequences ignore rollbacks, so practice B made before
    # the reset could already hold ids at or past `ID` and collide with A's next rows.
    _next_ids_from(ID)
    alpha = PracticeFactory(name=f"{MARK} & Co")
    target = MemberFactory(practice=alpha, name=f"{MARK} Target", login=PASSWORD)
    owner = MemberFactory(practice=alpha, role="admin", name=f"{MARK} Owner", login=PASSWORD)
    standard = MemberFactory(practice=alpha, name=f"{MARK} Standard", login=PASSWORD)
    client = ClientFactory(practice=alpha, name=f"{MARK} Client", partner=target, manager=target)
    proposal = make_proposal(client, title=f"{MARK} proposal")
    Deployment.objects.create(
        practice=alpha, proposal=proposal, job=proposal.jobs.get(), job_number=str(ID)
    )
    LibraryService.objects.create(practice=alpha, name=f"{MARK} service")
    invitation = Invitation.objects.create(
        practice=alpha, member=target, token_hash=MARK, expires_at=timezone.now()
    )
    token, _ = token_create(user=owner.user, name=f"{MARK} token")
    now = timezone.now()
    staff = StaffRow.objects.create(
        practice=alpha, uuid=STAFF_UUID, name=f"{MARK} Staff", email=target.email, seen_at=now
    )
    StaffLink.objects.create(
        practice=alpha, member=target, staff=staff, method=LinkMethod.MANUAL, linked_at=now
    )
    run = SyncRun.objects.create(
        practice=alpha, trigger=SyncTrigger.MANUAL, started_by=owner, finished_at=now
    )
    SyncEvent.objects.create(
        run=run,
        practice=alpha,
        action="link",
        subject_kind="member",
        subject_id=target.pk,
        subject_label=target.name,
        key=f"link:{target.pk}",
        outcome="succeeded",
        message=MARK,
    )
    ClientLink.objects.create(
        practice=alpha,
        client=client,
        uuid="alpha-secret-client-0001",
        method=ClientLinkMethod.MATCHED,
        linked_at=now,
        synced_at=now,
        synced_name=client.name,
    )
    ClientMatch.objects.create(
        practice=alpha, side="local", client=client, name=client.name, reason=MARK, created_at=now
    )
    ClientConflict.objects.create(
        practice=alpha,
        client=client,
        field="partner",
        ours=target.name,
        theirs=f"{MARK} Other",
        applied="theirs",
        policy="xpm_wins",
        created_at=now,
    )
    for made in (alpha, target, client, staff, run, invitation, token):
        assert made.pk == ID, f"{type(made).__name__} got id {made.pk}"
    beta = PracticeFactory(name="Beta Ltd")
    intruder = MemberFactory(practice=beta, role="admin", name="Ivan Intruder", login=PASSWORD)
    make_proposal(ClientFactory(practice=beta, name="Bolt (B)"), title="B's proposal")
    return Universe(alpha, target, owner, standard, intruder)


def _arrange(universe: Universe, route: Route) -> None:
    if any(ARRANGE.get(name) == "deleted" for name in route.name.split(",")):
        member_delete(practice=universe.practice, member=universe.target, by=universe.owner)


def _practice_a(practice: Practice) -> dict[str, Any]:
    """Every row of practice A, of its people (their API tokens), and that no practice owns,
    serialised."""
    rows: dict[str, Any] = {}
    people = Member.objects.filter(practice=practice).values("user_id")
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            fields = {f.name for f in model._meta.get_fields()}
            if model is Practice:
                queryset = model.objects.filter(pk=practice.pk)
            elif "practice" in fields:
                queryset = model.objects.filter(practice=practice)
            elif "user" in fields:
                queryset = model.objects.filter(user__in=people)
            else:
                queryset = model.objects.all()
            for row in json.loads(serializers.serialize("json", queryset.order_by("pk"))):
                rows[f"{row['model']}:{row['pk']}"] = row["fields"]
    return rows


def _request(browser: BrowserClient | APIClient, route: Route, method: str) -> Any:
    call = getattr(browser, method)
    if route.api:
        return call(route.path, BODY if method != "get" else None, format="json")
    return call(route.path, FORM if method == "post" else None)


def _text(answer: Any) -> str:
    body = b"".join(answer.streaming_content) if answer.streaming else answer.content
    return body.decode(errors="replace")


def _routes(*, objects_only: bool = False, admin_only: bool = False) -> list[Any]:
    chosen = [
        r
        for r in (*ui_routes(), *api_routes())
        if (r.names_an_object or not objects_only)
        and (not admin_only or r.admin_only or r.path.startswith(ADMIN_WRITES))
    ]
    return [pytest.param(r, id=f"{'api' if r.api else 'ui'} {r.path}") for r in chosen]


def _client(member: Member, route: Route) -> BrowserClient | APIClient:
    return api_for(member) if route.api else signed_in(member)


@pytest.mark.parametrize("route", _routes())
def test_another_practice_gets_404_and_changes_nothing(universe, route):
    _arrange(universe, route)
    before = _practice_a(universe.practice)
    intruder, owner = _client(universe.intruder, route), _client(universe.owner, route)
    answers = {method: _request(intruder, route, method) for method in route.methods}
    for method, answer in answers.items():
        assert MARK not in _text(answer), method
    assert _practice_a(universe.practice) == before
    if not route.names_an_object:
        return
    for method, answer in answers.items():
        mine = _request(owner, route, method)
        assert mine.status_code != 404, (
            f"{method.upper()} {route.path} is 404 for practice A's own admin: give the"
            f" universe fixture the object this route names (with id {ID}), or an ARRANGE step"
        )
        assert answer.status_code == (405 if mine.status_code == 405 else 404), method


@pytest.mark.parametrize("route", _routes(admin_only=True))
def test_a_standard_member_gets_403_on_admin_areas(universe, route):
    _arrange(universe, route)
    before = _practice_a(universe.practice)
    standard = _client(universe.standard, route)
    for method in route.methods:
        if not route.admin_only_for(method):
            continue
        answer = _request(standard, route, method)
        assert answer.status_code in (403, 405), f"{method.upper()} {route.path}"
        if answer.status_code == 405:
            assert _request(_client(universe.owner, route), route, method).status_code == 405
    assert _practice_a(universe.practice) == before


@pytest.mark.parametrize("route", _routes())
def test_nobody_signed_in_gets_the_login_page_or_401(universe, route):
    _arrange(universe, route)
    before = _practice_a(universe.practice)
    anonymous = APIClient() if route.api else BrowserClient()
    for method in route.methods:
        answer = _request(anonymous, route, method)
        if route.api:
            assert answer.status_code == 401, f"{method.upper()} {route.path}"
            assert answer.headers["WWW-Authenticate"] == "Token"
        elif answer.status_code != 405:
            assert answer.status_code == 302, f"{method.upper()} {route.path}"
            assert answer.headers["Location"].startswith("/accounts/login/?next=")
    assert _practice_a(universe.practice) == before


def test_the_matrix_covers_every_page_and_operation():
    """The figures the README gives, and a floor: a broken enumeration finds nothing."""
    ui, api = ui_routes(), api_routes()
    operations = sum(len(r.methods) for r in api)
    assert len(ui) >= 30 and operations >= 40, (len(ui), operations)
    unclassified = [
        r.path
        for r in api
        if r.path.startswith("/api/v1/xpm/")
        and not r.admin_only
        and not r.path.startswith(XPM_MEMBER_AREAS)
    ]
    assert unclassified == [], "say whether these are admin areas (ADMIN_AREAS) or not"
