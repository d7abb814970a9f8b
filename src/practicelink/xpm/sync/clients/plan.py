"""Pure planning of the client side of a sync (SPEC §3): matching and the three-way compare.

No database, no network. The step reads both sides into these records and applies what comes
out; the services that pair a client by hand use the same `Matcher`, so the sync and the UI
never disagree about what counts as "the same client".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from rapidfuzz import fuzz, process

K = TypeVar("K", bound=Hashable)

NEAR_SCORE = 85
"""`token_sort_ratio` from which two names are "near" (e.g. "Ltd" vs "Limited" scores 90)."""
NEAR_LIMIT = 10
_NOT_WORD = re.compile(r"[\W_]+")


def normalise_name(name: str) -> str:
    """Names are compared case-folded, punctuation dropped, whitespace collapsed."""
    return " ".join(_NOT_WORD.sub(" ", name.casefold()).split())


def normalise_email(email: str) -> str:
    return email.strip().casefold()


# --- matching -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate(Generic[K]):
    """A client of the other side that is not linked yet."""

    key: K
    name: str
    email: str = ""


class MatchKind(StrEnum):
    LINK = "link"
    """Exactly one candidate, with the same normalised name or email, and no near one."""
    REVIEW = "review"
    """Several candidates or only near names: a person decides."""
    NEW = "new"
    """No candidate at all."""


@dataclass(frozen=True)
class Match(Generic[K]):
    kind: MatchKind
    keys: tuple[K, ...] = ()
    reason: str = ""


class Matcher(Generic[K]):
    """The unlinked clients of one side, indexed by normalised name and email, fuzzy by name."""

    def __init__(self, candidates: Iterable[Candidate[K]]) -> None:
        self._names: dict[K, str] = {}
        self._by_name: dict[str, set[K]] = defaultdict(set)
        self._by_email: dict[str, set[K]] = defaultdict(set)
        for candidate in candidates:
            self.add(candidate)

    def add(self, candidate: Candidate[K]) -> None:
        name = normalise_name(candidate.name)
        self._names[candidate.key] = name
        self._by_name[name].add(candidate.key)
        email = normalise_email(candidate.email)
        if email:
            self._by_email[email].add(candidate.key)

    def remove(self, key: K) -> None:
        """A candidate that was just linked is no longer one."""
        name = self._names.pop(key, None)
        if name is None:
            return
        self._by_name[name].discard(key)
        for keys in self._by_email.values():
            keys.discard(key)

    def match(self, name: str, email: str = "") -> Match[K]:
        wanted_name, wanted_email = normalise_name(name), normalise_email(email)
        exact = set(self._by_name.get(wanted_name, ()))
        if wanted_email:
            exact |= self._by_email.get(wanted_email, set())
        near = {
            key
            for _, _, key in process.extract(
                wanted_name,
                self._names,
                scorer=fuzz.token_sort_ratio,
                score_cutoff=NEAR_SCORE,
                limit=NEAR_LIMIT,
            )
        } - exact
        keys = tuple(sorted(exact, key=str)) + tuple(sorted(near, key=str))
        if len(exact) == 1 and not near:
            return Match(MatchKind.LINK, keys)
        if len(exact) > 1:
            return Match(MatchKind.REVIEW, keys, f"{len(exact)} clients have this name or email.")
        if keys:
            return Match(MatchKind.REVIEW, keys, "Near names: check they are the same client.")
        return Match(MatchKind.NEW)


# --- three-way compare --------------------------------------------------------------------


class Policy(StrEnum):
    """Who wins when both sides changed the same field (values of `ConflictPolicy`)."""

    XPM_WINS = "xpm_wins"
    PRACTICELINK_WINS = "practicelink_wins"
    MOST_RECENT = "most_recent"


class Side(StrEnum):
    OURS = "ours"
    THEIRS = "theirs"


@dataclass(frozen=True)
class Unmappable:
    """A value that has no counterpart on the other side (a staff with no member...)."""

    problem: str


Ours = str | int | None
"""A value in practicelink's terms: text, or a member id (None: nobody)."""
Theirs = str
"""A value in XPM's terms: text, or a staff UUID ("" : nobody)."""


