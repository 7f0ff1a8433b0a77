"""The data the parts of relance-cal hand each other, belonging to none of them.

The core (`interviews`, `policy`, `drafts`, `reminders`, `courtesy`) reads and builds
these; backends turn calendar items into them and them into calendar items. Neither
side imports the other: both import this module (docs/architecture.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal


@dataclass(frozen=True)
class Person:
    email: str | None
    name: str | None = None
    is_self: bool = False  # Google's `self` attendee / organizer
    partstat: str | None = None  # iCalendar PARTSTAT, upper case (Google responseStatus mapped)


@dataclass(frozen=True)
class Finding:
    """Something written on an event that the tool could not use; `display.say` words it in
    the configured language (the core stays free of wording).

    - "not_understood": the `field` line's `value` is none the tool reads;
    - "no_company": neither the title nor a line names the company;
    - "announced_before": the announced answer date `value` is before the interview's day
      `interview_day`, so it is ignored.
    """

    kind: Literal["not_understood", "no_company", "announced_before"]
    field: str = ""  # civility, language, size, urgency, status, announced
    value: str = ""
    interview_day: date | None = None


@dataclass(frozen=True)
class Window:
    """The span of time the policy looks at (aware datetimes)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class SourceEvent:
    """One occurrence of a calendar event, as every backend reports it.

    `start`/`end` are aware datetimes, naive datetimes (floating time) or dates
    (all-day; `end` exclusive). `end` is already resolved: DTEND, else
    DTSTART + DURATION, else the start (a timed event) or the next day (all-day).
    """

    key: str  # uid, or uid@<occurrence start ISO> for an occurrence of a recurring event
    uid: str
    summary: str
    description: str
    start: datetime | date
    end: datetime | date
    categories: tuple[str, ...] = ()
    cancelled: bool = False
    organizer: Person | None = None
    attendees: tuple[Person, ...] = ()
    marker: bool = False  # carries the tool's marker: never an interview
    calendar: str = ""  # which calendar it came from (interviews-only calendars)

    @property
    def recurring(self) -> bool:
        """An occurrence of a series (RRULE, RDATE or a moved occurrence): its key names it."""
        return self.key != self.uid


@dataclass(frozen=True)
class Reminder:
    """A reminder event to write: everything a backend needs to render it."""

    uid: str  # deterministic, from the source key and the kind
    source_key: str
    kind: str  # followup | reply | ask | thanks
    inputs: str  # hash of what the reminder was computed from
    title: str
    start: datetime  # aware, in the user's zone
    end: datetime
    description: str
    alarm_minutes: tuple[int, ...] = (0,)  # display alarms, minutes before start
    # The calendar marker: short hash of the source calendar's identity (whose reminder it is).
    calendar: str = ""


@dataclass(frozen=True)
class ExistingReminder:
    """An event carrying the tool's markers, as found in the reminders calendar.

    Carrying the markers does not make it ours: see `engine.owned` (docs/reminder-events.md).
    """

    uid: str  # the reminder identity its item stands for (Google: only when its id is derived)
    source_key: str
    kind: str
    inputs: str
    start: datetime
    item_id: str  # where the backend keeps it (file UID, CalDAV href, Google event id)
    etag: str | None = None
    cancelled: bool = False  # Google keeps deleted events as `cancelled`: a dismissal
    calendar: str | None = None  # the calendar marker; None: written before it existed
    # As it reads in the calendar: names the interview in a change line (not its identity).
    title: str = field(default="", compare=False)


@dataclass(frozen=True)
class MailFact:
    """What the mailbox showed of one interview (docs/mailbox.md): the first message from the
    recruiter, and the first one to them from the user's Sent folder; None when none."""

    answered_at: datetime | None = None
    followed_up_at: datetime | None = None


class PublicHolidays:
    """The public holidays of one country (and subdivision) by year: a value the policy is
    handed (`PolicySettings.holidays`), never a process-wide cache.

    Years not given are looked up in the `holidays` library (~0.1 s to import) on first
    need and kept in this value; `looked_up` lists them, for the state to keep.
    """

    def __init__(
        self,
        country: str,
        subdivision: str | None = None,
        known: Mapping[int, frozenset[date]] | None = None,
    ) -> None:
        self.country = country
        self.subdivision = subdivision
        self._days = dict(known or {})
        self.looked_up: dict[int, frozenset[date]] = {}

    def of_year(self, year: int) -> frozenset[date]:
        days = self._days.get(year)
        if days is None:
            import holidays

            # Only the dates are used; the names' language is fixed so nothing depends on the
            # environment.
            found = holidays.country_holidays(
                self.country, subdiv=self.subdivision, years=year, language="en_US"
            )
            days = self._days[year] = self.looked_up[year] = frozenset(found)
        return days


def reminder_uid(source_key: str, kind: str) -> str:
    """The iCalendar UID of the `kind` reminder of a source event: the same on every run."""
    return identity_digest(source_key, kind).hex()[:32] + "@relance-cal"


def identity_digest(source_key: str, kind: str) -> bytes:
    """What a reminder's identity is derived from; each backend spells it its own way
    (`reminder_uid` in iCalendar, an event id on Google)."""
    return hashlib.sha256(f"relance-cal\0{source_key}\0{kind}".encode()).digest()


def calendar_marker(source_identity: str) -> str:
    """The calendar marker of the reminders of a source calendar: a short hash of its identity
    (docs/reminder-events.md), so that configurations sharing a reminders calendar tell theirs."""
    return hashlib.sha256(source_identity.encode()).hexdigest()[:12]
