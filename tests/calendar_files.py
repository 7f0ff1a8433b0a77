"""Helpers to write test calendars and configs, and to read back what the tool wrote."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import icalendar

HEADER = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Example//Test//EN\n"


def calendar(*events: str) -> str:
    return (HEADER + "".join(events) + "END:VCALENDAR\n").replace("\n", "\r\n")


def write_config(home: Path, calendar_file: Path, extra: str = "") -> Path:
    path = home / "config.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            me = "camille@example.org"
            name = "Camille Martin"
            language = "fr"
            [source]
            backend = "ics"
            path = "{calendar_file}"
            """
        )
        + extra,
        encoding="utf-8",
    )
    return path


def reminders_in(path: Path) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return {
        str(e["X-RELANCE-CAL-SOURCE"]) + "/" + str(e["X-RELANCE-CAL-KIND"]): e
        for e in cal.walk("VEVENT")
        if "X-RELANCE-CAL-SOURCE" in e
    }


_BLOCK = re.compile(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.S)


def replace_user_events(path: Path, *events: str) -> None:
    """Rewrite the user's events as a calendar app would, keeping the tool's reminders."""
    ours = [b for b in _BLOCK.findall(path.read_bytes().decode("utf-8")) if "X-RELANCE-CAL" in b]
    text = calendar(*events)
    at = text.rindex("END:VCALENDAR")
    path.write_text(text[:at] + "".join(ours) + text[at:], encoding="utf-8", newline="")


def state_path(home: Path) -> Path:
    """The state file of the (only) configuration run with this home (XDG_STATE_HOME under
    it): each configuration has a folder of its own under configs/."""
    configs = home / "state" / "relance-cal" / "configs"
    return next(configs.glob("*/state.sqlite3"), configs / "none" / "state.sqlite3")
