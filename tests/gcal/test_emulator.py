"""The emulator keeps Google's rules, so the backend tests cannot pass on a laxer server."""

from __future__ import annotations

import json

import httplib2
import pytest
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from relance_cal.backends import google_auth

EVENT = {
    "summary": "Entretien",
    "start": {"dateTime": "2026-03-02T14:00:00+01:00"},
    "end": {"dateTime": "2026-03-02T15:00:00+01:00"},
}


@pytest.fixture
def api(emulator):
    grant = emulator.issue_token(set(google_auth.scopes()))
    http = AuthorizedHttp(Credentials(grant["access_token"]), http=httplib2.Http())
    service = build(
        "calendar",
        "v3",
        http=http,
        client_options={"api_endpoint": f"{emulator.url}calendar/v3/"},
        static_discovery=True,
    )
    yield service.events()
    http.close()


def error_of(call) -> tuple[int, dict]:
    with pytest.raises(HttpError) as raised:
        call.execute()
    return raised.value.resp.status, json.loads(raised.value.content)["error"]


def test_sync_token_refuses_the_filters_of_a_full_listing(api):
    token = api.list(calendarId="primary").execute()["nextSyncToken"]

    status, _ = error_of(
        api.list(calendarId="primary", syncToken=token, timeMin="2026-01-01T00:00:00Z")
    )
    assert status == 400
    status, _ = error_of(api.list(calendarId="primary", orderBy="startTime"))
    assert status == 400
    status, error = error_of(api.list(calendarId="primary", syncToken="garbage"))
    assert (status, error["errors"][0]["reason"]) == (410, "fullSyncRequired")


def test_event_ids_keep_the_base32hex_charset(api):
    status, error = error_of(api.insert(calendarId="primary", body={**EVENT, "id": "Not-Valid"}))

    assert status == 400
    assert error["message"] == "Invalid resource id value."
    api.insert(calendarId="primary", body={**EVENT, "id": "abcdev0123"}).execute()
    status, error = error_of(api.insert(calendarId="primary", body={**EVENT, "id": "abcdev0123"}))
    assert (status, error["errors"][0]["reason"]) == (409, "duplicate")


def test_extended_properties_follow_googles_limits(api):
    private = {"k" * 45: "dropped", "long": "v" * 2000, "kept": "yes"}
    event = api.insert(
        calendarId="primary", body={**EVENT, "extendedProperties": {"private": private}}
    ).execute()

    assert event["extendedProperties"]["private"] == {"long": "v" * 1024, "kept": "yes"}
    many = {f"key{n}": "x" for n in range(301)}
    status, _ = error_of(
        api.insert(calendarId="primary", body={**EVENT, "extendedProperties": {"private": many}})
    )
    assert status == 400


def test_at_most_five_popup_overrides(api):
    overrides = [{"method": "popup", "minutes": m} for m in range(6)]
    body = {**EVENT, "reminders": {"useDefault": False, "overrides": overrides}}

    status, _ = error_of(api.insert(calendarId="primary", body=body))

    assert status == 400


def test_a_call_without_a_valid_bearer_token_is_401(emulator):
    http = httplib2.Http()
    response, content = http.request(f"{emulator.url}calendar/v3/calendars/primary/events")

    assert response.status == 401
    assert json.loads(content)["error"]["errors"][0]["reason"] == "authError"


def test_a_batch_holds_at_most_50_calls(emulator, api):
    batch = BatchHttpRequest(batch_uri=f"{emulator.url}batch/calendar/v3")
    for _ in range(51):
        batch.add(api.get(calendarId="primary", eventId="abcde"))

    with pytest.raises(HttpError) as raised:
        batch.execute()
    assert raised.value.resp.status == 400


def test_deleted_events_stay_readable_and_listed_in_incremental_syncs(api, emulator):
    token = api.list(calendarId="primary").execute()["nextSyncToken"]
    event = api.insert(calendarId="primary", body=EVENT).execute()
    api.delete(calendarId="primary", eventId=event["id"]).execute()

    assert api.get(calendarId="primary", eventId=event["id"]).execute()["status"] == "cancelled"
    assert api.list(calendarId="primary").execute()["items"] == []
    [changed] = api.list(calendarId="primary", syncToken=token).execute()["items"]
    assert changed["status"] == "cancelled"
    status, error = error_of(api.delete(calendarId="primary", eventId=event["id"]))
    assert (status, error["errors"][0]["reason"]) == (410, "deleted")
