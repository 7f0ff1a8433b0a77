"""The engine under random histories (hypothesis state machine over memory calendars).

Whatever the user does between runs, a sync must converge: no duplicate reminder,
no user event touched, a reminder the user deleted never returns, and a sync
right after a sync changes nothing.
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
from relance_cal.backends.base import MARKER_SOURCE, Window
from relance_cal.backends.memory import MemoryBackend
from relance_cal.config import CalendarConfig, Config, DraftSettings
from relance_cal.state import State

PARIS = ZoneInfo("Europe/Paris")
DESCRIPTIONS = [
    "",
    "Urgence: oui",
    "Taille: grand groupe\nRecruteur: Jo <jo@acme.fr>",
    "Réponse: sous 1 semaine",
    "Statut: refus",
    "Statut: offre",
]


def interview_text(uid: str, start: datetime, description: str) -> str:
    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y%m%dT%H%M%S")

    escaped = description.replace("\n", "\\n")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Paris:{stamp(start)}\r\n"
        f"DTEND;TZID=Europe/Paris:{stamp(start + timedelta(hours=1))}\r\n"
        f"SUMMARY:Entretien {uid}\r\nDESCRIPTION:{escaped}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp())
        self.calendar = MemoryBackend()
        self.calendars = engine.Calendars(self.calendar, self.calendar)
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
        self.deleted_by_user: set[str] = set()
        self.synced = False

    def sync(self) -> engine.Plan:
        window = Window(*policy.window(self.now, self.config.policy))
        with State(self.folder) as state:
            plan = engine.run(self.calendars, state, self.config, self.now, self.templates, window)
            engine.apply(plan, self.calendar, state)
        return plan

    @rule(
        n=st.integers(0, 5),
        offset_hours=st.integers(-24 * 12, 24 * 20),
        description=st.sampled_from(DESCRIPTIONS),
    )
    def user_writes_interview(self, n: int, offset_hours: int, description: str) -> None:
        uid = f"interview-{n}"
        start = (self.now + timedelta(hours=offset_hours)).replace(minute=0)
        text = interview_text(uid, start, description)
        self.calendar.put(uid, text)
        self.user_items[uid] = text

    @precondition(lambda self: self.user_items)
    @rule(data=st.data())
    def user_deletes_interview(self, data: st.DataObject) -> None:
        uid = data.draw(st.sampled_from(sorted(self.user_items)))
        self.calendar.remove(uid)
        del self.user_items[uid]

    @precondition(lambda self: any(MARKER_SOURCE in i.text for i in self.calendar.items.values()))
    @rule(data=st.data())
    def user_deletes_reminder(self, data: st.DataObject) -> None:
        ours = sorted(k for k, i in self.calendar.items.items() if MARKER_SOURCE in i.text)
        uid = data.draw(st.sampled_from(ours))
        self.calendar.remove(uid)
        self.deleted_by_user.add(uid)

    @rule(hours=st.integers(1, 24 * 4))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule()
    def run_sync(self) -> None:
        self.sync()
        self.synced = True
        again = self.sync()
        assert again.changes == [], "a second sync must change nothing"
        assert again.dismissed == []

    @invariant()
    def user_events_untouched(self) -> None:
        for uid, text in self.user_items.items():
            assert self.calendar.items[uid].text == text

    @invariant()
    def deleted_reminders_never_return(self) -> None:
        assert not self.deleted_by_user & set(self.calendar.items)

    @invariant()
    def one_reminder_per_interview_and_kind(self) -> None:
        seen = set()
        for item_id, item in self.calendar.items.items():
            existing = self.calendar.existing_reminder(item_id, item)
            if existing is not None:
                assert (existing.source_key, existing.kind) not in seen
                seen.add((existing.source_key, existing.kind))


SyncMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
TestSyncMachine = SyncMachine.TestCase
