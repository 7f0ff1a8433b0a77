"""A stateful HTTP emulator of the Google Calendar API v3 subset relance-cal uses.

It serves the real google-api-python-client (through `client_options={'api_endpoint': ...}`):
events list / get / insert / patch / update / delete, batch requests, sync tokens (410 when
expired), paging, extended properties with Google's limits, the event-id charset, forbidden
parameter combinations, Google's error bodies, bearer tokens, injected faults, and the OAuth
endpoints (a consent page that approves at once, and the token endpoint).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CALENDAR_PREFIX = "/calendar/v3/calendars/"
BATCH_PATH = "/batch/calendar/v3"
EVENT_SCOPES = {
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.events.owned",
    "https://www.googleapis.com/auth/calendar.app.created",
}
CALENDAR_SCOPES = {
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/calendar.app.created",
    "https://www.googleapis.com/auth/calendar.calendars",
}
EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
MAX_PAGE = 2500
MAX_BATCH = 50
# Google's extended-property limits: longer keys are dropped and longer values truncated
# silently; too many or too large in total is refused.
MAX_PROPERTY_KEY = 44
MAX_PROPERTY_VALUE = 1024
MAX_PROPERTIES = 300
MAX_PROPERTIES_BYTES = 32 * 1024
SYNC_EXCLUSIVE = (
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
)
READ_ONLY_FIELDS = {"id", "kind", "etag", "created", "updated", "iCalUID", "htmlLink", "creator"}
STATUS_TEXT = {
    200: "OK",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
# Google's own error details for the statuses tests inject by reason.
KNOWN_ERRORS = {
    "rateLimitExceeded": ("usageLimits", "Rate Limit Exceeded"),
    "userRateLimitExceeded": ("usageLimits", "User Rate Limit Exceeded"),
    "backendError": ("global", "Backend Error"),
    "forbidden": ("global", "Forbidden"),
}


class ApiError(Exception):
    def __init__(self, status: int, reason: str, message: str, domain: str = "global", **extra):
        super().__init__(message)
        self.status = status
        self.body = {
            "error": {
                "errors": [{"domain": domain, "reason": reason, "message": message, **extra}],
                "code": status,
                "message": message,
            }
        }


def _not_found() -> ApiError:
    return ApiError(404, "notFound", "Not Found")


def _bad(message: str, reason: str = "invalid") -> ApiError:
    return ApiError(400, reason, message)


@dataclass
class Fault:
    status: int
    reason: str | None
    on: str | None  # a call name (list, get, insert, patch, update, delete, batch, token) or any
    times: int
    after: int  # matching calls let through first


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _json_response(status: int, obj: object) -> Response:
    return Response(
        status, json.dumps(obj).encode(), {"Content-Type": "application/json; charset=UTF-8"}
    )


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_moment(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(f"Invalid value for: {name}", "badRequest") from None
    if moment.tzinfo is None:
        raise _bad("Bad Request", "badRequest")
    return moment


def _event_bounds(event: dict) -> tuple[datetime, datetime]:
    def moment(part: dict) -> datetime:
        if "dateTime" in part:
            return datetime.fromisoformat(part["dateTime"])
        day = date.fromisoformat(part["date"])
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    return moment(event["start"]), moment(event["end"])


def _shown(event: dict) -> dict:
    """The event as the API shows it (without the emulator's bookkeeping)."""
    return copy.deepcopy({k: v for k, v in event.items() if not k.startswith("_")})


def _merge(target: dict, patch: dict) -> None:
    """Patch semantics: objects merge recursively, lists and scalars replace, null deletes."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


class CalendarEmulator:
    """The server state; `url` is the endpoint to give the client (ends with '/')."""

    client_id = "emulator-client.apps.googleusercontent.com"
    client_secret = "emulator-client-secret"
    owner = "camille.martin@example.org"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calendars: dict[str, dict[str, dict]] = {"primary": {}}
        self.seq = 0
        self.sync_floor = 0  # sync tokens issued before this sequence number answer 410
        self.minimal_deleted = False  # list deleted events with only id / status / etag
        self.deny_consent = False  # the user clicks "Cancel" on the consent screen
        self.requests: list[tuple[str, str]] = []  # every HTTP request: (method, path?query)
        self.calls: list[str] = []  # every API call, batch parts included: list, insert ...
        self.batch_sizes: list[int] = []
        self.faults: list[Fault] = []
        self.access_tokens: dict[str, tuple[float, frozenset[str]]] = {}
        self.refresh_tokens: dict[str, frozenset[str]] = {}
        self.codes: dict[str, tuple[frozenset[str], str, str | None]] = {}
        self._ids = itertools.count(1)
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                response = emulator.handle_http(self.command, self.path, dict(self.headers), body)
                self.send_response(response.status, STATUS_TEXT.get(response.status))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> CalendarEmulator:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    # -- test controls ---------------------------------------------------------

    def issue_token(self, scopes: set[str] | frozenset[str], lifetime: float = 3600) -> dict:
        """A fresh grant (access + refresh token), as the token endpoint would return it."""
        scopes = frozenset(scopes)
        access, refresh = "ya29." + secrets.token_urlsafe(24), "1//" + secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[access] = (time.time() + lifetime, scopes)
            self.refresh_tokens[refresh] = scopes
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": int(lifetime),
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",
        }

    def revoke_all(self) -> None:
        with self.lock:
            self.access_tokens.clear()
            self.refresh_tokens.clear()

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def fail(
        self,
        status: int,
        reason: str | None = None,
        *,
        on: str | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Answer `times` calls named `on` (any calendar call if None) with an error, once
        `after` such calls went through."""
        with self.lock:
            self.faults.append(Fault(status, reason, on, times, after))

    def expire_sync_tokens(self) -> None:
        with self.lock:
            self.sync_floor = self.seq + 1

    def reset_counters(self) -> None:
        with self.lock:
            self.requests.clear()
            self.calls.clear()
            self.batch_sizes.clear()

    def events(self, calendar_id: str = "primary") -> dict[str, dict]:
        return self.calendars[calendar_id]

    def add_event(self, calendar_id: str = "primary", **fields: object) -> dict:
        """Store an event as a user (or another app) would create it; returns the resource."""
        with self.lock:
            event = copy.deepcopy(fields)
            event.setdefault("id", f"ev{next(self._ids):06d}user")
            event.setdefault("status", "confirmed")
            event.setdefault("iCalUID", f"{event['id']}@google.com")
            now = _rfc3339(datetime.now(UTC))
            event.setdefault("created", now)
            event.setdefault("organizer", {"email": self.owner, "self": True})
            event.setdefault("creator", {"email": self.owner, "self": True})
            event["kind"] = "calendar#event"
            self._bump(event)
            self.calendars.setdefault(calendar_id, {})[event["id"]] = event
            return _shown(event)

    def edit_event(self, event_id: str, calendar_id: str = "primary", **fields: object) -> dict:
        """Change an event as the user would in the Google Calendar app (patch semantics)."""
        with self.lock:
            event = self.calendars[calendar_id][event_id]
            _merge(event, copy.deepcopy(fields))
            self._bump(event)
            return _shown(event)

    def delete_event(self, event_id: str, calendar_id: str = "primary") -> None:
        """Delete as the user would: Google keeps the event, `cancelled`."""
        self.edit_event(event_id, calendar_id, status="cancelled")

    # -- HTTP ------------------------------------------------------------------

    def handle_http(self, method: str, target: str, headers: dict, body: bytes) -> Response:
        with self.lock:
            self.requests.append((method, target))
        parsed = urllib.parse.urlsplit(target)
        path, query = parsed.path, urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        try:
            if path == "/token" and method == "POST":
                return self._token(headers, body)
            if path == "/o/oauth2/auth" and method == "GET":
                return self._consent(query)
            granted = self._check_auth(headers)
            if path == CALENDAR_PREFIX.rstrip("/") and method == "POST":
                return self._insert_calendar(granted, body)
            if path == BATCH_PATH and method == "POST":
                self._inject("batch")
                return self._batch(headers, body)
            return self._call(method, path, query, headers, body)
        except ApiError as e:
            return _json_response(e.status, e.body)

    def _check_auth(self, headers: dict) -> frozenset[str]:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = value[len("Bearer ") :] if value.startswith("Bearer ") else None
        with self.lock:
            grant = self.access_tokens.get(token) if token else None
        if grant is None or grant[0] < time.time():
            raise ApiError(
                401,
                "authError",
                "Invalid Credentials",
                locationType="header",
                location="Authorization",
            )
        return grant[1]

    def _inject(self, call: str) -> None:
        with self.lock:
            for fault in self.faults:
                if fault.on in (None, call) and not (fault.on is None and call == "token"):
                    if fault.after > 0:
                        fault.after -= 1
                        return
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    reason = fault.reason or ("backendError" if fault.status >= 500 else "error")
                    domain, message = KNOWN_ERRORS.get(reason, ("global", reason))
                    raise ApiError(fault.status, reason, message, domain)

    # -- OAuth -----------------------------------------------------------------

    def _consent(self, query: dict) -> Response:
        """The consent screen, approved at once: redirect to the app's loopback address."""
        one = {k: v[0] for k, v in query.items()}
        if one.get("client_id") != self.client_id:
            return Response(400, b"invalid_client")
        if self.deny_consent:
            params = {"state": one.get("state", ""), "error": "access_denied"}
            location = one["redirect_uri"] + "?" + urllib.parse.urlencode(params)
            return Response(302, b"", {"Location": location})
        code = "4/" + secrets.token_urlsafe(16)
        scopes = frozenset(one.get("scope", "").split())
        self.codes[code] = (scopes, one["redirect_uri"], one.get("code_challenge"))
        params = {"state": one.get("state", ""), "code": code, "scope": " ".join(sorted(scopes))}
        location = one["redirect_uri"] + "?" + urllib.parse.urlencode(params)
        return Response(302, b"", {"Location": location})

    def _token(self, headers: dict, body: bytes) -> Response:
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        basic = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if basic.startswith("Basic "):  # client credentials may come as HTTP Basic auth
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            form.update(
                client_id=urllib.parse.unquote(client_id),
                client_secret=urllib.parse.unquote(secret),
            )
        with self.lock:
            self.calls.append("token")
        try:
            self._inject("token")
        except ApiError as e:
            return _json_response(e.status, {"error": "internal_failure"})
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return _json_response(
                401,
                {"error": "invalid_client", "error_description": "The OAuth client was not found."},
            )
        invalid_grant = _json_response(
            400,
            {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        )
        with self.lock:
            if form.get("grant_type") == "authorization_code":
                grant = self.codes.pop(form.get("code", ""), None)
                if grant is None or grant[1] != form.get("redirect_uri"):
                    return _json_response(
                        400, {"error": "invalid_grant", "error_description": "Bad Request"}
                    )
                challenge = grant[2]
                if challenge is not None:
                    verifier = form.get("code_verifier", "").encode()
                    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest())
                    digest = digest.rstrip(b"=")
                    if digest.decode() != challenge:
                        return _json_response(
                            400,
                            {
                                "error": "invalid_grant",
                                "error_description": "Invalid code verifier.",
                            },
                        )
                return _json_response(200, self.issue_token(grant[0]))
            if form.get("grant_type") == "refresh_token":
                scopes = self.refresh_tokens.get(form.get("refresh_token", ""))
                if scopes is None:
                    return invalid_grant
                issued = self.issue_token(scopes)
                del self.refresh_tokens[issued.pop("refresh_token")]
                return _json_response(200, issued)
        return _json_response(400, {"error": "unsupported_grant_type"})

    # -- batch -----------------------------------------------------------------

    def _batch(self, headers: dict, body: bytes) -> Response:
        content_type = next(v for k, v in headers.items() if k.lower() == "content-type")
        message = BytesParser().parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        parts = message.get_payload()
        if not message.is_multipart() or not parts:
            raise _bad("Invalid multipart request with 0 mime parts.", "badRequest")
        if len(parts) > MAX_BATCH:
            raise _bad(f"A batch can hold at most {MAX_BATCH} calls.", "badRequest")
        with self.lock:
            self.batch_sizes.append(len(parts))
        boundary = "batch_" + secrets.token_hex(8)
        out = []
        for part in parts:
            inner = self._inner(part.get_payload(decode=False))
            content_id = part["Content-ID"] or ""
            reply = (
                f"HTTP/1.1 {inner.status} {STATUS_TEXT.get(inner.status, '')}\r\n"
                + "".join(f"{k}: {v}\r\n" for k, v in inner.headers.items())
                + f"Content-Length: {len(inner.body)}\r\n\r\n"
                + inner.body.decode()
            )
            out.append(
                f"--{boundary}\r\nContent-Type: application/http\r\n"
                f"Content-ID: <response-{content_id.strip('<>')}>\r\n\r\n{reply}\r\n"
            )
        payload = "".join(out) + f"--{boundary}--\r\n"
        return Response(
            200, payload.encode(), {"Content-Type": f"multipart/mixed; boundary={boundary}"}
        )

    def _inner(self, raw: str) -> Response:
        head, body = [*re.split(r"\r?\n\r?\n", raw, maxsplit=1), ""][:2]
        lines = re.split(r"\r?\n", head)
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        parsed = urllib.parse.urlsplit(target)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        try:
            if any(k.lower() == "authorization" for k in headers):
                self._check_auth(headers)
            return self._call(method, parsed.path, query, headers, body.encode())
        except ApiError as e:
            return _json_response(e.status, e.body)

    # -- calendar calls --------------------------------------------------------

    def _insert_calendar(self, granted: frozenset[str], body: bytes) -> Response:
        """calendars.insert: a secondary calendar, owned by the user."""
        if not granted & CALENDAR_SCOPES:
            raise ApiError(
                403,
                "insufficientPermissions",
                "Request had insufficient authentication scopes.",
            )
        payload = json.loads(body or b"{}")
        if not payload.get("summary"):
            raise _bad("Missing title.", "required")
        with self.lock:
            self.calls.append("calendars.insert")
            calendar_id = f"c_{secrets.token_hex(16)}@group.calendar.google.com"
            self.calendars[calendar_id] = {}
        return _json_response(
            200,
            {"kind": "calendar#calendar", "id": calendar_id, "summary": payload["summary"]},
        )

    def _call(self, method: str, path: str, query: dict, headers: dict, body: bytes) -> Response:
        if not path.startswith(CALENDAR_PREFIX):
            raise _not_found()
        rest = path[len(CALENDAR_PREFIX) :].split("/")
        if len(rest) < 2 or rest[1] != "events" or len(rest) > 3:
            raise _not_found()
        calendar_id = urllib.parse.unquote(rest[0])
        event_id = urllib.parse.unquote(rest[2]) if len(rest) == 3 else None
        name = {
            ("GET", False): "list",
            ("POST", False): "insert",
            ("GET", True): "get",
            ("PATCH", True): "patch",
            ("PUT", True): "update",
            ("DELETE", True): "delete",
        }.get((method, event_id is not None))
        if name is None:
            raise _not_found()
        with self.lock:
            self.calls.append(name)
            self._inject(name)
            if calendar_id not in self.calendars:
                raise _not_found()
            events = self.calendars[calendar_id]
            if_match = next((v for k, v in headers.items() if k.lower() == "if-match"), None)
            if name == "list":
                return _json_response(200, self._list(calendar_id, query))
            payload = json.loads(body) if body.strip() else {}
            if name == "insert":
                return _json_response(200, _shown(self._insert(events, payload)))
            event = events.get(event_id)
            if event is None:
                raise _not_found()
            if if_match is not None and if_match != event["etag"]:
                raise ApiError(
                    412,
                    "conditionNotMet",
                    "Precondition Failed",
                    locationType="header",
                    location="If-Match",
                )
            if name == "get":
                return _json_response(200, _shown(event))
            if name == "delete":
                if event["status"] == "cancelled":
                    raise ApiError(410, "deleted", "Resource has been deleted")
                event["status"] = "cancelled"
                self._bump(event)
                return Response(204)
            updated = copy.deepcopy(event)
            fields = {k: v for k, v in payload.items() if k not in READ_ONLY_FIELDS}
            if name == "patch":
                _merge(updated, fields)
            else:
                kept = {k: updated[k] for k in READ_ONLY_FIELDS | {"organizer"} if k in updated}
                updated = {"status": "confirmed", **fields, **kept}
            self._validate(updated)
            self._bump(updated)
            events[event_id] = updated
            return _json_response(200, _shown(updated))

    def _bump(self, event: dict) -> None:
        self.seq += 1
        event["_seq"] = self.seq
        event["etag"] = f'"{3181161784712000 + self.seq}"'
        event["updated"] = _rfc3339(datetime.now(UTC))

    def _insert(self, events: dict, payload: dict) -> dict:
        event_id = payload.get("id")
        if event_id is None:
            event_id = f"ins{next(self._ids):06d}"
        elif not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
            raise _bad("Invalid resource id value.")
        if event_id in events:
            raise ApiError(409, "duplicate", "The requested identifier already exists.")
        event = {k: v for k, v in payload.items() if k not in READ_ONLY_FIELDS}
        event.update(
            kind="calendar#event",
            id=event_id,
            iCalUID=f"{event_id}@google.com",
            created=_rfc3339(datetime.now(UTC)),
            creator={"email": self.owner, "self": True},
            organizer={"email": self.owner, "self": True},
        )
        event.setdefault("status", "confirmed")
        self._validate(event)
        self._bump(event)
        events[event_id] = event
        return event

    def _validate(self, event: dict) -> None:
        for part in ("start", "end"):
            value = event.get(part)
            if not isinstance(value, dict) or not ({"date", "dateTime"} & set(value)):
                raise ApiError(400, "required", f"Missing {part} time.")
            if "dateTime" in value:
                _parse_moment(value["dateTime"], part)
        start, end = _event_bounds(event)
        if end < start:
            raise ApiError(400, "timeRangeEmpty", "The specified time range is empty.")
        overrides = event.get("reminders", {}).get("overrides", [])
        if len(overrides) > 5:
            raise _bad(
                "Cannot specify more than 5 override reminders.", "cannotUseMoreThanFiveOverrides"
            )
        if overrides and event.get("reminders", {}).get("useDefault"):
            raise _bad(
                "Cannot specify both default reminders and overrides at the same time.",
                "cannotUseDefaultRemindersAndSpecifyOverride",
            )
        props = event.get("extendedProperties", {})
        count = size = 0
        for scope in ("private", "shared"):
            table = props.get(scope)
            if table is None:
                continue
            kept = {}
            for key, value in table.items():
                if len(key) > MAX_PROPERTY_KEY:
                    continue
                kept[key] = str(value)[:MAX_PROPERTY_VALUE]
                count += 1
                size += len(key.encode()) + len(kept[key].encode())
            props[scope] = kept
        if count > MAX_PROPERTIES or size > MAX_PROPERTIES_BYTES:
            raise _bad("The extended properties exceed the allowed size.")

    def _list(self, calendar_id: str, query: dict) -> dict:
        one = {k: v[-1] for k, v in query.items()}
        sync = one.get("syncToken")
        if sync is not None:
            for name in SYNC_EXCLUSIVE:
                if name in one:
                    raise _bad(f"The parameter {name} cannot be used with syncToken.")
        if one.get("orderBy") == "startTime" and one.get("singleEvents") != "true":
            raise _bad(
                "The requested ordering is not available for the particular query.", "badRequest"
            )
        try:
            page_size = min(int(one.get("maxResults", 250)), MAX_PAGE)
        except ValueError:
            raise _bad("Invalid value for: maxResults", "badRequest") from None
        if page_size < 1:
            raise _bad("Invalid value for: maxResults", "badRequest")
        if "pageToken" in one:
            try:
                cursor = json.loads(base64.urlsafe_b64decode(one["pageToken"]))
                snapshot, offset = cursor["snapshot"], cursor["offset"]
            except (ValueError, KeyError):
                raise _bad("Invalid page token value.", "badRequest") from None
        else:
            snapshot, offset = self.seq, 0
        since = None
        if sync is not None:
            try:
                token_calendar, since = base64.urlsafe_b64decode(sync).decode().split(":")
                since = int(since)
            except ValueError:
                since = -1
            if since < self.sync_floor or token_calendar != calendar_id:
                raise ApiError(
                    410,
                    "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                )
        matching = self._matching(calendar_id, one, since)
        page = matching[offset : offset + page_size]
        result = {
            "kind": "calendar#events",
            "etag": f'"p{snapshot}"',
            "summary": self.owner if calendar_id == "primary" else calendar_id,
            "updated": _rfc3339(datetime.now(UTC)),
            "timeZone": "Europe/Paris",
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
            "items": [self._public(e) for e in page],
        }
        if offset + page_size < len(matching):
            cursor = {"snapshot": snapshot, "offset": offset + page_size}
            result["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode()
        else:
            token = f"{calendar_id}:{snapshot}"
            result["nextSyncToken"] = base64.urlsafe_b64encode(token.encode()).decode()
        return result

    def _matching(self, calendar_id: str, one: dict, since: int | None) -> list[dict]:
        events = sorted(self.calendars[calendar_id].values(), key=lambda e: e["_seq"])
        if since is not None:  # incremental: every change, deletions included
            return [e for e in events if e["_seq"] > since]
        if one.get("showDeleted") != "true":
            events = [e for e in events if e["status"] != "cancelled"]
        if "timeMin" in one:
            low = _parse_moment(one["timeMin"], "timeMin")
            events = [e for e in events if _event_bounds(e)[1] > low]
        if "timeMax" in one:
            high = _parse_moment(one["timeMax"], "timeMax")
            events = [e for e in events if _event_bounds(e)[0] < high]
        if "q" in one:
            needle = one["q"].lower()
            events = [
                e
                for e in events
                if needle in (e.get("summary", "") + e.get("description", "")).lower()
            ]
        if "privateExtendedProperty" in one:
            key, _, value = one["privateExtendedProperty"].partition("=")
            events = [
                e
                for e in events
                if e.get("extendedProperties", {}).get("private", {}).get(key) == value
            ]
        return events

    def _public(self, event: dict) -> dict:
        if self.minimal_deleted and event["status"] == "cancelled":
            return {k: event[k] for k in ("kind", "etag", "id", "status")}
        return _shown(event)