@dataclass(frozen=True)
class FieldState:
    """One synced field of a linked pair: both current values and the last synced ones."""

    name: str
    ours: Ours
    theirs: Theirs
    base_ours: Ours
    base_theirs: Theirs
    to_theirs: Callable[[Ours], Theirs | Unmappable]
    to_ours: Callable[[Theirs], Ours | Unmappable]


@dataclass(frozen=True)
class Conflict:
    field: str
    ours: Ours
    theirs: Theirs
    winner: Side


@dataclass(frozen=True)
class FieldOutcome:
    """What to do with one field. `set_*` hold the new value for that side (absent: keep)."""

    field: str
    set_ours: tuple[Ours] | None = None
    set_theirs: tuple[Theirs] | None = None
    base: tuple[Ours, Theirs] | None = None
    """The new last-synced pair; None keeps the old one (nothing agreed yet)."""
    conflict: Conflict | None = None
    problem: str = ""


@dataclass(frozen=True)
class Timing:
    """When each side last changed, for "most recent wins"."""

    ours_at: datetime
    theirs_at: datetime


def _winner(policy: Policy, timing: Timing) -> Side:
    if policy == Policy.PRACTICELINK_WINS:
        return Side.OURS
    if policy == Policy.MOST_RECENT and timing.ours_at > timing.theirs_at:
        return Side.OURS
    return Side.THEIRS


def compare(state: FieldState, policy: Policy, timing: Timing) -> FieldOutcome:
    """The three-way compare of one field: a side that changed since the last sync wins; both
    changed (to different values) → the policy decides and a conflict is reported. A winning
    value with no counterpart on the other side changes nothing and is reported as a problem."""
    ours_changed = state.ours != state.base_ours
    theirs_changed = state.theirs != state.base_theirs
    if not ours_changed and not theirs_changed:
        return FieldOutcome(state.name)
    conflict = None
    if ours_changed and theirs_changed:
        if state.to_theirs(state.ours) == state.theirs:
            return FieldOutcome(state.name, base=(state.ours, state.theirs))
        winner = _winner(policy, timing)
        conflict = Conflict(state.name, state.ours, state.theirs, winner)
    else:
        winner = Side.OURS if ours_changed else Side.THEIRS
    if winner == Side.OURS:
        value = state.to_theirs(state.ours)
        if isinstance(value, Unmappable):
            return FieldOutcome(state.name, conflict=conflict, problem=value.problem)
        return FieldOutcome(
            state.name, set_theirs=(value,), base=(state.ours, value), conflict=conflict
        )
    mapped = state.to_ours(state.theirs)
    if isinstance(mapped, Unmappable):
        return FieldOutcome(state.name, conflict=conflict, problem=mapped.problem)
    return FieldOutcome(
        state.name, set_ours=(mapped,), base=(mapped, state.theirs), conflict=conflict
    )


# --- a linked pair ------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalClient:
    id: int
    name: str
    email: str
    partner_id: int | None
    manager_id: int | None
    changed_at: datetime


@dataclass(frozen=True)
class RemoteClient:
    uuid: str
    name: str
    email: str
    partner_uuid: str
    """AccountManager ("" when unset)."""
    manager_uuid: str
    """JobManager ("" when unset)."""


@dataclass(frozen=True)
class Base:
    """The values both sides agreed on at the last sync (the link's `synced_*`)."""

    name: str
    email: str
    partner_id: int | None
    partner_uuid: str
    manager_id: int | None
    manager_uuid: str


@dataclass(frozen=True)
class StaffMap:
    """Member ↔ staff links, with names for the messages."""

    staff_of: Mapping[int, str] = field(default_factory=dict)
    member_of: Mapping[str, int] = field(default_factory=dict)
    member_names: Mapping[int, str] = field(default_factory=dict)
    staff_names: Mapping[str, str] = field(default_factory=dict)

    def to_staff(self, role: str) -> Callable[[Ours], Theirs | Unmappable]:
        def translate(member_id: Ours) -> Theirs | Unmappable:
            if member_id is None:
                return ""
            uuid = self.staff_of.get(int(member_id))
            if uuid is None:
                name = self.member_names.get(int(member_id), f"member {member_id}")
                return Unmappable(
                    f"{role}: {name} is not linked to an XPM staff, so XPM keeps its {role}."
                )
            return uuid

        return translate

    def to_member(self, role: str) -> Callable[[Theirs], Ours | Unmappable]:
        def translate(staff_uuid: Theirs) -> Ours | Unmappable:
            if not staff_uuid:
                return None
            member_id = self.member_of.get(staff_uuid)
            if member_id is None:
                name = self.staff_names.get(staff_uuid, f"staff {staff_uuid}")
                return Unmappable(
                    f"{role}: XPM's {name} is not linked to a member, so practicelink keeps its "
                    f"{role}."
                )
            return member_id

        return translate


