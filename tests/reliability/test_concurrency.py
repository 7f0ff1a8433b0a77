"""Two syncs started together on the same state: one works, the other exits 75 (issue 6, part 4).

The calendar is large (20,000 events) so that the first run holds the lock for a while.
"""

from __future__ import annotations

from pathlib import Path

from reliability.crashlab import IcsWorld, UserEvent, start_process, state_path
from reliability.test_crash import STAGES


def filler(count: int) -> list[UserEvent]:
    return [
        UserEvent(
            f"event-{n}@example.org",
            f"202603{1 + n % 28:02d}T{8 + n % 10:02d}0000",
            f"202603{1 + n % 28:02d}T{9 + n % 10:02d}0000",
            f"Réunion {n}",
        )
        for n in range(count)
    ]


def test_two_syncs_started_together(tmp_path: Path):
    world = IcsWorld(tmp_path)
    others = filler(20_000)
    for now, events in STAGES:  # a first run on a new state, then one that changes reminders
        world.write_events(events + others)
        runs = [
            start_process(tmp_path, "--config", str(world.config), "--now", now, "sync")
            for _ in range(2)
        ]
        results = [(run.wait(timeout=120), *run.communicate()) for run in runs]

        assert sorted(code for code, _, _ in results) == [0, 75], results
        [(_, out, err)] = [r for r in results if r[0] == 75]
        assert out == ""
        assert err == (
            f"relance-cal: another relance-cal sync is running on {state_path(tmp_path).parent}; "
            "try again later\n"
        )
        found = world.reminder_keys()
        assert len(set(found)) == len(found), "a duplicate reminder"
        rows = world.state_rows()  # checks the database's integrity too
        assert {row[1] + "/" + row[2] for row in rows if row[5] == "live"} == set(found)
        assert world.sync(now).quiet


def test_two_configurations_sync_at_the_same_time(tmp_path: Path):
    """A work and a personal configuration: each has its own state and lock."""
    now, events = STAGES[0]
    worlds = [IcsWorld(tmp_path / "work"), IcsWorld(tmp_path / "perso")]
    for world in worlds:
        world.write_events(events + filler(20_000))
    home = tmp_path / "home"  # one user: one state directory for both
    runs = [
        start_process(home, "--config", str(world.config), "--now", now, "sync") for world in worlds
    ]
    results = [(run.wait(timeout=120), *run.communicate()) for run in runs]

    assert [code for code, _, _ in results] == [0, 0], results
    folders = sorted((home / "state" / "relance-cal" / "configs").iterdir())
    assert len(folders) == 2 and all((f / "state.sqlite3").exists() for f in folders)
    for world in worlds:
        assert len(world.reminder_keys()) == len(set(world.reminder_keys())) > 0


def test_the_single_state_of_an_earlier_version_is_taken_over(tmp_path: Path):
    """Before, every configuration shared `<state dir>/state.sqlite3`: the first run moves it
    into its configuration's folder and goes on from it (nothing written twice)."""
    now, events = STAGES[0]
    world = IcsWorld(tmp_path)
    world.write_events(events)
    assert world.sync(now).code == 0
    rows = world.state_rows()
    old = tmp_path / "state" / "relance-cal" / "state.sqlite3"
    state = state_path(tmp_path)
    state.rename(old)  # where the earlier version kept it
    for leftover in state.parent.iterdir():  # its lock
        leftover.unlink()
    state.parent.rmdir()

    status = world.run("status", "--json", now=now)  # read where it is, not moved
    assert status.code == 0 and old.exists()
    result = world.sync(now)

    assert result.quiet, result  # the reminders were recognised as written: nothing to do
    assert not old.exists()
    assert world.state_rows() == rows
