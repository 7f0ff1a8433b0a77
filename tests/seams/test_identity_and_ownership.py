"""Never lose a user's event (issue 13): identity comes from the backend, ownership from the
markers, on a calendar file, on CalDAV (Radicale) and on Google (emulator), through the CLI."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from relance_cal.model import reminder_uid
from reliability.crashlab import (
    CalDAVWorld,
    GoogleWorld,
    IcsWorld,
    UserEvent,
    World,
    vcalendar,
)
from reliability.test_crash import ACME

FIRST_RUN = "2026-03-02T18:00"
LATER = "2026-03-03T08:00"
OUTLOOK_UID = (
    "040000008200E00074C5B7101A82E00800000000" + "D0F3A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8"
)
UIDS = ["abc123@google.com", "urn:uuid:6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f", OUTLOOK_UID]


class HashedCalDAVWorld(CalDAVWorld):
    """Objects named by a hash of their UID, as apps do (Radicale refuses ':' in a name)."""

    def write_events(self, events: list[UserEvent]) -> None:
        for event in events:
            name = hashlib.sha256(event.uid.encode()).hexdigest()[:16]
            self.dav.put(f"{self.path}{name}.ics", vcalendar(event.ics()))


def new_world(backend: str, home: Path, request: pytest.FixtureRequest) -> World:
    if backend == "ics":
        return IcsWorld(home)
    if backend == "caldav":
        return HashedCalDAVWorld(home, request.getfixturevalue("dav"))
    emulator = request.getfixturevalue("emulator")
    emulator.calendars["primary"] = {}
    return GoogleWorld(home, emulator)


def folded(text: str) -> str:
    """Content lines folded at 75 octets, as Outlook writes them."""
    out = []
    for line in text.split("\r\n"):
        while len(line) > 75:
            out.append(line[:75])
            line = " " + line[75:]
        out.append(line)
    return "\r\n".join(out)


@dataclass(frozen=True)
class Unreadable(UserEvent):
    """The same interview, now in a form the tool cannot read (an unknown zone)."""

    def ics(self) -> str:
        return folded(super().ics().replace("TZID=Europe/Paris", "TZID=Mars/Olympus_Mons"))

    def google(self) -> dict:
        event = super().google()
        for part in ("start", "end"):  # a time without offset nor zone
            event[part] = {"dateTime": event[part]["dateTime"][:19]}
        return event


@dataclass(frozen=True)
class Folded(UserEvent):
    def ics(self) -> str:
        return folded(super().ics())


@dataclass(frozen=True)
class Stranger(UserEvent):
    """An invitation from someone else that carries relance-cal's markers (forged, copied)."""

    def ics(self) -> str:
        marker = (
            "X-RELANCE-CAL-SOURCE:acme-1@example.org\nX-RELANCE-CAL-KIND:followup\n"
            "X-RELANCE-CAL-INPUTS:0000\nX-RELANCE-CAL-CALENDAR:000000000000"
        )
        return UserEvent.ics(self).replace(
            "END:VEVENT", marker.replace("\n", "\r\n") + "\r\nEND:VEVENT"
        )

    def google(self) -> dict:
        private = {
            "relanceCalSource": "acme-1@example.org",
            "relanceCalKind": "followup",
            "relanceCalInputs": "0000",
        }
        return {**super().google(), "extendedProperties": {"private": private}}


BACKENDS = ["ics", pytest.param("caldav", marks=pytest.mark.slow), "google"]


