"""Crash consistency: a sync killed right after any of its writes, then run again, ends where
a run that was never interrupted ends (issue 6, part 1).

The crash switch (tests/crash_switch.py, injected when RELANCE_CAL_CRASH_AFTER_WRITES=N)
ends the process with os._exit right after its N-th write: each create, update, delete and
flush on the calendar, and each state commit. Every N from 1 to the writes of a clean run is
tried, on each backend, for a first run (creations) and a second one (deletions, moves,
creations).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from crash_switch import CRASHED
from reliability.crashlab import CalDAVWorld, GoogleWorld, IcsWorld, UserEvent, World

ACME = UserEvent(
    "acme-1@example.org",
    "20260302T140000",
    "20260302T150000",
    "Entretien - Acme - Développeuse Python",
    "Recruteuse: Marie Dupont <marie.dupont@acme.fr>",
)
GLOBEX = UserEvent(
    "globex-7@example.org", "20260303T140000", "20260303T150000", "Interview with Globex"
)
INITECH = UserEvent(
    "initech@example.org",
    "20260304T100000",
    "20260304T110000",
    "Entretien Initech",
    "Recruteur: Paul <paul@initech.fr>\nPoints: API ; tests",
)
DENTIST = UserEvent("dentist@example.org", "20260303T090000", "20260303T093000", "Dentiste")
HOOLI = UserEvent("hooli@example.org", "20260306T110000", "20260306T120000", "Entretien Hooli")

# Two runs: the first creates five reminders; before the second, Acme turns the candidate
# down (its follow-up goes, a reply comes), Globex moves (two updates), Initech is cancelled
# (two deletions) and Hooli is new (two creations).
STAGES = [
    ("2026-03-02T18:00", [ACME, GLOBEX, INITECH, DENTIST]),
    (
        "2026-03-03T08:00",
        [
            UserEvent(ACME.uid, ACME.start, ACME.end, ACME.title, "Statut: refusé"),
            UserEvent(GLOBEX.uid, "20260305T140000", "20260305T150000", GLOBEX.title),
            UserEvent(INITECH.uid, INITECH.start, INITECH.end, INITECH.title, cancelled=True),
            DENTIST,
            HOOLI,
        ],
    ),
]


def new_world(backend: str, home: Path, request: pytest.FixtureRequest) -> World:
    if backend == "ics":
        return IcsWorld(home)
    if backend == "caldav":
        return CalDAVWorld(home, request.getfixturevalue("dav"))
    emulator = request.getfixturevalue("emulator")
    emulator.calendars["primary"] = {}  # a new account
    return GoogleWorld(home, emulator)


def writes_of(result_out: str) -> int:
    """The writes a run makes: its changes, a flush, the state commit, and one more commit
    before removals."""
    changes = result_out.splitlines()
    removals = any(line.startswith("removed") for line in changes)
    return len(changes) + 2 + removals


def check_crash_matrix(new_world: Callable[[str], World]) -> None:
    clean = new_world("clean")
    expected = []
    for now, events in STAGES:
        clean.write_events(events)
        result = clean.sync(now)
        assert result.code == 0, result.err
        expected.append((sorted(clean.reminders()), clean.state_rows(), writes_of(result.out)))
    assert [len(e[0]) for e in expected] == [5, 5]

    for stage, (now, events) in enumerate(STAGES):
        reminders, rows, writes = expected[stage]
        for n in itertools.count(1):
            where = f"run {stage + 1}, crash after write {n}"
            world = new_world(f"run{stage + 1}-crash{n}")
            for earlier_now, earlier_events in STAGES[:stage]:
                world.write_events(earlier_events)
                assert world.sync(earlier_now).code == 0
            world.write_events(events)
            users = world.user_events()

            crashed = world.sync(now, crash_after=n)
            if crashed.code != CRASHED:
                assert (crashed.code, n - 1) == (0, writes), f"{where}: {crashed.err}"
            else:
                recovered = world.sync(now)
                assert recovered.code == 0, f"{where}: {recovered.err}"

            found = world.reminders()
            assert len({r[0] for r in found}) == len(found), f"{where}: a duplicate reminder"
            assert sorted(found) == reminders, f"{where}: not the reminders of a clean run"
            assert world.user_events() == users, f"{where}: a user event changed"
            assert world.state_rows() == rows, f"{where}: the state differs from a clean run"
            again = world.sync(now)
            assert again.quiet, f"{where}: the run after is not silent: {again}"
            if crashed.code != CRASHED:
                break


def test_every_crash_point_of_a_calendar_file_converges(
    tmp_path: Path, request: pytest.FixtureRequest
):
    check_crash_matrix(lambda name: new_world("ics", tmp_path / name, request))


@pytest.mark.slow
def test_every_crash_point_on_caldav_converges(tmp_path: Path, request: pytest.FixtureRequest):
    check_crash_matrix(lambda name: new_world("caldav", tmp_path / name, request))


@pytest.mark.slow
def test_every_crash_point_on_google_converges(tmp_path: Path, request: pytest.FixtureRequest):
    check_crash_matrix(lambda name: new_world("google", tmp_path / name, request))


REJECTED = UserEvent(ACME.uid, ACME.start, ACME.end, ACME.title, "Statut: refusé")


@pytest.mark.parametrize(
    "backend", ["ics", pytest.param("caldav", marks=pytest.mark.slow), "google"]
)
def test_a_reminder_we_removed_comes_back_when_wanted_again(
    tmp_path: Path, request: pytest.FixtureRequest, backend: str
):
    """Acme says no (its follow-up goes), then the user takes the status line back: the
    follow-up returns, since the tool removed it, the user did not, even when the run that
    removed it was killed after any of its writes."""
    for n in itertools.count(1):
        world = new_world(backend, tmp_path / f"crash{n}", request)
        world.write_events([ACME])
        assert world.sync("2026-03-02T18:00").code == 0
        world.write_events([REJECTED])
        crashed = world.sync("2026-03-03T08:00", crash_after=n).code == CRASHED
        result = world.sync("2026-03-03T08:00")
        assert result.code == 0, result.err
        assert {r[0] for r in world.reminders()} == {"acme-1@example.org/reply"}

        world.write_events([ACME])
        result = world.sync("2026-03-03T09:00")

        assert result.code == 0, result.err
        found = {r[0] for r in world.reminders()}
        assert found == {"acme-1@example.org/followup"}, f"crash after write {n}"
        if not crashed:
            break


@pytest.mark.parametrize(
    "backend", ["ics", pytest.param("caldav", marks=pytest.mark.slow), "google"]
)
def test_a_reminder_deleted_after_a_crash_never_returns(
    tmp_path: Path, request: pytest.FixtureRequest, backend: str
):
    """The run that wrote the reminder was killed after any of its writes; the next run found
    it and kept it; the user deletes it: it stays deleted."""
    for n in itertools.count(1):
        world = new_world(backend, tmp_path / f"crash{n}", request)
        world.write_events([ACME])
        crashed = world.sync("2026-03-02T18:00", crash_after=n).code == CRASHED
        assert world.sync("2026-03-02T18:00").code == 0

        world.delete_reminder("acme-1@example.org/followup")
        result = world.sync("2026-03-03T09:00")

        assert (result.code, result.out) == (0, ""), f"crash after write {n}: {result}"
        assert world.reminders() == [], f"crash after write {n}"
        status = world.run("status", "--json", now="2026-03-03T09:00")
        assert json.loads(status.out)[0]["status"] == "dismissed"
        if not crashed:
            break
