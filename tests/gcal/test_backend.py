"""The Google backend through the Backend interface, against the emulator and the real client."""

from __future__ import annotations

import json
import urllib.parse
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from relance_cal import engine, reminders
from relance_cal.backends import google_auth
from relance_cal.backends.base import Change, Reminder, SourceChanges
from relance_cal.backends.google import GoogleBackend, google_event_id
from relance_cal.config import Detection
from relance_cal.errors import AuthError, ConfigError, UnreachableError
from relance_cal.state import State

from .conftest import WINDOW, write_token
from .emulator import CalendarEmulator

PARIS = ZoneInfo("Europe/Paris")
OWNER = "0123456789ab"  # the calendar marker of the reminders these tests write


def timed(day: int, hour: int, minutes: int = 60) -> dict:
    start = datetime(2026, 3, day, hour, tzinfo=PARIS)
    return {
        "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Paris"},
        "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat()},
    }


def interview(
    emulator: CalendarEmulator, summary: str = "Entretien - Acme - Dev", **fields
) -> dict:
    return emulator.add_event(summary=summary, **{**timed(2, 14), **fields})


def make_reminder(key: str = "acme@google.com", kind: str = "followup", **fields) -> Reminder:
    start = fields.pop("start", datetime(2026, 3, 5, 9, 30, tzinfo=PARIS))
    values = {
        "uid": reminders.reminder_uid(key, kind),
        "source_key": key,
        "kind": kind,
        "inputs": "inputs-1",
        "title": "Relancer Marie Dupont — Développeuse Python (Acme)",
        "start": start,
        "end": start + timedelta(minutes=15),
        "description": "Relancer le jeudi 5 mars.\nmailto:marie@acme.fr",
        "alarm_minutes": (0, 60),
        "calendar": OWNER,
        **fields,
    }
    return Reminder(**values)


def list_queries(emulator: CalendarEmulator) -> list[dict[str, str]]:
    return [
        dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(target).query))
        for method, target in emulator.requests
        if method == "GET" and target.split("?")[0].endswith("/events")
    ]


def synced(backend: GoogleBackend) -> tuple[SourceChanges, str]:
    changes = backend.changes(None, WINDOW)
    assert changes.token
    return changes, changes.token


# -- reading -------------------------------------------------------------------


def test_first_sync_lists_the_window_and_keeps_possible_interviews(emulator, open_google):
    wanted = [
        interview(emulator)["id"],
        interview(emulator, "ENTRETIENS groupés")["id"],
        interview(emulator, "Entrevue téléphonique")["id"],
        interview(emulator, "Interview with Globex")["id"],
        interview(emulator, "Éntretien mal tapé")["id"],
    ]
    interview(emulator, "Réunion d'équipe")
    interview(emulator, "Dentiste")
    backend = open_google()

    changes = backend.changes(None, WINDOW)

    assert changes.full and not changes.unchanged
    assert sorted(changes.items) == sorted(wanted)
    assert changes.token
    [query] = list_queries(emulator)
    assert query["singleEvents"] == "true"
    assert query["maxResults"] == "2500"
    assert datetime.fromisoformat(query["timeMin"]) == WINDOW.start
    assert "timeMax" not in query  # later events are known when the window reaches them


def test_interviews_only_calendar_keeps_every_event(emulator, open_google):
    interview(emulator, "Acme, 2e tour")
    backend = open_google(detection=Detection(interviews_only=True))

    assert len(backend.changes(None, WINDOW).items) == 1


def test_a_calendar_of_thousands_of_events_pages_then_costs_one_request(emulator, open_google):
    for number in range(6000):
        day = 1 + number % 28
        emulator.add_event(summary=f"Réunion {number}", **timed(day, 8 + number % 10))
    interview(emulator)
    backend = open_google()

    first = backend.changes(None, WINDOW)
    assert len(first.items) == 1
    assert len(emulator.requests) == 3  # 2500 + 2500 + 1001 events

    emulator.reset_counters()
    second = backend.changes(first.token, WINDOW)

    assert second.unchanged
    assert len(emulator.requests) == 1
    assert list_queries(emulator) == [
        {"singleEvents": "true", "maxResults": "2500", "syncToken": first.token, "alt": "json"}
    ]


