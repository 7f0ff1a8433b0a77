"""The engine under random histories (hypothesis state machine over memory calendars).

Whatever the user, other programs and the calendar do between and during runs, a sync must
converge: no duplicate reminder, no user event touched (an interview, a stranger's
invitation carrying a forged marker, another configuration's reminders in the shared
reminders calendar), the reminders of an interview that became unreadable left alone, a
reminder the user deleted never back, and a sync right after a clean sync changes nothing.
UIDs take the real forms: with `@`, `urn:uuid:`, and long enough to be folded.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from relance_cal import drafts, engine, policy
from relance_cal.backends.base import ExistingReminder, RawItem, Reminder
from relance_cal.backends.memory import MemoryBackend
from relance_cal.config import CalendarConfig, Config, DraftSettings
from relance_cal.errors import EventError
from relance_cal.model import Window, calendar_marker, reminder_uid
from relance_cal.state import State

PARIS = ZoneInfo("Europe/Paris")
UIDS = [
    "abc123@google.com",
    "urn:uuid:6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
    "040000008200E00074C5B7101A82E00800000000D0F3A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8",
    "plain-4",
]
DESCRIPTIONS = [
    "",
    "Urgence: oui",
    "Taille: grand groupe\nRecruteur: Jo <jo@acme.fr>",
    "Réponse: sous 1 semaine",
    "Statut: refus",
    "Statut: offre",
]


def folded(text: str) -> str:
    lines = []
    for line in text.split("\r\n"):
        while len(line) > 75:
            lines.append(line[:75])
            line = " " + line[75:]
        lines.append(line)
    return "\r\n".join(lines)


def interview_text(uid: str, start: datetime, description: str, zone: str = "Europe/Paris") -> str:
    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y%m%dT%H%M%S")

    escaped = description.replace("\n", "\\n")
    return folded(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID={zone}:{stamp(start)}\r\n"
        f"DTEND;TZID={zone}:{stamp(start + timedelta(hours=1))}\r\n"
        f"SUMMARY:Entretien {uid[-6:]}\r\nDESCRIPTION:{escaped}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def marked_text(uid: str, source: str, kind: str, calendar: str, start: datetime) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//someone//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{start.astimezone(ZoneInfo('UTC')).strftime('%Y%m%dT%H%M%SZ')}\r\n"
        f"SUMMARY:Board\r\nX-RELANCE-CAL-SOURCE:{source}\r\nX-RELANCE-CAL-KIND:{kind}\r\n"
        f"X-RELANCE-CAL-INPUTS:0\r\nX-RELANCE-CAL-CALENDAR:{calendar}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


class TroubledCalendar(MemoryBackend):
    """A memory calendar whose next write can fail, or meet an edit by another program."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.fail_next = False
        self.touch_next = False

    def _trouble(self, item_id: str | None) -> None:
        if self.fail_next:
            self.fail_next = False
            raise EventError(item_id or "a reminder", "the server refused it (injected)")
        if self.touch_next and item_id in self.items:
            self.touch_next = False  # Thunderbird acknowledges the alarm: a new etag
            text = self.items[item_id].text
            self.put(
                item_id, text.replace("END:VEVENT", "X-MOZ-LASTACK:20260301T000000Z\r\nEND:VEVENT")
            )

    def create(self, reminder: Reminder) -> tuple[str, RawItem]:
        self._trouble(None)
        return super().create(reminder)

    def update(self, existing: ExistingReminder, reminder: Reminder) -> tuple[str, RawItem]:
        self._trouble(existing.item_id)
        return super().update(existing, reminder)

    def delete(self, existing: ExistingReminder) -> None:
        self._trouble(existing.item_id)
        super().delete(existing)


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp())
        self.source = MemoryBackend("source")
        self.calendar = TroubledCalendar("reminders")
        self.calendars = engine.Calendars(self.source, self.calendar)
        self.config = Config(
            path=self.folder / "config.toml",
            source=CalendarConfig(),
            reminders=CalendarConfig(),
            drafts=DraftSettings(thank_you=True),
            state_dir=self.folder,
        )
        self.templates = drafts.load_templates("fr", None)
        self.now = datetime(2026, 3, 2, 8, 0, tzinfo=PARIS)
        self.user_items: dict[str, str] = {}
        self.others: dict[str, str] = {}  # not ours, in the reminders calendar: never touched
        self.broken: dict[str, dict[str, str]] = {}  # uid -> its reminders when it broke
        self.deleted_by_user: set[str] = set()

    def sync(self) -> engine.Plan:
        window = Window(*policy.window(self.now, self.config.policy))
        with State(self.folder) as state:
            plan = engine.run(self.calendars, state, self.config, self.now, self.templates, window)
            engine.apply(plan, self.calendar, state)
        return plan

    def ours(self) -> dict[str, str]:
        owner = calendar_marker(self.source.identity)
        return {
            i: item.text
            for i, item in self.calendar.items.items()
            if f"X-RELANCE-CAL-CALENDAR:{owner}" in item.text
        }

    def reminders_of(self, uid: str) -> dict[str, str]:
        return {i: t for i, t in self.ours().items() if f"X-RELANCE-CAL-SOURCE:{uid}" in t}

    @rule(
        uid=st.sampled_from(UIDS),
        offset_hours=st.integers(-24 * 12, 24 * 20),
        description=st.sampled_from(DESCRIPTIONS),
    )
    def user_writes_interview(self, uid: str, offset_hours: int, description: str) -> None:
        start = (self.now + timedelta(hours=offset_hours)).replace(minute=0)
        text = interview_text(uid, start, description)
        self.source.put(uid, text)
        self.user_items[uid] = text
        self.broken.pop(uid, None)

    @precondition(lambda self: self.user_items)
    @rule(data=st.data())
    def user_breaks_interview(self, data: st.DataObject) -> None:
        """An app rewrites it with a zone nobody knows: it cannot be read for now."""
        uid = data.draw(st.sampled_from(sorted(self.user_items)))
        text = self.user_items[uid].replace("TZID=Europe/Paris", "TZID=Mars/Olympus")
        self.source.put(uid, text)
        self.user_items[uid] = text
        self.broken.setdefault(uid, self.reminders_of(uid))

    @precondition(lambda self: self.user_items)
    @rule(data=st.data())
    def user_deletes_interview(self, data: st.DataObject) -> None:
        uid = data.draw(st.sampled_from(sorted(self.user_items)))
        self.source.remove(uid)
        del self.user_items[uid]
        self.broken.pop(uid, None)

    @precondition(lambda self: self.ours())
    @rule(data=st.data())
    def user_deletes_reminder(self, data: st.DataObject) -> None:
        item_id = data.draw(st.sampled_from(sorted(self.ours())))
        self.calendar.remove(item_id)
        self.deleted_by_user.add(item_id)
        for kept in self.broken.values():
            kept.pop(item_id, None)

    @rule(uid=st.sampled_from(UIDS), days=st.integers(1, 20))
    def a_stranger_s_invitation_with_a_marker_arrives(self, uid: str, days: int) -> None:
        item_id = f"board-{days}@corp.example"
        text = marked_text(item_id, uid, "followup", "000000000000", self.now + timedelta(days))
        self.calendar.put(item_id, text)
        self.others[item_id] = text

    @rule(uid=st.sampled_from(UIDS), days=st.integers(1, 20))
    def another_configuration_writes_its_reminder(self, uid: str, days: int) -> None:
        """Its reminder of an event of its own source calendar (another UID: a UID held by
        both calendars would give both configurations the same reminder identity)."""
        uid = f"work-{uid}"
        identity = reminder_uid(uid, "thanks")
        text = marked_text(identity, uid, "thanks", "0ther0c0nf1g", self.now + timedelta(days))
        if identity not in self.calendar.items:
            self.calendar.put(identity, text)
            self.others[identity] = text

    @rule()
    def the_next_write_fails(self) -> None:
        self.calendar.fail_next = True

    @rule()
    def another_program_touches_the_next_reminder_written(self) -> None:
        self.calendar.touch_next = True

    @rule(hours=st.integers(1, 24 * 4))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule()
    def run_sync(self) -> None:
        self.sync()  # may meet the injected trouble
        self.calendar.fail_next = self.calendar.touch_next = False
        self.sync()
        again = self.sync()
        assert again.changes == [], "a sync after a clean sync must change nothing"
        assert again.dismissed == []

    @invariant()
    def user_events_untouched(self) -> None:
        for uid, text in self.user_items.items():
            assert self.source.items[uid].text == text
        for item_id, text in self.others.items():
            assert self.calendar.items[item_id].text == text, item_id

    @invariant()
    def reminders_of_unreadable_interviews_left_alone(self) -> None:
        for uid, kept in self.broken.items():
            now = self.reminders_of(uid)
            for item_id, text in kept.items():
                assert now.get(item_id) == text, f"a reminder of unreadable {uid} changed"

    @invariant()
    def every_reminder_written_carries_the_calendar_marker(self) -> None:
        written = {i for i in self.calendar.items if i not in self.others}
        assert written == set(self.ours())

    @invariant()
    def deleted_reminders_never_return(self) -> None:
        assert not self.deleted_by_user & set(self.ours())

    @invariant()
    def one_reminder_per_interview_and_kind(self) -> None:
        seen = set()
        for item_id, item in self.calendar.items.items():
            existing = self.calendar.existing_reminder(item_id, item)
            if existing is not None and item_id in self.ours():
                assert (existing.source_key, existing.kind) not in seen
                seen.add((existing.source_key, existing.kind))


SyncMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
TestSyncMachine = SyncMachine.TestCase
