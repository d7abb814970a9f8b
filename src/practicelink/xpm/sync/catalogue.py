"""The catalogue step of a sync: mirror XPM's templates, categories, task types and job states.

They are what a service library entry and a planned job pick from (SPEC §4). XPM cannot
change them through the API, so the step only reads: `plan_catalogue` (pure) says what
the mirror must record, the step writes it and logs one event per change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.db import transaction

from practicelink.xpm.models import CatalogueItem, CatalogueKind, EventOutcome, SyncRun
from practicelink.xpm.remote import XpmClient
from practicelink.xpm.sync.events import event, progress


@dataclass(frozen=True)
class Entry:
    kind: str
    uuid: str
    name: str


@dataclass(frozen=True)
class Change:
    entry: Entry
    action: str
    """"new", "renamed", "gone" or "back"."""
    before: str = ""


def plan_catalogue(mirrored: Iterable[tuple[Entry, bool]], listed: Iterable[Entry]) -> list[Change]:
    """Changes to make the mirror (entries with their gone flag) match what XPM listed."""
    known = {(entry.kind, entry.uuid): (entry, gone) for entry, gone in mirrored}
    changes = []
    for entry in listed:
        previous = known.pop((entry.kind, entry.uuid), None)
        if previous is None:
            changes.append(Change(entry, "new"))
        elif previous[1]:
            changes.append(Change(entry, "back", previous[0].name))
        elif previous[0].name != entry.name:
            changes.append(Change(entry, "renamed", previous[0].name))
    changes += [Change(entry, "gone") for entry, gone in known.values() if not gone]
    return changes


class _Listed(Protocol):
    @property
    def uuid(self) -> str: ...
    @property
    def name(self) -> str: ...


def _listed(client: XpmClient) -> list[Entry]:
    readers: Sequence[tuple[str, Callable[[], Sequence[_Listed]]]] = (
        (CatalogueKind.TEMPLATE, client.template_list),
        (CatalogueKind.CATEGORY, client.category_list),
        (CatalogueKind.TASK_TYPE, client.task_type_list),
        (CatalogueKind.JOB_STATE, client.job_state_list),
    )
    return [Entry(kind, item.uuid, item.name) for kind, read in readers for item in read()]


def _message(change: Change) -> str:
    kind = CatalogueKind(change.entry.kind).label
    name = change.entry.name
    return {
        "new": f"{kind} “{name}” read from XPM.",
        "renamed": f"{kind} “{change.before}” is now called “{name}” in XPM.",
        "gone": f"{kind} “{name}” is no longer in XPM.",
        "back": f"{kind} “{name}” is back in XPM.",
    }[change.action]


def catalogue_reconcile(run: SyncRun, client: XpmClient, now: datetime) -> None:
    progress(run, "Reading XPM's templates, categories, task types and job states")
    listed = _listed(client)
    rows = {
        (row.kind, row.uuid): row for row in CatalogueItem.objects.filter(practice=run.practice)
    }
    mirrored = [(Entry(r.kind, r.uuid, r.name), r.gone_at is not None) for r in rows.values()]
    changes = plan_catalogue(mirrored, listed)
    outcome = EventOutcome.PLANNED if run.dry_run else EventOutcome.DONE
    with transaction.atomic():
        if not run.dry_run:
            CatalogueItem.objects.filter(
                practice=run.practice, uuid__in=[e.uuid for e in listed]
            ).update(seen_at=now)
        for change in changes:
            if not run.dry_run:
                _apply(run, rows.get((change.entry.kind, change.entry.uuid)), change, now)
            before = {"name": change.before} if change.before else {}
            after = {} if change.action == "gone" else {"name": change.entry.name}
            event(
                run,
                f"catalogue_{change.action}",
                outcome,
                before=before,
                after=after,
                message=_message(change),
            )


def _apply(run: SyncRun, row: CatalogueItem | None, change: Change, now: datetime) -> None:
    entry = change.entry
    if row is None:
        CatalogueItem.objects.create(
            practice=run.practice, kind=entry.kind, uuid=entry.uuid, name=entry.name, seen_at=now
        )
        return
    row.name = entry.name
    row.gone_at = now if change.action == "gone" else None
    row.save(update_fields=["name", "gone_at"])
