"""`relance-cal sync` end to end on Google Calendar: the real CLI, client and emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from relance_cal.backends import google_auth

from .conftest import write_token

MONDAY_AFTERNOON = "2026-03-02T16:00:00+01:00"
DESCRIPTION = "Recruteuse: Marie Dupont <marie.dupont@acme.fr>\nTaille: PME"


def marked(emulator) -> dict[str, dict]:
    return {
        event_id: event
        for event_id, event in emulator.events().items()
        if "relanceCalSource" in event.get("extendedProperties", {}).get("private", {})
    }


def slot(day: int, hour: int) -> dict:
    return {
        "start": {
            "dateTime": f"2026-03-{day:02d}T{hour:02d}:00:00+01:00",
            "timeZone": "Europe/Paris",
        },
        "end": {"dateTime": f"2026-03-{day:02d}T{hour + 1:02d}:00:00+01:00"},
    }


@pytest.fixture
def world(home: Path, relance, emulator):
    token = write_token(emulator, home / "google-token.json", google_auth.scopes())
    config = home / "config.toml"
    config.write_text(
        f"""
me = "camille.martin@example.org"
name = "Camille Martin"
language = "fr"

[source]
backend = "google"
endpoint = "{emulator.url}"
token = "{token}"

[drafts]
ask_delay = false
""",
        encoding="utf-8",
    )

    def run(*args: str, now: str = MONDAY_AFTERNOON):
        return relance("--config", str(config), "--now", now, *args)

    return run


def test_sync_writes_the_reminder_then_a_quiet_run_costs_one_request(world, emulator):
    interview = emulator.add_event(
        summary="Entretien - Acme - Développeuse Python", description=DESCRIPTION, **slot(2, 14)
    )
    for number in range(3000):
        emulator.add_event(summary=f"Réunion {number}", **slot(1 + number % 28, 8 + number % 9))

    first = world("sync")
    assert first.code == 0, first.err
    [reminder] = marked(emulator).values()
    assert first.out.count("\n") == 1 and "Marie Dupont" in first.out
    assert reminder["extendedProperties"]["private"]["relanceCalSource"] == interview["iCalUID"]
    assert reminder["extendedProperties"]["private"]["relanceCalKind"] == "followup"
    assert reminder["reminders"]["overrides"] == [{"method": "popup", "minutes": 0}]
    assert "mailto:marie.dupont@acme.fr" in reminder["description"]

    for _ in range(2):  # the first of these reads back the reminder just written
        emulator.reset_counters()
        again = world("sync")
        assert (again.code, again.out, again.err) == (0, "", "")
        assert len(emulator.requests) == 1
    assert emulator.calls == ["list"]


def test_reschedule_delete_and_dismissal(world, emulator):
    interview = emulator.add_event(
        summary="Entretien - Acme - Développeuse Python", description=DESCRIPTION, **slot(2, 14)
    )
    assert world("sync").code == 0
    [(reminder_id, reminder)] = marked(emulator).items()
    first_start = reminder["start"]["dateTime"]

    emulator.edit_event(interview["id"], **slot(3, 10))  # the interview moves to Tuesday
    moved = world("sync", now="2026-03-03T12:00:00+01:00")
    assert moved.code == 0, moved.err
    assert "updated" in moved.out or "moved" in moved.out
    assert emulator.events()[reminder_id]["start"]["dateTime"] != first_start
    assert list(marked(emulator)) == [reminder_id]

    emulator.delete_event(reminder_id)  # the user deletes the reminder: a dismissal
    emulator.reset_counters()
    dismissed = world("sync", now="2026-03-03T12:00:00+01:00")
    assert (dismissed.code, dismissed.out) == (0, "")
    assert emulator.events()[reminder_id]["status"] == "cancelled"
    assert "insert" not in emulator.calls and "patch" not in emulator.calls


def test_a_cancelled_interview_loses_its_reminder(world, emulator):
    interview = emulator.add_event(summary="Entretien Acme", description=DESCRIPTION, **slot(2, 14))
    assert world("sync").code == 0
    [reminder_id] = marked(emulator)

    emulator.delete_event(interview["id"])
    result = world("sync")

    assert result.code == 0, result.err
    assert "removed" in result.out
    assert emulator.events()[reminder_id]["status"] == "cancelled"


def test_a_revoked_sign_in_is_exit_3_with_the_fix(world, emulator):
    emulator.revoke_all()

    result = world("sync")

    assert result.code == 3
    assert "relance-cal auth google" in result.err and "7 days" in result.err
    assert "ya29." not in result.err and "1//" not in result.err
