"""The CalDAV backend through the Backend interface, against a real Radicale."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from relance_cal.backends.base import Reminder, Window, WriteConflict
from relance_cal.backends.caldav import CalDAVBackend, resolve_password
from relance_cal.config import CalendarConfig, Detection
from relance_cal.errors import (
    EXIT_AUTH,
    EXIT_CONFIG,
    EXIT_UNREACHABLE,
    AuthError,
    ConfigError,
    UnreachableError,
)

pytestmark = pytest.mark.slow

PARIS = ZoneInfo("Europe/Paris")
WINDOW = Window(datetime(2026, 2, 1, tzinfo=PARIS), datetime(2026, 5, 1, tzinfo=PARIS))
DETECTION = Detection()


def event(uid: str, summary: str, start: str, end: str, *, extra: str = "") -> str:
    """An iCalendar object with one event, as a phone app would write it."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test phone//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Paris:{start}\r\nDTEND;TZID=Europe/Paris:{end}\r\n"
        f"SUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


INTERVIEW = event("acme-1", "Entretien - Acme - Dev Python", "20260302T140000", "20260302T150000")
DENTIST = event("dent-1", "Dentiste", "20260303T090000", "20260303T100000")


def backend(calendar_config, calendar: str, role: str = "source", **fields) -> CalDAVBackend:
    return CalDAVBackend(calendar_config(calendar=calendar, **fields), DETECTION, role=role)


def reminder(source_key: str = "acme-1", *, hour: int = 9, inputs: str = "v1") -> Reminder:
    start = datetime(2026, 3, 5, hour, 30, tzinfo=PARIS)
    return Reminder(
        uid=f"relance-cal-followup-{source_key}",
        source_key=source_key,
        kind="followup",
        inputs=inputs,
        title="Relancer Marie Dupont — Développeuse Python (Acme)",
        start=start,
        end=start.replace(minute=45),
        description="Bonjour Madame Dupont,\n\nJe me permets de revenir vers vous.",
    )


def request_kinds(relay) -> list[str]:
    return [method for method, _ in relay.requests]


# -- reading ------------------------------------------------------------------------------


def test_first_sync_lists_the_window_pre_filtered(calendar_config, dav, relay):
    calendar = dav.make_calendar()
    dav.put(calendar + "acme.ics", INTERVIEW)
    dav.put(calendar + "dentist.ics", DENTIST)
    dav.put(
        calendar + "tagged.ics",
        event(
            "tag-1",
            "Appel Globex",
            "20260304T090000",
            "20260304T100000",
            extra="CATEGORIES:Travail,ENTREVUES\r\n",
        ),
    )
    dav.put(
        calendar + "old.ics",
        event("old-1", "Entretien Initech", "20250302T140000", "20250302T150000"),
    )
    dav.put(calendar + "later.ics", event("l-1", "Entretien", "20261102T140000", "20261102T150000"))
    relay.requests.clear()

    cal = backend(calendar_config, calendar)
    changes = cal.changes(None, WINDOW)

    assert changes.full and not changes.unchanged
    # the window only (issue 14): what lies beyond is listed when the window reaches it
    expected = [calendar + "acme.ics", calendar + "tagged.ics"]
    assert sorted(changes.items) == expected
    assert changes.items[calendar + "acme.ics"].etag
    # check the calendar (its sync token comes along), list the window: never a GET per event
    assert request_kinds(relay) == ["PROPFIND", "REPORT"]
    again = backend(calendar_config, calendar).changes(changes.token, WINDOW)
    assert not (again.full or again.items or again.removed)  # the offered token served
    assert backend(calendar_config, calendar).changes(again.token, WINDOW).unchanged
    autumn = Window(WINDOW.start.replace(month=4), WINDOW.end.replace(month=12))
    moved = backend(calendar_config, calendar).changes(again.token, autumn)
    assert list(moved.items) == [calendar + "later.ics"] and not moved.full  # reached now

    # A token that served once and is lost later (expired, server restored) is just lost:
    # the next full listing takes the PROPFIND's token again, no sync-collection without one.
    relay.requests.clear()
    kept = changes.token if again.unchanged else again.token  # what the state keeps
    lost = kept.replace("/sync/", "/sync/0000")
    listing = backend(calendar_config, calendar).changes(lost, WINDOW)
    assert listing.full and sorted(listing.items) == expected
    assert request_kinds(relay) == ["REPORT", "PROPFIND", "REPORT"]


