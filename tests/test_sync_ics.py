"""End to end on a local calendar file: `relance-cal sync`, `status`, `export`, `draft`."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from calendar_files import calendar, reminders_in, state_path, write_config
from relance_cal.config import state_dir_of

PARIS = ZoneInfo("Europe/Paris")

# Mon 2026-03-02 15:00-16:00: the policy's first worked example (F = Thu 5 March 09:30).
ACME = """\
BEGIN:VEVENT
UID:acme-1@example.org
DTSTAMP:20260201T100000Z
DTSTART;TZID=Europe/Paris:20260302T140000
DTEND;TZID=Europe/Paris:20260302T150000
SUMMARY:Entretien - Acme - Développeuse Python
DESCRIPTION:Recruteuse: Marie Dupont <marie.dupont@acme.fr>\\nPoints: migrati
 on vers le cloud ; équipe de six
END:VEVENT
"""
DENTIST = """\
BEGIN:VEVENT
UID:dentist@example.org
DTSTAMP:20260201T100000Z
DTSTART;TZID=Europe/Paris:20260303T090000
DTEND;TZID=Europe/Paris:20260303T093000
SUMMARY:Dentiste
DESCRIPTION:Ne pas oublier la carte vitale\\, merci
END:VEVENT
"""
GLOBEX = """\
BEGIN:VEVENT
UID:globex-7@example.org
DTSTAMP:20260201T100000Z
DTSTART:20260303T130000Z
DTEND:20260303T140000Z
SUMMARY:Interview with Globex
DESCRIPTION:Recruiter: Sam Lee <sam@globex.io>\\nUrgency: asap\\nPosition: Da
 ta engineer
