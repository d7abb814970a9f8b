"""Properties of the pure staff planner (SPEC §2), over generated teams and XPM staff lists."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from practicelink.xpm.sync.staff.plan import Kind, MemberSide, Policy, StaffSide, plan_staff

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
EMAILS = st.sampled_from(["ann@a.example", "bo@a.example", "cy@a.example", "di@a.example", ""])


@st.composite
def situations(draw):
    staff_emails = draw(st.lists(EMAILS, max_size=6))
    staff = [
        StaffSide(uuid=f"s{i}", name=f"Staff {i}", email_normalised=e, linked_member_id=None)
        for i, e in enumerate(staff_emails)
    ]
    member_emails = draw(st.lists(EMAILS.filter(bool), unique=True, max_size=4))
    members = []
    free = [s.uuid for s in staff]
    for i, email in enumerate(member_emails):
        linked = draw(st.sampled_from([None, *free])) if free else None
        if linked is not None:
            free.remove(linked)
            index = int(linked[1:])
            staff[index] = StaffSide(linked, staff[index].name, staff[index].email_normalised, i)
        started = draw(st.booleans())
        members.append(
            MemberSide(
                id=i,
                name=f"Member {i}",
                email_normalised=email,
                added_at=NOW - timedelta(hours=draw(st.integers(0, 48))),
                deleted=draw(st.booleans()),
                linked_staff_uuid=linked,
                linked_by_hand_before=draw(st.booleans()),
                creation_started=started,
                creation_email=draw(EMAILS.filter(bool)) if started else "",
                creation_sent_at=NOW - timedelta(minutes=draw(st.integers(0, 30)))
                if started
                else None,
            )
        )
    policy = Policy(
        creation_window=timedelta(hours=draw(st.sampled_from([0, 24]))),
        auto_link=draw(st.booleans()),
    )
    return members, staff, policy


@given(situations())
def test_links_stay_one_to_one(situation):
    members, staff, policy = situation
    actions = plan_staff(members, staff, policy, NOW)
    linked = [a.staff_uuids[0] for a in actions if a.kind == Kind.LINK]
    assert all(len(a.staff_uuids) == 1 for a in actions if a.kind == Kind.LINK)
    assert max(Counter(linked).values(), default=0) <= 1
    taken = {s.uuid for s in staff if s.linked_member_id is not None}
    assert not taken & set(linked)
    by_uuid = {s.uuid: s for s in staff}
    emails_of = {m.id: {m.email_normalised, m.creation_email} for m in members}
    for action in actions:
        if action.kind == Kind.LINK:  # the member's email, or the one our create sent
            assert by_uuid[action.staff_uuids[0]].email_normalised in emails_of[action.member_id]


@given(situations())
def test_never_a_create_when_a_staff_has_the_email(situation):
    members, staff, policy = situation
    emails = {s.email_normalised for s in staff}
    email_of = {m.id: m.email_normalised for m in members}
    for action in plan_staff(members, staff, policy, NOW):
        if action.kind == Kind.CREATE:
            assert email_of[action.member_id] not in emails


@given(situations())
def test_never_an_action_for_deleted_or_linked_members_nor_a_create_after_a_hand_link(situation):
    members, staff, policy = situation
    by_id = {m.id: m for m in members}
    for action in plan_staff(members, staff, policy, NOW):
        member = by_id[action.member_id]
        assert not member.deleted and member.linked_staff_uuid is None
        if action.kind == Kind.CREATE:
            assert not member.linked_by_hand_before


@given(situations())
def test_create_only_once_the_window_is_over(situation):
    members, staff, policy = situation
    by_id = {m.id: m for m in members}
    for action in plan_staff(members, staff, policy, NOW):
        over = by_id[action.member_id].added_at + policy.creation_window <= NOW
        if action.kind == Kind.CREATE and by_id[action.member_id].creation_sent_at is None:
            assert over
        if action.kind == Kind.WAIT:
            assert action.create_at > NOW


@given(situations())
def test_never_a_second_create_while_the_first_may_still_land(situation):
    members, staff, policy = situation
    by_id = {m.id: m for m in members}
    for action in plan_staff(members, staff, policy, NOW):
        member = by_id[action.member_id]
        if action.kind == Kind.CREATE and member.creation_sent_at is not None:
            assert member.creation_sent_at + policy.quiet_period <= NOW
            sent = {member.creation_email, member.email_normalised}
            assert not sent & {s.email_normalised for s in staff}


def test_a_staff_our_create_sent_goes_to_that_member_not_to_the_one_now_using_its_email():
    """Found by `test_links_stay_one_to_one`: Bo's create was sent as ann@ before Bo's email
    was corrected, and Ann joined with ann@. The staff that appears is the one we created
    for Bo; Ann must not be linked to it too."""
    ann = MemberSide(0, "Ann", "ann@a.example", NOW - timedelta(days=2), False, None, False, False)
    bo = MemberSide(
        1,
        "Bo",
        "bo@a.example",
        NOW - timedelta(days=2),
        False,
        None,
        False,
        creation_started=True,
        creation_email="ann@a.example",
        creation_sent_at=NOW - timedelta(minutes=5),
    )
    staff = [StaffSide("s0", "Bo", "ann@a.example", None)]
    policy = Policy(creation_window=timedelta(0), auto_link=True)

    ann_action, bo_action = plan_staff([ann, bo], staff, policy, NOW)

    assert (bo_action.kind, bo_action.staff_uuids) == (Kind.LINK, ("s0",))
    assert ann_action.kind == Kind.BLOCKED
    assert "already linked to another member" in ann_action.reason
