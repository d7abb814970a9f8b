"""The demo practice that `practicelink run` creates on first start."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from practicelink.clients.services import client_create
from practicelink.datadir import private_file
from practicelink.proposals.models import LibraryService, Status
from practicelink.proposals.services import ServiceLine, proposal_create, proposal_set_status
from practicelink.team.models import Member, Practice, Role
from practicelink.team.services import member_create, member_grant_login, practice_create
from xpm_emulator.seed import seed_uuid

DEMO_PRACTICE = "Demo Practice"
ADMIN_EMAIL = "admin@demo-practice.example"
LOGIN_FILE = "demo_login.txt"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    created: bool


DEMO_MEMBERS = [
    ("Olivia Bennett", "olivia@demo-practice.example", Role.ADMIN),
    ("James Carter", "james@demo-practice.example", Role.STANDARD),
    ("Sophie Turner", "sophie@demo-practice.example", Role.STANDARD),
    ("Liam Walker", "liam@demo-practice.example", Role.STANDARD),
    ("Priya Shah", "priya.shah@demo-practice.example", Role.STANDARD),
]

DEMO_CLIENTS = [
    ("Harbour View Cafe", "accounts@harbourview.example", 0, 1),
    ("Northwind Logistics Ltd", "finance@northwind.example", 0, 2),
    ("Greenleaf Landscaping", "hello@greenleaf.example", 1, 3),
    ("Baker & Sons Joinery", "office@bakersons.example", 1, 2),
    ("Bluebird Dental", "admin@bluebird.example", 0, 3),
    ("Kowalski Family Trust", "", 1, None),  # no manager yet: a gap Link health shows
]

DEMO_SERVICES = [
    ServiceLine("Annual accounts", "Year-end financial statements", Decimal("1"), Decimal("2400")),
    ServiceLine("Tax return", "Company income tax return", Decimal("1"), Decimal("850")),
    ServiceLine("Bookkeeping", "Monthly bookkeeping", Decimal("12"), Decimal("320")),
    ServiceLine("Payroll", "Fortnightly payroll runs", Decimal("26"), Decimal("95")),
]

#: the service library: name, description, default price, the emulator's job template, category
DEMO_LIBRARY = [
    ("Annual accounts", "Year-end financial statements", "2400", "Annual Accounts", "Compliance"),
    ("Tax return", "Company income tax return", "850", "Income Tax Return", "Tax"),
    ("BAS return", "Quarterly GST / BAS return", "450", "GST / BAS Return", "Tax"),
    ("Payroll", "Monthly payroll runs", "95", "Monthly Payroll", "Bookkeeping"),
    ("Advisory meeting", "Planning session with a partner", "300", "", "Advisory"),
]

DEMO_STATUSES = [
    Status.DRAFT,
    Status.SENT,
    Status.ACCEPTED,
    Status.DECLINED,
    Status.SENT,
    Status.LOST,
]


def _login_file() -> Path:
    return Path(settings.DATA_DIR) / LOGIN_FILE


@transaction.atomic
def demo_ensure() -> DemoLogin:
    """Create the demo practice once; afterwards return the login saved at creation."""
    existing = Practice.objects.filter(name=DEMO_PRACTICE).first()
    if existing is not None and _login_file().exists():
        password = _login_file().read_text().strip()
        return DemoLogin(ADMIN_EMAIL, password, created=False)
    practice = existing or practice_create(name=DEMO_PRACTICE)
    admin = Member.objects.filter(practice=practice, email_normalised=ADMIN_EMAIL).first()
    if admin is None:
        admin = member_create(
            practice=practice, name="Alex Admin", email=ADMIN_EMAIL, role=Role.ADMIN
        )
        _populate(practice)
    password = secrets.token_urlsafe(9)
    member_grant_login(practice=practice, member=admin, password=password)
    private_file(_login_file()).write_text(password + "\n")
    return DemoLogin(ADMIN_EMAIL, password, created=True)


def _populate(practice: Practice) -> None:
    # The demo's XPM is the bundled emulator, whose catalogue UUIDs are fixed: the library can
    # name them before the first sync has mirrored the catalogue.
    LibraryService.objects.bulk_create(
        LibraryService(
            practice=practice,
            name=name,
            description=description,
            price=Decimal(price),
            template_uuid=seed_uuid("demo", "template", template) if template else "",
            template_name=template,
            category_uuid=seed_uuid("demo", "category", category),
            category_name=category,
        )
        for name, description, price, template, category in DEMO_LIBRARY
    )
    members = [
        member_create(practice=practice, name=name, email=email, role=role)
        for name, email, role in DEMO_MEMBERS
    ]
    for i, (name, email, partner, manager) in enumerate(DEMO_CLIENTS):
        client = client_create(
            practice=practice,
            name=name,
            email=email,
            partner=members[partner],
            manager=None if manager is None else members[manager],
        )
        proposal = proposal_create(
            practice=practice,
            client=client,
            title=f"{name}: compliance {2026 + i % 2}",
            services=DEMO_SERVICES[: 1 + i % len(DEMO_SERVICES)],
        )
        status = DEMO_STATUSES[i % len(DEMO_STATUSES)]
        if status in (Status.ACCEPTED, Status.DECLINED, Status.LOST):
            proposal_set_status(practice=practice, proposal=proposal, status=Status.SENT)
        if status != Status.DRAFT:
            proposal_set_status(practice=practice, proposal=proposal, status=status)
