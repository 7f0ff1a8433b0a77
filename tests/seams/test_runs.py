"""What a run tells and leaves (issue 13): change lines only for what was written, read-only
commands that write nothing, an event that cannot be computed skipped by name, a state file
that cannot be used named with the fix."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from calendar_files import calendar, reminders_in, write_config
from reliability.crashlab import GoogleWorld, UserEvent, environment

NOW = "2026-03-02T18:00"


def interview(uid: str, title: str, start: str = "20260302T140000", end: str = "") -> str:
    end = end or start[:9] + "150000"
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260101T000000Z\n"
        f"DTSTART;TZID=Europe/Paris:{start}\nDTEND;TZID=Europe/Paris:{end}\n"
        f"SUMMARY:{title}\nEND:VEVENT\n"
    )


def setup(home: Path, *events: str) -> tuple[Path, Path]:
    path = home / "perso.ics"
    path.write_text(calendar(*events), encoding="utf-8", newline="")
    return path, write_config(home, path)


def state_files(home: Path) -> list[Path]:
    return list((home / "state").rglob("state.sqlite3"))


def test_dry_run_says_would_and_change_lines_name_the_interview(home, relance):
    _, config = setup(home, interview("abc123@google.com", "Entretien Acme"))

    dry = relance("--config", str(config), "--now", NOW, "sync", "--dry-run")
    done = relance("--config", str(config), "--now", NOW, "sync")

    assert dry.code == 0 and dry.out.startswith("would create followup reminder"), dry.out
    assert "Acme" in dry.out and "abc123" not in dry.out
    assert done.out == dry.out.replace("would create", "created")


def test_read_only_commands_create_no_state(home, relance):
    _, config = setup(home, interview("acme-1", "Entretien Acme"))

    for command in (["status"], ["sync", "--dry-run"], ["export"], ["draft", "Acme"]):
        result = relance("--config", str(config), "--now", NOW, *command)
        assert result.code == 0, (command, result.err)

    assert state_files(home) == []


def test_an_event_the_tool_cannot_compute_is_skipped_by_name(home, relance):
    path, config = setup(
        home,
        interview("far@example.org", "Entretien Lointain", "20260302T140000", "99991231T235959"),
        interview("acme-1", "Entretien Acme"),
    )

    result = relance("--config", str(config), "--now", NOW, "sync")
    status = relance("--config", str(config), "--now", NOW, "status")

    assert result.code == 1, result.err
    assert "Lointain" in result.err and "skipped" in result.err
    assert list(reminders_in(path)) == ["acme-1/followup"]
    assert status.code == 1 and "Lointain" in status.err


def test_a_damaged_or_foreign_state_is_exit_2_naming_the_file(home, relance):
    _, config = setup(home, interview("acme-1", "Entretien Acme"))
    assert relance("--config", str(config), "--now", NOW, "sync").code == 0
    [state] = state_files(home)

    state.write_bytes(b"this is no database" * 100)
    damaged = relance("--config", str(config), "--now", NOW, "sync")
    state.unlink()
    with sqlite3.connect(state) as db:
        db.execute("CREATE TABLE songs (title TEXT)")
    foreign = relance("--config", str(config), "--now", NOW, "status")

    for result in (damaged, foreign):
        assert result.code == 2, result.err
        assert str(state) in result.err and "move it away" in result.err
    with sqlite3.connect(state) as db:  # nothing of ours written into someone else's database
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("songs",)]


def test_export_to_a_missing_folder_is_a_user_error(home, relance):
    _, config = setup(home, interview("acme-1", "Entretien Acme"))

    (home / "notes").write_text("a file, not a folder")
    target = home / "notes" / "x.ics"

    result = relance("--config", str(config), "--now", NOW, "export", "-o", str(target))

    assert result.code == 2 and str(home / "notes") in result.err, result.err


def test_a_refused_google_write_prints_no_created_line(tmp_path: Path, emulator):
    world = GoogleWorld(tmp_path, emulator)
    world.write_events(
        [UserEvent("acme-1@example.org", "20260302T140000", "20260302T150000", "Entretien Acme")]
    )
    emulator.fail(400, "invalid", on="insert", times=100)

    result = world.sync(NOW)
    status = world.run("status", "--json", now=NOW)

    assert result.code == 1 and "created" not in result.out, result
    assert "Acme" in result.err and "refused" in result.err
    assert world.reminders() == []
    assert '"status": "scheduled"' in status.out  # and no state of a reminder written


def test_status_and_dry_run_never_make_a_concurrent_sync_fail(home):
    """Real processes: a sync while `status` runs again and again on the same state."""
    path, config = setup(home, *(interview(f"i{n}", f"Entretien {n}") for n in range(30)))
    args = [sys.executable, "-m", "relance_cal", "--config", str(config), "--now", NOW]
    env = environment(home)
    readers = [
        subprocess.Popen(
            ["sh", "-c", " ; ".join([" ".join(map(repr, [*args, "status"]))] * 6)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    syncs = []
    for minute in range(4):
        now = f"2026-03-02T18:{minute:02d}"
        done = subprocess.run(
            [*args[:-1], now, "sync"], env=env, capture_output=True, text=True, check=False
        )
        syncs.append((done.returncode, done.stderr))
    for reader in readers:
        reader.wait(timeout=120)
    assert all(code == 0 for code, _ in syncs), syncs
    assert len(reminders_in(path)) == 30


def test_export_never_writes_over_a_calendar(home, relance):
    """`export -o` replaces an earlier export, never the calendar nor another file."""
    calendar_file, config = setup(home, interview("acme-1", "Entretien Acme"))
    notes = home / "notes.txt"
    notes.write_text("my notes\n")
    other = home / "other.ics"
    other.write_text(calendar(interview("board", "Board meeting")), newline="")

    def export(target: Path):
        return relance("--config", str(config), "--now", NOW, "export", "-o", str(target))

    for target in (calendar_file, notes, other):
        before = target.read_bytes()
        result = export(target)
        assert result.code == 2 and str(target) in result.err, result
        assert target.read_bytes() == before

    target = home / "relances.ics"
    assert export(target).code == 0
    first = reminders_in(target)
    assert list(first) == ["acme-1/followup"]
    assert export(target).code == 0  # an earlier export is replaced
    assert reminders_in(target).keys() == first.keys()


def test_an_event_skipped_is_said_once_then_again_when_it_changes(home, relance):
    """Cron mails what sync prints: a skipped event is told by the first sync that meets it,
    then by `status` every time, by `sync -v`, and by `sync` again once the event changes."""
    broken = interview("mars@example.org", "Entretien Olympus").replace(
        "TZID=Europe/Paris", "TZID=Mars/Olympus"
    )
    path, config = setup(home, broken, interview("acme-1", "Entretien Acme"))

    def run(*args: str):
        return relance("--config", str(config), "--now", NOW, *args)

    first = run("sync")
    assert first.code == 1 and 'skipped "Entretien Olympus"' in first.err, first
    again = run("sync")
    assert (again.code, again.err) == (1, "")  # still not handled: exit 1, said once
    assert "Olympus" in run("status").err
    assert "Olympus" in run("-v", "sync").err

    text = path.read_text()
    path.write_text(text.replace("TZID=Mars/Olympus", "TZID=Mars/Gale"), newline="")
    assert "Mars/Gale" in run("sync").err  # changed: said again
    path.write_text(text.replace("TZID=Mars/Olympus", "TZID=Europe/Paris"), newline="")
    assert run("sync").code == 0  # fixed
    path.write_text(text, newline="")
    assert "Mars/Olympus" in run("sync").err  # broken again: said again


def test_status_never_shows_a_reminder_that_is_not_in_the_calendar(home, relance):
    """Before the sync that writes it (or after one whose write failed), a reminder is
    shown as planned, in parentheses, with a line saying the next sync writes it."""
    _, config = setup(home, interview("acme-1", "Entretien Acme"))

    def status() -> str:
        return relance("--config", str(config), "--now", NOW, "status").out

    before = status()
    assert "(2026-03-05 09:30)" in before and "pas encore dans votre agenda" in before, before
    assert relance("--config", str(config), "--now", NOW, "sync").code == 0
    after = status()
    assert "2026-03-05 09:30" in after and "(2026-03-05 09:30)" not in after, after
    assert "pas encore" not in after


def test_an_event_skipped_during_a_failed_run_is_told_by_the_next(home, relance):
    """A run cut short by its write never reported its skipped events: the next one does."""
    calendar_file = home / "perso.ics"
    reminders_file = home / "relances.ics"
    config = write_config(
        home, calendar_file, f'[reminders]\nbackend = "ics"\npath = "{reminders_file}"\n'
    )
    calendar_file.write_text(calendar(interview("acme-1", "Entretien Acme")), newline="")

    def sync():
        return relance("--config", str(config), "--now", NOW, "sync")

    assert sync().code == 0
    broken = interview("mars@x", "Entretien Olympus").replace("Europe/Paris", "Mars/Olympus")
    # Acme's reminder to remove (made durable first), Globex's to add, Olympus skipped...
    calendar_file.write_text(
        calendar(interview("globex-1", "Entretien Globex"), broken), newline=""
    )
    whole = reminders_file.read_text()
    reminders_file.write_text(whole.replace("END:VCALENDAR", ""), newline="")
    failed = sync()  # ...and the write refused: no END:VCALENDAR to add before
    assert failed.code == 2 and "Olympus" not in failed.err, failed

    reminders_file.write_text(whole, newline="")
    assert "Olympus" in sync().err