@pytest.mark.parametrize("server", ["honours", "ands", "refuses"])
def test_first_sync_asks_a_server_that_can_filter_for_interviews_only(
    calendar_config, dav, relay, server: str
):
    relay.extended_query = server
    calendar = dav.make_calendar()
    dav.put(calendar + "acme.ics", INTERVIEW)
    dav.put(calendar + "dentist.ics", DENTIST)
    tagged = event("t-1", "Appel Globex", "20260304T090000", "20260304T100000",
                   extra="CATEGORIES:Entrevues\r\n")  # fmt: skip
    dav.put(calendar + "tagged.ics", tagged)
    ours = event("r-1", "Relancer Acme", "20260305T093000", "20260305T094500",
                 extra="X-RELANCE-CAL-SOURCE:acme-1\r\n")  # fmt: skip
    dav.put(calendar + "ours.ics", ours)
    expected = sorted(calendar + n for n in ("acme.ics", "ours.ics", "tagged.ics"))

    def queries() -> list[bytes]:
        return [b for b in relay.bodies if b"calendar-query" in b]

    first = backend(calendar_config, calendar).changes(None, WINDOW)

    assert sorted(first.items) == expected  # whatever the server does with the filter
    [asked, *plain] = queries()
    assert b'test="anyof"' in asked
    assert b'name="SUMMARY"' in asked and b'name="CATEGORIES"' in asked
    # honoured: one query; ANDed (nothing found) or refused: the plain query once more
    assert len(plain) == (0 if server == "honours" else 1)
    assert all(b"anyof" not in q for q in plain)

    # What the server showed is kept in the token: a later full listing asks as it learned.
    relay.bodies.clear()
    lost = first.token.replace("/sync/", "/sync/0000")
    again = backend(calendar_config, calendar).changes(lost, WINDOW)
    assert again.full and sorted(again.items) == expected
    [query] = queries()
    assert (b"anyof" in query) == (server == "honours")


def test_first_sync_of_a_calendar_mostly_ahead_downloads_the_window_only(
    calendar_config, dav, relay
):
    """Issue 14: two years of appointments ahead are not read to find this spring's
    interviews (memory and bytes follow the window, not the calendar)."""
    calendar = dav.make_calendar()
    dav.put(calendar + "acme.ics", INTERVIEW)
    weekly = event("standup-1", "Point hebdo", "20240108T093000", "20240108T100000",
                   extra="RRULE:FREQ=WEEKLY\r\n")  # fmt: skip
    dav.put(calendar + "standup.ics", weekly)  # began long ago, recurs in the window
    for n in range(24):  # from late May on, monthly: beyond the window and its week ahead
        year, month = 2026 + (4 + n) // 12, (4 + n) % 12 + 1
        title = "Entretien Globex" if n % 3 == 0 else "Dentiste"
        day = f"{year}{month:02d}20"
        dav.put(calendar + f"ahead-{n}.ics", event(f"ahead-{n}", title, day + "T090000",
                                                   day + "T100000"))  # fmt: skip
    relay.requests.clear()
    relay.answers.clear()

    changes = backend(calendar_config, calendar).changes(None, WINDOW)

    assert list(changes.items) == [calendar + "acme.ics"]
    [query] = [body for body in relay.bodies if b"calendar-query" in body]
    # the window (1 February to 1 May, Paris) and a week: both ends asked
    assert b'<C:time-range start="20260131T230000Z" end="20260507T220000Z"/>' in query
    answered = b"".join(relay.answers)
    assert b"UID:acme-1" in answered and b"UID:standup-1" in answered
    assert b"UID:ahead-" not in answered  # never downloaded


def test_calendar_found_by_display_name(calendar_config, dav, relay):
    name = f"Perso {uuid.uuid4().hex[:6]}"
    calendar = dav.make_calendar(name)
    dav.put(calendar + "acme.ics", INTERVIEW)

    relay.requests.clear()

    changes = backend(calendar_config, name.upper()).changes(None, WINDOW)

    assert list(changes.items) == [calendar + "acme.ics"]
    # found among the user's calendars, then checked like a calendar given by URL (its sync
    # token comes along): no sync-collection without token, which lists every event
    assert [body for body in relay.bodies if b"sync-collection" in body] == []
    assert request_kinds(relay)[-2:] == ["PROPFIND", "REPORT"]
    assert backend(calendar_config, name).changes(changes.token, WINDOW).items == {}


