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
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from relance_cal.errors import EventError, UserError
from relance_cal.model import ExistingReminder, Person, Reminder, SourceEvent, Window

MARKER_SOURCE = "X-RELANCE-CAL-SOURCE"
MARKER_KIND = "X-RELANCE-CAL-KIND"
MARKER_INPUTS = "X-RELANCE-CAL-INPUTS"
MARKER_CALENDAR = "X-RELANCE-CAL-CALENDAR"
CATEGORY = "relance-cal"
NOTHING_CACHED: Mapping[str, str | None] = MappingProxyType({})

__all__ = [  # the model crosses this interface: importable from here too
    "Backend",
    "Change",
    "ExistingReminder",
    "Outcome",
    "Person",
    "RawItem",
    "ReadOnly",
    "Reminder",
    "SourceChanges",
    "SourceEvent",
    "Window",
    "WriteConflict",
]


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
    """The event is not as read: changed since (HTTP 412, etag mismatch), gone, or a create
    met an event already there. Raised by `create` / `update` / `delete`; the engine decides
    what follows (engine.resolve_conflicts), never the backend."""

    def __init__(self, item_id: str) -> None:
        super().__init__(item_id)
        self.item_id = item_id


class Interrupted(Exception):
    """The calendar failed as a whole (`error`: unreachable, sign-in refused) in the middle
    of a batch; `outcomes`: the changes done before it."""

    def __init__(self, error: UserError, outcomes: list[Outcome]) -> None:
        super().__init__(error.message)
        self.error = error
        self.outcomes = outcomes


class ReadOnly(Exception):
    """A write asked of a backend opened read-only: a bug of the caller, never the user's."""


@dataclass(frozen=True)
class Change:
    """One write the engine hands a backend."""

    action: Literal["create", "update", "delete"]
    reminder: Reminder | None  # what to write (create, update)
    existing: ExistingReminder | None  # what is replaced or deleted (update, delete)

    @property
    def kind(self) -> str:
        return (self.reminder or self.existing).kind  # type: ignore[union-attr]

    @property
    def start(self) -> datetime:
        return (self.reminder or self.existing).start  # type: ignore[union-attr]

    @property
    def source_key(self) -> str:
        return (self.reminder or self.existing).source_key  # type: ignore[union-attr]


@dataclass(frozen=True)
class Outcome:
    """What became of one change: written (the item the calendar now holds), a conflict, or
    refused (`failure` says why)."""

    change: Change
    item_id: str | None = None
    item: RawItem | None = None  # create, update: what was written
    conflict: bool = False
    failure: str | None = None

    @property
    def written(self) -> bool:
        return not self.conflict and self.failure is None


class Backend(abc.ABC):
    """A calendar: a source of interview events and / or the home of reminders.

    Reads are incremental (`changes`); the engine caches the items in the state and
    derives interviews (`occurrences`), which source event an item is (`source_uid`) and
    existing reminders (`existing_reminder`) from the cache, so a run where nothing changed
    costs one request. Writes come as one batch (`write`) and each gets its `Outcome`.
    A backend opened read-only (`writable = False`) writes nothing, not even the calendar
    it would create, and refuses `write`.
    """

    #: names the calendar for the state (backend + location), stable across runs
    identity: str
    #: False for status, draft, export and sync --dry-run
    writable: bool = True

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
    def source_uid(self, item_id: str, item: RawItem) -> str | None:
        """The source event UID an item holds, also when the item cannot be parsed (its
        reminders are then left alone); None when it holds none."""

    @abc.abstractmethod
    def existing_reminder(self, item_id: str, item: RawItem) -> ExistingReminder | None:
        """The reminder an item holds, or None when it lacks the tool's marker.

        Whether it is this configuration's is the engine's decision (`engine.owned`)."""

    @abc.abstractmethod
    def fetch(self, item_id: str) -> RawItem | None:
        """Re-read one item (after a conflict); None when it is gone."""

    def write(self, changes: Sequence[Change]) -> list[Outcome]:
        """Carry out `changes`, in order; one `Outcome` each, in the same order.

        A failure that concerns the whole calendar (unreachable, sign-in refused, file not
        writable) is raised: as `Interrupted` with the changes done before it, or, from the
        buffered write, as the UserError itself (then nothing is reported written).
        """
        if not self.writable:
            raise ReadOnly(self.identity)
        outcomes: list[Outcome] = []
        for change in changes:
            try:
                outcomes.append(self._write_one(change))
            except UserError as e:
                raise Interrupted(e, outcomes) from e
        failed = self.flush()
        return [_after_flush(o, failed[o.item_id]) if o.item_id in failed else o for o in outcomes]

    def _write_one(self, change: Change) -> Outcome:
        try:
            if change.action == "delete":
                assert change.existing is not None
                self.delete(change.existing)
                return Outcome(change, change.existing.item_id)
            assert change.reminder is not None
            if change.existing is None:
                item_id, item = self.create(change.reminder)
            else:
                item_id, item = self.update(change.existing, change.reminder)
            return Outcome(change, item_id, item)
        except WriteConflict as e:
            return Outcome(change, e.item_id, conflict=True)
        except EventError as e:
            return Outcome(change, failure=e.reason)

    # -- the primitives `write` is made of -------------------------------------

    @abc.abstractmethod
    def create(self, reminder: Reminder) -> tuple[str, RawItem]:
        """Create a reminder without overwriting anything; returns its item id and item.

        Raises WriteConflict (with the id of what is there) when its identity is taken."""

    @abc.abstractmethod
    def update(self, existing: ExistingReminder, reminder: Reminder) -> tuple[str, RawItem]:
        """Replace the marker event `existing` (If-Match its etag) by `reminder`.

        Raises WriteConflict when the event changed since it was read.
        """

    @abc.abstractmethod
    def delete(self, existing: ExistingReminder) -> None:
        """Delete the marker event `existing` (If-Match its etag); WriteConflict as above."""

    def flush(self) -> Mapping[str, Exception]:
        """Send what was buffered (the ics file is written once, Google calls go in batches).

        Returns, by item id, the buffered writes that did not happen: a WriteConflict or an
        EventError saying why. Backends writing at once have nothing to say here.
        """
        return {}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


def _after_flush(outcome: Outcome, failure: Exception) -> Outcome:
    if isinstance(failure, WriteConflict):
        return Outcome(outcome.change, outcome.item_id, conflict=True)
    reason = getattr(failure, "reason", None) or str(failure)
    return Outcome(outcome.change, outcome.item_id, failure=reason)
