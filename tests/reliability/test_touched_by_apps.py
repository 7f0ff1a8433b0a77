"""What calendar apps do to a reminder is not an edit (issue 15, docs/reminder-events.md).

Apple Calendar acknowledges a fired alarm inside its VALARM, Thunderbird records snoozes,
Outlook adds its properties and folds lines its own way, Google changes reminders, colour
and transparency. After a sync the reminder is still the tool's: not rewritten, not taken
for dismissed, no crash; when the interview changes, it is updated in place.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from reliability.crashlab import CalDAVWorld, GoogleWorld, IcsWorld, World
from reliability.test_crash import ACME

TOUCHED = Path(__file__).parent.parent / "data" / "touched"
NOW = "2026-03-02T18:00"
LATER = "2026-03-03T08:00"
NOTED = dataclasses.replace(
    ACME, description=ACME.description + "\nPoints: migration vers le cloud"
)
_ALARM = re.compile(r"BEGIN:VALARM\r\n(.*?)END:VALARM\r\n", re.S)


def app_touch(app: str) -> Callable[[str], str]:
    """How `app` leaves a reminder's text: its additions (tests/data/touched/<app>.ics) in
    the VEVENT and in the first VALARM; Outlook also folds lines at its own width."""
    additions = (TOUCHED / f"{app}.ics").read_text(encoding="utf-8").replace("\n", "\r\n")
    additions = additions.replace("\r\r\n", "\r\n")
    alarm = _ALARM.search(additions)
    in_alarm = alarm.group(1) if alarm else ""
    in_event = _ALARM.sub("", additions)

    def touch(text: str) -> str:
        text = text.replace("END:VALARM\r\n", in_alarm + "END:VALARM\r\n", 1)
        text = text.replace("END:VEVENT\r\n", in_event + "END:VEVENT\r\n", 1)
        if app == "outlook":
            unfolded = re.sub(r"\r\n[ \t]", "", text)
            text = "".join(_fold(line, 60) for line in unfolded.split("\r\n") if line)
        return text

    return touch


def user_edit(text: str) -> str:
    """The user moves the reminder two hours later and retitles it, in their calendar app."""
    pattern = r"^(DT(?:START|END);TZID=Europe/Paris:\d{8}T)(\d\d)"
    text, moved = re.subn(pattern, _two_hours_later, text, flags=re.M)
    text, retitled = re.subn(
        r"^SUMMARY:.*\r\n", "SUMMARY:Écrire à Marie\r\n", text, count=1, flags=re.M
    )
    assert (moved, retitled) == (2, 1)
    return text


def _two_hours_later(match: re.Match[str]) -> str:
    return f"{match.group(1)}{int(match.group(2)) + 2:02d}"


def _fold(line: str, width: int) -> str:
    pieces = [line[:width]] + [line[i : i + width - 1] for i in range(width, len(line), width - 1)]
    return "\r\n\t".join(pieces) + "\r\n"


def touch_ics(world: IcsWorld, touch: Callable[[str], str]) -> Callable[[], object]:
    text = world.calendar.read_bytes().decode()
    for block in world.blocks():
        if "X-RELANCE-CAL-SOURCE" in block:
            text = text.replace(block, touch(block))
    world.calendar.write_bytes(text.encode())
    return lambda: world.calendar.read_bytes()


def touch_dav(world: CalDAVWorld, touch: Callable[[str], str]) -> Callable[[], object]:
    for href in world.dav.hrefs(world.path):
        text = world.dav.get(href) or ""
        if "X-RELANCE-CAL-SOURCE" in text:
            world.dav.put(href, touch(text))
    return lambda: {h: world.dav.get(h) for h in world.dav.hrefs(world.path)}


def touch_google(world: GoogleWorld) -> Callable[[], object]:
    for event_id, event in world.emulator.events().items():
        if "relanceCalSource" in event.get("extendedProperties", {}).get("private", {}):
            world.emulator.edit_event(
                event_id,
                reminders={"useDefault": False, "overrides": [{"method": "popup", "minutes": 30}]},
                colorId="5",
                transparency="opaque",
            )
    return lambda: json.dumps(world.emulator.events(), sort_keys=True)


def survives(world: World, touch: Callable[[], Callable[[], object]]) -> None:
    world.write_events([ACME])
    first = world.sync(NOW)
    assert first.code == 0, first.err
    written = {r[0]: r for r in world.reminders()}
    assert set(written) == {"acme-1@example.org/followup"}

    as_left = touch()
    touched = as_left()
    again = world.sync(LATER)

    assert again.quiet, again  # no crash, no rewrite, no warning
    assert as_left() == touched  # byte for byte as the app left it
    assert {row[-1] for row in world.state_rows()} == {"live"}  # not taken for dismissed

    # Still the tool's: when the interview's notes change, the follow-up is updated in place.
    world.write_events([NOTED])
    updated = world.sync(LATER)
    assert updated.code == 0 and "updated" in updated.out, updated
    [followup] = [r for r in world.reminders() if r[0] == "acme-1@example.org/followup"]
    assert followup[5] != written["acme-1@example.org/followup"][5]
    assert followup[1:3] == written["acme-1@example.org/followup"][1:3]  # the tool's moment
    assert {row[-1] for row in world.state_rows()} == {"live"}


@pytest.mark.parametrize("app", ["apple", "thunderbird", "outlook"])
def test_a_reminder_touched_by_an_app_survives_on_ics(tmp_path: Path, app: str):
    world = IcsWorld(tmp_path)
    survives(world, lambda: touch_ics(world, app_touch(app)))


@pytest.mark.slow
@pytest.mark.parametrize("app", ["apple", "thunderbird", "outlook"])
def test_a_reminder_touched_by_an_app_survives_on_caldav(tmp_path: Path, dav, app: str):
    world = CalDAVWorld(tmp_path, dav)
    survives(world, lambda: touch_dav(world, app_touch(app)))


def test_a_reminder_the_user_moved_and_retitled_is_kept_until_the_interview_changes(
    tmp_path: Path,
):
    world = IcsWorld(tmp_path)
    survives(world, lambda: touch_ics(world, user_edit))


@pytest.mark.slow
def test_a_reminder_the_user_moved_and_retitled_is_kept_on_caldav(tmp_path: Path, dav):
    world = CalDAVWorld(tmp_path, dav)
    survives(world, lambda: touch_dav(world, user_edit))


def test_a_reminder_touched_by_google_survives(tmp_path: Path, emulator):
    world = GoogleWorld(tmp_path, emulator)
    survives(world, lambda: touch_google(world))
