"""A recurring service's schedule: the periods it implies (pure, property-tested) and the clear
errors a bad one gets from the service, the form and the API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from practicelink.proposals.forms import LibraryServiceForm, ServiceForm
from practicelink.proposals.models import JobStructure
from practicelink.proposals.recurrence import (
    MAX_OCCURRENCES,
    Schedule,
    add_months,
    periods,
    schedule_check,
)
from practicelink.proposals.services import (
    LibraryEntry,
    ServiceLine,
    library_service_create,
    proposal_create,
)
from tests.factories import ClientFactory

schedules = st.builds(
    Schedule,
    months=st.sampled_from([1, 2, 3, 6, 12, 18]),
    first_start=st.dates(date(2000, 1, 1), date(2090, 12, 31)),
    ends_on=st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    count=st.none() | st.integers(1, 40),
    start_offset_days=st.integers(0, 27),
    due_offset_days=st.integers(0, 365),
)


@given(schedules, st.dates(date(2000, 1, 1), date(2100, 1, 1)))
def test_periods_are_contiguous_bounded_and_each_job_starts_in_its_period(schedule, until):
    found = list(periods(schedule, starting_until=until))
    assert len(found) <= (schedule.count or MAX_OCCURRENCES)
    for period, following in pairwise(found):
        assert following.start == period.end + timedelta(days=1)  # no gap, no overlap
        assert following.number == period.number + 1
        assert period.key < following.key  # one period a month at most: numbers stay unique
    for period in found:
        assert period.start <= until
        assert schedule.ends_on is None or period.start <= schedule.ends_on
        assert period.start <= period.job_start <= period.end <= period.job_due
        assert period.start == add_months(
            schedule.first_start, (period.number - 1) * schedule.months
        )
    if found:
        assert found[0].start == schedule.first_start


def test_month_ends_keep_the_first_day_of_the_month():
    schedule = Schedule(months=1, first_start=date(2027, 1, 31), count=4, due_offset_days=21)
    assert [(p.start, p.end, p.job_due) for p in periods(schedule)] == [
        (date(2027, 1, 31), date(2027, 2, 27), date(2027, 3, 20)),
        (date(2027, 2, 28), date(2027, 3, 30), date(2027, 4, 20)),
        (date(2027, 3, 31), date(2027, 4, 29), date(2027, 5, 20)),
        (date(2027, 4, 30), date(2027, 5, 30), date(2027, 6, 20)),
    ]
    leap = Schedule(months=12, first_start=date(2028, 2, 29), count=2)
    assert [p.start for p in periods(leap)] == [date(2028, 2, 29), date(2029, 2, 28)]


def test_a_quarterly_year_is_four_periods():
    schedule = Schedule(months=3, first_start=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    assert [(p.start, p.end) for p in periods(schedule)] == [
        (date(2027, 1, 1), date(2027, 3, 31)),
        (date(2027, 4, 1), date(2027, 6, 30)),
        (date(2027, 7, 1), date(2027, 9, 30)),
        (date(2027, 10, 1), date(2027, 12, 31)),
    ]


GOOD = {
    "frequency": "monthly",
    "interval_months": None,
    "first_start": date(2027, 1, 1),
    "ends_on": None,
    "count": None,
    "start_offset_days": 0,
    "due_offset_days": 21,
}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"frequency": "weekly"}, "frequency", "Unknown frequency “weekly”."),
        ({"frequency": "months"}, "interval_months", "Say every how many months."),
        ({"frequency": "months", "interval_months": 61}, "interval_months", "between 1 and 60"),
        ({"first_start": None}, "first_period_start", "needs its first period's start"),
        ({"ends_on": date(2026, 12, 31)}, "ends_on", "The end is before the first period"),
        ({"count": 0}, "occurrences", "between 1 and 240"),
        ({"count": 241}, "occurrences", "between 1 and 240"),
        ({"due_offset_days": 366}, "due_offset_days", "between 0 and 365"),
        ({"start_offset_days": 28}, "start_offset_days", "less than 28 days after the period"),
    ],
)
def test_a_bad_schedule_gets_a_clear_error(change, field, words):
    with pytest.raises(ValidationError) as error:
        schedule_check(**{**GOOD, **change})
    assert field in error.value.message_dict
    assert words in error.value.message_dict[field][0]


def test_a_good_schedule_and_one_off():
    assert schedule_check(**GOOD) == Schedule(1, date(2027, 1, 1), due_offset_days=21)
    assert schedule_check(**{**GOOD, "frequency": "", "first_start": None}) is None
    every = schedule_check(**{**GOOD, "frequency": "months", "interval_months": 2})
    assert every is not None and every.months == 2


@pytest.mark.django_db
def test_proposals_refuse_a_bad_recurrence_or_a_recurring_line_without_its_own_job(practice):
    client = ClientFactory(practice=practice)
    line = ServiceLine("Books", frequency="monthly")
    with pytest.raises(ValidationError, match="“Books”: a recurring service needs its first"):
        proposal_create(practice=practice, client=client, title="T", services=[line])
    line = ServiceLine("Books", frequency="monthly", first_period_start=date(2027, 1, 1))
    with pytest.raises(ValidationError, match="choose “One job per service”"):
        proposal_create(practice=practice, client=client, title="T", services=[line])
    saved = proposal_create(
        practice=practice,
        client=client,
        title="T",
        services=[line],
        job_structure=JobStructure.PER_SERVICE,
    )
    assert ServiceLine.of(saved.services.get()) == line


@pytest.mark.django_db
def test_the_library_keeps_a_default_recurrence_and_refuses_a_bad_one(practice):
    entry = LibraryEntry("VAT return", frequency="quarterly", due_offset_days=37)
    saved = library_service_create(practice=practice, entry=entry)
    assert (saved.frequency, saved.due_offset_days) == ("quarterly", 37)
    with pytest.raises(ValidationError, match="Say every how many months"):
        library_service_create(practice=practice, entry=LibraryEntry("X", frequency="months"))


@pytest.mark.django_db
def test_the_forms_show_the_error_on_its_field(practice):
    data = {
        "name": "Books",
        "quantity": "1",
        "price": "10",
        "frequency": "monthly",
        "start_offset_days": "0",
        "due_offset_days": "0",
    }
    form = ServiceForm(data)
    assert not form.is_valid()
    assert form.errors["first_period_start"] == [
        "“Books”: a recurring service needs its first period's start."
    ]
    form = ServiceForm({**data, "first_period_start": "2027-01-31"})
    assert form.is_valid(), form.errors
    assert form.line().schedule() == Schedule(1, date(2027, 1, 31))
    form = LibraryServiceForm(
        {"name": "VAT", "price": "1", "frequency": "quarterly", "start_offset_days": "90"},
        practice=practice,
    )
    assert not form.is_valid()
    assert "less than 84 days" in form.errors["start_offset_days"][0]


@pytest.mark.django_db
def test_the_api_takes_a_recurrence_and_says_what_is_wrong(practice, admin_api):
    client = ClientFactory(practice=practice)
    line = {
        "name": "Books",
        "quantity": "1",
        "price": "300",
        "frequency": "monthly",
        "first_period_start": "2027-01-01",
        "occurrences": 12,
        "due_offset_days": 21,
    }
    body = {"title": "Books", "client": client.pk, "services": [line]}
    refused = admin_api.post("/api/v1/proposals/", body, format="json")
    assert refused.status_code == 400
    assert "choose “One job per service”" in str(refused.json())
    bad = {**body, "job_structure": "per_service", "services": [{**line, "occurrences": 999}]}
    assert admin_api.post("/api/v1/proposals/", bad, format="json").status_code == 400
    made = admin_api.post(
        "/api/v1/proposals/", {**body, "job_structure": "per_service"}, format="json"
    )
    assert made.status_code == 201, made.json()
    [saved] = made.json()["services"]
    assert (saved["frequency"], saved["occurrences"], saved["due_offset_days"]) == (
        "monthly",
        12,
        21,
    )
    # a change of title alone keeps the recurrence
    changed = admin_api.patch(f"/api/v1/proposals/{made.json()['id']}/", {"title": "Books 2027"})
    assert changed.json()["services"][0]["first_period_start"] == "2027-01-01"
    assert Decimal(changed.json()["total"]) == Decimal("300")
