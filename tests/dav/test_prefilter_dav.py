"""CalDAV finds titles as people type them with a keyword of two words (issue 13, item 4)."""

from __future__ import annotations

import pytest

from relance_cal.backends.caldav import CalDAVBackend
from relance_cal.interviews import is_interview
from test_prefilter import KEYWORD, TITLES, WINDOW, ics_event

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("server", [None, "honours", "ands"])
def test_caldav_finds_titles_as_people_type_them(dav, relay, calendar_config, server) -> None:
    calendar = dav.make_calendar("Typed")
    for n, title in enumerate(TITLES):
        dav.put(
            f"{calendar}t{n}.ics",
            f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{ics_event(f't{n}', title)}"
            "END:VCALENDAR\r\n",
        )
    relay.extended_query = server
    backend = CalDAVBackend(calendar_config(calendar=calendar), KEYWORD, role="source")
    try:
        listing = backend.changes(None, WINDOW)
        found = [
            e for i, item in listing.items.items() for e in backend.occurrences(i, item, WINDOW)
        ]
    finally:
        backend.close()
    assert sorted(e.summary for e in found) == sorted(TITLES)
    assert all(is_interview(e, KEYWORD) for e in found)
