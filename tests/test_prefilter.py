"""One text folding and one detection pre-filter for every backend (issue 13, item 4)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from relance_cal.backends.base import SourceEvent, Window
from relance_cal.backends.ics import IcsBackend
from relance_cal.config import Detection
from relance_cal.interviews import KeywordFilter, is_interview
from relance_cal.text import fold, fold_with_origin

PARIS = ZoneInfo("Europe/Paris")
WINDOW = Window(datetime(2026, 1, 1, tzinfo=PARIS), datetime(2027, 1, 1, tzinfo=PARIS))
KEYWORD = Detection(keywords=("entretien d'embauche",))
# As phones and word processors write it: a typographic apostrophe, a double space.
TITLES = ("Entretien d\u2019embauche Acme", "Entretien  d'embauche Acme")


def test_fold_ignores_case_accents_apostrophes_and_spacing() -> None:
    assert fold("  ENTRETIEN\u00a0 d\u2019Embauche\tSociété ") == "entretien d'embauche societe"
    assert fold(TITLES[0]) == fold(TITLES[1])


def test_fold_with_origin_points_back_into_the_text() -> None:
    text = " Éléa  d\u2019Acme "
    folded, origin = fold_with_origin(text)
    assert folded == fold(text) == "elea d'acme"
    assert [text[i] for i in origin][:4] == ["É", "l", "é", "a"]


words = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "M", "Z", "P")), max_size=12)


@settings(max_examples=500, deadline=None)
@given(title=st.lists(words, max_size=6).map(" ".join), keywords=st.lists(words, max_size=3))
def test_the_prefilter_passes_every_interview(title: str, keywords: list[str]) -> None:
    detection = Detection(keywords=tuple(keywords))
    event = SourceEvent(
        key="k", uid="k", summary=title, description="", start=WINDOW.start, end=WINDOW.start
    )
    if is_interview(event, detection):
        assert KeywordFilter(detection).passes(title)
        # As the title is written in an iCalendar file, escaped.
        escaped = title.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
        assert KeywordFilter(detection).passes(f"SUMMARY:{escaped}", escaped=True)


def test_fragments_for_a_server_search() -> None:
    assert KeywordFilter(KEYWORD).fragments() == ("entretien",)
    assert KeywordFilter(Detection(keywords=("Entrevue", "面接"))).fragments() is None


def ics_event(uid: str, title: str) -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:20260303T130000Z\r\nDTEND:20260303T140000Z\r\nSUMMARY:{title}\r\nEND:VEVENT\r\n"
    )


def test_the_ics_backend_finds_titles_as_people_type_them(tmp_path: Path) -> None:
    path = tmp_path / "cal.ics"
    events = "".join(ics_event(f"t{n}", t) for n, t in enumerate(TITLES))
    path.write_text(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{events}END:VCALENDAR\r\n", newline="")
    backend = IcsBackend(path, KEYWORD, role="source")
    listing = backend.changes(None, WINDOW)
    found = [e for i, item in listing.items.items() for e in backend.occurrences(i, item, WINDOW)]
    assert sorted(e.summary for e in found) == sorted(TITLES)
    assert all(is_interview(e, KEYWORD) for e in found)
