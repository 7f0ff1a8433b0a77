"""A calendar held in memory, with sync tokens: for tests of the engine and of the contract."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

from relance_cal.backends import ical
from relance_cal.backends.base import (
    NOTHING_CACHED,
    Backend,
    ExistingReminder,
    RawItem,
    Reminder,
    SourceChanges,
    SourceEvent,
    Window,
    WriteConflict,
)


class MemoryBackend(Backend):
    """Items are iCalendar texts keyed by id; every change bumps a revision (the sync token)."""

    def __init__(self, name: str = "memory", *, writable: bool = True) -> None:
        self.identity = f"memory:{name}"
        self.writable = writable
        self.items: dict[str, RawItem] = {}
        self._changed_at: dict[str, int] = {}  # id -> revision of its last change (or removal)
        self.revision = 0
        self.writes = 0

    # -- what a user (or another client) does ----------------------------------

    def put(self, item_id: str, text: str) -> None:
        self.revision += 1
        self.items[item_id] = RawItem(text, hashlib.sha256(text.encode()).hexdigest()[:16])
        self._changed_at[item_id] = self.revision

    def remove(self, item_id: str) -> None:
        self.revision += 1
        self.items.pop(item_id, None)
        self._changed_at[item_id] = self.revision

    # -- the Backend interface -------------------------------------------------

    def changes(
        self, token: str | None, window: Window, cached: Mapping[str, str | None] = NOTHING_CACHED
    ) -> SourceChanges:
        if token is None or int(token) > self.revision:
            return SourceChanges(items=dict(self.items), token=str(self.revision), full=True)
        since = int(token)
        changed = [i for i, rev in self._changed_at.items() if rev > since]
        if not changed:
            return SourceChanges(token=token, unchanged=True)
        return SourceChanges(
            items={
                i: self.items[i]
                for i in changed
                if i in self.items and self.items[i].etag != cached.get(i)
            },
            removed=[i for i in changed if i not in self.items],
            token=str(self.revision),
            full=False,
        )

    def occurrences(self, item_id: str, item: RawItem, window: Window) -> list[SourceEvent]:
        return ical.parse_item(item.text, window, calendar=self.identity)

    def source_uid(self, item_id: str, item: RawItem) -> str | None:
        return ical.uid_in(item.text)

    def existing_reminder(self, item_id: str, item: RawItem) -> ExistingReminder | None:
        return ical.reminder_in(item.text, item_id=item_id, etag=item.etag)

    def fetch(self, item_id: str) -> RawItem | None:
        return self.items.get(item_id)

    def _write(self, reminder: Reminder) -> tuple[str, RawItem]:
        self.writes += 1
        text = ical.reminder_calendar([reminder], datetime.now(UTC)).to_ical().decode()
        self.put(reminder.uid, text)
        return reminder.uid, self.items[reminder.uid]

    def create(self, reminder: Reminder) -> tuple[str, RawItem]:
        if reminder.uid in self.items:
            raise WriteConflict(reminder.uid)  # another event, or ours written by a crashed run
        return self._write(reminder)

    def update(self, existing: ExistingReminder, reminder: Reminder) -> tuple[str, RawItem]:
        current = self.items.get(existing.item_id)
        if current is None or current.etag != existing.etag:
            raise WriteConflict(existing.item_id)
        return self._write(reminder)

    def delete(self, existing: ExistingReminder) -> None:
        current = self.items.get(existing.item_id)
        if current is None:
            return  # already gone: what was wanted
        if current.etag != existing.etag:
            raise WriteConflict(existing.item_id)
        self.writes += 1
        self.remove(existing.item_id)
