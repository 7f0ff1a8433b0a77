"""Google finds titles as people type them with a keyword of two words (issue 13, item 4)."""

from __future__ import annotations

from relance_cal.interviews import is_interview
from test_prefilter import KEYWORD, TITLES, WINDOW


def test_google_finds_titles_as_people_type_them(emulator, open_google) -> None:
    for n, title in enumerate(TITLES):
        emulator.add_event(
            iCalUID=f"t{n}",
            summary=title,
            start={"dateTime": "2026-03-03T14:00:00+01:00", "timeZone": "Europe/Paris"},
            end={"dateTime": "2026-03-03T15:00:00+01:00"},
        )
    backend = open_google(detection=KEYWORD)
    listing = backend.changes(None, WINDOW)
    found = [e for i, item in listing.items.items() for e in backend.occurrences(i, item, WINDOW)]
    assert sorted(e.summary for e in found) == sorted(TITLES)
    assert all(is_interview(e, KEYWORD) for e in found)