def test_reschedule_is_reported_by_the_incremental_sync(emulator, open_google):
    event = interview(emulator)
    backend = open_google()
    _, token = synced(backend)

    emulator.edit_event(event["id"], **timed(3, 10))
    changes = backend.changes(token, WINDOW)

    assert not changes.full
    [(item_id, item)] = changes.items.items()
    [occurrence] = backend.occurrences(item_id, item, WINDOW)
    assert occurrence.start == datetime(2026, 3, 3, 10, tzinfo=PARIS)
    assert item.etag == emulator.events()[event["id"]]["etag"]


def test_deleted_or_renamed_interviews_are_removed(emulator, open_google):
    deleted, renamed = interview(emulator), interview(emulator)
    backend = open_google()
    _, token = synced(backend)

    emulator.delete_event(deleted["id"])
    emulator.edit_event(renamed["id"], summary="Déjeuner avec Paul")
    changes = backend.changes(token, WINDOW)

    assert sorted(changes.removed) == sorted([deleted["id"], renamed["id"]])
    assert not changes.items


def test_an_expired_sync_token_means_a_full_listing(emulator, open_google):
    interview(emulator)
    backend = open_google()
    _, token = synced(backend)
    emulator.expire_sync_tokens()
    emulator.reset_counters()

    changes = backend.changes(token, WINDOW)

    assert changes.full and len(changes.items) == 1
    assert [q.get("syncToken") for q in list_queries(emulator)] == [token, None]


def test_an_event_becomes_source_events(emulator, open_google):
    event = interview(
        emulator,
        description="Recruteuse: Marie Dupont <marie@acme.fr>",
        organizer={"email": "marie@acme.fr", "displayName": "Marie Dupont"},
        attendees=[
            {"email": "marie@acme.fr", "organizer": True, "responseStatus": "accepted"},
            {"email": "camille@example.org", "self": True, "responseStatus": "declined"},
            {"email": "paul@acme.fr", "responseStatus": "needsAction"},
            {"email": "zoe@acme.fr", "responseStatus": "tentative"},
        ],
    )
    backend = open_google()
    changes = backend.changes(None, WINDOW)

    [occurrence] = backend.occurrences(event["id"], changes.items[event["id"]], WINDOW)

    assert occurrence.key == occurrence.uid == event["iCalUID"]
    assert occurrence.summary == "Entretien - Acme - Dev"
    assert occurrence.description.startswith("Recruteuse")
    assert occurrence.start == datetime(2026, 3, 2, 14, tzinfo=PARIS)
    assert str(occurrence.start.tzinfo) == "Europe/Paris"
    assert occurrence.end - occurrence.start == timedelta(hours=1)
    assert occurrence.organizer.email == "marie@acme.fr"
    assert occurrence.organizer.name == "Marie Dupont"
    assert [(p.email, p.is_self, p.partstat) for p in occurrence.attendees] == [
        ("marie@acme.fr", False, "ACCEPTED"),
        ("camille@example.org", True, "DECLINED"),
        ("paul@acme.fr", False, "NEEDS-ACTION"),
        ("zoe@acme.fr", False, "TENTATIVE"),
    ]
    assert not occurrence.cancelled and not occurrence.marker
    assert occurrence.calendar == "primary"
    assert backend.existing_reminder(event["id"], changes.items[event["id"]]) is None


def test_instances_of_a_recurring_event_and_all_day_events(emulator, open_google):
    for week in (2, 9):
        emulator.add_event(
            id=f"series1_202603{week:02d}T130000z",
            summary="Entretiens collectifs",
            iCalUID="series1@google.com",
            recurringEventId="series1",
            originalStartTime={"dateTime": f"2026-03-{week:02d}T14:00:00+01:00",
                               "timeZone": "Europe/Paris"},
            **timed(week, 14),
        )  # fmt: skip
    emulator.add_event(
        summary="Entretien toute la journée",
        start={"date": "2026-03-04"},
        end={"date": "2026-03-05"},
    )
    backend = open_google()
    changes = backend.changes(None, WINDOW)

    found = [o for i, item in changes.items.items() for o in backend.occurrences(i, item, WINDOW)]

    instances = sorted(o.key for o in found if o.uid == "series1@google.com")
    assert instances == [
        "series1@google.com@2026-03-02T14:00:00+01:00",
        "series1@google.com@2026-03-09T14:00:00+01:00",
    ]
    [all_day] = [o for o in found if o.uid != "series1@google.com"]
    assert all_day.key == all_day.uid
    assert (all_day.start, all_day.end) == (date(2026, 3, 4), date(2026, 3, 5))


