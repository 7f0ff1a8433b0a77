"""Google Calendar (API v3): events read with sync tokens, reminders written in batches.

A run where nothing changed costs one request: an incremental `events.list` with the
sync token. Writes are buffered and sent by `flush` in batches of at most 50 calls.
"""

from __future__ import annotations

import base64
import json
import random
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from relance_cal import network
from relance_cal.backends import google_auth
from relance_cal.backends.base import (
    NOTHING_CACHED,
    Backend,
    ExistingReminder,
    Person,
    RawItem,
    Reminder,
    SourceChanges,
    SourceEvent,
    Window,
    WriteConflict,
)
from relance_cal.errors import AuthError, ConfigError, EventError, UnreachableError
from relance_cal.model import identity_digest, reminder_uid

if TYPE_CHECKING:
    from relance_cal.config import CalendarConfig, Detection

GOOGLE = "https://www.googleapis.com/"
PAGE_SIZE = 2500  # the most events.list returns at once
BATCH_SIZE = 50  # the most calls Google accepts in one Calendar batch
MAX_POPUPS = 5  # Google's limit on reminders.overrides
MAX_PROPERTY_VALUE = 1024  # Google truncates longer extended-property values silently
CREATED_CALENDARS = "google-calendars.json"  # beside the token: ids of calendars the tool made
RETRY_SECONDS = 60.0  # total time spent backing off before giving up (exit 4)
FIRST_DELAY = 0.5
HTTP_TIMEOUT = 30  # seconds for one HTTP exchange

PROP_SOURCE = "relanceCalSource"
PROP_KIND = "relanceCalKind"
PROP_INPUTS = "relanceCalInputs"
PROP_CALENDAR = "relanceCalCalendar"
PARTSTAT = {
    "accepted": "ACCEPTED",
    "declined": "DECLINED",
    "tentative": "TENTATIVE",
    "needsAction": "NEEDS-ACTION",
}
RATE_LIMITED = {"rateLimitExceeded", "userRateLimitExceeded"}
INSUFFICIENT_SCOPE = {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}


class _SyncTokenExpired(Exception):
    """HTTP 410 fullSyncRequired: the listing starts over."""


class _NotCreatedYet(Exception):
    """The calendar to create does not exist, and a read-only run may not create it."""


class _Transient(Exception):
    """A failure worth retrying (rate limit, 5xx, connection); carries what to tell the user."""


@dataclass
class _Write:
    """One buffered call."""

    method: str  # insert | patch | delete
    event_id: str
    body: dict[str, Any] | None = None
    etag: str | None = None


def google_event_id(source_key: str, kind: str) -> str:
    """A reminder's identity as a Google event id (base32hex, lower case, 52 characters)."""
    encoded = base64.b32hexencode(identity_digest(source_key, kind)).decode("ascii")
    return encoded.rstrip("=").lower()