END:VEVENT
"""


@pytest.fixture
def setup(home: Path, relance):
    cal = home / "perso.ics"
    cal.write_text(calendar(ACME, DENTIST, GLOBEX), encoding="utf-8", newline="")
    config = write_config(home, cal)

    def run(*args: str, now: str = "2026-03-02T18:00"):
        return relance("--config", str(config), "--now", now, *args)

    return cal, run


def test_first_sync_writes_a_followup_at_the_policy_moment(setup):
    cal, run = setup
    result = run("sync")
    assert result.code == 0, result.err
    written = reminders_in(cal)
    followup = written["acme-1@example.org/followup"]
    assert followup.decoded("DTSTART") == datetime(2026, 3, 5, 9, 30, tzinfo=PARIS)
    assert "Marie Dupont" in str(followup["SUMMARY"])
    assert "mailto:marie.dupont@acme.fr?" in str(followup["DESCRIPTION"])
    assert "relance-cal" in followup["CATEGORIES"].to_ical().decode()
    # Globex is urgent: 48 h after the end (Tue 15:00 UTC = 15:00 Paris... 14:00 UTC -> 15:00)
    urgent = written["globex-7@example.org/followup"]
    assert urgent.decoded("DTSTART") == datetime(2026, 3, 5, 15, 0, tzinfo=PARIS)
    assert "created followup reminder 2026-03-05 09:30" in result.out


def test_user_events_are_byte_identical_after_sync(setup):
    cal, run = setup
    before = cal.read_bytes()
    assert run("sync").code == 0
    after = cal.read_bytes()
    for block in (ACME, DENTIST, GLOBEX):
        assert block.replace("\n", "\r\n").encode() in after
    assert after.startswith(before[: before.index(b"BEGIN:VEVENT")])
    assert b"\r\n\n" not in after and after.count(b"\n") == after.count(b"\r\n")
    assert b"BEGIN:VTIMEZONE" in after  # the reminders' zone travels with them


def test_second_sync_is_silent_and_writes_nothing(setup):
    cal, run = setup
    assert run("sync").code == 0
    content, mtime = cal.read_bytes(), cal.stat().st_mtime_ns
    again = run("sync", now="2026-03-03T10:00")
    assert (again.code, again.out, again.err) == (0, "", "")
    assert cal.read_bytes() == content and cal.stat().st_mtime_ns == mtime


def test_deleted_reminder_never_returns(setup):
    cal, run = setup
    run("sync")
    text = cal.read_bytes()
    cal_obj = icalendar.Calendar.from_ical(text)
    kept = [
        c
        for c in cal_obj.subcomponents
        if not (
            c.name == "VEVENT"
            and str(c.get("X-RELANCE-CAL-SOURCE")) == "acme-1@example.org"
            and str(c.get("X-RELANCE-CAL-KIND")) == "followup"
        )
    ]
    cal_obj.subcomponents = kept
    cal.write_bytes(cal_obj.to_ical())
    result = run("sync", now="2026-03-03T10:00")
    assert result.code == 0 and result.out == ""
    assert "acme-1@example.org/followup" not in reminders_in(cal)
    rows = json.loads(run("status", "--json", now="2026-03-03T10:00").out)
    assert {r["uid"]: r["status"] for r in rows}["acme-1@example.org"] == "dismissed"


def test_rescheduled_interview_moves_its_reminder(setup):
    cal, run = setup
    run("sync")
    text = cal.read_bytes().decode()
    # the interview is moved to Wednesday 4 March
    text = text.replace("20260302T140000", "20260304T140000").replace(
        "20260302T150000", "20260304T150000"
    )
    cal.write_text(text, encoding="utf-8", newline="")
    result = run("sync", now="2026-03-03T10:00")
    assert result.code == 0
    assert "updated followup reminder 2026-03-09 09:30" in result.out
    followup = reminders_in(cal)["acme-1@example.org/followup"]
    assert followup.decoded("DTSTART") == datetime(2026, 3, 9, 9, 30, tzinfo=PARIS)
    # one follow-up, moved; and since the interview is now ahead, the reminder to ask
    assert sorted(k for k in reminders_in(cal) if k.startswith("acme-1@")) == [
        "acme-1@example.org/ask",
        "acme-1@example.org/followup",
    ]


def test_dry_run_changes_nothing_anywhere(setup, home):
    cal, run = setup
    before = cal.read_bytes()
    result = run("sync", "--dry-run")
    assert result.code == 0
    assert "would create followup reminder 2026-03-05 09:30" in result.out
    assert cal.read_bytes() == before
    assert not (state_path(home)).exists()
    # and a real sync afterwards still creates everything
    assert "created followup" in run("sync").out


def test_written_file_keeps_its_mode(setup):
    cal, run = setup
    os.chmod(cal, 0o640)
    run("sync")
    assert cal.stat().st_mode & 0o777 == 0o640


def test_a_temporary_file_left_by_a_killed_run_is_removed_by_the_next_write(setup):
    cal, run = setup
    hour_ago = 1_700_000_000

    def leftover(name: str, *, old: bool = True) -> Path:
        path = cal.parent / name
        path.write_text("BEGIN:VCALENDAR\r\n", encoding="utf-8")
        if old:
            os.utime(path, (hour_ago, hour_ago))
        return path

    killed = leftover(f".{cal.name}.relance-cal-k1ll3dxx.tmp")  # a run killed mid-write
    writing = leftover(f".{cal.name}.relance-cal-wr1t1ng0.tmp", old=False)  # still at work
    not_ours = [
        leftover(f".{cal.name}.mybackup.tmp"),  # the user's, or another program's
        leftover(f".{cal.name}.relance-cal-k1ll3dxx9.tmp"),  # not a name mkstemp gives
    ]

    assert run("sync").code == 0

    assert not killed.exists()
    assert writing.exists() and all(p.exists() for p in not_ours)


def test_status_json_follows_the_contract(setup):
    _, run = setup
    run("sync")
    result = run("status", "--json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [r["uid"] for r in rows] == ["acme-1@example.org", "globex-7@example.org"]
    acme = rows[0]
    assert set(acme) == {
        "uid", "title", "start", "end", "company", "position", "recruiter_name",
        "recruiter_email", "urgency", "company_size", "announced", "followup_at", "deadline",
        "rule", "beyond_max_days", "status", "reminder_at", "warnings", "id", "language",
        "answered_at",
    }  # fmt: skip
    short_id = acme.pop("id")  # the id `status` shows: `draft` takes it
    assert run("draft", short_id).out == run("draft", "acme-1@example.org").out != ""
    assert acme == {
        "uid": "acme-1@example.org",
        "title": "Entretien - Acme - Développeuse Python",
        "start": "2026-03-02T14:00:00+01:00",
        "end": "2026-03-02T15:00:00+01:00",
        "company": "Acme",
        "position": "Développeuse Python",
        "recruiter_name": "Marie Dupont",
        "recruiter_email": "marie.dupont@acme.fr",
        "urgency": "normal",
        "company_size": "unknown",
        "announced": None,
        "followup_at": "2026-03-05T09:30:00+01:00",
        "deadline": "2026-03-12",
        "rule": "business_days_3",
        "beyond_max_days": False,
        "status": "scheduled",
        "reminder_at": "2026-03-05T09:30:00+01:00",
        "warnings": [],
        "language": "fr",
        "answered_at": None,  # no [mail] table
    }
    assert rows[1]["rule"] == "urgent_48h" and rows[1]["urgency"] == "urgent"


def test_export_parses_back_with_the_same_times(setup, home):
    _, run = setup
    out = home / "export.ics"
    assert run("export", "-o", str(out)).code == 0
    exported = icalendar.Calendar.from_ical(out.read_bytes())
    starts = sorted(e.decoded("DTSTART") for e in exported.walk("VEVENT"))
    assert datetime(2026, 3, 5, 9, 30, tzinfo=PARIS) in starts
    assert datetime(2026, 3, 5, 15, 0, tzinfo=PARIS) in starts
    assert exported.walk("VTIMEZONE")


def test_draft_prints_a_ready_message(setup):
    _, run = setup
    result = run("draft", "acme")
    assert result.code == 0, result.err
    assert result.out.startswith("À\u00a0: marie.dupont@acme.fr\nObjet\u00a0: ")  # config: fr
    assert "Camille Martin" in result.out


def test_draft_of_unknown_interview_is_a_usage_error(setup):
    _, run = setup
    result = run("draft", "nothing-like-this")
    assert result.code == 2 and "aucun entretien ne correspond" in result.err


def test_lock_held_exits_75(setup, home):
    import fcntl

    _, run = setup
    state = state_dir_of(home / "config.toml")  # this configuration's own lock
    state.mkdir(parents=True)
    with open(state / "sync.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run("sync")
    assert result.code == 75 and "another relance-cal sync is running" in result.err


def test_bad_config_key_is_named(home, relance):
    config = home / "config.toml"
    config.write_text('[source]\nbackend = "ics"\npath = "x.ics"\n[policy]\nmax_dayz = 3\n')
    result = relance("--config", str(config), "sync")
    assert result.code == 2
    assert "policy.max_dayz: unknown key" in result.err
    assert "Traceback" not in result.err


def test_missing_calendar_file_is_a_config_error(home, relance):
    config = write_config(home, home / "nope.ics")
    result = relance("--config", str(config), "sync")
    assert result.code == 2 and "nope.ics" in result.err


def test_reminders_in_a_separate_file(home, relance):
    cal = home / "perso.ics"
    cal.write_text(calendar(ACME), encoding="utf-8", newline="")
    target = home / "relances.ics"
    config = write_config(home, cal, f'[reminders]\nbackend = "ics"\npath = "{target}"\n')
    before = cal.read_bytes()
    result = relance("--config", str(config), "--now", "2026-03-02T18:00", "sync")
    assert result.code == 0, result.err
    assert cal.read_bytes() == before
    assert set(reminders_in(target)) == {"acme-1@example.org/followup"}
