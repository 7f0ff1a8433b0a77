"""The interface every calendar backend implements, and the data crossing it.

A backend reads raw source items (one per calendar resource: an .ics VEVENT
group, a CalDAV object, a Google event) incrementally, turns a raw item into
backend-neutral `SourceEvent` occurrences, and creates / updates / deletes the
reminder events that carry the tool's marker. The engine never names a backend.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

MARKER_SOURCE = "X-RELANCE-CAL-SOURCE"
MARKER_KIND = "X-RELANCE-CAL-KIND"
MARKER_INPUTS = "X-RELANCE-CAL-INPUTS"
CATEGORY = "relance-cal"


@dataclass(frozen=True)
class Person:
    email: str | None
    name: str | None = None
    is_self: bool = False  # Google's `self` attendee / organizer
    partstat: str | None = None  # iCalendar PARTSTAT, upper case (Google responseStatus mapped)


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


@dataclass(frozen=True)
class ExistingReminder:
    """A marker event found in the reminders calendar."""

    uid: str
    source_key: str
    kind: str
    inputs: str
    start: datetime
    etag: str | None = None
    href: str | None = None  # where the backend keeps it (CalDAV href, Google id)
    cancelled: bool = False  # Google keeps deleted events as `cancelled`: a dismissal


@dataclass
class SourceChanges:
    """What changed in the source since the last sync token.

    `items` maps a resource id to its raw text; when `full` is true they are the
    whole source and anything not listed is gone, else `removed` lists what went.
    `unchanged` means nothing changed at all and the cache can be used as is.
    """

    items: Mapping[str, str] = field(default_factory=dict)
    removed: Sequence[str] = ()
    token: str | None = None
    full: bool = True
    unchanged: bool = False


class Backend(abc.ABC):
    """A calendar: a source of interview events and / or a home for reminders."""

    #: identifies what the state's cache and tokens belong to (backend + location)
    identity: str

    @abc.abstractmethod
    def source_changes(self, token: str | None, window: Window) -> SourceChanges:
        """Raw items changed since `token` (None: a full listing of `window`)."""

    @abc.abstractmethod
    def occurrences(self, raw: str, window: Window) -> list[SourceEvent]:
        """The occurrences of one raw item that overlap `window` (pure parse, no I/O)."""

    @abc.abstractmethod
    def list_reminders(self) -> list[ExistingReminder]:
        """Every event carrying the tool's marker."""

    @abc.abstractmethod
    def create(self, reminder: Reminder) -> None:
        """Create a reminder (must not overwrite an existing event)."""

    @abc.abstractmethod
    def update(self, existing: ExistingReminder, reminder: Reminder) -> None:
        """Replace a marker event by `reminder` (only if it still is the one listed)."""

    @abc.abstractmethod
    def delete(self, existing: ExistingReminder) -> None:
        """Delete a marker event."""

    def flush(self) -> None:  # noqa: B027 - optional hook, most backends write at once
        """Write what was buffered (the ics backend writes its file once, here)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