def test_second_sync_with_nothing_changed_is_one_request(calendar_config, dav, relay):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//EN"]
    for n in range(300):
        summary = "Entretien Acme" if n % 50 == 0 else f"Réunion {n}"
        lines += [
            "BEGIN:VEVENT", f"UID:bulk-{n}", "DTSTAMP:20260101T000000Z",
            f"DTSTART:202603{n % 28 + 1:02d}T100000Z", f"DTEND:202603{n % 28 + 1:02d}T110000Z",
            f"SUMMARY:{summary}", "END:VEVENT",
        ]  # fmt: skip
    calendar = f"/{dav.user}/{uuid.uuid4().hex}/"
    dav.put(calendar, "\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n")  # one PUT: a whole calendar
    first = backend(calendar_config, calendar).changes(None, WINDOW)
    assert len(first.items) == 6
    relay.requests.clear()

    again = backend(calendar_config, calendar).changes(first.token, WINDOW)

    assert not (again.full or again.items or again.removed)
    assert request_kinds(relay) == ["REPORT"]
    assert backend(calendar_config, calendar).changes(again.token, WINDOW).unchanged


def test_interview_rescheduled_on_the_server(calendar_config, dav, relay):
    calendar = dav.make_calendar()
    dav.put(calendar + "acme.ics", INTERVIEW)
    dav.put(calendar + "dentist.ics", DENTIST)
    cal = backend(calendar_config, calendar)
    first = cal.changes(None, WINDOW)
    dav.put(calendar + "acme.ics", INTERVIEW.replace("20260302T14", "20260306T10"))
    relay.requests.clear()

    changes = cal.changes(first.token, WINDOW)

    assert not changes.full and not changes.unchanged
    assert list(changes.items) == [calendar + "acme.ics"]
    [moved] = cal.occurrences(calendar + "acme.ics", changes.items[calendar + "acme.ics"], WINDOW)
    assert moved.start == datetime(2026, 3, 6, 10, 0, tzinfo=PARIS)
    # the changed hrefs of one sync report, read in one multiget
    assert request_kinds(relay) == ["REPORT", "REPORT"]
    assert cal.changes(changes.token, WINDOW).unchanged


def test_deleted_and_no_longer_matching_events_are_removed(calendar_config, dav):
    calendar = dav.make_calendar()
    dav.put(calendar + "acme.ics", INTERVIEW)
    dav.put(
        calendar + "globex.ics",
        event("gx-1", "Interview Globex", "20260303T090000", "20260303T100000"),
    )
    cal = backend(calendar_config, calendar)
    first = cal.changes(None, WINDOW)
    assert len(first.items) == 2
    dav.delete(calendar + "acme.ics")
    dav.put(
        calendar + "globex.ics",
        event("gx-1", "Déjeuner Globex", "20260303T090000", "20260303T100000"),
    )

    changes = cal.changes(first.token, WINDOW)

    assert not changes.items
    assert sorted(changes.removed) == [calendar + "acme.ics", calendar + "globex.ics"]


def test_expired_sync_token_gives_a_full_listing_without_duplicates(calendar_config, dav):
    calendar = dav.make_calendar()
    dav.put(calendar + "acme.ics", INTERVIEW)
    cal = backend(calendar_config, calendar)
    first = cal.changes(None, WINDOW)
    forgotten = first.token.replace("/sync/", "/sync/0000")  # a token the server never gave

    changes = cal.changes(forgotten, WINDOW)

    assert changes.full and list(changes.items) == [calendar + "acme.ics"]
    assert cal.changes(changes.token, WINDOW).unchanged


def test_a_deleted_calendar_is_found_again_by_name(calendar_config, dav):
    name = f"Perso {uuid.uuid4().hex[:6]}"
    old = dav.make_calendar(name)
    cal = backend(calendar_config, name)
    first = cal.changes(None, WINDOW)
    dav.delete(old)
    new = dav.make_calendar(name)
    dav.put(new + "acme.ics", INTERVIEW)

    changes = backend(calendar_config, name).changes(first.token, WINDOW)

    assert changes.full and list(changes.items) == [new + "acme.ics"]