def test_occurrences_outside_the_window_are_left_out(emulator, open_google):
    event = emulator.add_event(summary="Entretien ancien", **timed(2, 9))
    backend = open_google()
    item = backend.changes(None, WINDOW).items[event["id"]]
    later = type(WINDOW)(WINDOW.end, WINDOW.end + timedelta(days=1))

    assert backend.occurrences(event["id"], item, later) == []


def test_cancelled_events_and_unreadable_items(emulator, open_google):
    backend = open_google()
    from relance_cal.backends.base import RawItem
    from relance_cal.errors import EventError

    cancelled = {"id": "abcde", "status": "cancelled", "summary": "Entretien", **timed(2, 9)}
    [occurrence] = backend.occurrences("abcde", RawItem(json.dumps(cancelled)), WINDOW)
    assert occurrence.cancelled
    with pytest.raises(EventError, match="Entretien: unreadable start"):
        backend.occurrences("x1234", RawItem(json.dumps({"summary": "Entretien"})), WINDOW)
    with pytest.raises(EventError, match="x1234"):
        backend.occurrences("x1234", RawItem("{not json"), WINDOW)


# -- writing -------------------------------------------------------------------


def test_created_reminders_carry_the_marker_and_are_read_back(emulator, open_google):
    backend = open_google()
    _, token = synced(backend)
    reminder = make_reminder()

    item_id, item = backend.create(reminder)
    assert emulator.requests[-1][1].split("?")[0].endswith("/events")  # nothing sent yet
    backend.flush()

    assert item_id == google_event_id("acme@google.com", "followup")
    stored = emulator.events()[item_id]
    assert stored["summary"] == reminder.title
    assert stored["description"] == reminder.description
    assert stored["extendedProperties"]["private"] == {
        "relanceCalSource": "acme@google.com",
        "relanceCalKind": "followup",
        "relanceCalInputs": "inputs-1",
        "relanceCalCalendar": OWNER,
    }
    assert stored["reminders"] == {
        "useDefault": False,
        "overrides": [{"method": "popup", "minutes": 0}, {"method": "popup", "minutes": 60}],
    }
    assert stored["start"] == {"dateTime": "2026-03-05T09:30:00+01:00", "timeZone": "Europe/Paris"}
    assert emulator.batch_sizes == [1]
    # What create returned is what the engine caches until the next sync brings the etag.
    cached = backend.existing_reminder(item_id, item)
    assert (cached.uid, cached.inputs, cached.start) == (reminder.uid, "inputs-1", reminder.start)

    changes = backend.changes(token, WINDOW)
    existing = backend.existing_reminder(item_id, changes.items[item_id])
    assert existing.uid == reminder.uid
    assert existing.etag == stored["etag"]
    assert not existing.cancelled
    [occurrence] = backend.occurrences(item_id, changes.items[item_id], WINDOW)
    assert occurrence.marker


def test_writes_go_in_batches_of_at_most_50(emulator, open_google):
    backend = open_google()
    for number in range(120):
        backend.create(make_reminder(key=f"event{number}@google.com"))
    emulator.reset_counters()

    backend.flush()

    assert emulator.batch_sizes == [50, 50, 20]
    assert len(emulator.requests) == 3
    assert len(emulator.events()) == 120


def read_back(backend: GoogleBackend, token: str, item_id: str):
    changes = backend.changes(token, WINDOW)
    return backend.existing_reminder(item_id, changes.items[item_id]), changes.token


def test_update_and_delete_use_the_etag(emulator, open_google):
    backend = open_google()
    _, token = synced(backend)
    item_id, _ = backend.create(make_reminder())
    backend.flush()
    existing, token = read_back(backend, token, item_id)

    moved = make_reminder(inputs="inputs-2", start=datetime(2026, 3, 6, 9, 30, tzinfo=PARIS))
    backend.update(existing, moved)
    emulator.reset_counters()
    backend.flush()

    stored = emulator.events()[item_id]
    assert stored["start"]["dateTime"] == "2026-03-06T09:30:00+01:00"
    assert stored["extendedProperties"]["private"]["relanceCalInputs"] == "inputs-2"
    assert emulator.calls == ["patch"]

    existing, token = read_back(backend, token, item_id)
    backend.delete(existing)
    backend.flush()
    assert emulator.events()[item_id]["status"] == "cancelled"


