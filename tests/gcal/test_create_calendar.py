"""`[reminders] create = true` on Google: the tool makes its own calendar, once."""

from __future__ import annotations

import json
from pathlib import Path

from relance_cal.backends import google_auth

from .conftest import write_token

INTERVIEW = {
    "summary": "Entretien - Acme - Développeuse Python",
    "start": {"dateTime": "2026-03-02T14:00:00+01:00", "timeZone": "Europe/Paris"},
    "end": {"dateTime": "2026-03-02T15:00:00+01:00"},
}


def configure(home: Path, emulator, scopes: list[str]) -> Path:
    token = write_token(emulator, home / "google-token.json", scopes)
    config = home / "config.toml"
    config.write_text(
        f'[source]\nbackend = "google"\nendpoint = "{emulator.url}"\ntoken = "{token}"\n'
        f'[reminders]\nbackend = "google"\nendpoint = "{emulator.url}"\ntoken = "{token}"\n'
        'calendar = "Relances"\ncreate = true\n[drafts]\nask_delay = false\n',
        encoding="utf-8",
    )
    return config


def test_reminders_go_to_a_calendar_the_tool_creates_once(home, relance, emulator):
    config = configure(home, emulator, google_auth.scopes(create_calendar=True))
    emulator.add_event(**INTERVIEW)

    first = relance("--config", str(config), "--now", "2026-03-02T18:00", "sync")

    assert first.code == 0, first.err
    record = home / "google-calendars.json"
    created = json.loads(record.read_text())["Relances"]
    assert record.stat().st_mode & 0o777 == 0o600
    [reminder] = emulator.events(created).values()
    assert reminder["extendedProperties"]["private"]["relanceCalKind"] == "followup"
    assert all("relanceCalSource" not in str(e) for e in emulator.events().values())

    emulator.reset_counters()
    again = relance("--config", str(config), "--now", "2026-03-03T10:00", "sync")
    assert (again.code, again.out) == (0, "")
    assert "calendars.insert" not in emulator.calls
    assert len(emulator.calendars) == 2


def test_creating_a_calendar_without_the_scope_is_exit_3(home, relance, emulator):
    config = configure(home, emulator, google_auth.scopes())
    emulator.add_event(**INTERVIEW)

    result = relance("--config", str(config), "--now", "2026-03-02T18:00", "sync")

    assert result.code == 3, (result.out, result.err)
    assert "relance-cal auth google" in result.err
