"""iCalendar parsing (real-world files) and the reminders we write, read back by icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance_cal.backends.base import (
    CATEGORY,
    MARKER_INPUTS,
    MARKER_KIND,
    MARKER_SOURCE,
    ExistingReminder,
    Person,
    Reminder,
    Window,
)
from relance_cal.backends.ical import (
    PRODID,
    existing_reminder,
    label_from_text,
    parse_item,
    reminder_calendar,
    reminder_vevent,
)
from relance_cal.errors import EventError

DATA = Path(__file__).parent / "data"
PARIS = ZoneInfo("Europe/Paris")
YEAR_2026 = Window(datetime(2026, 1, 1, tzinfo=PARIS), datetime(2027, 1, 1, tzinfo=PARIS))
STAMP = datetime(2026, 3, 3, 8, 0, tzinfo=PARIS)


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def parse(name: str, window: Window = YEAR_2026) -> list:
    return parse_item(read(name), window, calendar="work")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- reading real-world files ------------------------------------------------------------


def test_outlook_windows_zone_with_its_vtimezone() -> None:
    [event] = parse("outlook_windows_tz.ics")
    assert event.key == event.uid
    assert event.uid.startswith("040000008200E00074C5B7101A82E008") and event.uid.endswith("8F90")
    assert event.start == utc(2026, 3, 2, 13, 0)
    assert event.end == utc(2026, 3, 2, 14, 0)
    # Mapped through icalendar's Windows table, not left as Outlook's own definition.
    assert event.start.tzinfo == ZoneInfo("Europe/Paris")
    assert event.summary == "Entretien - Acme - Développeuse Python"
    assert event.description.startswith(
        "Recruteuse: Marie Dupont <marie.dupont@acme.fr>\nTaille: grand groupe\n"
    )
    assert "Points: migration vers le cloud ; équipe de six ;" in event.description
    assert event.organizer == Person(email="marie.dupont@acme.fr", name="Marie Dupont")
    assert event.attendees == (
        Person(email="camille.martin@gmail.com", name="Camille Martin", partstat="NEEDS-ACTION"),
    )
    assert event.calendar == "work"
    assert not event.cancelled and not event.marker


def test_windows_zone_without_vtimezone() -> None:
    [event] = parse("windows_tz_no_vtimezone.ics")
    assert event.start == utc(2026, 7, 7, 8, 30)  # W. Europe Standard Time, summer: UTC+2
    assert event.end == utc(2026, 7, 7, 9, 30)
    assert event.start.tzinfo == ZoneInfo("Europe/Berlin")
    assert event.summary == "Interview with Globex"


def test_custom_zone_defined_only_by_the_files_vtimezone() -> None:
    [event] = parse("custom_vtimezone.ics")
    assert event.start == utc(2026, 4, 15, 7, 30)
    assert event.end == utc(2026, 4, 15, 8, 30)
    assert event.start.utcoffset() == timedelta(hours=2)


def test_google_export_in_utc() -> None:
    [event] = parse("google_export.ics")
    assert event.key == "5f2k8qv0b1c2d3e4f5g6h7i8j9@google.com"
    assert event.start == utc(2026, 3, 3, 13, 0)
    assert event.start.utcoffset() == timedelta(0)
    assert event.end == utc(2026, 3, 3, 14, 0)
    assert event.organizer == Person(email="camille.martin@gmail.com", name="Camille Martin")
    assert [(p.email, p.partstat) for p in event.attendees] == [
        ("camille.martin@gmail.com", "ACCEPTED"),
        ("jean.recruteur@initech.io", "NEEDS-ACTION"),
    ]
    assert event.description.startswith("Poste : Data engineer\nUrgent : oui\n")


def test_apple_floating_times_stay_naive() -> None:
    [event] = parse("apple_floating.ics")
    assert event.start == datetime(2026, 3, 10, 10, 0)
    assert event.end == datetime(2026, 3, 10, 11, 30)
    assert event.start.tzinfo is None and event.end.tzinfo is None
    assert event.categories == ("Recherche d'emploi", "Entretien")


def test_all_day_events_are_dates_with_an_exclusive_end() -> None:
    two_days, one_day = parse("all_day.ics")
    assert (two_days.start, two_days.end) == (date(2026, 3, 12), date(2026, 3, 14))
    assert not isinstance(two_days.start, datetime)
    # No DTEND: an all-day event lasts its day.
    assert (one_day.start, one_day.end) == (date(2026, 3, 16), date(2026, 3, 17))


def test_end_from_duration_or_at_the_start() -> None:
    with_duration, without_end = parse("duration_no_dtend.ics")
    assert with_duration.start == datetime(2026, 3, 5, 16, 30, tzinfo=PARIS)
    assert with_duration.end == datetime(2026, 3, 5, 18, 0, tzinfo=PARIS)
    assert without_end.start == without_end.end == datetime(2026, 3, 6, 9, 0, tzinfo=PARIS)


def test_recurring_event_expanded_with_exdate_and_moved_occurrence() -> None:
    events = parse("recurring.ics")
    uid = "weekly-interviews@example.org"
    assert [(e.key, e.start, e.end) for e in events] == [
        (
            f"{uid}@2026-03-16T14:00:00+01:00",
            datetime(2026, 3, 16, 14, tzinfo=PARIS),
            datetime(2026, 3, 16, 15, tzinfo=PARIS),
        ),
        # 23 March is an EXDATE. 30 March moved to the 31st; its RECURRENCE-ID, written
        # in UTC, still gives the key of the original start in the series' zone.
        (
            f"{uid}@2026-03-30T14:00:00+02:00",
            datetime(2026, 3, 31, 16, tzinfo=PARIS),
            datetime(2026, 3, 31, 17, tzinfo=PARIS),
        ),
        (
            f"{uid}@2026-04-06T14:00:00+02:00",
            datetime(2026, 4, 6, 14, tzinfo=PARIS),
            datetime(2026, 4, 6, 15, tzinfo=PARIS),
        ),
    ]
    assert events[1].summary == "Entretien hebdo Cabinet Martin (décalé)"
    assert all(e.uid == uid for e in events)


def test_recurring_event_only_occurrences_in_the_window() -> None:
    april = Window(datetime(2026, 4, 1, tzinfo=PARIS), datetime(2026, 5, 1, tzinfo=PARIS))
    assert [e.start for e in parse("recurring.ics", april)] == [
        datetime(2026, 4, 6, 14, tzinfo=PARIS)
    ]


def test_single_event_outside_the_window() -> None:
    march = Window(datetime(2026, 3, 1, tzinfo=PARIS), datetime(2026, 4, 1, tzinfo=PARIS))
    assert parse("windows_tz_no_vtimezone.ics", march) == []
    # An event overlapping the window's start counts.
    morning = Window(datetime(2026, 3, 5, 17, tzinfo=PARIS), datetime(2026, 3, 6, tzinfo=PARIS))
    assert [e.uid for e in parse("duration_no_dtend.ics", morning)] == ["duration-1@example.org"]


def test_cancelled_and_declined() -> None:
    cancelled, declined = parse("cancelled_declined.ics")
    assert cancelled.cancelled
    assert cancelled.start == utc(2026, 3, 9, 9, 0)
    assert not declined.cancelled
    assert declined.attendees[0] == Person(
        email="camille.martin@gmail.com", name="Camille Martin", partstat="DECLINED"
    )


@pytest.mark.parametrize(
    ("name", "event", "reason"),
    [
        (
            "unknown_tzid.ics",
            '"Entretien Vandelay" (UID unknown-tz-1@example.net)',
            "unknown time zone",
        ),
        ("malformed_dtstart.ics", '"Entretien Oscorp" (UID malformed-1@example.net)', "DTSTART"),
        ("missing_uid.ics", '"Entretien Cyberdyne"', "no UID"),
    ],
)
def test_bad_events_raise_event_error_naming_them(name: str, event: str, reason: str) -> None:
    with pytest.raises(EventError) as error:
        parse(name)
    assert error.value.event == event
    assert reason in error.value.reason


def test_runaway_recurrence_is_an_event_error() -> None:
    raw = read("recurring.ics").replace("RRULE:FREQ=WEEKLY;COUNT=4", "RRULE:FREQ=MINUTELY")
    with pytest.raises(EventError, match="repeats more than"):
        parse_item(raw, YEAR_2026)


@pytest.mark.parametrize("raw", ["not an ics", "", "BEGIN:VCALENDAR\r\nUID:x\r\n", "END:VEVENT"])
def test_unparsable_text_is_an_event_error(raw: str) -> None:
    with pytest.raises(EventError):
        parse_item(raw, YEAR_2026)


TEMPLATE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:fuzz-1\r\n"
    "SUMMARY:Entretien\r\nDTSTART{start}\r\n{extra}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
TIME_PROPERTIES = ["DTEND", "DURATION", "RRULE", "EXDATE", "RDATE", "RECURRENCE-ID"]
line_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("0123456789TZ;=:,-/P"),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(
    start=st.sampled_from([":20260302T140000", ";TZID=", ";VALUE=DATE:", ":"]).flatmap(
        lambda prefix: line_text.map(lambda tail: prefix + tail)
    ),
    extra=st.sampled_from(TIME_PROPERTIES).flatmap(
        lambda name: line_text.map(lambda value: f"{name}:{value}")
    ),
)
def test_garbled_times_never_escape_as_library_errors(start: str, extra: str) -> None:
    raw = TEMPLATE.format(start=start, extra=extra)
    try:
        events = parse_item(raw, YEAR_2026)
    except EventError as error:
        assert "Entretien" in error.event
    else:
        assert all(e.uid == "fuzz-1" for e in events)


# --- writing reminders -------------------------------------------------------------------

HOSTILE = (
    "Relance prévue le jeudi 5 mars, 09:30; délai: 3 jours ouvrés\\ fin\r\n"
    "ATTENDEE:mailto:x@y\r\nEND:VEVENT\nBEGIN:VEVENT\rUID:evil\n"
    "mailto:marie@acme.fr?subject=Entretien%20du%202%20mars&body=Bonjour%2C"
)


def reminder(**changes: object) -> Reminder:
    fields = dict(
        uid="relance-2f1c9a@relance-cal",
        source_key="040000008200E0,odd;key\\x@2026-03-02T14:00:00+01:00",
        kind="followup",
        inputs="9b1f0c",
        title="Relancer Marie Dupont — Développeuse Python (Acme)",
        start=datetime(2026, 3, 5, 9, 30, tzinfo=PARIS),
        end=datetime(2026, 3, 5, 9, 45, tzinfo=PARIS),
        description=HOSTILE,
        alarm_minutes=(0, 60),
    )
    fields.update(changes)
    return Reminder(**fields)  # type: ignore[arg-type]


def round_trip(*reminders: Reminder) -> icalendar.Calendar:
    text = reminder_calendar(reminders, STAMP).to_ical()
    return icalendar.Calendar.from_ical(text)


def test_reminder_round_trip_keeps_times_zone_and_markers() -> None:
    written = reminder()
    calendar = round_trip(written)
    assert str(calendar["PRODID"]) == PRODID and str(calendar["VERSION"]) == "2.0"
    assert [tz.tz_name for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    [event] = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event["DTSTART"].dt == written.start and event["DTEND"].dt == written.end
    assert event["DTSTAMP"].dt == STAMP and event["DTSTAMP"].dt.utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == written.title
    assert event.categories == [CATEGORY]
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert existing_reminder(event, item_id="/cal/x.ics", etag='"e1"') == ExistingReminder(
        uid=written.uid,
        source_key=written.source_key,
        kind="followup",
        inputs="9b1f0c",
        start=written.start,
        item_id="/cal/x.ics",
        etag='"e1"',
    )


def test_reminder_alarms() -> None:
    [event] = round_trip(reminder(alarm_minutes=(0, 60))).walk("VEVENT")
    alarms = event.walk("VALARM")
    assert [str(a["ACTION"]) for a in alarms] == ["DISPLAY", "DISPLAY"]
    assert [a["TRIGGER"].dt for a in alarms] == [timedelta(0), timedelta(minutes=-60)]
    assert {str(a["DESCRIPTION"]) for a in alarms} == {reminder().title}
    [quiet] = round_trip(reminder(alarm_minutes=())).walk("VEVENT")
    assert quiet.walk("VALARM") == []


def test_hostile_description_stays_inside_description() -> None:
    calendar = round_trip(reminder(title="Relancer\r\nATTENDEE:mailto:x@y"))
    [event] = calendar.walk("VEVENT")
    assert "ATTENDEE" not in event
    assert str(event["UID"]) == "relance-2f1c9a@relance-cal"
    assert str(event["DESCRIPTION"]) == HOSTILE.replace("\r\n", "\n").replace("\r", "\n")
    assert str(event["SUMMARY"]) == "Relancer ATTENDEE:mailto:x@y"


def test_several_reminders_share_one_vtimezone() -> None:
    other = reminder(uid="relance-other@relance-cal", kind="ask")
    calendar = round_trip(reminder(), other)
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [reminder().uid, other.uid]
    assert len(calendar.walk("VTIMEZONE")) == 1


def test_reminder_text_is_folded_with_crlf() -> None:
    text = reminder_vevent(reminder(description="x" * 300), STAMP).to_ical().decode()
    lines = text.split("\r\n")
    assert text.startswith("BEGIN:VEVENT\r\n") and text.endswith("END:VEVENT\r\n")
    assert "\n" not in "".join(lines)
    assert max(len(line.encode()) for line in lines) <= 75


def test_written_reminder_parses_as_a_marker_event() -> None:
    raw = reminder_calendar([reminder()], STAMP).to_ical().decode()
    [event] = parse_item(raw, YEAR_2026)
    assert event.marker
    assert event.key == reminder().uid
    assert event.start == reminder().start and event.categories == (CATEGORY,)


def test_existing_reminder_ignores_events_without_marker() -> None:
    [event] = icalendar.Calendar.from_ical(read("google_export.ics")).walk("VEVENT")
    assert existing_reminder(event, item_id="x") is None


def test_existing_reminder_reads_a_cancelled_marker_event() -> None:
    event = reminder_vevent(reminder(), STAMP)
    event.add("STATUS", "CANCELLED")
    found = existing_reminder(icalendar.Event.from_ical(event.to_ical().decode()), item_id="x")
    assert found is not None and found.cancelled


def test_existing_reminder_without_a_zoned_start_is_an_event_error() -> None:
    event = reminder_vevent(reminder(start=datetime(2026, 3, 5, 9, 30)), STAMP)
    with pytest.raises(EventError):
        existing_reminder(icalendar.Event.from_ical(event.to_ical().decode()), item_id="x")


text_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=200, deadline=None)
@given(
    title=text_values,
    description=text_values,
    source_key=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80),
)
def test_any_text_round_trips_inside_one_event(
    title: str, description: str, source_key: str
) -> None:
    written = reminder(title=title, description=description, source_key=source_key)
    calendar = round_trip(written)
    [event] = calendar.walk("VEVENT")
    assert set(event) >= {"UID", "DTSTART", "DESCRIPTION", MARKER_SOURCE, MARKER_KIND}
    assert "ATTENDEE" not in event and MARKER_INPUTS in event
    assert existing_reminder(event, item_id="x").source_key == source_key
    assert "\n" not in str(event["SUMMARY"])
    kept = description.replace("\r\n", "\n").replace("\r", "\n")
    assert str(event["DESCRIPTION"]) == "".join(
        c for c in kept if c in "\n\t" or not (ord(c) < 32 or ord(c) == 127)
    )


def test_an_unreadable_item_is_named_by_its_unfolded_unescaped_title() -> None:
    folded = (
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x-1\r\nSUMMARY:Entretien Acme\\, Dévelop\r\n"
        "  Python\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert label_from_text(folded) == '"Entretien Acme, Dévelop Python" (UID x-1)'
    alarm_only = (
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x-2\r\nBEGIN:VALARM\r\nACTION:EMAIL\r\n"
        "SUMMARY:Rappel\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert label_from_text(alarm_only) == "UID x-2"  # not the alarm's title
