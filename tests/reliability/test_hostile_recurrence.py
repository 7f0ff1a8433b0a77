"""A recurrence rule from the dawn of time costs what the window holds (issue 14).

Expansion starts just before the window whatever DTSTART and FREQ: a
`DTSTART:00010101T000000Z` + `RRULE:FREQ=SECONDLY` event is skipped by name within the
hostile-input budget of 0.5 s, on the first sync and on every sync after it.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from relance_cal.backends import ical
from relance_cal.backends.base import Window
from reliability.crashlab import IcsWorld, vcalendar
from reliability.test_crash import ACME

BUDGET = 0.5  # seconds, per hostile input
PARIS = ZoneInfo("Europe/Paris")
WINDOW = Window(datetime(2026, 2, 1, tzinfo=PARIS), datetime(2026, 5, 1, tzinfo=PARIS))


def series(rule: str, start: str = "00010101T000000Z", uid: str = "dawn@example.org") -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\n"
        f"DURATION:PT1H\r\nRRULE:{rule}\r\nSUMMARY:Entretien Dawn\r\nEND:VEVENT\r\n"
    )


def timed_parse(text: str) -> tuple[float, list | str]:
    started = time.monotonic()
    try:
        found: list | str = ical.parse_item(vcalendar(text), WINDOW)
    except ical.EventError as e:
        found = e.reason
    return time.monotonic() - started, found


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        ("FREQ=SECONDLY", "00010101T000000Z", "repeats more than 200 times"),
        ("FREQ=MINUTELY;INTERVAL=7", "00010101T000000Z", "repeats more than 200 times"),
        ("FREQ=HOURLY;BYDAY=MO", "00010101T000000Z", "repeats more than 200 times"),
        ("FREQ=SECONDLY;BYHOUR=9;COUNT=3", "00010101T000000Z", "COUNT rule"),
        # Rules that do reach the window, with their occurrences in it.
        ("FREQ=DAILY", "00010101T090000Z", 89),
        ("FREQ=WEEKLY;BYDAY=MO", "00010101T090000Z", 13),
        ("FREQ=WEEKLY;COUNT=200000", "00010101T090000Z", 13),  # year 1 is a Monday
        ("FREQ=MONTHLY", "00010131T090000Z", 1),  # the 31st: March only
        ("FREQ=MONTHLY;INTERVAL=2", "00010131T090000Z", 1),
        ("FREQ=YEARLY", "00040229T090000Z", 0),  # 2026 has no 29 February
        ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3", "00010101T090000Z", 1),
        ("FREQ=DAILY;COUNT=3", "00010101T090000Z", 0),  # over before the window
    ],
)
def test_a_series_from_year_1_costs_what_the_window_holds(rule: str, start: str, expected):
    timed_parse(series("FREQ=DAILY", "20260301T090000Z"))  # imports paid once
    took, found = timed_parse(series(rule, start))

    assert took < BUDGET, took
    if isinstance(expected, str):
        assert expected in found
    else:
        assert len(found) == expected, found
        assert all(WINDOW.start <= e.start < WINDOW.end for e in found)


def test_moving_the_start_keeps_the_same_occurrences():
    """What the window holds is what a series that starts just before it holds."""
    near = series("FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,TH", "20251007T093000Z")
    far = series("FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,TH", "19991012T093000Z")
    # 1999-10-12 is 1365 weeks (a multiple of 3) before 2025-10-07: the same phase.
    _, near_found = timed_parse(near)
    _, far_found = timed_parse(far)
    assert [e.start for e in far_found] == [e.start for e in near_found] != []


def test_a_sync_with_a_series_from_year_1(tmp_path: Path):
    world = IcsWorld(tmp_path)
    world.calendar.write_bytes(vcalendar(series("FREQ=SECONDLY"), ACME.ics()).encode())
    baseline = IcsWorld(tmp_path / "baseline")
    baseline.calendar.write_bytes(vcalendar(ACME.ics()).encode())
    baseline.sync("2026-03-02T18:00")

    took, results = [], []
    for world_ in (baseline, world, world):  # the second run: nothing changed
        started = time.monotonic()
        results.append(world_.sync("2026-03-02T18:00"))
        took.append(time.monotonic() - started)
    assert took[1] - took[0] < BUDGET and took[2] - took[0] < BUDGET, took
    first, again = results[1:]
    assert first.code == again.code == 1
    assert first.err.startswith('relance-cal: skipped "Entretien Dawn" (UID dawn@example.org)')
    assert again.err == ""  # said once: cron mails it once
    assert world.reminder_keys() == ["acme-1@example.org/followup"]
