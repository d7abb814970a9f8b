"""The catalogue step of a sync: mirror XPM's templates, categories, task types and job states.

They are what a service library entry and a planned job pick from (SPEC §4). XPM cannot
change them through the API, so the step only reads XPM: `plan_catalogue` (pure) says what
the mirror must record, and each change is one action of the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from practicelink.xpm.models import CatalogueItem, CatalogueKind, SubjectKind
from practicelink.xpm.remote import XpmClient
from practicelink.xpm.sync.steps import Planned, Step, Subject, SyncContext


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


@dataclass(frozen=True)
class CatalogueState:
    mirrored: list[tuple[Entry, bool]]
    listed: list[Entry]


class CatalogueStep(Step[CatalogueState]):
    name = "catalogue"
    label = "Reading XPM's templates, categories, task types and job states"

    def read(self, ctx: SyncContext) -> CatalogueState:
        rows = CatalogueItem.objects.filter(practice=ctx.practice)
        mirrored = [(Entry(r.kind, r.uuid, r.name), r.gone_at is not None) for r in rows]
        return CatalogueState(mirrored, _listed(ctx.client))

    def plan(self, ctx: SyncContext, state: CatalogueState) -> list[Planned]:
        return [
            Planned(
                f"catalogue_{change.action}",
                Subject(SubjectKind.CATALOGUE, change.entry.name, xpm_id=change.entry.uuid),
                _message(change),
                before={"name": change.before} if change.before else {},
                after={} if change.action == "gone" else {"name": change.entry.name},
                detail=change,
            )
            for change in plan_catalogue(state.mirrored, state.listed)
        ]

    def apply(self, ctx: SyncContext, planned: Planned) -> Planned | None:
        change: Change = planned.detail
        entry = change.entry
        CatalogueItem.objects.update_or_create(
            practice=ctx.practice,
            kind=entry.kind,
            uuid=entry.uuid,
            defaults={
                "name": entry.name,
                "seen_at": ctx.now,
                "gone_at": ctx.now if change.action == "gone" else None,
            },
        )
        return None
