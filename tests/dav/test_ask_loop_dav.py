"""The ask loop on a real CalDAV server: ask reminder -> the user notes the answer -> it moves."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

pytestmark = pytest.mark.slow

PARIS = ZoneInfo("Europe/Paris")


def interview(description: str = "") -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Test phone//EN",
        "BEGIN:VEVENT",
        "UID:acme-ask@example.org",
        "DTSTAMP:20260201T100000Z",
        "DTSTART;TZID=Europe/Paris:20260311T100000",
        "DTEND;TZID=Europe/Paris:20260311T110000",
        "SUMMARY:Entretien - Acme - Analyste",
        *([f"DESCRIPTION:{description}"] if description else []),
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)


def marker_events(dav, calendar: str) -> dict[str, icalendar.Event]:
    found = {}
    for href in dav.hrefs(calendar):
        for event in icalendar.Calendar.from_ical(dav.get(href)).walk("VEVENT"):
            if "X-RELANCE-CAL-KIND" in event:
                found[str(event["X-RELANCE-CAL-KIND"])] = event
    return found


def test_the_ask_loop_on_radicale(home: Path, relance, relay, dav, password_env):
    calendar = dav.make_calendar("Perso")
    dav.put(calendar + "acme.ics", interview())
    config = home / "config.toml"
    config.write_text(
        f'[source]\nbackend = "caldav"\nurl = "{relay.url}"\nusername = "{dav.user}"\n'
        f'password_env = "{password_env}"\ncalendar = "{calendar}"\n',
        encoding="utf-8",
    )

    def run(now: str, *args: str):
        return relance("--config", str(config), "--now", now, *args)

    # Monday: the interview is on Wednesday, nobody said when they would answer.
    assert run("2026-03-09T12:00", "sync").code == 0
    written = marker_events(dav, calendar)
    assert written["ask"].decoded("DTEND") == datetime(2026, 3, 11, 10, 0, tzinfo=PARIS)
    assert "Réponse\u00a0: " in str(written["ask"]["DESCRIPTION"])
    assert written["followup"].decoded("DTSTART") == datetime(2026, 3, 16, 9, 30, tzinfo=PARIS)

    # After the interview, on the phone, the user notes what the recruiter said.
    dav.put(calendar + "acme.ics", interview("Réponse : 2 semaines"))
    result = run("2026-03-11T19:00", "sync")
    assert "updated followup reminder 2026-03-26 09:30" in result.out
    assert marker_events(dav, calendar)["followup"].decoded("DTSTART") == datetime(
        2026, 3, 26, 9, 30, tzinfo=PARIS
    )
    [row] = json.loads(run("2026-03-11T19:00", "status", "--json").out)
    assert (row["rule"], row["announced"]) == ("announced", "2026-03-25")