def applied(backend: GoogleBackend, state_dir, *changes: Change) -> engine.Plan:
    """The changes handed to the backend by the engine, which settles the conflicts."""
    plan = engine.Plan(changes=list(changes), owner=OWNER)
    with State(state_dir) as state:
        engine.apply(plan, backend, state)
    return plan


def test_a_reminder_changed_meanwhile_is_reread_and_still_updated(emulator, open_google, tmp_path):
    backend = open_google()
    _, token = synced(backend)
    item_id, _ = backend.create(make_reminder())
    backend.flush()
    existing, token = read_back(backend, token, item_id)
    emulator.edit_event(item_id, colorId="5")  # the user colours it: the etag changes

    emulator.reset_counters()
    plan = applied(backend, tmp_path, Change("update", make_reminder(inputs="inputs-2"), existing))

    assert emulator.calls == ["patch", "get", "patch"]
    stored = emulator.events()[item_id]
    assert stored["extendedProperties"]["private"]["relanceCalInputs"] == "inputs-2"
    assert stored["colorId"] == "5"
    assert [c.action for c in plan.written] == ["update"]


def test_a_reminder_deleted_by_the_user_is_a_dismissal(emulator, open_google, tmp_path):
    backend = open_google()
    _, token = synced(backend)
    item_id, _ = backend.create(make_reminder())
    backend.flush()
    existing, token = read_back(backend, token, item_id)

    emulator.delete_event(item_id)
    changes = backend.changes(token, WINDOW)
    dismissed = backend.existing_reminder(item_id, changes.items[item_id])
    assert dismissed.cancelled and dismissed.uid == existing.uid

    # Google may list a deleted event with its id only: then it is simply gone.
    emulator.minimal_deleted = True
    assert backend.changes(token, WINDOW).removed == [item_id]

    # A run that lost its state writes it again: the insert meets the deleted event.
    fresh = open_google()
    emulator.reset_counters()
    plan = applied(fresh, tmp_path, Change("create", make_reminder(inputs="inputs-2"), None))
    assert emulator.calls == ["insert", "get"]
    assert plan.written == []
    assert emulator.events()[item_id]["status"] == "cancelled"
    assert emulator.events()[item_id]["extendedProperties"]["private"]["relanceCalInputs"] == (
        "inputs-1"
    )


def test_reinsert_after_a_crash_converges_without_duplicates(emulator, open_google, tmp_path):
    crashed = open_google()
    item_id, _ = crashed.create(make_reminder())
    crashed.flush()  # written, but the run died before saving its state

    rerun = open_google()
    emulator.reset_counters()
    plan = applied(
        rerun,
        tmp_path / "rerun",
        Change("create", make_reminder(), None),
        Change("create", make_reminder(kind="ask", inputs="other"), None),
    )
    assert emulator.calls == ["insert", "insert", "get"]  # same inputs: nothing to patch
    assert [c.kind for c in plan.written] == ["ask"]

    changed = open_google()
    emulator.reset_counters()
    applied(changed, tmp_path / "changed", Change("create", make_reminder(inputs="inputs-2"), None))
    assert emulator.calls == ["insert", "get", "patch"]
    assert len(emulator.events()) == 2
    private = emulator.events()[item_id]["extendedProperties"]["private"]
    assert private["relanceCalInputs"] == "inputs-2"


def test_an_event_without_the_marker_is_never_changed(emulator, open_google, tmp_path):
    backend = open_google()
    reminder = make_reminder()
    event_id = google_event_id(reminder.source_key, reminder.kind)
    emulator.add_event(id=event_id, summary="Mine", **timed(5, 9))

    plan = applied(backend, tmp_path, Change("create", reminder, None))

    assert emulator.events()[event_id]["summary"] == "Mine"
    assert plan.written == [] and "left as is" in plan.problems[0].reason


def test_a_stale_cache_entry_is_reread_before_writing(emulator, open_google, tmp_path):
    backend = open_google()
    item_id, item = backend.create(make_reminder())
    backend.flush()
    cached = backend.existing_reminder(item_id, item)  # from create: no etag yet
    emulator.delete_event(item_id)

    emulator.reset_counters()
    applied(
        backend,
        tmp_path,
        Change("update", make_reminder(inputs="inputs-2"), cached),
        Change("delete", None, cached),
    )

    assert emulator.calls == ["get", "get"]
    assert emulator.events()[item_id]["status"] == "cancelled"