def test_recurring_interview_is_expanded_on_the_client(calendar_config, dav):
    calendar = dav.make_calendar()
    series = event(
        "weekly-1",
        "Entretiens collectifs Initech",
        "20260302T100000",
        "20260302T110000",
        extra="RRULE:FREQ=WEEKLY;COUNT=3\r\n",
    )
    moved = (
        "BEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20260101T000000Z\r\n"
        "RECURRENCE-ID;TZID=Europe/Paris:20260309T100000\r\n"
        "DTSTART;TZID=Europe/Paris:20260310T160000\r\nDTEND;TZID=Europe/Paris:20260310T170000\r\n"
        "SUMMARY:Entretiens collectifs Initech\r\nEND:VEVENT\r\n"
    )
    dav.put(calendar + "weekly.ics", series.replace("END:VCALENDAR", moved + "END:VCALENDAR"))
    cal = backend(calendar_config, calendar)

    changes = cal.changes(None, WINDOW)
    events = cal.occurrences(
        calendar + "weekly.ics", changes.items[calendar + "weekly.ics"], WINDOW
    )

    starts = sorted(e.start for e in events)
    assert starts == [
        datetime(2026, 3, 2, 10, tzinfo=PARIS),
        datetime(2026, 3, 10, 16, tzinfo=PARIS),
        datetime(2026, 3, 16, 10, tzinfo=PARIS),
    ]
    assert {e.key for e in events} == {
        "weekly-1@2026-03-02T10:00:00+01:00",
        "weekly-1@2026-03-09T10:00:00+01:00",
        "weekly-1@2026-03-16T10:00:00+01:00",
    }


def test_interviews_only_calendar_lists_everything(calendar_config, dav):
    calendar = dav.make_calendar()
    dav.put(
        calendar + "acme.ics", event("x-1", "Acme, 2e tour", "20260303T090000", "20260303T100000")
    )
    only = Detection(interviews_only=True)
    cal = CalDAVBackend(calendar_config(calendar=calendar), only, role="source")

    assert list(cal.changes(None, WINDOW).items) == [calendar + "acme.ics"]


def test_a_server_refusing_the_token_it_offered_is_asked_by_report(calendar_config, dav, relay):
    relay.offers_unknown_tokens = True  # PROPFIND shows a sync token the server never gave
    calendar = dav.make_calendar()
    dav.put(calendar + "acme.ics", INTERVIEW)
    first = backend(calendar_config, calendar).changes(None, WINDOW)

    # Refused at its first use: a full listing, the baseline from a sync-collection REPORT.
    again = backend(calendar_config, calendar).changes(first.token, WINDOW)
    assert again.full and list(again.items) == [calendar + "acme.ics"]
    relay.requests.clear()
    assert backend(calendar_config, calendar).changes(again.token, WINDOW).unchanged
    assert request_kinds(relay) == ["REPORT"]

    # Remembered across runs: after the next lost token, no offered token is tried.
    lost = again.token.replace("/sync/", "/sync/0000")
    relay.requests.clear()
    listing = backend(calendar_config, calendar).changes(lost, WINDOW)
    assert listing.full and list(listing.items) == [calendar + "acme.ics"]
    assert request_kinds(relay) == ["REPORT", "PROPFIND", "REPORT", "REPORT"]
    assert backend(calendar_config, calendar).changes(listing.token, WINDOW).unchanged


@pytest.mark.parametrize(
    "missing", ["sync-collection", "sync-collection and ctag", "sync-collection, token shown"]
)
def test_servers_without_sync_collection(calendar_config, dav, relay, missing: str):
    relay.without_sync_collection = True
    relay.without_ctag = "ctag" in missing
    relay.without_sync_token = "token shown" not in missing
    calendar = dav.make_calendar()
    dav.put(calendar + "acme.ics", INTERVIEW)
    cal = backend(calendar_config, calendar)
    first = cal.changes(None, WINDOW)
    assert list(first.items) == [calendar + "acme.ics"]
    if not relay.without_sync_token:
        # A token shown by PROPFIND, refused by the REPORT: listed again, asked no more.
        first = cal.changes(first.token, WINDOW)
        assert first.full and list(first.items) == [calendar + "acme.ics"]
    relay.requests.clear()

    assert cal.changes(first.token, WINDOW).unchanged
    assert len(relay.requests) == 1  # the ctag, or the window's etags

    dav.put(calendar + "acme.ics", INTERVIEW.replace("20260302T14", "20260306T10"))
    changes = cal.changes(first.token, WINDOW)
    assert changes.full and list(changes.items) == [calendar + "acme.ics"]
    assert "20260306T10" in changes.items[calendar + "acme.ics"].text
    assert cal.changes(changes.token, WINDOW).unchanged


