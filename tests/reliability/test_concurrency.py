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
