"""The interface every calendar backend implements, and the data crossing it.

A backend reads raw items (one per calendar resource: the VEVENTs of one UID in
an .ics file, a CalDAV object, a Google event) incrementally, turns an item into
backend-neutral `SourceEvent` occurrences or an `ExistingReminder`, and creates /
updates / deletes the reminder events that carry the tool's marker. The engine
never names a backend.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

MARKER_SOURCE = "X-RELANCE-CAL-SOURCE"
MARKER_KIND = "X-RELANCE-CAL-KIND"
MARKER_INPUTS = "X-RELANCE-CAL-INPUTS"
CATEGORY = "relance-cal"
NOTHING_CACHED: Mapping[str, str | None] = MappingProxyType({})


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


@dataclass(frozen=True)
class ExistingReminder:
    """A marker event found in the reminders calendar."""

    uid: str
    source_key: str
    kind: str
    inputs: str
    start: datetime
    item_id: str  # where the backend keeps it (file UID, CalDAV href, Google event id)
    etag: str | None = None
    cancelled: bool = False  # Google keeps deleted events as `cancelled`: a dismissal


@dataclass(frozen=True)
class RawItem:
    """One calendar resource as the server gave it: its text and its version tag."""

    text: str  # iCalendar text (ics, CalDAV) or the event's JSON (Google)
    etag: str | None = None


@dataclass
class SourceChanges:
    """What changed in a calendar since the last sync token.

    Only items that can matter are reported: possible interviews (the backend may
    pre-filter cheaply on keywords / categories) and events carrying the marker.
    `full`: `items` is the whole relevant content, anything not listed is gone;
    else `removed` lists the ids that went. `unchanged`: nothing changed at all.
    """

    items: Mapping[str, RawItem] = field(default_factory=dict)
    removed: Sequence[str] = ()
    token: str | None = None
    full: bool = True
    unchanged: bool = False


class WriteConflict(Exception):
    """The event changed on the server since it was read (HTTP 412, etag mismatch)."""


class Backend(abc.ABC):
    """A calendar: a source of interview events and / or the home of reminders.

    Reads are incremental (`changes`); the engine caches the items in the state and
    derives interviews (`occurrences`) and existing reminders (`existing_reminder`)
    from the cache, so a run where nothing changed costs one request.
    """

    #: names the calendar for the state (backend + location), stable across runs
    identity: str

    @abc.abstractmethod
    def changes(
        self, token: str | None, window: Window, cached: Mapping[str, str | None] = NOTHING_CACHED
    ) -> SourceChanges:
        """Items changed since `token`; None (or an expired token): a full listing of `window`.

        `cached` holds the etags of the items the state already keeps: a backend may leave
        out of its answer an item it sees with the same etag (our own writes, read back).
        """

    @abc.abstractmethod
    def occurrences(self, item_id: str, item: RawItem, window: Window) -> list[SourceEvent]:
        """The occurrences of one item that overlap `window` (pure parse, no I/O).

        Raises EventError naming the event when it cannot be read.
        """

    @abc.abstractmethod
    def existing_reminder(self, item_id: str, item: RawItem) -> ExistingReminder | None:
        """The reminder an item holds, or None when it lacks the tool's marker."""

    @abc.abstractmethod
    def fetch(self, item_id: str) -> RawItem | None:
        """Re-read one item (after a WriteConflict); None when it is gone."""

    @abc.abstractmethod
    def create(self, reminder: Reminder) -> tuple[str, RawItem]:
        """Create a reminder without overwriting anything; returns its item id and item."""

    @abc.abstractmethod
    def update(self, existing: ExistingReminder, reminder: Reminder) -> tuple[str, RawItem]:
        """Replace the marker event `existing` (If-Match its etag) by `reminder`.

        Raises WriteConflict when the event changed since it was read.
        """

    @abc.abstractmethod
    def delete(self, existing: ExistingReminder) -> None:
        """Delete the marker event `existing` (If-Match its etag); WriteConflict as above."""

    def flush(self) -> None:  # noqa: B027 - optional hook, most backends write at once
        """Write what was buffered (the ics backend writes its file once, here)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
