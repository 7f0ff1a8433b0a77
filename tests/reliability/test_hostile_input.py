"""Hostile and broken calendar input (issue 6, part 3).

A bad event is skipped with a warning naming it, the others are processed, the run exits 1,
and the bad event's bytes stay as they were. Text that tries to smuggle iCalendar lines into
what the tool writes stays text.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance_cal import drafts, policy, reminders
from relance_cal.backends import ical
from relance_cal.backends.base import SourceEvent, Window
from relance_cal.config import CalendarConfig, Config, Detection, DraftSettings
from relance_cal.drafts import PLACEHOLDERS
from relance_cal.interviews import read_interview
from reliability.crashlab import GoogleWorld, IcsWorld, UserEvent, vevent
from reliability.test_crash import ACME, GLOBEX

DATA = Path(__file__).parent.parent / "data"
NOW = "2026-03-02T18:00"
PARIS = ZoneInfo("Europe/Paris")
GOOD = {"acme-1@example.org/followup", "globex-7@example.org/followup", "globex-7@example.org/ask"}


def fixture_event(name: str) -> bytes:
    """The VEVENT of a real-world file of tests/data."""
    text = (DATA / name).read_text(encoding="utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
    return re.search(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, re.S).group(0).encode()


def calendar_with(world: IcsWorld, *bad: bytes) -> None:
    head = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Phone//EN\r\n"
    good = (ACME.ics() + GLOBEX.ics()).encode()
    world.calendar.write_bytes(head + b"".join(bad) + good + b"END:VCALENDAR\r\n")


SAME_UID = (
    vevent("dup@example.org", "20260303T100000", "20260303T110000", "Entretien Alpha")
    + vevent("dup@example.org", "20260304T100000", "20260304T110000", "Entretien Beta")
).encode()
LATIN1 = vevent(
    "latin1@example.org", "20260303T100000", "20260303T110000", "Entretien Société Générale"
).encode("latin-1")
HUGE = vevent(
    "huge@example.org",
    "20260303T100000",
    "20260303T110000",
    "Entretien Huge",
    "Points: " + "un sujet ; " * 100_000,  # a megabyte
).encode()


@pytest.mark.parametrize(
    ("bad", "named", "reason"),
    [
        pytest.param(
            fixture_event("malformed_dtstart.ics"),
            '"Entretien Oscorp" (UID malformed-1@example.net)',
            "DTSTART",
            id="malformed DTSTART",
        ),
        pytest.param(
            fixture_event("unknown_tzid.ics"),
            '"Entretien Vandelay" (UID unknown-tz-1@example.net)',
            "unknown time zone 'Nowhere Standard Time'",
            id="unknown TZID without VTIMEZONE",
        ),
        pytest.param(
            fixture_event("missing_uid.ics"),
            '"Entretien Cyberdyne" (event 1 without UID)',
            "no UID",
            id="missing UID",
        ),
        pytest.param(
            SAME_UID,
            '"Entretien Alpha" (UID dup@example.org)',
            "several events share this UID",
            id="two events with the same UID",
        ),
        pytest.param(LATIN1, "latin1@example.org", "not valid UTF-8", id="non-UTF-8 bytes"),
        pytest.param(
            HUGE, '"Entretien Huge" (UID huge@example.org)', "a description of", id="1 MB"
        ),
    ],
)
def test_a_bad_event_is_skipped_by_name_and_the_others_processed(
    tmp_path: Path, bad: bytes, named: str, reason: str
):
    world = IcsWorld(tmp_path)
    calendar_with(world, bad)

    result = world.sync(NOW)

    assert result.code == 1
    [warning] = result.err.splitlines()
    assert warning.startswith(f"relance-cal: skipped {named}")
    assert reason in warning and "Traceback" not in result.err
    assert {r[0] for r in world.reminders()} == GOOD
    assert bad in world.calendar.read_bytes()  # left byte for byte
    again = world.sync(NOW)
    assert (again.code, again.out, again.err) == (1, "", result.err)


def test_a_long_description_outside_an_interview_is_no_problem(tmp_path: Path):
    world = IcsWorld(tmp_path)
    minutes = UserEvent(
        "minutes@example.org",
        "20260303T100000",
        "20260303T110000",
        "Réunion d'équipe",
        "Compte rendu : entretien annuel, budget, planning. " * 20_000,  # a megabyte
    )
    world.write_events([minutes, ACME, GLOBEX])

    result = world.sync(NOW)

    assert (result.code, result.err) == (0, "")
    assert {r[0] for r in world.reminders()} == GOOD


def test_a_calendar_of_20000_events(tmp_path: Path):
    events = [ACME, GLOBEX]
    for n in range(20_000):
        day = 1 + n % 28
        title = f"Entretien Société {n}" if n % 500 == 0 else f"Réunion {n}"
        start, end = (
            f"202603{day:02d}T{8 + n % 10:02d}0000",
            f"202603{day:02d}T{9 + n % 10:02d}0000",
        )
        events.append(UserEvent(f"event-{n}@example.org", start, end, title, "Ordre du jour"))
    world = IcsWorld(tmp_path)
    world.write_events(events)
    users = world.user_events()

    started = time.monotonic()
    first = world.sync(NOW)
    first_took = time.monotonic() - started
    started = time.monotonic()
    second = world.sync("2026-03-03T08:00")
    second_took = time.monotonic() - started

    assert first.code == 0, first.err
    ours = [b for b in world.blocks() if "X-RELANCE-CAL-SOURCE" in b]
    assert len(ours) == first.out.count("created") > 40
    assert second.quiet
    assert world.user_events() == users
    assert first_took < 60 and second_took < 30, (first_took, second_took)


VTIMEZONE = re.compile(r"^BEGIN:VTIMEZONE\r?$.*?^END:VTIMEZONE\r?$", re.M | re.S)
HOSTILE_TITLE = "Entretien Evil\\nATTENDEE:mailto:x@evil.example\\nEND:VEVENT"
HOSTILE_DESCRIPTION = (
    "Entreprise: Evil\\r\\nATTENDEE:mailto:x@evil.example\n"
    "Poste: END:VEVENT\nBEGIN:VEVENT\nUID:hijack\n"
    "Recruteur: Eve\\nORGANIZER:mailto:eve@evil.example <eve@evil.example>\n"
    "Points: END:VALARM ; BEGIN:VALARM\\nTRIGGER:-PT1M ; END:VCALENDAR\n"
    "Réponse: 2026-03-20\\nRRULE:FREQ=MINUTELY"
)
OUR_PROPERTIES = {
    "UID",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "DESCRIPTION",
    "CATEGORIES",
    "TRANSP",
    "X-RELANCE-CAL-SOURCE",
    "X-RELANCE-CAL-KIND",
    "X-RELANCE-CAL-INPUTS",
    "X-RELANCE-CAL-CALENDAR",
}


def assert_nothing_injected(calendar: icalendar.Calendar) -> int:
    """Every reminder holds only the properties the tool writes, on one line each."""
    ours = [e for e in calendar.walk("VEVENT") if "X-RELANCE-CAL-SOURCE" in e]
    for event in ours:
        assert set(event) <= OUR_PROPERTIES, set(event) - OUR_PROPERTIES
        assert "\n" not in str(event["SUMMARY"]) and "\r" not in str(event["SUMMARY"])
        assert [c.name for c in event.subcomponents] == ["VALARM"]
        assert set(event.subcomponents[0]) == {"ACTION", "DESCRIPTION", "TRIGGER"}
    return len(ours)


def test_metadata_cannot_inject_icalendar_lines_into_reminders(tmp_path: Path):
    world = IcsWorld(tmp_path)
    hostile = vevent(
        "evil@example.org",
        "20260303T100000",
        "20260303T110000",
        HOSTILE_TITLE,
        extra="DESCRIPTION:" + HOSTILE_DESCRIPTION.replace("\n", "\\n"),
    )
    calendar_with(world, hostile.encode())

    result = world.sync(NOW)

    assert result.code == 0, result.err
    parsed = icalendar.Calendar.from_ical(world.calendar.read_bytes())
    assert assert_nothing_injected(parsed) == 4  # Acme 1, Globex 2, the hostile event 1
    assert len(parsed.walk("VEVENT")) == 3 + 4
    # The VTIMEZONE's own yearly RRULEs are the tool's, not injected.
    written = VTIMEZONE.sub("", world.calendar.read_bytes().decode())
    assert not re.search(r"^(ATTENDEE|ORGANIZER|RRULE|TRIGGER:-PT1M)", written, re.M)
    lines = written.splitlines()
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 7


def test_raw_line_breaks_from_google_cannot_inject_into_an_export(tmp_path: Path, emulator):
    world = GoogleWorld(tmp_path, emulator)
    world.write_events(
        [
            UserEvent(
                "evil@example.org",
                "20260303T100000",
                "20260303T110000",
                HOSTILE_TITLE.replace("\\n", "\r\n"),
                HOSTILE_DESCRIPTION.replace("\\r\\n", "\r\n").replace("\\n", "\r\n"),
            )
        ]
    )
    assert world.sync(NOW).code == 0
    export = tmp_path / "export.ics"
    result = world.run("export", "-o", str(export), now=NOW)

    assert result.code == 0, result.err
    assert assert_nothing_injected(icalendar.Calendar.from_ical(export.read_bytes())) == 1
    assert not re.search(
        r"^(ATTENDEE|ORGANIZER|RRULE)", VTIMEZONE.sub("", export.read_text()), re.M
    )


# -- any title, any description ----------------------------------------------------------------

CONFIG = Config(
    path=Path("config.toml"),
    source=CalendarConfig(),
    reminders=CalendarConfig(),
    name="Camille Martin",
    drafts=DraftSettings(thank_you=True),
)
TEMPLATES = {language: drafts.load_templates(language, None) for language in ("fr", "en")}
# Any text, with pieces that try to break out: placeholders, braces, line breaks, iCalendar.
TRICKY = [
    "{company}",
    "{greeting}",
    "{points}",
    "{",
    "}",
    "\\n",
    ";",
    ",",
    "END:VEVENT",
    "BEGIN:VALARM",
    "<a@b.c>",
    "ATTENDEE:mailto:x@evil.example",
    "Poste:",
]
tricky = st.sampled_from([*TRICKY, "\r\n", "\n", "\r", " "])
text = st.lists(st.text(st.characters(codec="utf-8"), max_size=40) | tricky, max_size=12).map(
    "".join
)
metadata = st.lists(
    st.sampled_from(
        ["Entreprise", "Poste", "Recruteur", "Taille", "Urgence", "Réponse", "Points", "Statut"]
    ).flatmap(lambda key: text.map(lambda value: f"{key}: {value}"))
    | text,
    max_size=8,
).map("\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=text, description=metadata, language=st.sampled_from(["fr", "en"]))
def test_any_title_and_description_make_well_formed_reminders(
    title: str, description: str, language: str
):
    event = SourceEvent(
        key="any@example.org",
        uid="any@example.org",
        summary="Entretien " + title,
        description=description,
        start=datetime(2026, 3, 2, 14, tzinfo=PARIS),
        end=datetime(2026, 3, 2, 15, tzinfo=PARIS),
    )
    interview = read_interview(event, Detection(), PARIS)
    assert interview is not None
    followup = policy.follow_up(interview, CONFIG.policy)
    config = Config(**{**CONFIG.__dict__, "language": language})
    for kind in drafts.KINDS:
        reminder = reminders.build(
            kind, interview, followup, config, followup.at, TEMPLATES[language]
        )
        draft = drafts.render(
            kind,
            interview,
            followup,
            language=language,
            name="Camille",
            templates=TEMPLATES[language],
        )
        for placeholder in PLACEHOLDERS:
            shown = "{" + placeholder + "}"
            if shown not in title + description:
                assert shown not in reminder.description + reminder.title, placeholder
                assert shown not in draft.subject + draft.body, placeholder
        assert "\n" not in draft.subject
        written = ical.reminder_calendar([reminder], datetime(2026, 3, 1, tzinfo=UTC)).to_ical()
        assert assert_nothing_injected(icalendar.Calendar.from_ical(written)) == 1


# Event text read in linear time (issue 14, item 3): each of these costs a sync under 0.5 s.
SLOW_TEXT = {
    "a description line of 20,000 spaces": ("Entretien Acme", "Réponse :" + " " * 20_000 + "x"),
    "a 60,000-character recruiter": ("Entretien Acme", "Recruteur : " + "marie.dupont" * 5_455),
    "a title of 16,000 times entretien": ("entretien " * 16_000, "Poste : Analyste"),
    "60,000 unclosed tags": ("Entretien Acme", "<br>Poste : " + "<a href='mailto:x" * 3_500),
    "60,000 unclosed comments": ("Entretien Acme", "<p>Poste : x" + "<!--" * 15_000),
}


@pytest.mark.parametrize("title, description", SLOW_TEXT.values(), ids=SLOW_TEXT.keys())
def test_hostile_event_text_is_read_in_linear_time(tmp_path: Path, title: str, description: str):
    from relance_cal.backends.ics import IcsBackend

    path = tmp_path / "cal.ics"
    event = vevent("slow@example.org", "20260303T100000", "20260303T110000", title, description)
    path.write_text(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{event}END:VCALENDAR\r\n", newline="")
    detection = Detection(me="camille@example.org")
    window = Window(*policy.window(datetime(2026, 3, 2, tzinfo=PARIS), CONFIG.policy))
    started = time.monotonic()
    backend = IcsBackend(path, detection, role="source")
    [(item_id, item)] = backend.changes(None, window).items.items()
    [occurrence] = backend.occurrences(item_id, item, window)
    interview = read_interview(occurrence, detection, PARIS)
    took = time.monotonic() - started
    assert interview is not None and took < 0.5, took
    assert len(interview.title) <= 500 and all(len(w.value) < 200 for w in interview.warnings)