def _same(value: Ours) -> Theirs:
    return "" if value is None else str(value)


def _same_ours(value: Theirs) -> Ours:
    return value


@dataclass(frozen=True)
class PairPlan:
    client_id: int
    uuid: str
    outcomes: tuple[FieldOutcome, ...]

    @property
    def local_changes(self) -> dict[str, Ours]:
        return {o.field: o.set_ours[0] for o in self.outcomes if o.set_ours is not None}

    @property
    def remote_changes(self) -> dict[str, Theirs]:
        return {o.field: o.set_theirs[0] for o in self.outcomes if o.set_theirs is not None}

    @property
    def conflicts(self) -> list[Conflict]:
        return [o.conflict for o in self.outcomes if o.conflict is not None]

    @property
    def problems(self) -> list[str]:
        return [o.problem for o in self.outcomes if o.problem]

    @property
    def agreed(self) -> dict[str, tuple[Ours, Theirs]]:
        """Fields whose last-synced pair moves on."""
        return {o.field: o.base for o in self.outcomes if o.base is not None}

    def base_after(self, base: Base, *, pushed: bool = True) -> Base:
        """The last-synced values once the plan is applied: `agreed` over `base`, but for the
        fields a push XPM refused (`pushed` False) was to change."""
        changes: dict[str, Any] = {}
        for name, (ours, theirs) in self.agreed.items():
            if name in self.remote_changes and not pushed:
                continue
            if name in ("name", "email"):
                changes[name] = ours
            else:
                changes[f"{name}_id"], changes[f"{name}_uuid"] = ours, theirs
        return replace(base, **changes)


def plan_pair(
    local: LocalClient,
    remote: RemoteClient,
    base: Base,
    staff: StaffMap,
    policy: Policy,
    theirs_at: datetime,
) -> PairPlan:
    """Compare name, email, partner (↔ AccountManager) and manager (↔ JobManager)."""
    timing = Timing(local.changed_at, theirs_at)
    states = (
        FieldState("name", local.name, remote.name, base.name, base.name, _same, _same_ours),
        FieldState("email", local.email, remote.email, base.email, base.email, _same, _same_ours),
        FieldState(
            "partner",
            local.partner_id,
            remote.partner_uuid,
            base.partner_id,
            base.partner_uuid,
            staff.to_staff("partner"),
            staff.to_member("partner"),
        ),
        FieldState(
            "manager",
            local.manager_id,
            remote.manager_uuid,
            base.manager_id,
            base.manager_uuid,
            staff.to_staff("manager"),
            staff.to_member("manager"),
        ),
    )
    outcomes = tuple(compare(state, policy, timing) for state in states)
    return PairPlan(local.id, remote.uuid, outcomes)


def first_base(local: LocalClient, remote: RemoteClient, staff: StaffMap, policy: Policy) -> Base:
    """The base of a pair linked just now, when nothing was agreed yet: a side with a value
    wins over an empty one; where both hold different values, XPM's wins unless the practice
    lets practicelink win. The base is the losing side's value, so `plan_pair` sees only the
    winner as changed (no conflict is recorded for a pair that was never in sync)."""
    ours_first = policy == Policy.PRACTICELINK_WINS

    def text(ours: str, theirs: str) -> str:
        if not theirs or (ours and ours_first):
            return theirs
        return ours

    def person(
        ours: int | None, theirs: str, to_theirs: Callable[[Ours], Theirs | Unmappable]
    ) -> tuple[int | None, str]:
        if to_theirs(ours) == theirs:
            return ours, theirs
        if not theirs or (ours is not None and ours_first):
            return None, theirs
        return ours, ""

    partner = person(local.partner_id, remote.partner_uuid, staff.to_staff("partner"))
    manager = person(local.manager_id, remote.manager_uuid, staff.to_staff("manager"))
    return Base(
        text(local.name, remote.name),
        text(local.email, remote.email),
        partner[0],
        partner[1],
        manager[0],
        manager[1],
    )