def test_fetch(emulator, open_google):
    event = interview(emulator)
    backend = open_google()

    item = backend.fetch(event["id"])

    assert json.loads(item.text)["summary"] == event["summary"]
    assert item.etag == event["etag"]
    assert backend.fetch("nosuchevent") is None


# -- faults --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason"),
    [(429, "rateLimitExceeded"), (403, "rateLimitExceeded"), (403, "userRateLimitExceeded"),
     (500, "backendError"), (503, "backendError")],
)  # fmt: skip
def test_rate_limits_and_server_faults_are_retried(emulator, open_google, status, reason):
    interview(emulator)
    backend = open_google()
    emulator.fail(status, reason, on="list", times=2)

    assert len(backend.changes(None, WINDOW).items) == 1
    assert emulator.calls == ["list"] * 3


def test_faults_inside_a_batch_are_retried(emulator, open_google):
    backend = open_google()
    for number in range(3):
        backend.create(make_reminder(key=f"event{number}@google.com"))
    emulator.fail(429, "rateLimitExceeded", on="insert")
    emulator.fail(500, on="batch")

    backend.flush()

    assert len(emulator.events()) == 3
    assert emulator.batch_sizes == [3, 1]


def test_a_server_that_keeps_failing_is_exit_4_with_the_work_done_kept(emulator, open_google):
    backend = open_google()
    backend.retry_seconds = 1.5
    for number in range(60):
        backend.create(make_reminder(key=f"event{number}@google.com"))
    emulator.fail(503, on="insert", times=10_000, after=50)

    with pytest.raises(UnreachableError, match=r"kept failing \(HTTP 503 backendError\)") as raised:
        backend.flush()

    assert raised.value.exit_code == 4
    assert "50 of 60 reminder writes were done" in raised.value.message
    assert len(emulator.events()) == 50


def test_an_unreachable_server_is_exit_4(emulator, open_google):
    backend = open_google()
    backend.retry_seconds = 1
    emulator.stop()

    with pytest.raises(UnreachableError, match="cannot reach"):
        backend.changes(None, WINDOW)


# -- sign-in -------------------------------------------------------------------


def test_a_missing_token_is_exit_3(emulator, open_google, token_path):
    token_path.unlink()

    with pytest.raises(AuthError, match="run `relance-cal auth google`") as raised:
        open_google().changes(None, WINDOW)
    assert raised.value.exit_code == 3


def test_a_revoked_sign_in_is_exit_3_with_the_fix(emulator, open_google):
    emulator.revoke_all()  # invalid_grant on refresh, 401 on calls

    with pytest.raises(AuthError) as raised:
        open_google().changes(None, WINDOW)

    message = raised.value.message
    assert "run `relance-cal auth google` again" in message
    assert "7 days" in message and "Testing" in message
    assert emulator.calls.count("token") == 1  # the refresh went to <endpoint>token


def test_an_expired_access_token_is_refreshed_at_the_endpoint(emulator, open_google, token_path):
    write_token(emulator, token_path, google_auth.scopes(), lifetime=-60)
    before = json.loads(token_path.read_text())["token"]
    interview(emulator)

    assert len(open_google().changes(None, WINDOW).items) == 1

    assert emulator.calls == ["token", "list"]
    saved = json.loads(token_path.read_text())
    assert saved["token"] != before and saved["refresh_token"]
    assert token_path.stat().st_mode & 0o777 == 0o600


def test_an_access_token_refused_during_a_run_is_renewed_and_kept(
    emulator, open_google, token_path
):
    before = json.loads(token_path.read_text())["token"]
    emulator.expire_access_tokens()  # still valid by its expiry: the server answers 401
    backend = open_google()

    backend.changes(None, WINDOW)
    backend.close()

    assert emulator.calls == ["token", "list"]
    assert json.loads(token_path.read_text())["token"] != before


def test_a_token_without_the_needed_scope_is_exit_3(emulator, open_google):
    with pytest.raises(AuthError, match=r"lacks the permission calendar\.app\.created"):
        open_google(role="reminders", create=True).changes(None, WINDOW)


def test_an_unknown_calendar_is_a_config_error(emulator, open_google):
    with pytest.raises(ConfigError, match=r"source\.calendar_id = 'nope': no such calendar"):
        open_google(calendar_id="nope").changes(None, WINDOW)
