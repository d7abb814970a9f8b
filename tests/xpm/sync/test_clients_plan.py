"""The pure client plan: matching and the three-way compare, without database or network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practicelink.xpm.sync.clients.plan import (
    Base,
    Candidate,
    LocalClient,
    Matcher,
    MatchKind,
    Policy,
    RemoteClient,
    Side,
    StaffMap,
    first_base,
    normalise_name,
    plan_pair,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def matcher(*names: str, emails: dict[str, str] | None = None) -> Matcher[int]:
    emails = emails or {}
    return Matcher(Candidate(i, n, emails.get(n, "")) for i, n in enumerate(names, start=1))


class TestMatching:
    def test_same_normalised_name_links(self):
        found = matcher("Harbour View Café", "Acme Plumbing").match("  harbour view café ")
        assert (found.kind, found.keys) == (MatchKind.LINK, (1,))

    def test_punctuation_and_case_do_not_matter(self):
        assert normalise_name("Baker & Sons, Joinery.") == normalise_name("baker sons joinery")

    def test_same_email_links_whatever_the_name(self):
        found = matcher("Greenleaf", emails={"Greenleaf": "Hello@Greenleaf.example"}).match(
            "Greenleaf Landscaping Pty", "hello@greenleaf.example "
        )
        assert (found.kind, found.keys) == (MatchKind.LINK, (1,))

    def test_ltd_against_limited_goes_to_review(self):
        found = matcher("Bluebird Dental Limited").match("Bluebird Dental Ltd")
        assert (found.kind, found.keys) == (MatchKind.REVIEW, (1,))
        assert "Near names" in found.reason

    def test_two_exact_candidates_go_to_review(self):
        found = matcher("Acme", "ACME").match("acme")
        assert (found.kind, found.keys) == (MatchKind.REVIEW, (1, 2))
        assert found.reason == "2 clients have this name or email."

    def test_exact_plus_near_candidate_goes_to_review(self):
        found = matcher("Acme Plumbing Ltd", "Acme Plumbing").match("Acme Plumbing Ltd")
        assert (found.kind, set(found.keys)) == (MatchKind.REVIEW, {1, 2})

    def test_different_names_are_new(self):
        assert matcher("North Ltd", "Bluegum Bakery").match("South Ltd").kind == MatchKind.NEW

    def test_a_linked_candidate_is_no_longer_offered(self):
        index = matcher("Acme", "Acme")
        index.remove(1)
        assert index.match("Acme").keys == (2,)

    @given(st.text(min_size=1, max_size=40).filter(lambda s: normalise_name(s)))
    def test_any_name_matches_itself(self, name):
        assert matcher(name).match(name).kind == MatchKind.LINK


# --- three-way compare --------------------------------------------------------------------

ANN, BOB, CAT = 1, 2, 3  # members; CAT has no staff
S_ANN, S_BOB, S_ZED = "s-ann", "s-bob", "s-zed"  # staff; ZED has no member
STAFF = StaffMap(
    staff_of={ANN: S_ANN, BOB: S_BOB},
    member_of={S_ANN: ANN, S_BOB: BOB},
    member_names={ANN: "Ann", BOB: "Bob", CAT: "Cat"},
    staff_names={S_ANN: "Ann", S_BOB: "Bob", S_ZED: "Zed"},
)
BASE = Base("Acme", "a@acme.example", ANN, S_ANN, BOB, S_BOB)


def pair(ours_partner, theirs_partner, policy=Policy.XPM_WINS, ours_later=False):
    local = LocalClient(
        7,
        "Acme",
        "a@acme.example",
        ours_partner,
        BOB,
        T0 + timedelta(minutes=10 if ours_later else 1),
    )
    remote = RemoteClient("u-7", "Acme", "a@acme.example", theirs_partner, S_BOB)
    return plan_pair(local, remote, BASE, STAFF, policy, theirs_at=T0 + timedelta(minutes=5))


# (ours partner, XPM partner) → (local partner after, XPM partner after, conflict?, problem?)
THREE_WAY = [
    pytest.param(ANN, S_ANN, ANN, S_ANN, False, False, id="unchanged"),
    pytest.param(BOB, S_ANN, BOB, S_BOB, False, False, id="ours changed"),
    pytest.param(ANN, S_BOB, BOB, S_BOB, False, False, id="XPM changed"),
    pytest.param(None, S_ANN, None, "", False, False, id="ours cleared"),
    pytest.param(ANN, "", None, "", False, False, id="XPM cleared"),
    pytest.param(BOB, S_BOB, BOB, S_BOB, False, False, id="both changed alike"),
    pytest.param(BOB, "", None, "", True, False, id="both changed: XPM wins"),
    pytest.param(None, S_BOB, BOB, S_BOB, True, False, id="ours cleared, XPM changed"),
    pytest.param(CAT, S_ANN, CAT, S_ANN, False, True, id="ours changed to a member with no staff"),
    pytest.param(ANN, S_ZED, ANN, S_ZED, False, True, id="XPM changed to a staff with no member"),
    pytest.param(CAT, S_BOB, BOB, S_BOB, True, False, id="both: XPM wins over unmappable ours"),
    pytest.param(BOB, S_ZED, BOB, S_ZED, True, True, id="both: XPM's staff has no member"),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "ours_after", "theirs_after", "conflict", "problem"), THREE_WAY
)
def test_three_way_partner(ours, theirs, ours_after, theirs_after, conflict, problem):
    plan = pair(ours, theirs)
    assert plan.local_changes.get("partner", ours) == ours_after
    assert plan.remote_changes.get("partner", theirs) == theirs_after
    assert bool(plan.conflicts) == conflict
    assert bool(plan.problems) == problem
    if not problem and (ours, theirs) != (ANN, S_ANN):
        assert plan.agreed["partner"] == (ours_after, theirs_after)
    if problem:
        assert "partner" not in plan.agreed


@pytest.mark.parametrize(
    ("policy", "ours_later", "winner"),
    [
        (Policy.XPM_WINS, True, Side.THEIRS),
        (Policy.PRACTICELINK_WINS, False, Side.OURS),
        (Policy.MOST_RECENT, True, Side.OURS),
        (Policy.MOST_RECENT, False, Side.THEIRS),
    ],
)
def test_policy_decides_when_both_changed(policy, ours_later, winner):
    plan = pair(BOB, "", policy, ours_later)
    assert [c.winner for c in plan.conflicts] == [winner]
    if winner == Side.OURS:
        assert plan.remote_changes == {"partner": S_BOB}
        assert plan.local_changes == {}
    else:
        assert plan.local_changes == {"partner": None}
        assert plan.remote_changes == {}


def test_problem_names_the_person():
    assert pair(ANN, S_ZED).problems == [
        "partner: XPM's Zed is not linked to a member, so practicelink keeps its partner."
    ]
    assert pair(CAT, S_ANN).problems == [
        "partner: Cat is not linked to an XPM staff, so XPM keeps its partner."
    ]


def test_name_and_email_follow_the_same_rule():
    local = LocalClient(7, "Acme Ltd", "a@acme.example", ANN, BOB, T0)
    remote = RemoteClient("u-7", "Acme", "new@acme.example", S_ANN, S_BOB)
    plan = plan_pair(local, remote, BASE, STAFF, Policy.XPM_WINS, T0)
    assert plan.remote_changes == {"name": "Acme Ltd"}
    assert plan.local_changes == {"email": "new@acme.example"}


values = st.sampled_from([None, ANN, BOB, CAT])
staff_values = st.sampled_from(["", S_ANN, S_BOB, S_ZED])


@given(ours=values, theirs=staff_values, policy=st.sampled_from(list(Policy)))
def test_applying_the_plan_converges(ours, theirs, policy):
    """After applying a plan, planning again with the agreed base changes nothing more."""
    first = pair(ours, theirs, policy)
    ours2 = first.local_changes.get("partner", ours)
    theirs2 = first.remote_changes.get("partner", theirs)
    base_ours, base_theirs = first.agreed.get("partner", (BASE.partner_id, BASE.partner_uuid))
    base = Base("Acme", "a@acme.example", base_ours, base_theirs, BOB, S_BOB)
    local = LocalClient(7, "Acme", "a@acme.example", ours2, BOB, T0)
    remote = RemoteClient("u-7", "Acme", "a@acme.example", theirs2, S_BOB)
    second = plan_pair(local, remote, base, STAFF, policy, T0)
    assert second.local_changes == {}
    assert second.remote_changes == {}
    if not first.problems:  # an unmappable value is reported again until someone acts
        assert (second.conflicts, second.problems) == ([], [])


# --- a pair linked just now ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "ours", "theirs", "ours_after", "theirs_after"),
    [
        pytest.param(Policy.XPM_WINS, ANN, S_ANN, ANN, S_ANN, id="same"),
        pytest.param(Policy.XPM_WINS, ANN, "", ANN, S_ANN, id="XPM empty: ours fills it"),
        pytest.param(Policy.XPM_WINS, None, S_BOB, BOB, S_BOB, id="ours empty: XPM fills it"),
        pytest.param(Policy.XPM_WINS, ANN, S_BOB, BOB, S_BOB, id="both set: XPM wins"),
        pytest.param(Policy.PRACTICELINK_WINS, ANN, S_BOB, ANN, S_ANN, id="both: ours wins"),
        pytest.param(Policy.MOST_RECENT, ANN, S_BOB, BOB, S_BOB, id="most recent: XPM's"),
    ],
)
def test_first_link_fills_gaps_and_applies_the_policy(
    policy, ours, theirs, ours_after, theirs_after
):
    local = LocalClient(7, "Acme Ltd", "", ours, None, T0)
    remote = RemoteClient("u-7", "ACME LTD", "a@acme.example", theirs, "")
    plan = plan_pair(local, remote, first_base(local, remote, STAFF, policy), STAFF, policy, T0)
    assert plan.local_changes.get("partner", ours) == ours_after
    assert plan.remote_changes.get("partner", theirs) == theirs_after
    assert plan.local_changes["email"] == "a@acme.example"
    name = "Acme Ltd" if policy == Policy.PRACTICELINK_WINS else "ACME LTD"
    assert (
        plan.local_changes.get("name", "Acme Ltd"),
        plan.remote_changes.get("name", "ACME LTD"),
    ) == (name, name)
    assert (plan.conflicts, plan.problems) == ([], [])


def test_first_link_reports_an_unmappable_winner_until_it_is_mapped():
    local = LocalClient(7, "Acme", "", CAT, None, T0)
    remote = RemoteClient("u-7", "Acme", "", "", S_ZED)
    base = first_base(local, remote, STAFF, Policy.XPM_WINS)
    plan = plan_pair(local, remote, base, STAFF, Policy.XPM_WINS, T0)
    assert len(plan.problems) == 2
    assert "partner" not in plan.agreed and "manager" not in plan.agreed
