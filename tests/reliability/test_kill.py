"""A sync killed (SIGKILL) at random moments never leaves a broken calendar file (issue 6, part 1).

The kill moments are drawn (seeded) over the whole run: start-up, reading, planning and
writing. After each kill the file must parse and hold every user event byte for byte; now
and then the next run must also converge on what an uninterrupted run writes.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import icalendar

from reliability.crashlab import Forked, IcsWorld, UserEvent, state_path

KILLS = 100
NOW = "2026-03-02T18:00"


def busy_calendar() -> list[UserEvent]:
    """Eight interviews around now among sixty other events."""
    events = []
    for n in range(8):
        day = 2 + n % 25  # 2 to 26 March
        events.append(
            UserEvent(
                f"interview-{n}@example.org",
                f"202603{day:02d}T{9 + n % 8:02d}0000",
                f"202603{day:02d}T{10 + n % 8:02d}0000",
                f"Entretien - Société {n} - Poste {n}",
                f"Recruteur: Personne {n} <rh{n}@societe{n}.fr>\nPoints: sujet {n} ; autre",
            )
        )
    for n in range(60):
        day = 1 + n % 28
        events.append(
            UserEvent(
                f"other-{n}@example.org",
                f"202603{day:02d}T{8 + n % 10:02d}3000",
                f"202603{day:02d}T{9 + n % 10:02d}0000",
                f"Réunion d'équipe numéro {n}",
                "Ordre du jour : point hebdomadaire, sujets divers, questions." * 3,
            )
        )
    return events


def test_sigkill_at_random_moments_never_breaks_the_file(tmp_path: Path):
    events = busy_calendar()
    clean = IcsWorld(tmp_path / "clean")
    clean.write_events(events)
    original = clean.calendar.read_bytes()
    users = clean.user_events()
    durations = []
    for _ in range(3):  # the first one also starts the fork server
        clean.calendar.write_bytes(original)
        state_path(clean.home).unlink(missing_ok=True)
        started = time.monotonic()
        assert (
            Forked(clean.home, "--config", str(clean.config), "--now", NOW, "sync").wait().code == 0
        )
        durations.append(time.monotonic() - started)
    duration = min(durations)
    print(f"an uninterrupted run takes {duration:.2f} s")
    wanted = sorted(clean.reminders())
    assert len(wanted) > 8

    # Two worlds killed side by side (the machine has two cores), fifty times each.
    lanes = [IcsWorld(tmp_path / "lane-a"), IcsWorld(tmp_path / "lane-b")]
    draw = random.Random(6)
    killed = 0
    for round_ in range(KILLS // len(lanes)):
        runs = []
        for world in lanes:
            world.calendar.write_bytes(original)
            state_path(world.home).unlink(missing_ok=True)
            run = Forked(world.home, "--config", str(world.config), "--now", NOW, "sync")
            runs.append((draw.uniform(0, duration), world, run))
        started = time.monotonic()
        for delay, _, run in sorted(runs, key=lambda r: r[0]):
            time.sleep(max(0.0, started + delay - time.monotonic()))
            run.kill()
        for number, (_, world, run) in enumerate(runs):
            where = f"round {round_ + 1}, {world.home.name}"
            killed += run.wait().code == -signal.SIGKILL
            parsed = icalendar.Calendar.from_ical(world.calendar.read_bytes())
            ours = [
                (str(e["X-RELANCE-CAL-SOURCE"]), str(e["X-RELANCE-CAL-KIND"]))
                for e in parsed.walk("VEVENT")
                if "X-RELANCE-CAL-SOURCE" in e
            ]
            assert len(set(ours)) == len(ours), f"{where}: a duplicate reminder"
            assert world.user_events() == users, f"{where}: a user event changed or went"
            if (round_ + number) % 20 == 19:
                assert world.sync(NOW).code == 0, where
                assert sorted(world.reminders()) == wanted, f"{where}: no convergence"
    leftovers = [f for lane in lanes for f in lane.home.glob(".perso.ics.relance-cal-*.tmp")]
    print(f"{killed} of {KILLS} runs killed; {len(leftovers)} temporary files left behind")
    assert killed >= KILLS // 3, f"only {killed} runs were killed before they ended"
