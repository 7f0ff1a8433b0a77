"""What every backend promises the engine (backends/base.py), as one test class.

Each backend's tests subclass `BackendContract` and provide three fixtures:
`backend` (a fresh, empty calendar), `add_interview(uid, start)` (an interview
event written as the user's calendar app would) and `window`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from relance_cal.backends.base import Backend, ExistingReminder, Reminder, Window
from relance_cal.reminders import reminder_uid

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WINDOW = Window(NOW - timedelta(days=54), NOW + timedelta(days=90))
INTERVIEW_START = datetime(2026, 3, 3, 14, 0, tzinfo=PARIS)


def a_reminder(source_key: str = "contract-1", start: datetime | None = None, inputs: str = "in1"):
    start = start or datetime(2026, 3, 5, 9, 30, tzinfo=PARIS)
    return Reminder(
        uid=reminder_uid(source_key, "followup"),
        source_key=source_key,
        kind="followup",
        inputs=inputs,
        title="Relancer Marie Dupont — Analyste (Acme)",
        start=start,
        end=start + timedelta(minutes=15),
        description="Relancer le jeudi 5 mars.\n\nmailto:marie@acme.fr?subject=Suite",
        alarm_minutes=(0, 60),
    )


def reminders_in(backend: Backend, window: Window) -> dict[str, ExistingReminder]:
    listing = backend.changes(None, window)
    found = {}
    for item_id, item in listing.items.items():
        existing = backend.existing_reminder(item_id, item)
        if existing is not None and not existing.cancelled:
            found[existing.uid] = existing
    return found


class BackendContract:
    def test_a_user_interview_is_listed_and_read(self, backend, add_interview, window):
        add_interview("contract-1", INTERVIEW_START)
        listing = backend.changes(None, window)
        assert listing.full and listing.token
        events = [
            event
            for item_id, item in listing.items.items()
            for event in backend.occurrences(item_id, item, window)
        ]
        [event] = [e for e in events if e.uid.startswith("contract-1")]
        assert event.start == INTERVIEW_START and not event.marker
        assert all(backend.existing_reminder(i, item) is None for i, item in listing.items.items())

    def test_a_reminder_reads_back_as_written(self, backend, window):
        reminder = a_reminder()
        backend.create(reminder)
        backend.flush()
        existing = reminders_in(backend, window)[reminder.uid]
        assert (existing.source_key, existing.kind, existing.inputs) == (
            "contract-1",
            "followup",
            "in1",
        )
        assert existing.start == reminder.start

    def test_update_moves_a_reminder_and_delete_removes_it(self, backend, window):
        reminder = a_reminder()
        backend.create(reminder)
        backend.flush()
        existing = reminders_in(backend, window)[reminder.uid]
        moved = a_reminder(start=datetime(2026, 3, 9, 9, 30, tzinfo=PARIS), inputs="in2")
        backend.update(existing, moved)
        backend.flush()
        [after] = reminders_in(backend, window).values()
        assert (after.uid, after.start, after.inputs) == (reminder.uid, moved.start, "in2")
        backend.delete(after)
        backend.flush()
        assert reminders_in(backend, window) == {}

    def test_nothing_changed_since_the_token(self, backend, add_interview, window):
        add_interview("contract-1", INTERVIEW_START)
        first = backend.changes(None, window)
        again = backend.changes(first.token, window)
        assert again.unchanged or (not again.items and not again.removed)

    def test_the_token_brings_what_changed(self, backend, add_interview, window):
        add_interview("contract-1", INTERVIEW_START)
        first = backend.changes(None, window)
        add_interview("contract-2", INTERVIEW_START + timedelta(days=1))
        again = backend.changes(first.token, window)
        assert not again.unchanged
        uids = {
            event.uid
            for item_id, item in again.items.items()
            for event in backend.occurrences(item_id, item, window)
        }
        assert "contract-2" in {uid.split("@")[0] for uid in uids}
