"""Seed data: the deterministic demo practices, or tenants posted as JSON.

`demo` gives "Demo Practice" (`DEMO_TENANT_ID`: 12 staff, 30 clients with partner/manager,
2 client groups, 4 job templates with their task types, categories, job states) and a small
second practice (`SECOND_TENANT_ID`) to show multi-tenancy. Every UUID is a uuid5 of a fixed
name, so two seeds are identical and tests can rely on them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from xpm_emulator.models import (
    Category,
    Client,
    ClientGroup,
    Contact,
    JobState,
    Staff,
    TaskType,
    Template,
    Tenant,
    standard_job_states,
)
from xpm_emulator.store import Store, from_dict

DEMO_TENANT_ID = "7f2c9e4a-3b1d-4c8e-9a6f-0d5e1b2c3a41"
SECOND_TENANT_ID = "a3e8d1f0-6c2b-4e7a-8d9f-1b4c5e6f7a82"
SEED_MODIFIED_AT = "2025-01-01T00:00:00"
_NAMESPACE = UUID("0b6f8a52-9d3e-4f1a-8c7b-2e5d4a3f1c90")

DEMO_STAFF = (
    # (name, payroll code); the first three are partners, the next four managers.
    ("Olivia Bennett", "P001"),
    ("James Carter", "P002"),
    ("Sophie Nguyen", "P003"),
    ("Liam O'Connor", "M001"),
    ("Emma Wilson", "M002"),
    ("Noah Patel", "M003"),
    ("Mia Thompson", "M004"),
    ("Lucas Rossi", "S001"),
    ("Chloe Martin", "S002"),
    ("Ethan Brooks", "S003"),
    ("Grace Kim", "S004"),
    ("Henry Walsh", "S005"),
)
SECOND_STAFF = (("Rachel Hughes", "P001"), ("Tom Becker", "M001"), ("Aisha Rahman", "S001"))
DEMO_CLIENTS = (
    "Acme Plumbing Ltd",
    "Bluegum Bakery",
    "Coastal Surf Co",
    "Dingo Digital Pty Ltd",
    "Evergreen Landscaping",
    "Fernhill Family Trust",
    "Golden Wattle Cafe",
    "Harbourside Dental",
    "Ironbark Builders",
    "Jacaranda Florist",
    "Kookaburra Kids Childcare",
    "Lighthouse Legal",
    "Mallee Farms Partnership",
    "Northside Physio",
    "Outback Outfitters",
    "Pelican Print Shop",
    "Quokka Quality Imports",
    "Riverbend Vineyards",
    "Saltbush Consulting",
    "Tasman Transport",
    "Urban Nest Architects",
    "Valley Veterinary Clinic",
    "Waratah Wellness",
    "Xavier & Young Electrical",
    "Yarra Yoga Studio",
    "Zenith Engineering",
    "Anna Kowalski",
    "Ben Fraser",
    "Carla Mendes",
    "David Osei",
)
DEMO_TEMPLATES = {
    "Annual Accounts": ("Bookkeeping Review", "Prepare Financial Statements", "Partner Review"),
    "Income Tax Return": ("Prepare Tax Return", "Partner Review", "Lodge Return"),
    "GST / BAS Return": ("Reconcile GST", "Prepare BAS", "Lodge Return"),
    "Monthly Payroll": ("Process Payroll", "Payroll Review"),
}
DEMO_CATEGORIES = ("Compliance", "Tax", "Advisory", "Bookkeeping")
DEMO_GROUPS = {
    "Fernhill Family": ("Fernhill Family Trust", "Anna Kowalski"),
    "Hospitality": ("Bluegum Bakery", "Golden Wattle Cafe"),
}


def seed_uuid(*parts: str) -> str:
    return str(uuid5(_NAMESPACE, "/".join(parts)))


def _staff(tenant_key: str, domain: str, name: str, payroll_code: str) -> Staff:
    first = name.split()[0].lower()
    return Staff(
        name=name,
        uuid=seed_uuid(tenant_key, "staff", name),
        email=f"{first}@{domain}",
        phone="",
        payroll_code=payroll_code,
    )


def _catalogue(tenant_key: str, templates: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """Task types, templates, categories and job states with stable UUIDs."""
    task_names = sorted({task for tasks in templates.values() for task in tasks})
    task_types = [TaskType(name, seed_uuid(tenant_key, "task", name)) for name in task_names]
    return {
        "task_types": task_types,
        "templates": [
            Template(
                name,
                seed_uuid(tenant_key, "template", name),
                [seed_uuid(tenant_key, "task", task) for task in tasks],
            )
            for name, tasks in templates.items()
        ],
        "categories": [Category(n, seed_uuid(tenant_key, "category", n)) for n in DEMO_CATEGORIES],
        "job_states": [
            JobState(s.name, s.code, seed_uuid(tenant_key, "state", s.code), s.closed)
            for s in standard_job_states()
        ],
    }


def _client(tenant_key: str, index: int, name: str, staff: list[Staff]) -> Client:
    """Client `index`: partners rotate over the first 3 staff, managers over the next 4;
    every 10th client has no manager and the last has neither (unset links are real too)."""
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
    last = index == len(DEMO_CLIENTS) - 1
    return Client(
        name=name,
        uuid=seed_uuid(tenant_key, "client", name),
        email=f"accounts@{slug}.example",
        details={"Phone": f"+61 2 9{index:03d} {1000 + index * 37:04d}", "Country": "Australia"},
        account_manager_uuid=None if last else staff[index % 3].uuid,
        job_manager_uuid=None if last or index % 10 == 9 else staff[3 + index % 4].uuid,
        contacts=[
            Contact(
                name=f"{name.split()[0]} Contact",
                uuid=seed_uuid(tenant_key, "contact", name),
                is_primary=True,
                email=f"contact@{slug}.example",
            )
        ],
        modified_at=SEED_MODIFIED_AT,
    )


def demo_tenant() -> Tenant:
    staff = [_staff("demo", "demo-practice.example", n, code) for n, code in DEMO_STAFF]
    clients = [_client("demo", i, name, staff) for i, name in enumerate(DEMO_CLIENTS)]
    return Tenant(
        name="Demo Practice",
        tenant_id=DEMO_TENANT_ID,
        staff=staff,
        clients=clients,
        client_groups=[
            ClientGroup(
                name,
                seed_uuid("demo", "group", name),
                [seed_uuid("demo", "client", member) for member in members],
            )
            for name, members in DEMO_GROUPS.items()
        ],
        **_catalogue("demo", DEMO_TEMPLATES),
    )


def second_tenant() -> Tenant:
    staff = [
        _staff("second", "second-street.example", name, code)
        for name, code in (
            ("Rachel Hughes", "P001"),
            ("Tom Becker", "M001"),
            ("Aisha Rahman", "S001"),
        )
    ]
    clients = [
        Client(
            name=name,
            uuid=seed_uuid("second", "client", name),
            account_manager_uuid=staff[0].uuid,
            job_manager_uuid=staff[1].uuid,
            modified_at=SEED_MODIFIED_AT,
        )
        for name in ("Hilltop Hardware", "Second Street Books", "Marlin Marine")
    ]
    templates = {"Annual Accounts": DEMO_TEMPLATES["Annual Accounts"]}
    return Tenant(
        name="Second Street Accounting",
        tenant_id=SECOND_TENANT_ID,
        staff=staff,
        clients=clients,
        **_catalogue("second", templates),
    )


def apply_seed(store: Store, seed: str) -> None:
    """Add the named seed's tenants: `demo` or `none`."""
    if seed == "demo":
        store.put_tenant(demo_tenant())
        store.put_tenant(second_tenant())
    elif seed != "none":
        raise ValueError(f"unknown seed {seed!r}; use 'demo' or 'none'")


def apply_seed_document(store: Store, document: dict[str, Any]) -> list[Tenant]:
    """Add (or replace) the tenants of a posted seed: `{"tenants": [{"name": ..., "staff":
    [...], "clients": [...], ...}]}`, in the snapshot's field names; omitted fields default."""
    unknown = set(document) - {"tenants"}
    if unknown:
        raise ValueError(f"unknown seed keys {sorted(unknown)}; expected 'tenants'")
    tenants = [from_dict(Tenant, data) for data in document.get("tenants", [])]
    for tenant in tenants:
        store.put_tenant(tenant)
    return tenants
