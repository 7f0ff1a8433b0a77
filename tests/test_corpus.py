"""A corpus of interview events as people write them, and what a careful reader takes from
each (issue 16, item 10): tests/data/interview_corpus.toml. The share read right is printed;
every event must be read right."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from relance_cal.backends.base import Person, SourceEvent
from relance_cal.config import Detection, PolicySettings
from relance_cal.interviews import Interview, read_interview
from relance_cal.policy import announced_date

CORPUS = tomllib.loads(
    (Path(__file__).parent / "data" / "interview_corpus.toml").read_text(encoding="utf-8")
)["event"]
PARIS = ZoneInfo("Europe/Paris")
DETECTION = Detection(me="camille.martin@gmail.com")
FIELDS = ("company", "position", "recruiter", "announced", "outcome", "language")


def person(text: str) -> Person:
    name, _, email = text.rpartition("<")
    return Person(email=email.rstrip(">").strip(), name=name.strip() or None)


def source_event(entry: dict) -> SourceEvent:
    start = datetime.fromisoformat(entry.get("start", "2026-12-01T14:00")).replace(tzinfo=PARIS)
    uid = entry["id"]
    return SourceEvent(
        key=f"{uid}@{start.isoformat()}" if entry.get("recurring") else uid,
        uid=uid,
        summary=entry["title"],
        description=entry.get("description", ""),
        start=start,
        end=start + timedelta(hours=1),
        categories=tuple(entry.get("categories", ())),
        organizer=person(entry["organizer"]) if "organizer" in entry else None,
        attendees=tuple(person(a) for a in entry.get("attendees", ())),
    )


def what_was_read(interview: Interview | None) -> dict[str, object]:
    if interview is None:
        return {"interview": False}
    name, email = interview.recruiter_name, interview.recruiter_email
    recruiter = " ".join(filter(None, (name, f"<{email}>" if email else None)))
    day, _ = announced_date(interview, PolicySettings())
    return {
        "company": interview.company or "",
        "position": interview.position or "",
        "recruiter": recruiter,
        "announced": day.isoformat() if day else "",
        "outcome": interview.outcome or "",
        "language": interview.language or "",
    }


def expected(entry: dict) -> dict[str, object]:
    if entry["expect"].get("interview") is False:
        return {"interview": False}
    return {field: entry["expect"][field] for field in FIELDS}


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 150
    assert len({e["id"] for e in CORPUS}) == len(CORPUS)
    sources = {e["source"] for e in CORPUS}
    assert {"google-web", "google-app", "outlook", "apple", "phone"} <= sources
    assert sum("<br" in e.get("description", "") for e in CORPUS) >= 5  # HTML from Google
    assert {e["expect"].get("language") for e in CORPUS} >= {"fr", "en"}


def test_the_whole_corpus_is_read_right(capsys: pytest.CaptureFixture[str]) -> None:
    wrong = []
    for entry in CORPUS:
        got = what_was_read(read_interview(source_event(entry), DETECTION, PARIS))
        if got != expected(entry):
            differing = {k: v for k, v in got.items() if expected(entry).get(k) != v}
            wrong.append(f"{entry['id']} ({entry['title']!r}): read {differing}")
    right = len(CORPUS) - len(wrong)
    with capsys.disabled():
        print(f"\ninterview corpus: {right}/{len(CORPUS)} read right ({right / len(CORPUS):.1%})")
    assert not wrong, "\n".join(wrong)


def test_no_title_fragment_nor_markup_in_what_is_read() -> None:
    for entry in CORPUS:
        interview = read_interview(source_event(entry), DETECTION, PARIS)
        if interview is None:
            continue
        for value in (interview.company, interview.position, interview.recruiter_name):
            assert value is None or not any(mark in value for mark in "<>&|[]()"), entry["id"]
        if interview.company is None:
            assert any(w.kind == "no_company" for w in interview.warnings)