# -- writing ------------------------------------------------------------------------------


def test_create_writes_a_marked_event_that_reads_back(calendar_config, dav, relay):
    calendar = dav.make_calendar()
    cal = backend(calendar_config, calendar, role="reminders")
    first = cal.changes(None, WINDOW)
    relay.requests.clear()

    href, item = cal.create(reminder())

    assert request_kinds(relay) == ["PUT"]
    assert dav.hrefs(calendar) == [href]
    assert item.etag == cal.fetch(href).etag
    existing = cal.existing_reminder(href, cal.fetch(href))
    assert (existing.uid, existing.source_key, existing.kind, existing.inputs) == (
        "relance-cal-followup-acme-1",
        "acme-1",
        "followup",
        "v1",
    )
    assert existing.start == datetime(2026, 3, 5, 9, 30, tzinfo=PARIS)
    assert existing.item_id == href and existing.etag == item.etag
    # the next run sees our own write as a change; with its etag in the state, not read back
    relay.requests.clear()
    known = cal.changes(first.token, WINDOW, {href: item.etag})
    assert not known.items and not known.removed and not known.unchanged
    assert request_kinds(relay) == ["REPORT"]
    assert cal.changes(known.token, WINDOW, {href: item.etag}).unchanged
    # without it (another client's write, a weak etag), it is read
    assert list(cal.changes(first.token, WINDOW).items) == [href]
    assert list(cal.changes(first.token, WINDOW, {href: f"W/{item.etag}"}).items) == [href]


def test_creating_twice_is_a_conflict_naming_the_event(calendar_config, dav):
    calendar = dav.make_calendar()
    cal = backend(calendar_config, calendar, role="reminders")
    href, _ = cal.create(reminder())

    with pytest.raises(WriteConflict) as raised:  # the engine re-reads it and decides
        cal.create(reminder(hour=10, inputs="v2"))

    assert raised.value.item_id == href
    assert dav.hrefs(calendar) == [href]
    assert cal.existing_reminder(href, cal.fetch(href)).inputs == "v1"


def test_create_never_overwrites_an_event_without_the_marker(calendar_config, dav):
    calendar = dav.make_calendar()
    cal = backend(calendar_config, calendar, role="reminders")
    href, _ = cal.create(reminder())
    dav.put(href, INTERVIEW.replace("acme-1", "relance-cal-followup-acme-1"))  # the user's own

    with pytest.raises(WriteConflict):
        cal.create(reminder())

    assert "Entretien - Acme" in dav.get(href)


def test_update_after_a_concurrent_edit_is_a_conflict(calendar_config, dav):
    calendar = dav.make_calendar()
    cal = backend(calendar_config, calendar, role="reminders")
    href, item = cal.create(reminder())
    existing = cal.existing_reminder(href, item)
    edited = dav.get(href).replace("SUMMARY:", "SUMMARY:(moved) ")
    dav.put(href, edited)  # the user edits it on their phone

    with pytest.raises(WriteConflict):
        cal.update(existing, reminder(hour=11, inputs="v2"))
    assert "(moved)" in dav.get(href)

    reloaded = cal.existing_reminder(href, cal.fetch(href))  # what the engine does next
    href2, item2 = cal.update(reloaded, reminder(hour=11, inputs="v2"))
    assert href2 == href and item2.etag == cal.fetch(href).etag
    assert cal.existing_reminder(href, item2).start == datetime(2026, 3, 5, 11, 30, tzinfo=PARIS)


def test_delete_checks_the_etag_and_accepts_an_event_already_gone(calendar_config, dav):
    calendar = dav.make_calendar()
    cal = backend(calendar_config, calendar, role="reminders")
    href, item = cal.create(reminder())
    existing = cal.existing_reminder(href, item)
    dav.put(href, dav.get(href).replace("SUMMARY:", "SUMMARY:(edited) "))

    with pytest.raises(WriteConflict):
        cal.delete(existing)
    assert dav.hrefs(calendar) == [href]

    cal.delete(cal.existing_reminder(href, cal.fetch(href)))
    assert dav.hrefs(calendar) == []
    assert cal.fetch(href) is None
    cal.delete(existing)  # already gone: nothing to do


