"""What a sync step is, what it is given, and the order the steps run in.

A step reconciles one concern of a practice with XPM (staff, catalogue, clients, jobs). It
works in three phases, and the engine (`engine.py`) drives them:

1. `read(ctx)`: read both sides, XPM (through `ctx.client`) and practicelink, into plain
   records. Reading may call XPM; it never writes.
2. `plan(ctx, state)`: decide, without writing anything, the list of `Planned` actions. Put
   the rules in a pure function of the records (`<step>/plan.py`, no database, no network)
   and call it from here.
3. `apply(ctx, planned)`: carry out one planned action (write in XPM and/or practicelink).
   Return `None` to record the action as planned, or a copy with what became known (the XPM
   id of a created record, the message to show, an `outcome` other than done when the write
   was sent but its answer lost); raise `ActionFailed` with words a person
   understands when it could not be done. XPM errors other than the rate limit count as a
   failure of that action. Actions that only write in practicelink may say `batch=True`:
   the engine then hands runs of them to `apply_many`, which a step overrides to write them
   in bulk (thousands of staff or clients at a first sync).

The engine records one sync event per planned action, through `ctx.recorder`. In a Preview
(`ctx.dry_run`) it records the same actions as "planned" and never calls `apply`: a Preview
is the real run minus the writes, so keep every decision in `plan`. An action that needs no
write (a suggestion, a reason why nothing can be done) says so with `writes=False` and the
outcome to record. When XPM's rate limit is reached (`RateLimitDenied` or `XpmRateLimited`
from any phase) the engine defers the run and, when it resumes, runs the step again from
`read`: so `plan` must be level-triggered (what is already done is not planned again), and
an event's `Subject` + action identify it, so it is written once per run.

To add a step:

- write `xpm/sync/<name>/plan.py` (pure) and `xpm/sync/<name>/step.py` with a subclass of
  `Step` setting `name` (a short code kept on the run and its events), `label` (what the
  progress box says while it runs) and the three methods;
- add its dotted path to `STEPS` below, at its place in the order (a step may rely on the
  ones before it: clients need staff links, jobs need clients);
- test its plan with hypothesis, and one run of it against the emulator.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from django.utils.module_loading import import_string

from practicelink.team.models import Practice
from practicelink.xpm.models import EventOutcome, SubjectKind, SyncRun
from practicelink.xpm.remote import XpmClient

if TYPE_CHECKING:
    from practicelink.xpm.sync.events import Recorder

STEPS: tuple[str, ...] = (
    "practicelink.xpm.sync.staff.step.StaffStep",
    "practicelink.xpm.sync.catalogue.CatalogueStep",
    "practicelink.xpm.sync.clients.step.ClientsStep",
    "practicelink.xpm.sync.deployments.step.DeploymentsStep",
)
"""Every step, in the order a run executes them."""


@dataclass(frozen=True)
class Subject:
    """Whom an action is about: a local record and/or its XPM counterpart, by name."""

    kind: SubjectKind
    label: str
    id: int | None = None
    xpm_id: str = ""


@dataclass(frozen=True)
class Planned:
    """One action a step will take (or, in a Preview, would take), described for the history.

    `before`/`after` hold only the fields that change. `detail` is the step's own data that
    `apply` needs; it is never stored.
    """

    action: str
    subject: Subject
    message: str
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    writes: bool = True
    outcome: EventOutcome = EventOutcome.DONE
    """What to record when `writes` is False (suggested, skipped), or what `apply` says
    happened (done, or uncertain: sent, answer lost)."""
    detail: Any = None
    batch: bool = False
    """A write in practicelink alone (no XPM call) that `Step.apply_many` may carry out
    together with the next ones of the plan."""

    def but(self, **changes: Any) -> Planned:
        return replace(self, **changes)


class ActionFailed(Exception):
    """An action could not be done; the message says why, in words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class SyncContext:
    """What a step is given: the practice, its XPM client, the clock, dry run, the recorder."""

    run: SyncRun
    practice: Practice
    client: XpmClient
    now: datetime
    """The clock of this pass of the run (tests choose it; the 24-hour rule reads it)."""
    dry_run: bool
    recorder: Recorder


State = TypeVar("State")


class Step(ABC, Generic[State]):
    name: ClassVar[str]
    label: ClassVar[str]

    @abstractmethod
    def read(self, ctx: SyncContext) -> State: ...

    @abstractmethod
    def plan(self, ctx: SyncContext, state: State) -> list[Planned]: ...

    @abstractmethod
    def apply(self, ctx: SyncContext, planned: Planned) -> Planned | None: ...

    def apply_many(self, ctx: SyncContext, batch: list[Planned]) -> list[Planned | None]:
        """Carry out consecutive `batch=True` actions at once, in bulk writes; what `apply`
        would return for each. The engine runs it in one transaction; when it raises
        (`ActionFailed`, a database error) the batch is undone and each action is applied
        on its own, so one bad action fails alone, with its own message."""
        return [self.apply(ctx, planned) for planned in batch]


@cache
def registered_steps() -> tuple[Step[Any], ...]:
    """One instance of every step in `STEPS`, in order."""
    return tuple(import_string(path)() for path in STEPS)
