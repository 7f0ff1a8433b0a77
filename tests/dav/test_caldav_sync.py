"""End to end: `relance-cal sync` on a CalDAV calendar served by a real Radicale."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

pytestmark = pytest.mark.slow

PARIS = ZoneInfo("Europe/Paris")

# Mon 2026-03-02 14:00-15:00: the follow-up falls on Thu 5 March 09:30 (docs/followup-policy.md).
ACME = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test phone//EN
BEGIN:VEVENT
UID:acme-1@example.org
DTSTAMP:20260201T100000Z
DTSTART;TZID=Europe/Paris:20260302T140000
DTEND;TZID=Europe/Paris:20260302T150000
SUMMARY:Entretien - Acme - Développeuse Python
DESCRIPTION:Recruteuse: Marie Dupont <marie.dupont@acme.fr>
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")
DENTIST = ACME.replace("acme-1@", "dentist-1@").replace(
    "SUMMARY:Entretien - Acme - Développeuse Python", "SUMMARY:Dentiste"
)


def reminders_on(dav, calendar: str) -> dict[str, tuple[str, icalendar.Event]]:
    """The marker events of a calendar, by source/kind: (href, event)."""
    found = {}
    for href in dav.hrefs(calendar):
        for event in icalendar.Calendar.from_ical(dav.get(href)).walk("VEVENT"):
            if "X-RELANCE-CAL-SOURCE" in event:
                key = f"{event['X-RELANCE-CAL-SOURCE']}/{event['X-RELANCE-CAL-KIND']}"
                found[key] = (href, event)
    return found


@pytest.fixture
def setup(home: Path, relance, relay, dav, password_env):
    """A source calendar holding one interview and a dentist; `run` syncs with a config for it."""
    source = dav.make_calendar("Perso")
    dav.put(source + "acme.ics", ACME)
    dav.put(source + "dentist.ics", DENTIST)

    def run(*args: str, now: str = "2026-03-02T18:00", reminders: str = ""):
        config = home / "config.toml"
        config.write_text(
            'me = "camille@example.org"\nname = "Camille Martin"\nlanguage = "fr"\n'
            f'[source]\nbackend = "caldav"\nurl = "{relay.url}"\nusername = "{dav.user}"\n'
            f'password_env = "{password_env}"\ncalendar = "{source}"\n{reminders}',
            encoding="utf-8",
        )
        return relance("--config", str(config), "--now", now, *args)

    return source, run


def test_first_sync_writes_the_followup_on_the_server(setup, dav):
    source, run = setup
    interview = dav.get(source + "acme.ics")

    result = run("sync")

    assert result.code == 0, result.err
    assert "created" in result.out
    [(_, followup)] = [v for k, v in reminders_on(dav, source).items() if k.endswith("followup")]
    assert followup.decoded("DTSTART") == datetime(2026, 3, 5, 9, 30, tzinfo=PARIS)
    assert "Marie Dupont" in str(followup["SUMMARY"])
    assert "mailto:marie.dupont@acme.fr?" in str(followup["DESCRIPTION"])
    assert dav.get(source + "acme.ics") == interview  # the user's event is left as it was


def test_second_sync_is_silent_and_costs_one_request(setup, dav, relay):
    source, run = setup
    assert run("sync").code == 0
    before = {href: dav.get(href) for href in dav.hrefs(source)}
    relay.requests.clear()

    again = run("sync", now="2026-03-03T10:00")

    assert (again.code, again.out, again.err) == (0, "", "")
    assert {href: dav.get(href) for href in dav.hrefs(source)} == before
    # its own writes are listed with the etags it keeps: not read back
    assert [method for method, _ in relay.requests] == ["REPORT"]
    relay.requests.clear()
    assert run("sync", now="2026-03-03T11:00").code == 0
    assert [method for method, _ in relay.requests] == ["REPORT"]


def test_interview_rescheduled_on_the_server_moves_the_reminder(setup, dav):
    source, run = setup
    run("sync")
    [(href, _)] = reminders_on(dav, source).values()
    dav.put(
        source + "acme.ics",
        ACME.replace("20260302T14", "20260304T14").replace("20260302T15", "20260304T15"),
    )

    result = run("sync", now="2026-03-03T10:00")

    assert result.code == 0, result.err
    moved_href, moved = reminders_on(dav, source)["acme-1@example.org/followup"]
    assert moved_href == href  # updated in place, not duplicated
    assert moved.decoded("DTSTART") == datetime(2026, 3, 9, 9, 30, tzinfo=PARIS)


def test_interview_deleted_on_the_server_removes_its_reminder(setup, dav):
    source, run = setup
    run("sync")
    dav.delete(source + "acme.ics")

    result = run("sync", now="2026-03-03T10:00")

    assert result.code == 0, result.err
    assert reminders_on(dav, source) == {}
    assert dav.hrefs(source) == [source + "dentist.ics"]


def test_reminder_deleted_by_the_user_stays_deleted(setup, dav):
    source, run = setup
    run("sync")
    [(href, _)] = reminders_on(dav, source).values()
    dav.delete(href)  # the user swipes it away on their phone

    for now in ("2026-03-03T10:00", "2026-03-04T10:00"):
        result = run("sync", now=now)
        assert (result.code, result.out) == (0, ""), result.err
        assert reminders_on(dav, source) == {}


def test_reminders_in_a_calendar_of_their_own_created_on_demand(setup, dav, relay, password_env):
    source, run = setup
    name = f"Relances {uuid.uuid4().hex[:6]}"
    reminders = (
        f'[reminders]\nbackend = "caldav"\nurl = "{relay.url}"\nusername = "{dav.user}"\n'
        f'password_env = "{password_env}"\ncalendar = "{name}"\ncreate = true\n'
    )

    result = run("sync", reminders=reminders)

    assert result.code == 0, result.err
    assert reminders_on(dav, source) == {}
    assert list(reminders_on(dav, dav.calendars()[name])) == ["acme-1@example.org/followup"]
    again = run("sync", now="2026-03-03T10:00", reminders=reminders)
    assert (again.code, again.out, again.err) == (0, "", "")


def test_wrong_password_exits_3_naming_user_and_server(setup, monkeypatch, password_env):
    _, run = setup
    monkeypatch.setenv(password_env, "not-the-password")

    result = run("sync")

    assert result.code == 3
    assert "camille" in result.err and "127.0.0.1" in result.err
    assert "not-the-password" not in result.err + result.out
    assert "Traceback" not in result.err


def test_reminder_edited_while_the_sync_runs_is_reloaded_and_updated(setup, dav, relay):
    source, run = setup
    run("sync")
    [(href, _)] = reminders_on(dav, source).values()
    moved = ACME.replace("20260302T14", "20260303T14").replace("20260302T15", "20260303T15")
    dav.put(source + "acme.ics", moved)

    def user_edits_first(method: str, path: str) -> None:
        if method == "PUT" and path == href:
            relay.before = None
            dav.put(href, dav.get(href).replace("CATEGORIES:", "LOCATION:Bureau\r\nCATEGORIES:"))

    relay.before = user_edits_first
    relay.requests.clear()
    result = run("sync", now="2026-03-03T18:00")

    assert result.code == 0, result.err
    # refused (412), reloaded, still ours: written again over the user's edit
    assert [m for m, p in relay.requests if p == href] == ["PUT", "GET", "PUT"]
    _, followup = reminders_on(dav, source)["acme-1@example.org/followup"]
    assert followup.decoded("DTSTART") == datetime(2026, 3, 6, 9, 30, tzinfo=PARIS)
