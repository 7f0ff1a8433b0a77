"""What every backend promises the engine (backends/base.py), as one test class.

Each backend's tests subclass `BackendContract` and provide three fixtures:
`backend` (a fresh, empty calendar), `add_interview(uid, start)` (an interview
event written as the user's calendar app would) and `window`. A class attribute says
what a backend may leave out: `skips_cached_etags`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from relance_cal import engine
from relance_cal.backends.base import Backend, Change, ExistingReminder, ReadOnly, Reminder, Window
from relance_cal.reminders import reminder_uid
from relance_cal.state import State

PARIS = ZoneInfo("Europe/Paris")
OWNER = "c0ffee000000"  # the calendar marker of the reminders written here
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
        calendar=OWNER,
    )


def reminders_in(backend: Backend, window: Window) -> dict[str, ExistingReminder]:
    listing = backend.changes(None, window)
    found = {}
    for item_id, item in listing.items.items():
        existing = backend.existing_reminder(item_id, item)
        if existing is not None and not existing.cancelled:
            found[existing.uid] = existing
    return found


def applied(backend: Backend, state_dir, *changes: Change) -> engine.Plan:
    """`changes` handed to the backend by the engine, which settles what conflicts."""
    plan = engine.Plan(changes=list(changes), owner=OWNER)
    with State(state_dir) as state:
        engine.apply(plan, backend, state)
    return plan


class BackendContract:
    skips_cached_etags = True

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

    def test_creating_twice_converges_on_one_reminder(self, backend, window, tmp_path):
        applied(backend, tmp_path / "first", Change("create", a_reminder(), None))
        later = a_reminder(start=datetime(2026, 3, 6, 9, 30, tzinfo=PARIS), inputs="in2")

        plan = applied(backend, tmp_path / "crashed", Change("create", later, None))

        assert plan.problems == []
        [found] = reminders_in(backend, window).values()
        assert (found.inputs, found.start) == ("in2", later.start)

    def test_deleting_an_event_already_gone_is_done(self, backend, window, tmp_path):
        backend.write([Change("create", a_reminder(), None)])
        existing = reminders_in(backend, window)[a_reminder().uid]
        assert backend.write([Change("delete", None, existing)])[0].written

        plan = applied(backend, tmp_path, Change("delete", None, existing))

        assert plan.problems == [] and reminders_in(backend, window) == {}

    def test_writing_over_a_changed_event_is_a_conflict(self, backend, window):
        backend.write([Change("create", a_reminder(), None)])
        stale = reminders_in(backend, window)[a_reminder().uid]
        backend.write([Change("update", a_reminder(inputs="in2"), stale)])  # someone else

        [outcome] = backend.write([Change("update", a_reminder(inputs="in3"), stale)])

        assert outcome.conflict and not outcome.written
        assert reminders_in(backend, window)[stale.uid].inputs == "in2"

    def test_an_item_listed_with_the_cached_etag_is_not_read_again(self, backend, window):
        if not self.skips_cached_etags:
            pytest.skip("this backend lists every changed item")
        first = backend.changes(None, window)
        [outcome] = backend.write([Change("create", a_reminder(), None)])
        assert outcome.item is not None and outcome.item.etag

        again = backend.changes(first.token, window, {outcome.item_id: outcome.item.etag})

        assert outcome.item_id not in again.items

    def test_a_read_only_backend_refuses_to_write(self, backend, window):
        backend.writable = False

        with pytest.raises(ReadOnly):
            backend.write([Change("create", a_reminder(), None)])

        assert reminders_in(backend, window) == {}
