"""A recurring service's schedule and the periods it implies (pure: no database, no clock).

A recurrence repeats every `months` months from its first period's start; each period runs
to the day before the next one starts, so periods are contiguous and never overlap. A period
that would start on a day its month lacks starts on that month's last day (the 31st of
January, then the 28th or 29th of February, then the 31st of March: the first start's day is
kept). The recurrence ends after its last period starting on or before `ends_on`, or after
`count` periods, whichever comes first; with neither it runs until it is ended.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count as counting

from django.core.exceptions import ValidationError
from django.db import models


class Frequency(models.TextChoices):
    ONE_OFF = "", "One-off"
    MONTHLY = "monthly", "Every month"
    QUARTERLY = "quarterly", "Every quarter"
    YEARLY = "yearly", "Every year"
    EVERY_N_MONTHS = "months", "Every N months"


MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.YEARLY: 12}
"""Months per period of the fixed frequencies (every N months says its own)."""
MAX_INTERVAL_MONTHS = 60
MAX_OCCURRENCES = 240
"""Twenty years of monthly jobs: more is a typing mistake, not an engagement."""
MAX_OFFSET_DAYS = 365


@dataclass(frozen=True)
class Schedule:
    months: int
    first_start: date
    ends_on: date | None = None
    count: int | None = None
    start_offset_days: int = 0
    """The job starts this many days after its period starts."""
    due_offset_days: int = 0
    """The job is due this many days after its period ends."""


@dataclass(frozen=True)
class Period:
    number: int
    """1 for the first period."""
    start: date
    end: date
    """The period's last day."""
    job_start: date
    job_due: date

    @property
    def key(self) -> str:
        """The period in a job number and a job's name: its start's year and month."""
        return f"{self.start:%Y-%m}"


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, on the same day of the month or the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def periods(schedule: Schedule, *, starting_until: date | None = None) -> Iterator[Period]:
    """The schedule's periods in order: all of them, or those starting on or before
    `starting_until` (an open-ended schedule needs one of the two bounds)."""
    for n in counting(1):
        if schedule.count is not None and n > schedule.count:
            return
        start = add_months(schedule.first_start, (n - 1) * schedule.months)
        if schedule.ends_on is not None and start > schedule.ends_on:
            return
        if starting_until is not None and start > starting_until:
            return
        if n > MAX_OCCURRENCES:
            return
        end = add_months(schedule.first_start, n * schedule.months) - timedelta(days=1)
        yield Period(
            number=n,
            start=start,
            end=end,
            job_start=start + timedelta(days=schedule.start_offset_days),
            job_due=end + timedelta(days=schedule.due_offset_days),
        )


def period_months(frequency: str, interval_months: int | None) -> int:
    return MONTHS.get(Frequency(frequency)) or interval_months or 1


def _say(about: str, text: str) -> str:
    """`text` about a named line (“Bookkeeping”: …), or as a sentence of its own."""
    return f"{about}{text}" if about else text[:1].upper() + text[1:]


def _bounded(field: str, value: int | None, low: int, high: int, words: str) -> None:
    if value is not None and not low <= value <= high:
        raise ValidationError({field: f"{words} must be between {low} and {high}."})


def recurrence_check(
    *,
    frequency: str,
    interval_months: int | None,
    start_offset_days: int,
    due_offset_days: int,
    about: str = "",
) -> int:
    """The months per period of a recurrence (0: one-off), or a clear error.

    A job must start within its period (so it starts before it is due): the start offset is
    shorter than the shortest period the frequency can give (28 days a month).
    """
    if frequency not in Frequency.values:
        raise ValidationError({"frequency": _say(about, f"unknown frequency “{frequency}”.")})
    if frequency == Frequency.ONE_OFF:
        return 0
    if frequency == Frequency.EVERY_N_MONTHS and interval_months is None:
        raise ValidationError({"interval_months": _say(about, "say every how many months.")})
    _bounded("interval_months", interval_months, 1, MAX_INTERVAL_MONTHS, f"{about}Every N months")
    _bounded("start_offset_days", start_offset_days, 0, MAX_OFFSET_DAYS, f"{about}Start offset")
    _bounded("due_offset_days", due_offset_days, 0, MAX_OFFSET_DAYS, f"{about}Due offset")
    months = period_months(frequency, interval_months)
    shortest = min(28 * months, MAX_OFFSET_DAYS + 1)
    if start_offset_days >= shortest:
        raise ValidationError(
            {
                "start_offset_days": _say(
                    about,
                    "the job must start within its period: "
                    f"less than {shortest} days after the period starts.",
                )
            }
        )
    return months


def schedule_check(
    *,
    frequency: str,
    interval_months: int | None,
    first_start: date | None,
    ends_on: date | None,
    count: int | None,
    start_offset_days: int,
    due_offset_days: int,
    name: str = "",
) -> Schedule | None:
    """The schedule a service line's recurrence describes (None: one-off), or a clear error."""
    about = f"“{name}”: " if name else ""
    months = recurrence_check(
        frequency=frequency,
        interval_months=interval_months,
        start_offset_days=start_offset_days,
        due_offset_days=due_offset_days,
        about=about,
    )
    if not months:
        return None
    if first_start is None:
        raise ValidationError(
            {
                "first_period_start": _say(
                    about, "a recurring service needs its first period's start."
                )
            }
        )
    if ends_on is not None and ends_on < first_start:
        raise ValidationError(
            {"ends_on": _say(about, "the end is before the first period starts.")}
        )
    _bounded("occurrences", count, 1, MAX_OCCURRENCES, f"{about}The number of occurrences")
    return Schedule(
        months=months,
        first_start=first_start,
        ends_on=ends_on,
        count=count,
        start_offset_days=start_offset_days,
        due_offset_days=due_offset_days,
    )