def test_reminder_deleted_by_the_user_shows_as_removed(calendar_config, dav):
    calendar = dav.make_calendar()
    cal = backend(calendar_config, calendar, role="reminders")
    first = cal.changes(None, WINDOW)
    href, _ = cal.create(reminder())
    second = cal.changes(first.token, WINDOW)
    dav.delete(href)

    changes = cal.changes(second.token, WINDOW)

    assert changes.removed == [href] and not changes.items


# -- the reminders calendar -----------------------------------------------------------------


def test_create_true_makes_the_missing_reminders_calendar(calendar_config, dav):
    name = f"Relances {uuid.uuid4().hex[:6]}"
    cal = backend(calendar_config, name, role="reminders", create=True)

    assert cal.changes(None, WINDOW).items == {}
    href, _ = cal.create(reminder())

    assert href.startswith(dav.calendars()[name])
    again = backend(calendar_config, name, role="reminders", create=True)
    assert list(again.changes(None, WINDOW).items) == [href]


def test_missing_calendar_is_a_config_error_listing_the_calendars(calendar_config, dav):
    name = f"Perso {uuid.uuid4().hex[:6]}"
    dav.make_calendar(name)
    cal = backend(calendar_config, "Agenda inexistant", role="reminders")  # create is off

    with pytest.raises(ConfigError) as raised:
        cal.changes(None, WINDOW)

    assert raised.value.exit_code == EXIT_CONFIG
    assert "Agenda inexistant" in raised.value.message and repr(name) in raised.value.message


def test_source_is_never_created(calendar_config, dav):
    cal = backend(calendar_config, f"/{dav.user}/missing-{uuid.uuid4().hex}/", create=True)

    with pytest.raises(ConfigError, match="is not a calendar"):
        cal.changes(None, WINDOW)


# -- errors -------------------------------------------------------------------------------


def test_wrong_password_names_user_and_server_not_the_password(
    calendar_config, dav, radicale, monkeypatch: pytest.MonkeyPatch
):
    calendar = dav.make_calendar()
    monkeypatch.setenv("WRONG_PASSWORD", "hunter2-wrong")
    cal = backend(calendar_config, calendar, password_env="WRONG_PASSWORD")

    with pytest.raises(AuthError) as raised:
        cal.changes(None, WINDOW)

    assert raised.value.exit_code == EXIT_AUTH
    assert dav.user in raised.value.message and "127.0.0.1" in raised.value.message
    assert "hunter2" not in str(raised.value) and radicale.password not in str(raised.value)


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "calendar.invalid"])
def test_unreachable_server(
    calendar_config, unused_port, host: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("relance_cal.backends.caldav.RETRY_DELAY", 0)
    url = f"http://{host.format(port=unused_port)}/"
    cal = backend(calendar_config, "Perso", url=url)

    with pytest.raises(UnreachableError) as raised:
        cal.changes(None, WINDOW)

    assert raised.value.exit_code == EXIT_UNREACHABLE
    assert host.split(":")[0] in raised.value.message


def test_password_sources(monkeypatch: pytest.MonkeyPatch):
    command = (sys.executable, "-c", "print('  from the keyring  ')")
    assert resolve_password(CalendarConfig(password_command=command)) == "from the keyring"
    assert resolve_password(CalendarConfig(password="plain")) == "plain"

    monkeypatch.delenv("NO_SUCH_PASSWORD_VARIABLE", raising=False)
    with pytest.raises(AuthError, match="NO_SUCH_PASSWORD_VARIABLE"):
        resolve_password(CalendarConfig(password_env="NO_SUCH_PASSWORD_VARIABLE"))

    failing = (sys.executable, "-c", "print('terces'[::-1]); raise SystemExit(3)")
    with pytest.raises(AuthError) as raised:
        resolve_password(CalendarConfig(password_command=failing))
    assert "exit 3" in raised.value.message and "secret" not in raised.value.message


def test_tls_certificates_are_verified_and_ca_bundle_is_honoured(calendar_config, tls_radicale):
    server, ca = tls_radicale
    untrusted = backend(calendar_config, "Relances", "reminders", url=server.url, create=True)

    with pytest.raises(UnreachableError, match="ca_bundle"):
        untrusted.changes(None, WINDOW)

    trusted = backend(
        calendar_config, "Relances", "reminders", url=server.url, create=True, ca_bundle=ca
    )
    assert trusted.changes(None, WINDOW).full
