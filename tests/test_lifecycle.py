"""Reminder lifecycle through `sync` on a calendar file: outcomes, lateness, the ask loop."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from calendar_files import calendar, reminders_in, replace_user_events, write_config

PARIS = ZoneInfo("Europe/Paris")


def event(uid: str, start: str, end: str, summary: str, description: str = "") -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART;TZID=Europe/Paris:{start}",
        f"DTEND;TZID=Europe/Paris:{end}",
        f"SUMMARY:{summary}",
    ]
    if description:
        lines.append("DESCRIPTION:" + description.replace("\n", "\\n"))
    return "\n".join([*lines, "END:VEVENT", ""])


@pytest.fixture
def world(home: Path, relance):
    cal = home / "cal.ics"
    config = write_config(home, cal)

    def write(*events: str) -> None:
        if cal.exists():
            replace_user_events(cal, *events)
        else:
            cal.write_text(calendar(*events), encoding="utf-8", newline="")

    def run(now: str, *args: str):
        return relance("--config", str(config), "--now", now, *args)

    def status(now: str) -> dict[str, dict]:
        result = run(now, "status", "--json")
        assert result.code in (0, 1), result.err
        return {row["uid"]: row for row in json.loads(result.out)}

    return cal, write, run, status


MONDAY = ("20260302T140000", "20260302T150000")


def test_late_first_write_goes_to_the_next_slot(world):
    cal, write, run, status = world
    write(event("a", *MONDAY, "Entretien Acme"))
    # F was Thu 5 March 09:30; first run on Friday 6 March 11:07
    assert run("2026-03-06T11:07", "sync").code == 0
    followup = reminders_in(cal)["a/followup"]
    assert followup.decoded("DTSTART") == datetime(2026, 3, 6, 11, 15, tzinfo=PARIS)
    assert status("2026-03-06T11:07")["a"]["status"] == "due"
    # its text says to follow up now, never "le jeudi 5 mars à 9 h 30", already past
    description = str(followup["DESCRIPTION"])
    assert description.startswith("Relancer dès maintenant, et au plus tard le jeudi 12 mars.")
    assert "5 mars" not in description
    # time passing never moves it
    assert run("2026-03-09T10:00", "sync").out == ""
    assert reminders_in(cal)["a/followup"].decoded("DTSTART") == followup.decoded("DTSTART")


def test_late_first_write_on_the_deadline_gives_one_day(world):
    cal, write, run, _ = world
    write(event("a", *MONDAY, "Entretien Acme"))
    # L = Thu 12 March; the first run that morning writes for today, the last day
    assert run("2026-03-12T10:00", "sync").code == 0
    followup = reminders_in(cal)["a/followup"]
    assert followup.decoded("DTSTART") == datetime(2026, 3, 12, 10, 0, tzinfo=PARIS)
    description = str(followup["DESCRIPTION"])
    assert description.startswith(
        "Relancer dès maintenant\u00a0: c'est aujourd'hui le dernier jour conseillé."
    )
    assert "au plus tard" not in description


def test_first_run_after_the_deadline_writes_nothing(world):
    cal, write, run, status = world
    write(event("a", *MONDAY, "Entretien Acme"))
    # L = Thu 12 March; on its evening the next slot is Friday: too late
    assert run("2026-03-12T17:50", "sync").code == 0
    assert reminders_in(cal) == {}
    row = status("2026-03-12T17:50")["a"]
    assert (row["status"], row["reminder_at"]) == ("too_late", None)


def test_rejection_removes_the_followup_and_writes_a_reply(world):
    cal, write, run, status = world
    write(event("a", *MONDAY, "Entretien Acme", "Recruteur: Jo <jo@acme.fr>"))
    run("2026-03-02T18:00", "sync")
    assert "a/followup" in reminders_in(cal)
    write(event("a", *MONDAY, "Entretien Acme", "Recruteur: Jo <jo@acme.fr>\nStatut: refusé"))
    result = run("2026-03-04T08:10", "sync")
    assert "removed followup reminder 2026-03-05 09:30" in result.out
    assert "created reply reminder 2026-03-04 09:30  Répondre à Acme" in result.out
    written = reminders_in(cal)
    assert set(written) == {"a/reply"}
    description = str(written["a/reply"]["DESCRIPTION"])
    assert "mailto:jo@acme.fr?" in description
    row = status("2026-03-04T08:10")["a"]
    assert (row["status"], row["reminder_at"]) == ("rejected", "2026-03-04T09:30:00+01:00")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Statut: offre", "offer"),
        ("Status: withdrawn", "withdrawn"),
        ("Statut: relancé", "followed_up"),
    ],
)
def test_other_outcomes_remove_the_future_followup(world, line, expected):
    cal, write, run, status = world
    write(event("a", *MONDAY, "Entretien Acme"))
    run("2026-03-02T18:00", "sync")
    write(event("a", *MONDAY, "Entretien Acme", line))
    assert "removed followup" in run("2026-03-03T09:00", "sync").out
    assert reminders_in(cal) == {}
    assert status("2026-03-03T09:00")["a"]["status"] == expected


def test_cancelled_or_deleted_interview_removes_its_future_reminder(world):
    cal, write, run, status = world
    cancelled = event("a", *MONDAY, "Entretien Acme").replace(
        "END:VEVENT", "STATUS:CANCELLED\nEND:VEVENT"
    )
    write(event("a", *MONDAY, "Entretien Acme"), event("b", *MONDAY, "Entretien Globex"))
    run("2026-03-02T18:00", "sync")
    write(cancelled)
    result = run("2026-03-03T09:00", "sync")
    assert result.out.count("removed followup") == 2
    assert reminders_in(cal) == {}
    assert status("2026-03-03T09:00")["a"]["status"] == "cancelled"


def test_past_reminders_are_history_and_stay(world):
    cal, write, run, _ = world
    write(event("a", *MONDAY, "Entretien Acme"))
    run("2026-03-02T18:00", "sync")
    write(event("a", *MONDAY, "Entretien Acme", "Statut: offre"))
    assert run("2026-03-06T09:00", "sync").out == ""  # the 5 March reminder is in the past
    assert "a/followup" in reminders_in(cal)


def test_the_ask_loop(world):
    """Interview ahead -> ask reminder -> the user notes the answer -> the follow-up honours it."""
    cal, write, run, status = world
    wednesday = ("20260311T100000", "20260311T110000")
    write(event("a", *wednesday, "Entretien - Acme - Analyste"))
    result = run("2026-03-09T12:00", "sync")
    assert (
        "created ask reminder 2026-03-11 09:45  Entretien Acme\u00a0: demander le délai de réponse"
        in (result.out)
    )
    ask = reminders_in(cal)["a/ask"]
    assert ask.decoded("DTEND") == datetime(2026, 3, 11, 10, 0, tzinfo=PARIS)
    assert "Réponse\u00a0: " in str(ask["DESCRIPTION"])
    assert reminders_in(cal)["a/followup"].decoded("DTSTART") == datetime(
        2026, 3, 16, 9, 30, tzinfo=PARIS
    )
    # after the interview the user writes what the recruiter said, copying the example's
    # "Réponse :" with its no-break space
    write(event("a", *wednesday, "Entretien - Acme - Analyste", "Réponse\u00a0: 2 semaines"))
    result = run("2026-03-11T19:00", "sync")
    assert "updated followup reminder 2026-03-26 09:30" in result.out  # Wed 25 + 1 business day
    assert "ask" not in result.out  # the ask reminder is in the past: history
    row = status("2026-03-11T19:00")["a"]
    assert (row["rule"], row["announced"], row["followup_at"]) == (
        "announced",
        "2026-03-25",
        "2026-03-26T09:30:00+01:00",
    )


def test_ask_reminder_removed_when_the_answer_is_known_beforehand(world):
    cal, write, run, _ = world
    ahead = ("20260320T100000", "20260320T110000")
    write(event("a", *ahead, "Entretien Acme"))
    run("2026-03-09T12:00", "sync")
    assert "a/ask" in reminders_in(cal)
    write(event("a", *ahead, "Entretien Acme", "Réponse: 31/03/2026"))
    result = run("2026-03-10T12:00", "sync")
    assert "removed ask reminder" in result.out
    assert "a/ask" not in reminders_in(cal)


def test_ask_reminder_can_be_turned_off(home, relance):
    cal = home / "cal.ics"
    cal.write_text(calendar(event("a", "20260320T100000", "20260320T110000", "Entretien Acme")))
    config = write_config(home, cal, "[drafts]\nask_delay = false\n")
    assert relance("--config", str(config), "--now", "2026-03-09T12:00", "sync").code == 0
    assert set(reminders_in(cal)) == {"a/followup"}


def test_thank_you_note_is_opt_in(home, relance):
    cal = home / "cal.ics"
    cal.write_text(calendar(event("a", *MONDAY, "Entretien Acme")))
    config = write_config(home, cal, "[drafts]\nthank_you = true\n")
    assert relance("--config", str(config), "--now", "2026-03-02T18:00", "sync").code == 0
    thanks = reminders_in(cal)["a/thanks"]
    assert thanks.decoded("DTSTART") == datetime(2026, 3, 3, 9, 30, tzinfo=PARIS)


def test_recurring_interviews_are_followed_up_per_occurrence(world):
    cal, write, run, status = world
    weekly = event("r", *MONDAY, "Entretien Acme").replace(
        "END:VEVENT", "RRULE:FREQ=WEEKLY;COUNT=2\nEND:VEVENT"
    )
    write(weekly)
    run("2026-03-02T18:00", "sync")
    rows = status("2026-03-02T18:00")
    assert sorted(rows) == ["r@2026-03-02T14:00:00+01:00", "r@2026-03-09T14:00:00+01:00"]
    starts = sorted(
        e.decoded("DTSTART") for k, e in reminders_in(cal).items() if k.endswith("/followup")
    )
    assert starts == [
        datetime(2026, 3, 5, 9, 30, tzinfo=PARIS),
        datetime(2026, 3, 12, 9, 30, tzinfo=PARIS),
    ]


def test_bad_event_is_skipped_named_and_the_others_processed(world):
    cal, write, run, _ = world
    broken = event("bad", *MONDAY, "Entretien Broken").replace(
        "DTSTART;TZID=Europe/Paris:20260302T140000", "DTSTART:2026-03-02 garbage"
    )
    write(broken, event("a", *MONDAY, "Entretien Acme"))
    result = run("2026-03-02T18:00", "sync")
    assert result.code == 1
    assert "bad" in result.err and "Traceback" not in result.err
    assert "a/followup" in reminders_in(cal)


def test_injection_through_metadata_stays_inside_the_description(world):
    cal, write, run, _ = world
    hostile = "Entreprise: Evil\\r\\nATTENDEE:mailto:x@evil.example\nPoste: END:VEVENT"
    write(event("a", *MONDAY, "Entretien Acme", hostile))
    assert run("2026-03-02T18:00", "sync").code == 0
    parsed = icalendar.Calendar.from_ical(cal.read_bytes())
    ours = [e for e in parsed.walk("VEVENT") if "X-RELANCE-CAL-SOURCE" in e]
    assert len(ours) == 1 and "ATTENDEE" not in ours[0]
    assert len(parsed.walk("VEVENT")) == 2