@pytest.mark.parametrize("uid", UIDS, ids=["google", "urn-uuid", "outlook-80"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_the_reminders_of_an_unreadable_interview_are_left_alone(
    tmp_path: Path, request: pytest.FixtureRequest, backend: str, uid: str
):
    world = new_world(backend, tmp_path, request)
    interview = Folded(
        uid,
        "20260302T140000",
        "20260302T150000",
        "Entretien - Acme - Développeuse Python",
        "Recruteuse: Marie Dupont <marie.dupont@acme.fr>",
    )
    world.write_events([interview])
    first = world.sync(FIRST_RUN)
    assert first.code == 0 and "created followup" in first.out, first
    before = sorted(world.reminders())

    broken = Unreadable(*(getattr(interview, f) for f in ("uid", "start", "end", "title")))
    world.write_events([broken])
    result = world.sync(LATER)

    assert result.code == 1 and "removed" not in result.out, result
    assert "skipped" in result.err
    assert sorted(world.reminders()) == before


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stranger_s_invitation_with_the_marker_is_never_touched(
    tmp_path: Path, request: pytest.FixtureRequest, backend: str
):
    world = new_world(backend, tmp_path, request)
    board = Stranger("board-2026@corp.example", "20260310T100000", "20260310T110000", "Board")
    world.write_events([board])
    before = stored(world)

    result = world.sync(FIRST_RUN)

    assert (result.code, result.out) == (0, ""), result
    assert stored(world) == before  # on Radicale: no DELETE, no PUT


def stored(world: World) -> list[str]:
    """Every event as the calendar keeps it."""
    if isinstance(world, IcsWorld):
        return world.blocks()
    if isinstance(world, CalDAVWorld):
        return sorted(world._objects().values())
    return sorted(json.dumps(e, sort_keys=True) for e in world.emulator.events().values())


def sharing(home: Path, name: str, title: str, uid: str, shared: Path) -> Path:
    """A configuration named `name` whose source holds one interview, its reminders in
    `shared`."""
    source = home / f"{name}.ics"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;TZID=Europe/Paris:20260302T140000\r\n"
        "DTEND;TZID=Europe/Paris:20260302T150000\r\n"
        f"SUMMARY:{title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        newline="",
    )
    config = home / f"{name}.toml"
    config.write_text(
        'me = "camille@example.org"\nname = "Camille Martin"\n'
        f'[source]\nbackend = "ics"\npath = "{source}"\n'
        f'[reminders]\nbackend = "ics"\npath = "{shared}"\n',
        encoding="utf-8",
    )
    return config


def test_two_configurations_sharing_a_reminders_calendar_keep_each_other_s(home: Path, relance):
    shared = home / "relances.ics"
    work = sharing(home, "work", "Entretien Acme", "acme@work.example", shared)
    perso = sharing(home, "perso", "Entretien Globex", "globex@perso.example", shared)

    for config in (work, perso, work, perso):
        result = relance("--config", str(config), "--now", FIRST_RUN, "sync")
        assert result.code == 0 and "removed" not in result.out, result.out

    text = shared.read_text()
    assert "X-RELANCE-CAL-SOURCE:acme@work.example" in text
    assert "X-RELANCE-CAL-SOURCE:globex@perso.example" in text
    assert len(re.findall(r"^X-RELANCE-CAL-CALENDAR:", text, re.M)) == 2


@pytest.mark.parametrize("description", ["", "Notes: X-RELANCE-CAL-SOURCE is our marker"])
@pytest.mark.parametrize("backend", ["ics", pytest.param("caldav", marks=pytest.mark.slow)])
def test_an_event_that_holds_a_reminder_s_uid_is_never_replaced(
    tmp_path: Path, request: pytest.FixtureRequest, backend: str, description: str
):
    """Reminder UIDs can be computed by anyone who knows the interview's: an event of the
    user's (or a stranger's) that holds one is left as it is, not replaced nor shadowed by a
    second event with the same UID."""
    world = new_world(backend, tmp_path, request)
    squatter = UserEvent(
        reminder_uid(ACME.uid, "followup"),
        "20260310T100000",
        "20260310T110000",
        "My own important meeting",
        description,
    )
    world.write_events([ACME, squatter])
    before = stored(world)

    result = world.sync(FIRST_RUN)

    assert result.code == 1 and "created" not in result.out, result
    assert "(Acme)" in result.err and len(result.err.splitlines()) == 1, result.err
    assert stored(world) == before


def test_two_configurations_with_the_same_invitation_do_not_overwrite_each_other(
    home: Path, relance
):
    """The reminder's identity is the invitation's: the second configuration leaves the
    first one's reminder as it is, and says so, instead of taking it over on every run."""
    shared = home / "relances.ics"
    work, perso = (
        sharing(home, name, "Entretien Acme", "acme@recruiter.example", shared)
        for name in ("work", "perso")
    )

    assert relance("--config", str(work), "--now", FIRST_RUN, "sync").code == 0
    written = shared.read_bytes()
    for _ in range(2):
        result = relance("--config", str(perso), "--now", FIRST_RUN, "sync")
        assert (result.code, result.out) == (1, ""), result
        assert "not this configuration's" in result.err
        again = relance("--config", str(work), "--now", FIRST_RUN, "sync")
        assert (again.code, again.out) == (0, ""), again
    assert shared.read_bytes() == written