class GoogleBackend(Backend):
    """One Google calendar, as a source of interviews and / or the home of reminders."""

    def __init__(
        self,
        cfg: CalendarConfig,
        detection: Detection,
        *,
        role: str,
        token_path: Path,
        writable: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # A calendar the tool creates is known by its name until Google gives it an id.
        self.identity = (
            f"google:created:{_created_name(cfg)}" if cfg.create else f"google:{cfg.calendar_id}"
        )
        self.retry_seconds = RETRY_SECONDS
        self.writable = writable
        self.sleep = sleep  # backing off (tests pass their own)
        self._cfg = cfg
        self._role = role
        self._token_path = token_path
        self._base = _with_slash(cfg.endpoint or GOOGLE)
        self._keywords = tuple(_fold(k) for k in detection.keywords)
        self._everything = detection.interviews_only and role == "source"
        self._pending: list[_Write] = []
        self._http: Any = None
        self._service: Any = None
        self._first_token: str | None = None
        self._resolved_id: str | None = None

    def _calendar_id(self) -> str:
        """The calendar's id; with `create = true`, the one the tool made (on first use)."""
        if self._resolved_id is None:
            self._resolved_id = (
                self._created_calendar() if self._cfg.create else self._cfg.calendar_id
            )
        return self._resolved_id

    def _created_calendar(self) -> str:
        """The id of the calendar named `calendar` that the tool created, creating it once.

        Its id is kept beside the token: with the least-privilege scopes the tool cannot list
        the user's calendars to find it again.
        """
        name = _created_name(self._cfg)
        record = self._token_path.with_name(CREATED_CALENDARS)
        try:
            known = json.loads(record.read_text(encoding="utf-8"))
        except FileNotFoundError:
            known = {}
        except (OSError, ValueError) as e:
            raise ConfigError(
                f"{record}: unreadable ({e}); delete it to create the calendar again"
            ) from None
        if name not in known:
            if not self.writable:
                raise _NotCreatedYet
            created = self._execute(self._api().calendars().insert(body={"summary": name}))
            known[name] = created["id"]
            google_auth.write_private(record, json.dumps(known, indent=2))
        return known[name]

    # -- reading ---------------------------------------------------------------

    def changes(
        self, token: str | None, window: Window, cached: Mapping[str, str | None] = NOTHING_CACHED
    ) -> SourceChanges:
        try:
            self._calendar_id()
        except _NotCreatedYet:
            return SourceChanges(token=None, full=True)  # empty until a sync creates it
        if token is not None:
            try:
                return self._listing({"syncToken": token}, full=False)
            except _SyncTokenExpired:
                pass  # the cache is dropped: a full listing replaces it
        # No timeMax: an event far ahead must be known when the window reaches it, and the
        # incremental syncs that follow only report what changes.
        start = window.start.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return self._listing({"timeMin": start}, full=True)

    def _listing(self, query: dict[str, str], *, full: bool) -> SourceChanges:
        from googleapiclient.errors import HttpError

        events = self._api().events()
        items: dict[str, RawItem] = {}
        removed: list[str] = []
        page: dict[str, Any] = {}
        page_token = None
        while True:
            request = events.list(
                calendarId=self._calendar_id(),
                singleEvents=True,
                maxResults=PAGE_SIZE,
                **query,
                **({"pageToken": page_token} if page_token else {}),
            )
            try:
                page = self._execute(request)
            except HttpError as e:
                if e.resp.status == 410 and not full:
                    raise _SyncTokenExpired from None
                raise self._failure(e) from None
            for event in page.get("items", []):
                ours = _marker(event)
                if event.get("status") == "cancelled" and not ours:
                    removed.append(event["id"])
                elif ours or self._may_be_interview(event):
                    items[event["id"]] = RawItem(json.dumps(event), event.get("etag"))
                elif not full:
                    removed.append(event["id"])  # may have been an interview before this change
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        unchanged = not full and not items and not removed
        return SourceChanges(
            items=items,
            removed=removed,
            token=page.get("nextSyncToken"),
            full=full,
            unchanged=unchanged,
        )

    def _may_be_interview(self, event: dict[str, Any]) -> bool:
        """A cheap superset of the interviews: a keyword anywhere in the title."""
        if self._role != "source":
            return False
        title = _fold(event.get("summary") or "")
        return self._everything or any(k in title for k in self._keywords)

    def occurrences(self, item_id: str, item: RawItem, window: Window) -> list[SourceEvent]:
        event = _decode(item_id, item)
        name = event.get("summary") or item_id
        if event.get("status") == "cancelled" and "start" not in event:
            return []
        try:
            start, end = _when(event["start"]), _when(event["end"])
            original = event.get("originalStartTime")
            uid = event.get("iCalUID") or item_id
            key = f"{uid}@{_when(original).isoformat()}" if original else uid
        except (KeyError, TypeError, ValueError):
            raise EventError(name, "unreadable start or end") from None
        if not _overlaps(start, end, window):
            return []
        organizer = event.get("organizer")
        return [
            SourceEvent(
                key=key,
                uid=uid,
                summary=event.get("summary") or "",
                description=event.get("description") or "",
                start=start,
                end=end,
                cancelled=event.get("status") == "cancelled",
                organizer=_person(organizer) if organizer else None,
                attendees=tuple(_person(a) for a in event.get("attendees", [])),
                marker=_marker(event),
                calendar=self._calendar_id(),
            )
        ]

    def source_uid(self, item_id: str, item: RawItem) -> str | None:
        try:
            event = _decode(item_id, item)
        except EventError:
            return item_id
        uid = event.get("iCalUID")
        return uid if isinstance(uid, str) and uid else item_id

    def existing_reminder(self, item_id: str, item: RawItem) -> ExistingReminder | None:
        event = _decode(item_id, item)
        private = event.get("extendedProperties", {}).get("private", {})
        if PROP_SOURCE not in private:
            return None
        try:
            start = _when(event["start"])
        except (KeyError, TypeError, ValueError):
            raise EventError(event.get("summary") or item_id, "unreadable start") from None
        if not isinstance(start, datetime):
            raise EventError(event.get("summary") or item_id, "a reminder without a time")
        source, kind = str(private[PROP_SOURCE]), str(private.get(PROP_KIND, ""))
        # Its identity is its id: it stands for the reminder `source` and `kind` name only
        # when the id is theirs (a copied or forged marker does not make an event ours).
        derived = item_id == google_event_id(source, kind)
        calendar = private.get(PROP_CALENDAR)
        return ExistingReminder(
            uid=reminder_uid(source, kind) if derived else f"{item_id}@google",
            source_key=source,
            kind=kind,
            inputs=private.get(PROP_INPUTS, ""),
            start=start,
            item_id=item_id,
            etag=item.etag,
            cancelled=event.get("status") == "cancelled",
            calendar=str(calendar) if calendar is not None else None,
            title=str(event.get("summary") or ""),
        )

    def fetch(self, item_id: str) -> RawItem | None:
        from googleapiclient.errors import HttpError

        request = self._api().events().get(calendarId=self._calendar_id(), eventId=item_id)
        try:
            event = self._execute(request)
        except HttpError as e:
            if e.resp.status == 404:
                return None
            raise self._failure(e) from None
        return RawItem(json.dumps(event), event.get("etag"))

    # -- writing (buffered; `flush` sends) -------------------------------------

    def create(self, reminder: Reminder) -> tuple[str, RawItem]:
        event_id = google_event_id(reminder.source_key, reminder.kind)
        body = self._body(reminder)
        self._pending.append(_Write("insert", event_id, {"id": event_id, **body}))
        return event_id, RawItem(json.dumps({"id": event_id, **body}))

    def update(self, existing: ExistingReminder, reminder: Reminder) -> tuple[str, RawItem]:
        if existing.etag is None:
            raise WriteConflict(existing.item_id)  # nothing to guard the patch: re-read first
        body = self._body(reminder)
        self._pending.append(_Write("patch", existing.item_id, body, existing.etag))
        return existing.item_id, RawItem(json.dumps({"id": existing.item_id, **body}))

    def delete(self, existing: ExistingReminder) -> None:
        if existing.etag is None:
            raise WriteConflict(existing.item_id)
        self._pending.append(_Write("delete", existing.item_id, None, existing.etag))

    def _body(self, reminder: Reminder) -> dict[str, Any]:
        if len(reminder.source_key) > MAX_PROPERTY_VALUE:
            raise EventError(reminder.source_key[:80], "event UID too long for a Google marker")
        zone = getattr(reminder.start.tzinfo, "key", None)

        def when(moment: datetime) -> dict[str, str]:
            return {"dateTime": moment.isoformat(), **({"timeZone": zone} if zone else {})}

        return {
            "summary": reminder.title,
            "description": reminder.description,
            "start": when(reminder.start),
            "end": when(reminder.end),
            "transparency": "transparent",  # a reminder does not make the user busy
            # Live again when it replaces one removed earlier (Google keeps that one, cancelled).
            "status": "confirmed",
            "reminders": {
                "useDefault": False,
                "overrides": [
                    {"method": "popup", "minutes": m} for m in reminder.alarm_minutes[:MAX_POPUPS]
                ],
            },
            "extendedProperties": {
                "private": {
                    PROP_SOURCE: reminder.source_key,
                    PROP_KIND: reminder.kind,
                    PROP_INPUTS: reminder.inputs,
                    **({PROP_CALENDAR: reminder.calendar} if reminder.calendar else {}),
                }
            },
        }

    def flush(self) -> Mapping[str, Exception]:
        """Send the buffered writes in batches, retrying what Google asks to retry later.

        What Google answers for each call is reported, not decided here: an insert whose id
        exists (409), a patch or delete of a changed event (412) or a patch of a gone one (404)
        is a WriteConflict, the engine re-reads and decides; a call refused otherwise is an
        EventError with Google's reason.
        """
        pending, self._pending = self._pending, []
        total, done = len(pending), 0
        failed: dict[str, Exception] = {}
        backoff = _Backoff(self.retry_seconds, self.sleep)
        while pending:
            again: list[_Write] = []
            trouble = None
            for chunk in _chunks(pending, BATCH_SIZE):
                try:
                    answers = self._send_batch(chunk)
                except _Transient as e:
                    again += chunk
                    trouble = str(e)
                    continue
                for write, (_, error) in zip(chunk, answers, strict=True):
                    if error is not None and _retryable(error):
                        again.append(write)
                        trouble = _describe(error)
                        continue
                    done += 1
                    outcome = self._outcome(write, error)
                    if outcome is not None:
                        failed[write.event_id] = outcome
            pending = again
            if trouble is not None:
                backoff.wait(
                    f"Google Calendar kept failing ({trouble}); {done - len(failed)} of {total} "
                    "reminder writes were done, the next sync retries the rest"
                )
        return failed

    def _outcome(self, write: _Write, error: Any) -> Exception | None:
        """None for a call done; what went wrong otherwise (a refused sign-in is raised)."""
        status = error.resp.status if error is not None else 200
        if status < 300 or (write.method == "delete" and status in (404, 410)):
            return None  # a delete of what is gone already: done
        if status in (409, 412) or (write.method == "patch" and status == 404):
            return WriteConflict(write.event_id)
        if status in (401, 403):
            raise self._failure(error)
        return EventError(write.event_id, f"Google Calendar refused it ({_describe(error)})")

    def _send_batch(self, chunk: list[_Write]) -> list[tuple[dict | None, Any]]:
        from googleapiclient.errors import HttpError
        from googleapiclient.http import BatchHttpRequest

        events = self._api().events()
        calendar = self._calendar_id()
        answers: dict[str, tuple[dict | None, Any]] = {}

        def collect(request_id: str, response: dict | None, error: Any) -> None:
            answers[request_id] = (response, error)

        batch = BatchHttpRequest(callback=collect, batch_uri=f"{self._base}batch/calendar/v3")
        for number, write in enumerate(chunk):
            if write.method == "insert":
                request = events.insert(calendarId=calendar, body=write.body)
            elif write.method == "patch":
                request = events.patch(calendarId=calendar, eventId=write.event_id, body=write.body)
            else:
                request = events.delete(calendarId=calendar, eventId=write.event_id)
            if write.etag is not None:
                request.headers["If-Match"] = write.etag
            batch.add(request, request_id=str(number))
        try:
            self._guarded(lambda: batch.execute(http=self._http))
        except HttpError as e:
            if _retryable(e):
                raise _Transient(_describe(e)) from None
            raise self._failure(e) from None
        return [answers[str(number)] for number in range(len(chunk))]

    # -- plumbing --------------------------------------------------------------

    def _api(self) -> Any:
        if self._service is None:
            import google_auth_httplib2
            from googleapiclient.discovery import build

            http = network.limited_http(self._cfg.timeout, urlsplit(self._base).netloc)
            credentials = google_auth.load_credentials(
                self._token_path,
                google_auth.scopes(create_calendar=self._cfg.create, shared=self._cfg.shared),
                self._cfg.endpoint,
                http=http,
            )
            self._first_token = credentials.token
            self._http = google_auth_httplib2.AuthorizedHttp(credentials, http=http)
            options = {"api_endpoint": f"{self._base}calendar/v3/"} if self._cfg.endpoint else None
            self._service = build(
                "calendar",
                "v3",
                http=self._http,
                client_options=options,
                static_discovery=True,
                cache_discovery=False,
            )
        return self._service

    def _execute(self, request: Any) -> dict[str, Any]:
        """Run one call, backing off on rate limits and server faults within the time budget;
        other HTTP errors are raised (HttpError)."""
        from googleapiclient.errors import HttpError

        backoff = _Backoff(self.retry_seconds, self.sleep)
        while True:
            try:
                return self._guarded(lambda: request.execute(num_retries=0))
            except HttpError as e:
                if not _retryable(e):
                    raise
                trouble = _describe(e)
            except _Transient as e:
                trouble = str(e)
            backoff.wait(f"Google Calendar kept failing ({trouble})")

    def _guarded(self, call: Callable[[], Any]) -> Any:
        """Turn sign-in and network failures into the user's errors."""
        import httplib2
        from google.auth.exceptions import RefreshError, TransportError

        try:
            return call()
        except RefreshError:
            raise google_auth.refused() from None
        except (OSError, httplib2.HttpLib2Error, TransportError) as e:
            reason = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise _Transient(f"cannot reach {self._base}: {reason}") from None

    def _failure(self, error: Any) -> Exception:
        """The user's error for an HTTP answer that retrying will not change."""
        status, reason = error.resp.status, _reason(error)
        where = f"{self._role}.calendar_id = {self._resolved_id or self._cfg.calendar_id!r}"
        if status == 401:
            return google_auth.refused()
        if status == 403 and reason in INSUFFICIENT_SCOPE:
            return AuthError(
                "the Google sign-in lacks a permission relance-cal needs; "
                "run `relance-cal auth google` again"
            )
        if status == 403:
            return ConfigError(f"{where}: your Google account may not change this calendar")
        if status == 404:
            return ConfigError(f"{where}: no such calendar in your Google account")
        return UnreachableError(f"Google Calendar answered {_describe(error)}")

    def close(self) -> None:
        if self._http is None:
            return
        self._http.close()
        credentials = self._http.credentials
        if credentials.token != self._first_token:  # renewed during the run: keep it
            google_auth.save_credentials(self._token_path, credentials)


class _Backoff:
    """Exponential waits with jitter, bounded by a total time budget."""

    def __init__(self, budget: float, sleep: Callable[[float], None]) -> None:
        self._deadline = time.monotonic() + budget
        self._delay = FIRST_DELAY
        self._sleep = sleep

    def wait(self, failure: str) -> None:
        """Sleep before the next try; UnreachableError(failure) once the budget is spent."""
        pause = self._delay * random.uniform(0.5, 1.0)
        if time.monotonic() + pause > self._deadline:
            raise UnreachableError(failure)
        self._sleep(pause)
        self._delay *= 2


def _chunks(writes: list[_Write], size: int) -> Iterator[list[_Write]]:
    for start in range(0, len(writes), size):
        yield writes[start : start + size]


def _retryable(error: Any) -> bool:
    status = error.resp.status
    return status == 429 or status >= 500 or (status == 403 and _reason(error) in RATE_LIMITED)


def _reason(error: Any) -> str:
    try:
        body = json.loads(error.content)
        details = body["error"].get("errors") or [{}]
        return details[0].get("reason") or body["error"].get("status") or ""
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""


def _describe(error: Any) -> str:
    reason = _reason(error)
    return f"HTTP {error.resp.status}" + (f" {reason}" if reason else "")


def _marker(event: dict[str, Any]) -> bool:
    return PROP_SOURCE in event.get("extendedProperties", {}).get("private", {})


def _decode(item_id: str, item: RawItem) -> dict[str, Any]:
    try:
        event = json.loads(item.text)
    except ValueError:
        raise EventError(item_id, "not a Google event") from None
    if not isinstance(event, dict):
        raise EventError(item_id, "not a Google event")
    return event


def _when(part: dict[str, str]) -> datetime | date:
    """A Google start / end / originalStartTime: an aware datetime in its zone, or a date."""
    if "dateTime" not in part:
        return date.fromisoformat(part["date"])
    moment = datetime.fromisoformat(part["dateTime"])
    if moment.tzinfo is None:
        raise ValueError("a time without offset")
    try:
        return moment.astimezone(ZoneInfo(part["timeZone"])) if "timeZone" in part else moment
    except (ZoneInfoNotFoundError, ValueError):
        return moment


def _overlaps(start: datetime | date, end: datetime | date, window: Window) -> bool:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return start < window.end and end > window.start
    return start <= window.end.date() and end > window.start.date()


def _person(entry: dict[str, Any]) -> Person:
    return Person(
        email=entry.get("email"),
        name=entry.get("displayName"),
        is_self=bool(entry.get("self")),
        partstat=PARTSTAT.get(entry.get("responseStatus", "")),
    )


def _fold(text: str) -> str:
    """Lower case without accents, for keyword matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _created_name(cfg: CalendarConfig) -> str:
    return cfg.calendar or "relance-cal"


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
