"""Quarters, due days and deadlines of statistical reports.

A quarter's report is due `STATISTICAL_REPORT_DUE_DAYS` (default 15) days after the quarter's
last day; the deadline is the end of that due day in the portal's time zone (Asia/Shanghai), so
a report first submitted at 23:59:59 on the due day is on time and one at 00:00 the next day late.
A report is late when it was first submitted at or after the deadline, or when the deadline has
passed and it has not been submitted.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def quarter_first_day(year: int, quarter: int) -> datetime.date:
    return datetime.date(year, 3 * (quarter - 1) + 1, 1)


def quarter_last_day(year: int, quarter: int) -> datetime.date:
    next_year, next_quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
    return quarter_first_day(next_year, next_quarter) - datetime.timedelta(days=1)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The quarter as [start, end) instants in the portal's time zone."""
    return (
        _local_midnight(quarter_first_day(year, quarter)),
        _local_midnight(quarter_last_day(year, quarter) + datetime.timedelta(days=1)),
    )


def due_on(year: int, quarter: int) -> datetime.date:
    return quarter_last_day(year, quarter) + datetime.timedelta(days=settings.STATISTICAL_REPORT_DUE_DAYS)


def deadline(year: int, quarter: int) -> datetime.datetime:
    """The first instant at which a submission is late: midnight after the due day."""
    return _local_midnight(due_on(year, quarter) + datetime.timedelta(days=1))


def has_ended(year: int, quarter: int, *, now: datetime.datetime) -> bool:
    return now >= quarter_bounds(year, quarter)[1]


def is_late(*, year: int, quarter: int, first_submitted_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    limit = deadline(year, quarter)
    if first_submitted_at is None:
        return now >= limit
    return first_submitted_at >= limit


def last_ended_quarter(today: datetime.date) -> tuple[int, int]:
    """The most recent quarter that has ended by `today`: the one being reported."""
    return previous_quarter(*quarter_of(today))
