"""The baselines, each a whole process doing one bare operation with a common library.

    python benchmarks/bare.py ics-parse FILE
    python benchmarks/bare.py ics-list FILE START END
    python benchmarks/bare.py caldav-sync URL CALENDAR TOKEN      (password in $BENCH_DAV_PASSWORD)
    python benchmarks/bare.py caldav-full URL CALENDAR
    python benchmarks/bare.py caldav-search URL CALENDAR START END
    python benchmarks/bare.py google-sync ENDPOINT TOKEN_FILE SYNC_TOKEN
    python benchmarks/bare.py google-list ENDPOINT TOKEN_FILE START END

START / END are ISO date-times. Each prints one line: what it found.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime


def ics_parse(path: str) -> str:
    """One parse of the whole file: the least any icalendar-based reader pays."""
    import icalendar

    with open(path, "rb") as f:
        calendar = icalendar.Calendar.from_ical(f.read())
    return f"{len(calendar.subcomponents)} components"


def ics_list(path: str, start: str, end: str) -> str:
    """What a calendar CLI does every run: parse the file, expand the window."""
    import icalendar
    import recurring_ical_events

    with open(path, "rb") as f:
        calendar = icalendar.Calendar.from_ical(f.read())
    found = recurring_ical_events.of(calendar).between(
        datetime.fromisoformat(start), datetime.fromisoformat(end)
    )
    return f"{len(found)} occurrences"


def _calendar(url: str, path: str):
    import caldav

    client = caldav.DAVClient(
        url=url, username="camille", password=os.environ["BENCH_DAV_PASSWORD"], auth_type="basic"
    )
    return client.calendar(url=url.rstrip("/") + path)


def caldav_sync(url: str, path: str, token: str) -> str:
    """What changed since `token`, changed objects loaded: the caldav library's incremental read."""
    found = _calendar(url, path).get_objects_by_sync_token(sync_token=token, load_objects=True)
    return f"{len(list(found))} changed objects"


def caldav_full(url: str, path: str) -> str:
    """The caldav library's first full load: every object, by sync-collection."""
    found = _calendar(url, path).get_objects_by_sync_token(sync_token=None, load_objects=True)
    return f"{len(list(found))} objects"


def caldav_search(url: str, path: str, start: str, end: str) -> str:
    """A window search with recurrences expanded (what CLIs without sync tokens do each run)."""
    found = _calendar(url, path).search(
        start=datetime.fromisoformat(start),
        end=datetime.fromisoformat(end),
        event=True,
        expand=True,
    )
    return f"{len(found)} occurrences"


def _events(endpoint: str, token_file: str):
    import json

    import httplib2
    from google.oauth2.credentials import Credentials
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient.discovery import build

    with open(token_file) as f:
        info = json.load(f)
    credentials = Credentials(
        info["token"],
        refresh_token=info["refresh_token"],
        token_uri=info["token_uri"],
        client_id=info["client_id"],
        client_secret=info["client_secret"],
    )
    http = AuthorizedHttp(credentials, http=httplib2.Http(timeout=60))
    service = build(
        "calendar",
        "v3",
        http=http,
        client_options={"api_endpoint": endpoint.rstrip("/") + "/calendar/v3/"},
        static_discovery=True,
        cache_discovery=False,
    )
    return service.events()


def google_sync(endpoint: str, token_file: str, sync_token: str) -> str:
    """One events.list with the sync token."""
    events = _events(endpoint, token_file)
    page = events.list(calendarId="primary", syncToken=sync_token).execute()
    return f"{len(page.get('items', []))} changed events"


def google_list(endpoint: str, token_file: str, start: str, end: str) -> str:
    """A full listing of the window, page by page (no sync token)."""
    events = _events(endpoint, token_file)
    found, page_token = 0, None
    while True:
        page = events.list(
            calendarId="primary",
            timeMin=start,
            timeMax=end,
            singleEvents=True,
            maxResults=2500,
            **({"pageToken": page_token} if page_token else {}),
        ).execute()
        found += len(page.get("items", []))
        page_token = page.get("nextPageToken")
        if not page_token:
            return f"{found} events"


COMMANDS = {
    "ics-parse": ics_parse,
    "ics-list": ics_list,
    "caldav-sync": caldav_sync,
    "caldav-full": caldav_full,
    "caldav-search": caldav_search,
    "google-sync": google_sync,
    "google-list": google_list,
}

if __name__ == "__main__":
    print(COMMANDS[sys.argv[1]](*sys.argv[2:]))
