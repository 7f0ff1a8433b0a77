"""Interview + settings -> follow-up moment, deadline and status (docs/followup-policy.md)."""

from __future__ import annotations

import calendar
from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from relance_cal.model import Finding
from relance_cal.text import fold

if TYPE_CHECKING:
    from collections.abc import Mapping

    from relance_cal.config import PolicySettings
    from relance_cal.interviews import Interview
    from relance_cal.model import MailFact

Rule = Literal["announced", "urgent_48h", "business_days_3", "business_days_4"]
Status = Literal[
    "scheduled", "due", "too_late", "past", "superseded", "answered", "cancelled", "dismissed",
    "followed_up", "rejected", "offer", "withdrawn",
]  # fmt: skip

_KEEP_AHEAD_DAYS = 90  # interviews starting later than this are ignored
# A rejection noted weeks later still gets its reply: in view this long after the start.
_KEEP_REJECTED_DAYS = 90
_NEXT_ROUND_DAYS = 30  # a later round this soon after an interview replaces its follow-up
_ANNOUNCED_MARGIN_DAYS = 14


@dataclass(frozen=True)
class FollowUp:
    at: datetime  # F, aware, in the user's zone
    deadline: date  # L
    rule: Rule
    beyond_max_days: bool = False
    announced_on: date | None = None  # D, when the rule is `announced`
    warnings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Assessment:
    interview: Interview
    followup: FollowUp
    status: Status
    warnings: tuple[Finding, ...]
    answered_at: datetime | None = None  # the recruiter's first message after it (docs/mailbox.md)


def public_holidays(settings: PolicySettings, year: int) -> frozenset[date]:
    """The public holidays of a year where the user works (given with the settings)."""
    return settings.holidays.of_year(year)


def is_business_day(day: date, settings: PolicySettings) -> bool:
    """A working weekday that is not a public holiday of the configured country/subdivision."""
    return day.weekday() in settings.workdays and day not in settings.holidays.of_year(day.year)


def add_business_days(day: date, n: int, settings: PolicySettings) -> date:
    """The n-th business day after `day` (n >= 0); `day` itself never counts."""
    while n > 0:
        day += timedelta(days=1)
        if is_business_day(day, settings):
            n -= 1
    return day


def next_business_day(day: date, settings: PolicySettings) -> date:
    """The first business day strictly after `day`."""
    return add_business_days(day, 1, settings)


def business_day_on_or_before(day: date, settings: PolicySettings) -> date:
    """`day` if it is a business day, else the last business day before it."""
    while not is_business_day(day, settings):
        day -= timedelta(days=1)
    return day


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`day` at wall-clock `at` in `zone`; a time skipped by a DST change moves forward."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _shift_wall_days(moment: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The same wall-clock time `days` calendar days away in `zone` (not days * 24 hours)."""
    local = moment.astimezone(zone)
    return _local(local.date() + timedelta(days=days), local.time(), zone)


def end_moment(interview: Interview, settings: PolicySettings) -> datetime:
    """T0: the interview's end in the user's zone; all-day: its last day at work_end."""
    zone = settings.timezone
    if interview.all_day:
        # All-day dates are floating: take them as written, not converted.
        last_day = max(interview.start.date(), interview.end.date() - timedelta(days=1))
        return _local(last_day, settings.work_end, zone)
    return interview.end.astimezone(zone)


def announced_date(
    interview: Interview, settings: PolicySettings
) -> tuple[date | None, tuple[Finding, ...]]:
    """D, the date the recruiter said they would answer by, and warnings about it."""
    announced = interview.announced
    if announced is None:
        return None, ()
    t0_day = end_moment(interview, settings).date()
    if announced.on is not None:
        day = announced.on
    elif announced.amount is not None and announced.unit == "business_days":
        day = add_business_days(t0_day, announced.amount, settings)
    elif announced.amount is not None and announced.unit == "months":
        day = _add_months(t0_day, announced.amount)
    elif announced.amount is not None and announced.unit in ("days", "weeks"):
        per_unit = 7 if announced.unit == "weeks" else 1
        day = t0_day + timedelta(days=announced.amount * per_unit)
    else:
        return None, ()
    if day < t0_day:
        return None, (Finding("announced_before", "announced", day.isoformat(), t0_day),)
    return day, ()


def _add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day (31 → 30)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def follow_up(interview: Interview, settings: PolicySettings) -> FollowUp:
    """F, L and the rule that set them: announced, then urgent, then normal."""
    zone = settings.timezone
    t0 = end_moment(interview, settings)
    announced_on, warnings = announced_date(interview, settings)
    rule: Rule
    if announced_on is not None:
        rule = "announced"
        at = _local(next_business_day(announced_on, settings), settings.reminder_time, zone)
    elif interview.urgency == "urgent":
        rule = "urgent_48h"
        e = _shift_wall_days(t0, 2, zone)
        if is_business_day(e.date(), settings) and e.time() < settings.work_end:
            at = max(e, _local(e.date(), settings.reminder_time, zone))
        else:
            at = _local(next_business_day(e.date(), settings), settings.reminder_time, zone)
    else:
        n = 4 if interview.company_size == "large" else 3
        rule = "business_days_4" if n == 4 else "business_days_3"
        at = _local(add_business_days(t0.date(), n, settings), settings.reminder_time, zone)
    deadline = business_day_on_or_before(t0.date() + timedelta(days=settings.max_days), settings)
    beyond = at.date() > deadline
    return FollowUp(
        at=at,
        deadline=at.date() if beyond else deadline,
        rule=rule,
        beyond_max_days=beyond,
        announced_on=announced_on,
        warnings=warnings,
    )


