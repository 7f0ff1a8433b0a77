"""The hand-written reader of plain events (ical.py's quick path) against icalendar, the
reference: on generated events and on every calendar file of tests/data, both read the same
SourceEvent, or the quick path declines (and icalendar reads it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance_cal.backends import ical
from relance_cal.backends.ics import IcsBackend
from relance_cal.config import Detection
from relance_cal.errors import EventError
from relance_cal.model import Window

DATA = Path(__file__).parent / "data"
WINDOW = Window(datetime(1990, 1, 1, tzinfo=UTC), datetime(2090, 1, 1, tzinfo=UTC))


def by_icalendar(raw: str, monkeypatch: pytest.MonkeyPatch) -> list | str:
    with monkeypatch.context() as patched:
        patched.setattr(ical, "_plain_event", lambda _: None)
        try:
            return ical.parse_item(raw, WINDOW, calendar="c")
        except EventError as e:
            return f"error: {e.reason}"


def by_quick_path(raw: str) -> list | None:
    plain = ical._plain_event(raw)
    event = None if plain is None else ical._plain_source_event(plain, "c")
    if event is None:
        return None  # declined: icalendar reads it
    return [event] if ical._overlaps(event, WINDOW) else []


def escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def folded(line: str) -> str:
    parts = []
    while len(line.encode()) > 75:
        cut = 75
        while len(line[:cut].encode()) > 75 or (
            cut < len(line) and "\udc80" <= line[cut] < "\udd00"
        ):
            cut -= 1
        parts.append(line[:cut])
        line = " " + line[cut:]
    parts.append(line)
    return "\r\n".join(parts)


text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029"),
    max_size=40,
) | st.sampled_from(["Entretien, Acme; Dev", "a\\b", "Développeuse Python — Lyon", ""])
stamp = st.datetimes(datetime(2000, 1, 1), datetime(2080, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)
times = st.one_of(
    stamp.map(lambda d: f"DTSTART:{d:%Y%m%dT%H%M%S}Z"),
    stamp.map(lambda d: f"DTSTART;TZID=Europe/Paris:{d:%Y%m%dT%H%M%S}"),
    stamp.map(lambda d: f"DTSTART:{d:%Y%m%dT%H%M%S}"),
    stamp.map(lambda d: f"DTSTART;VALUE=DATE:{d:%Y%m%d}"),
)
uids = st.sampled_from(
    [
        "abc123@google.com",
        "urn:uuid:6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
        "040000008200E00074C5B7101A82E00800000000D0F3A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8",
    ]
)


@st.composite
def events(draw: st.DrawFn) -> str:
    start = draw(times)
    lines = [f"UID:{draw(uids)}", "DTSTAMP:20260101T000000Z", start]
    if draw(st.booleans()):  # an end of the same form, a day later
        end = start.replace("DTSTART", "DTEND")
        lines.append(end[:-8] + str(int(end[-8]) + 1) + end[-7:] if end[-8].isdigit() else end)
    lines.append(f"SUMMARY:{escaped(draw(text))}")
    if draw(st.booleans()):
        lines.append(f"DESCRIPTION:{escaped(draw(text))}")
    if draw(st.booleans()):
        lines.append(f"CATEGORIES:{','.join(escaped(c) for c in draw(st.lists(text, max_size=3)))}")
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["STATUS:CANCELLED", "STATUS:CONFIRMED"])))
    if draw(st.booleans()):
        lines.append(f'ORGANIZER;CN="{draw(text).replace(chr(34), "")}":mailto:rh@acme.fr')
    body = "\r\n".join(folded(line) for line in lines)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        f"{body}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@settings(max_examples=300, deadline=None)
@given(events())
def test_the_quick_path_reads_generated_events_as_icalendar_does(raw: str):
    with pytest.MonkeyPatch.context() as monkeypatch:
        quick = by_quick_path(raw)
        if quick is not None:
            assert quick == by_icalendar(raw, monkeypatch)


@pytest.mark.parametrize("path", sorted(DATA.glob("*.ics")), ids=lambda p: p.name)
def test_the_quick_path_reads_the_test_calendars_as_icalendar_does(
    path: Path, monkeypatch: pytest.MonkeyPatch
):
    listing = IcsBackend(path, Detection(interviews_only=True), role="source").changes(None, WINDOW)
    for item in listing.items.values():
        quick = by_quick_path(item.text)
        if quick is not None:
            assert quick == by_icalendar(item.text, monkeypatch), item.text