def next_slot(now: datetime, settings: PolicySettings) -> datetime:
    """The earliest reminder moment from `now`: the next quarter hour within business hours."""
    zone = settings.timezone
    utc = now.astimezone(UTC)
    # Every zone offset in use is a multiple of 15 minutes, so rounding in UTC is rounding locally.
    excess = timedelta(minutes=utc.minute % 15, seconds=utc.second, microseconds=utc.microsecond)
    if excess:
        utc += timedelta(minutes=15) - excess
    local = utc.astimezone(zone)
    day = local.date()
    if is_business_day(day, settings) and local.time() < settings.work_end:
        return max(local, _local(day, settings.reminder_time, zone))
    return _local(next_business_day(day, settings), settings.reminder_time, zone)


def thanks_moment(interview: Interview, settings: PolicySettings) -> datetime:
    """The first business morning after the interview, at reminder_time."""
    t0_day = end_moment(interview, settings).date()
    return _local(next_business_day(t0_day, settings), settings.reminder_time, settings.timezone)


def window(now: datetime, settings: PolicySettings) -> tuple[datetime, datetime]:
    """The span of event times a source must read for `assess` to see every interview it keeps."""
    # A kept deadline is at most 30 days back and max_days after its interview's end; an announced
    # delay can push it further with no bound, so a two-week margin covers the usual ones only.
    # A rejection stays in view 90 days after its start.
    past = max(
        settings.keep_past_days + settings.max_days + _ANNOUNCED_MARGIN_DAYS, _KEEP_REJECTED_DAYS
    )
    return (
        _shift_wall_days(now, -past, settings.timezone),
        _shift_wall_days(now, _KEEP_AHEAD_DAYS, settings.timezone),
    )


def _same_name(a: str | None, b: str | None) -> bool:
    return fold(a or "") == fold(b or "")


def _superseded(interview: Interview, interviews: Sequence[Interview]) -> bool:
    """A later round of the same process (same company, same position or none on both sides)
    starts within 30 days, past or ahead: one follow-up per process, not per round."""
    if not fold(interview.company or ""):
        return False
    latest = interview.start + timedelta(days=_NEXT_ROUND_DAYS)
    return any(
        other.key != interview.key
        and not other.cancelled  # a cancelled next round does not happen
        and _same_name(other.company, interview.company)
        and _same_name(other.position, interview.position)
        and interview.start < other.start <= latest
        for other in interviews
    )


def _status(
    interview: Interview,
    followup: FollowUp,
    now: datetime,
    settings: PolicySettings,
    interviews: Sequence[Interview],
    written: Set[str],
    dismissed: Set[str],
    mail: MailFact | None,
) -> Status:
    if interview.cancelled:
        return "cancelled"
    if interview.outcome is not None:
        return interview.outcome
    # Found in the mailbox: a follow-up in Sent is as if written on the event, then an answer.
    if mail is not None and _after(mail.followed_up_at, interview.end):
        return "followed_up"
    if mail is not None and _after(mail.answered_at, interview.start):
        return "answered"
    if interview.key in dismissed:
        return "dismissed"
    if _superseded(interview, interviews):
        return "superseded"
    if now < followup.at:
        return "scheduled"
    closes = _local(followup.deadline, settings.work_end, settings.timezone)
    was_written = interview.key in written
    if now <= closes:
        # A first write after F goes to the next slot; past the deadline, none is written.
        late = not was_written and next_slot(now, settings) > closes
        return "too_late" if late else "due"
    return "past" if was_written else "too_late"


def _after(moment: datetime | None, limit: datetime) -> bool:
    """A message's date counts from the interview on (a fact of an interview since moved
    later does not)."""
    return moment is not None and moment >= limit


def _rejected_in_view(interview: Interview, today: date) -> bool:
    return (
        interview.outcome == "rejected"
        and (today - interview.start.date()).days <= _KEEP_REJECTED_DAYS
    )


def assess(
    interviews: Sequence[Interview],
    now: datetime,
    settings: PolicySettings,
    *,
    written: Set[str] = frozenset(),
    dismissed: Set[str] = frozenset(),
    mail: Mapping[str, MailFact] | None = None,
) -> list[Assessment]:
    """Follow-up and status of each interview within the window, sorted by start.

    `written`: keys that ever had a follow-up reminder written; `dismissed`: keys whose
    follow-up or reply reminder the user deleted; `mail`: what the mailbox showed, by key
    (docs/mailbox.md).
    """
    mail = mail or {}
    today = now.astimezone(settings.timezone).date()
    latest_start = _shift_wall_days(now, _KEEP_AHEAD_DAYS, settings.timezone)
    kept = []
    for interview in interviews:
        followup = follow_up(interview, settings)
        if interview.start > latest_start or (
            (today - followup.deadline).days > settings.keep_past_days
            and not _rejected_in_view(interview, today)
        ):
            continue
        fact = mail.get(interview.key)
        status = _status(interview, followup, now, settings, interviews, written, dismissed, fact)
        warnings = interview.warnings + followup.warnings
        answered = fact.answered_at if fact is not None else None
        answered = answered if _after(answered, interview.start) else None
        kept.append(Assessment(interview, followup, status, warnings, answered))
    return sorted(kept, key=lambda a: (a.interview.start, a.interview.key))
