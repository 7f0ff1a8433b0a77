"""A CalDAV calendar: windowed reads, incremental sync (RFC 6578), conditional writes.

Requests per run: nothing changed, one sync-collection REPORT; something changed, that
REPORT plus one calendar-multiget of the changed objects, whatever their number (objects
listed with the etag the state already holds, such as our own writes, are not read
again). The first run (or after the server forgot the token): a PROPFIND checking the
calendar (given by URL) that also reads its sync token, and one calendar-query of the
window. A sync-collection without token would list every member: on a large calendar it
costs the server several times the PROPFIND. A server that does not take back the token
it offered gets that sync-collection on its next full listing. On servers that advertise
`calendar-query-extended`, the query asks only for possible interviews and our reminders
(text-match, anyof); a server that refuses or ignores the filter gets the plain window
query, and the token remembers it. Items are pre-filtered on their raw text before any
parse. The sync token handed to the engine also remembers the calendar's URL, so
incremental runs skip discovery.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import SplitResult, unquote, urljoin, urlsplit
from xml.sax.saxutils import escape

from relance_cal import network
from relance_cal.backends import ical
from relance_cal.backends.base import (
    MARKER_SOURCE,
    NOTHING_CACHED,
    Backend,
    ExistingReminder,
    RawItem,
    Reminder,
    SourceChanges,
    SourceEvent,
    Window,
    WriteConflict,
)
from relance_cal.errors import AuthError, ConfigError, EventError, UnreachableError
from relance_cal.interviews import KeywordFilter
from relance_cal.network import resolve_password
from relance_cal.text import fold

if TYPE_CHECKING:
    from caldav import Calendar, DAVClient, Principal
    from caldav.response import DAVResponse

    from relance_cal.config import CalendarConfig, Detection

T = TypeVar("T")
_log = logging.getLogger(__name__)

RETRY_DELAY = 2  # seconds before the one retry of a read that failed on the network
ICALENDAR = "text/calendar; charset=utf-8"

_DAV = "{DAV:}"
_CALDAV = "{urn:ietf:params:xml:ns:caldav}"
_VALID_SYNC_TOKEN = f"{_DAV}valid-sync-token"
_FOLD = re.compile(r"\r?\n[ \t]")
_SEARCHED_LINE = re.compile(r"^(?:SUMMARY|CATEGORIES)[;:].*$", re.M | re.I)
_SAFE_NAME = re.compile(r"[A-Za-z0-9._-]{1,200}")

_XML = '<?xml version="1.0" encoding="utf-8"?>\n'
_SYNC_COLLECTION = (
    _XML + '<D:sync-collection xmlns:D="DAV:"><D:sync-token>{token}</D:sync-token>'
    "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
)
_CALENDAR_QUERY = (
    _XML + '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    '<D:prop><D:getetag/>{data}</D:prop><C:filter><C:comp-filter name="VCALENDAR">'
    '<C:comp-filter name="VEVENT"><C:time-range start="{start}" end="{end}"/></C:comp-filter>'
    "{wanted}</C:comp-filter></C:filter></C:calendar-query>"
)
# draft-daboo-caldav-extensions: a server that can OR the filters says so in its DAV header.
_EXTENDED_QUERY = "calendar-query-extended"
_ANY_OF = '<C:comp-filter name="VEVENT" test="anyof">{filters}</C:comp-filter>'
_TEXT_MATCH = '<C:prop-filter name="{name}"><C:text-match>{text}</C:text-match></C:prop-filter>'
_HAS_MARKER = f'<C:prop-filter name="{MARKER_SOURCE}"/>'

_MULTIGET = (
    _XML + '<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/><C:calendar-data/></D:prop>{hrefs}</C:calendar-multiget>"
)
_PROPFIND = (
    _XML + '<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">'
    "<D:prop>{props}</D:prop></D:propfind>"
)
_MKCALENDAR = (
    _XML + '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:set><D:prop><D:displayname>{name}</D:displayname><C:supported-calendar-component-set>"
    '<C:comp name="VEVENT"/></C:supported-calendar-component-set></D:prop></D:set>'
    "</C:mkcalendar>"
)


@dataclass(frozen=True)
class _Entry:
    """One `DAV:response` of a multistatus."""

    href: str
    status: int
    etag: str | None = None
    data: str | None = None


@dataclass(frozen=True)
class _Token:
    """What the engine keeps between runs: where the calendar is and how to ask what changed."""

    url: str
    sync: str | None = None  # RFC 6578 sync token
    ctag: str | None = None  # servers without sync-collection
    digest: str | None = None  # servers without either: hash of the window's etag listing
    plain: bool | None = None  # True: the server refused or ignored the filtered query
    offered: bool | None = None  # the sync token is the PROPFIND's, not yet used
    refuses_offered: bool | None = None  # True: the server refused a token it offered
    until: str | None = None  # the end of the span listed so far (UTC, iCalendar form)

    def dump(self) -> str:
        return json.dumps({k: v for k, v in self.__dict__.items() if v is not None})

    @classmethod
    def load(cls, text: str | None) -> _Token | None:
        try:
            values = json.loads(text or "")
            return cls(**values) if isinstance(values.get("url"), str) else None
        except (ValueError, TypeError, AttributeError):
            return None


class _TokenRejected(Exception):
    """The server no longer knows the sync token (or the calendar): list it in full."""

    def __init__(self, *, calendar_gone: bool = False) -> None:
        super().__init__()
        self.calendar_gone = calendar_gone


class _NotCreatedYet(Exception):
    """The reminders calendar does not exist, and a read-only run may not create it."""


class CalDAVBackend(Backend):
    """One calendar collection on a CalDAV server (`[source]` or `[reminders]`)."""

    def __init__(
        self,
        cfg: CalendarConfig,
        detection: Detection,
        *,
        role: str,
        writable: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not cfg.url:
            raise ConfigError(f"[{role}] url: missing (required with backend = 'caldav')")
        self.cfg = cfg
        self.role = role
        self.writable = writable
        self.sleep = sleep  # between a failed read and its retry (tests pass their own)
        self.identity = f"caldav:{cfg.username or ''}@{cfg.url}#{cfg.calendar or ''}"
        self._filter = KeywordFilter(detection)
        self._server = urlsplit(cfg.url).netloc or cfg.url
        self._client: DAVClient | None = None
        self._negotiated = False  # fell back from pre-emptive Basic to the server's challenge
        self._url: str | None = None  # the calendar collection, once known
        self._offered: str | None = None  # the sync token the checking PROPFIND read
        self._learned = _Token("")  # what earlier runs learned of the server, kept in tokens
        self._extended = False  # the server advertises calendar-query-extended

    # -- connection ------------------------------------------------------------

    @property
    def client(self) -> DAVClient:
        if self._client is None:
            import caldav

            password = resolve_password(self.cfg)
            credentials = self.cfg.username is not None and password is not None
            self._client = caldav.DAVClient(
                url=self.cfg.url,
                username=self.cfg.username,
                password=password,
                # Pre-emptive Basic saves the 401 round trip on every run; a server
                # wanting something else gets its challenge answered (see `_call`).
                auth_type="basic" if credentials else None,
                ssl_verify_cert=str(self.cfg.ca_bundle) if self.cfg.ca_bundle else True,
                timeout=self.cfg.timeout,
                enable_rfc6764=False,
            )
            network.limit_session(self._client.session, self.cfg.timeout, self._server)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _call(self, exchange: Callable[[], T], *, retry: bool = False) -> T:
        """Run one exchange with the server; library failures become UserErrors."""
        from caldav.lib import error
        from caldav.lib.http_sync import requests
        from lxml.etree import XMLSyntaxError

        network = (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,  # the connection broke mid-answer
        )
        for attempt in (1, 2):
            try:
                return exchange()
            except error.AuthorizationError as e:
                if _VALID_SYNC_TOKEN in e.preconditions:
                    raise _TokenRejected from None
                if e.status == 401 and self.client.auth_type == "basic" and not self._negotiated:
                    self._negotiated = True
                    self.client.auth = None
                    self.client.auth_type = None
                    continue
                raise self._refused(e.status) from None
            except requests.exceptions.SSLError as e:
                raise UnreachableError(
                    f"{self._server}: the TLS certificate could not be verified ({_reason(e)}); "
                    f"if the server uses its own CA, set ca_bundle in [{self.role}]"
                ) from None
            except (*network, error.RateLimitError) as e:
                if retry and attempt == 1:
                    self.sleep(RETRY_DELAY)
                    continue
                raise UnreachableError(f"cannot reach {self._server}: {_reason(e)}") from None
            except (error.DAVError, XMLSyntaxError) as e:
                # Only discovery goes through caldav's own objects: a wrong `url`, most likely.
                raise ConfigError(
                    f"[{self.role}] url: {self.cfg.url} does not answer like a CalDAV server "
                    f"({getattr(e, 'reason', None) or e}); check the address"
                ) from None
        raise AssertionError("unreachable")  # the loop returns or raises

    def _refused(self, status: int | None) -> AuthError:
        user = self.cfg.username or "(no username)"
        if status == 403:
            return AuthError(
                f"{self._server} does not let user {user} access this calendar; "
                f"check username and calendar in [{self.role}]"
            )
        return AuthError(
            f"{self._server} refused the login of user {user}; check username and the "
            f"password (password_env / password_command) in [{self.role}]"
        )

    def _send(
        self, method: str, url: str, body: str = "", headers: dict[str, str] | None = None
    ) -> DAVResponse:
        """One request; a server error (5xx) is retried once for reads, then reported."""
        safe = method in ("GET", "PROPFIND", "REPORT")
        for attempt in (1, 2):
            response = self._call(
                lambda: self.client.request(url, method, body, headers or {}), retry=safe
            )
            if response.status < 500:
                return response
            if not safe or attempt == 2:
                break
            self.sleep(RETRY_DELAY)
        raise UnreachableError(
            f"{self._server} keeps failing: {method} answered {response.status} {response.reason}"
        )

    def _report(self, url: str, body: str, depth: str | None) -> DAVResponse:
        headers = {"Content-Type": "application/xml; charset=utf-8"}
        if depth is not None:
            headers["Depth"] = depth
        return self._send("REPORT", url, body, headers)

    # -- finding the calendar --------------------------------------------------

    def _calendar_url(self) -> str:
        if self._url is None:
            wanted = self.cfg.calendar
            if wanted is None or "/" in wanted:
                self._url = self._check_collection(urljoin(self.cfg.url, wanted or ""))
            else:
                self._url = self._find_by_name(wanted)
        return self._url

    def _check_collection(self, url: str) -> str:
        """`url` itself, after checking that it is a calendar (creating it if allowed)."""
        headers = {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"}
        body = _PROPFIND.format(props="<D:resourcetype/><D:sync-token/>")
        response = self._send("PROPFIND", url, body, headers)
        if response.status == 404 and self.role == "reminders" and self.cfg.create:
            return self._make_calendar(url)
        is_calendar = response.status == 207 and response.tree is not None
        is_calendar = is_calendar and response.tree.find(f".//{_CALDAV}calendar") is not None
        if not is_calendar:
            key = "calendar" if self.cfg.calendar else "url"
            raise ConfigError(
                f"[{self.role}] {key}: {url} is not a calendar; set [{self.role}] calendar to "
                f"the name of one ({self._calendar_list()})"
            )
        token = response.tree.findtext(f".//{_DAV}sync-token")
        self._offered = token.strip() if token and token.strip() else None
        self._extended = _EXTENDED_QUERY in (response.headers.get("DAV") or "")
        return url.rstrip("/") + "/"

    def _find_by_name(self, name: str) -> str:
        principal, by_name = self._calendars()
        found = by_name.get(name) or next(
            (url for n, url in by_name.items() if fold(n) == fold(name)), None
        )
        if found:
            return self._check_collection(found)  # also reads its sync token
        if self.role == "reminders" and self.cfg.create:
            home = self._call(lambda: principal.calendar_home_set)
            return self._make_calendar(urljoin(str(home.url), _slug(name) + "/"))
        raise ConfigError(
            f"[{self.role}] calendar: no calendar named {name!r} for user "
            f"{self.cfg.username} on {self._server}; {_listing(by_name)}"
        )

    def _calendars(self) -> tuple[Principal, dict[str, str]]:
        """The user's principal, and their calendars: display name (or id) -> URL."""
        principal = self._call(self.client.get_principal)
        calendars = self._call(lambda: self.client.get_calendars(principal))
        return principal, {_calendar_name(c): str(c.url) for c in calendars}

    def _calendar_list(self) -> str:
        """The user's calendars, for an error message."""
        return _listing(self._calendars()[1])

    def _make_calendar(self, url: str) -> str:
        if not self.writable:
            raise _NotCreatedYet  # read-only: the reminders calendar is empty until a sync
        name = self.cfg.calendar if self.cfg.calendar and "/" not in self.cfg.calendar else None
        name = name or "relance-cal"
        headers = {"Content-Type": "application/xml; charset=utf-8"}
        response = self._send("MKCALENDAR", url, _MKCALENDAR.format(name=escape(name)), headers)
        if response.status not in (200, 201):
            raise ConfigError(
                f"[{self.role}] calendar: {self._server} refused to create the calendar "
                f"{name!r} ({response.status} {response.reason}); create it in your calendar app"
            )
        return url

    # -- reading ---------------------------------------------------------------

    def changes(
        self, token: str | None, window: Window, cached: Mapping[str, str | None] = NOTHING_CACHED
    ) -> SourceChanges:
        known = _Token.load(token)
        if known is not None:
            self._url = known.url
            try:
                return self._changes_since(known, window, cached)
            except _TokenRejected as e:
                self._url = None  # the calendar may have gone too: find it again
                refused = (known.offered and not e.calendar_gone) or known.refuses_offered
                self._learned = _Token("", plain=known.plain, refuses_offered=refused or None)
        try:
            url = self._calendar_url()
        except _NotCreatedYet:
            return SourceChanges(token=None, full=True)
        try:
            # The baseline comes before the listing: what changes in between shows next run.
            return self._full_listing(self._baseline(url), window)
        except _TokenRejected:
            raise UnreachableError(f"{url} vanished while it was read; try again") from None

    def _changes_since(
        self, known: _Token, window: Window, cached: Mapping[str, str | None]
    ) -> SourceChanges:
        if known.until is None or known.until < _utc(window.start):
            # Listed by an earlier version (no end), or a window long past: list it afresh.
            return self._full_listing(known, window)
        unchanged = SourceChanges(token=known.dump(), full=False, unchanged=True)
        if known.sync is not None:
            changes = self._synced(known, cached)
        elif known.ctag is not None:
            ctag = self._ctag(known.url)
            if not ctag:
                raise _TokenRejected
            if ctag != known.ctag:
                return self._full_listing(replace(known, ctag=ctag), window)
            changes = unchanged
        elif (
            _digest(self._listing(known.url, _ahead(window), with_data=False) or []) == known.digest
        ):
            changes = unchanged
        else:
            return self._full_listing(replace(known, digest=""), window)
        return self._newly_in_window(changes, known, window)

    def _newly_in_window(
        self, changes: SourceChanges, known: _Token, window: Window
    ) -> SourceChanges:
        """`changes`, plus the events of the span the window moved into since `known.until`."""
        if _utc(window.end) <= (known.until or ""):
            return changes
        window = _ahead(window)
        since = Window(
            datetime.strptime(known.until or "", "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC), window.end
        )
        entries = self._listing(known.url, since, with_data=True) or []
        items = dict(changes.items)
        for e in entries:
            if e.status == 200 and e.data is not None and self._may_matter(e.data):
                items.setdefault(e.href, RawItem(e.data, e.etag))
        token = _Token.load(changes.token) or known
        token = replace(token, until=_utc(window.end))
        return replace(changes, items=items, token=token.dump(), unchanged=False)

    def _full_listing(self, baseline: _Token, window: Window) -> SourceChanges:
        window = _ahead(window)
        wanted = self._wanted_filter() if baseline.digest is None and not baseline.plain else ""
        entries = None
        if wanted:
            entries = self._listing(baseline.url, window, with_data=True, wanted=wanted)
            listed = [e.data for e in entries or () if e.status == 200 and e.data is not None]
            # Refused, or ignored (it lists what the filter excludes): plain queries from now on.
            filtered = entries is not None and all(self._may_matter(d) for d in listed)
            baseline = replace(baseline, plain=not filtered)
            if filtered and not listed:
                # Nothing found, or a server that ANDs the filters (it ignores `test`): the
                # plain query tells, once.
                entries = None
        if entries is None:
            entries = self._listing(baseline.url, window, with_data=True) or []
            if wanted and not baseline.plain:
                missed = any(e.data and self._may_matter(e.data) for e in entries)
                baseline = replace(baseline, plain=missed)
        if baseline.digest is not None:
            baseline = replace(baseline, digest=_digest(entries))
        items = {
            e.href: RawItem(e.data, e.etag)
            for e in entries
            if e.status == 200 and e.data is not None and self._may_matter(e.data)
        }
        baseline = replace(baseline, until=_utc(window.end))
        return SourceChanges(items=items, token=baseline.dump(), full=True)

    def _wanted_filter(self) -> str:
        """The anyof filter of possible interviews and reminders; "" when it cannot serve.

        Text-match compares ASCII case-insensitively (i;ascii-casemap): keywords with other
        letters, or a calendar where every event counts, get the plain window query.
        """
        fragments = self._filter.fragments()
        if not self._extended or self._filter.everything or fragments is None:
            return ""
        filters = "".join(
            _TEXT_MATCH.format(name=name, text=escape(fragment))
            for name in ("SUMMARY", "CATEGORIES")
            for fragment in fragments
        )
        return _ANY_OF.format(filters=filters + _HAS_MARKER)

    def _baseline(self, url: str) -> _Token:
        """A fresh token: a sync token, else the ctag, else a digest of the coming listing.

        The sync token the PROPFIND read is taken as it is; it is checked by its first use.
        """
        learned = replace(self._learned, url=url)
        if self._offered and not learned.refuses_offered:
            return replace(learned, sync=self._offered, offered=True)
        try:
            response = self._report(url, _SYNC_COLLECTION.format(token=""), "0")
        except AuthError:
            response = None  # some servers answer 403 to a REPORT they do not support
        if response is not None and response.status == 207:
            _, sync, _ = _multistatus(response, url)
            if sync:
                return replace(learned, sync=sync)
        ctag = self._ctag(url)
        return replace(learned, ctag=ctag) if ctag else replace(learned, digest="")

    def _ctag(self, url: str) -> str | None:
        headers = {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"}
        body = _PROPFIND.format(props="<D:resourcetype/><CS:getctag/>")
        response = self._send("PROPFIND", url, body, headers)
        if response.status != 207 or response.tree is None:
            return None
        node = response.tree.find(".//{http://calendarserver.org/ns/}getctag")
        return node.text if node is not None and node.text else ""

    def _listing(
        self, url: str, window: Window, *, with_data: bool, wanted: str = ""
    ) -> list[_Entry] | None:
        """The window's objects; with a `wanted` filter, None when the server refuses it.

        The window only, with its end: on a calendar mostly in the future, the events beyond
        it would be most of the answer (and Radicale, by default, refuses an answer of more
        than 10,000 events). The answer is read and parsed whole (one tree, then each
        object's text, kept only when it may matter): with the window bounded, that is the
        window's events, not the calendar's, so memory holds without streaming (50,000
        events mostly ahead: 4,506 listed, peak RSS 93 MB for the whole first sync, see
        docs/benchmarks.md). The token remembers the end listed (`until`), and later runs
        list the span the window has moved into (`_newly_in_window`): the sync token alone
        only reports what changes.
        """
        data = "<C:calendar-data/>" if with_data else ""
        body = _CALENDAR_QUERY.format(
            data=data, start=_utc(window.start), end=_utc(window.end), wanted=wanted
        )
        try:
            response = self._report(url, body, "1")
        except (AuthError, UnreachableError):
            if not wanted:
                raise
            return None  # a 403 / 5xx to the filter: the plain query decides
        if response.status == 404:
            raise _TokenRejected(calendar_gone=True)
        if wanted and response.status != 207:
            return None
        if response.status != 207:
            raise UnreachableError(
                f"{self._server}: the calendar query failed ({response.status} {response.reason})"
            )
        entries, _, _ = _multistatus(response, url)
        return [e for e in entries if not e.href.endswith("/")]

    def _synced(self, known: _Token, cached: Mapping[str, str | None]) -> SourceChanges:
        """What a sync-collection REPORT lists since `known`, read in one multiget.

        An object listed with the (strong) etag of the copy the state holds is not read again.
        """
        changed: dict[str, None] = {}  # ordered set
        removed: set[str] = set()
        token = known.sync
        while True:  # a server may truncate its answer (RFC 6578 §3.6): ask again
            body = _SYNC_COLLECTION.format(token=escape(token or ""))
            try:
                response = self._report(known.url, body, "0")
            except AuthError:
                if known.offered and token == known.sync:
                    raise _TokenRejected from None  # shown by PROPFIND, refused by the REPORT
                raise
            if response.status != 207:
                # A 404 (calendar gone) or a 412 / 409 with valid-sync-token (Xandikos...)
                raise _TokenRejected(calendar_gone=response.status == 404)
            asked = token
            entries, token, truncated = _multistatus(response, known.url)
            for entry in entries:
                if entry.href.endswith("/"):
                    continue
                if entry.status == 404:
                    removed.add(entry.href)
                    changed.pop(entry.href, None)
                else:
                    removed.discard(entry.href)
                    if _same(entry.etag, cached.get(entry.href)):
                        changed.pop(entry.href, None)
                    else:
                        changed[entry.href] = None
            if not truncated or not token or token == asked:
                break
        new = replace(known, sync=token or known.sync, offered=None).dump()
        if not changed and not removed:
            # Our own writes, listed but not read back, still move the token; an offered
            # token that served once is no longer on trial.
            unchanged = token in (None, known.sync) and not known.offered
            return SourceChanges(token=new, full=False, unchanged=unchanged)
        items = {}
        for entry in self._multiget(known.url, list(changed)):
            if entry.status == 200 and entry.data is not None and self._may_matter(entry.data):
                items[entry.href] = RawItem(entry.data, entry.etag)
        removed.update(h for h in changed if h not in items)
        return SourceChanges(items=items, removed=sorted(removed), token=new, full=False)

    def _multiget(self, url: str, hrefs: list[str]) -> list[_Entry]:
        if not hrefs:
            return []
        body = _MULTIGET.format(hrefs="".join(f"<D:href>{escape(h)}</D:href>" for h in hrefs))
        response = self._report(url, body, None)
        if response.status != 207:
            raise UnreachableError(
                f"{self._server}: reading the changed events failed "
                f"({response.status} {response.reason})"
            )
        entries, _, _ = _multistatus(response, url)
        return entries

    def _may_matter(self, text: str) -> bool:
        """Cheap pre-filter on the raw text: a keyword in a title or category, or our marker."""
        if MARKER_SOURCE in text:
            return True
        searched = " ".join(_SEARCHED_LINE.findall(_FOLD.sub("", text)))
        return self._filter.passes(searched, escaped=True)

    def occurrences(self, item_id: str, item: RawItem, window: Window) -> list[SourceEvent]:
        return ical.parse_item(item.text, window, calendar=self.cfg.calendar or self.cfg.url)

    def source_uid(self, item_id: str, item: RawItem) -> str | None:
        return ical.uid_in(item.text)

    def existing_reminder(self, item_id: str, item: RawItem) -> ExistingReminder | None:
        return ical.reminder_in(item.text, item_id=item_id, etag=item.etag)

    def fetch(self, item_id: str) -> RawItem | None:
        response = self._send("GET", self._absolute(item_id), headers={"Accept": "text/calendar"})
        if response.status in (404, 410):
            return None
        if response.status != 200:
            raise UnreachableError(
                f"{self._server}: reading {item_id} failed ({response.status} {response.reason})"
            )
        return RawItem(response.raw, response.headers.get("ETag"))

    # -- writing ---------------------------------------------------------------

    def create(self, reminder: Reminder) -> tuple[str, RawItem]:
        text = _render(reminder)
        url = urljoin(self._calendar_url(), _file_name(reminder.uid))
        href = urlsplit(url).path
        response = self._put(url, text, {"If-None-Match": "*"})
        if response.status in (200, 201, 204):
            return href, RawItem(text, response.headers.get("ETag"))
        if response.status == 412:
            # Already there (a run that crashed after writing it, or someone else's): the
            # engine reads it and decides.
            raise WriteConflict(href)
        raise EventError(
            reminder.title,
            f"{self._server} refused the reminder ({response.status} "
            f"{response.reason}){_uid_conflict(response)}",
        )

    def update(self, existing: ExistingReminder, reminder: Reminder) -> tuple[str, RawItem]:
        etag = self._etag_of(existing)
        text = _render(reminder)
        response = self._put(self._absolute(existing.item_id), text, {"If-Match": etag})
        if response.status in (200, 201, 204):
            return existing.item_id, RawItem(text, response.headers.get("ETag"))
        if response.status in (404, 412):
            raise WriteConflict(existing.item_id)
        raise EventError(
            reminder.title,
            f"{self._server} refused the update ({response.status} {response.reason})",
        )

    def delete(self, existing: ExistingReminder) -> None:
        etag = self._etag_of(existing)
        response = self._send("DELETE", self._absolute(existing.item_id), "", {"If-Match": etag})
        if response.status in (200, 204, 404, 410):
            return  # 404, 410: already gone, as wanted
        if response.status == 412:
            raise WriteConflict(existing.item_id)
        raise EventError(
            existing.item_id,
            f"{self._server} refused to delete it ({response.status} {response.reason})",
        )

    def _etag_of(self, existing: ExistingReminder) -> str:
        """The etag to write against: without one, the engine re-reads the event and decides."""
        if not existing.etag:
            raise WriteConflict(existing.item_id)
        return existing.etag

    def _put(self, url: str, text: str, condition: dict[str, str]) -> DAVResponse:
        return self._send("PUT", url, text, {"Content-Type": ICALENDAR, **condition})

    def _absolute(self, href: str) -> str:
        """The URL of a member of the calendar; never anything outside it."""
        collection = self._url or self.cfg.url or ""
        if _member_path(href, collection) is None:
            raise EventError(href, f"not in the calendar {collection}; left alone")
        return urljoin(collection, href)


LISTED_AHEAD = timedelta(days=7)  # listed beyond the window: its end moves with every run


def _ahead(window: Window) -> Window:
    """The span a listing asks for: the window, a week more (one more query a week, not a
    query on every run as the window's end moves on)."""
    return Window(window.start, window.end + LISTED_AHEAD)


def _render(reminder: Reminder) -> str:
    return ical.reminder_calendar([reminder], datetime.now(UTC)).to_ical().decode("utf-8")


def _file_name(uid: str) -> str:
    """The object's name in the collection: the UID when URL-safe, else its hash."""
    if _SAFE_NAME.fullmatch(uid):
        return f"{uid}.ics"
    return hashlib.sha256(uid.encode("utf-8")).hexdigest()[:40] + ".ics"


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return slug or "relance-cal"


def _calendar_name(calendar: Calendar) -> str:
    """Its display name as listed (asking for it again would cost a request), else its id."""
    name = calendar.props.get(f"{_DAV}displayname")
    return name or urlsplit(str(calendar.url)).path.rstrip("/").rsplit("/", 1)[-1]


def _listing(by_name: dict[str, str]) -> str:
    if not by_name:
        return "this account has no calendar"
    return "calendars there: " + ", ".join(repr(n) for n in sorted(by_name))


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _digest(entries: list[_Entry]) -> str:
    listing = sorted((e.href, e.etag or "") for e in entries if e.status == 200)
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()


def _reason(e: BaseException) -> str:
    """The innermost cause of a network error, without the library's wrapping."""
    while (inner := e.__cause__ or e.__context__) is not None:
        e = inner
    text = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
    return re.sub(r"\s*\(_ssl\.c:\d+\)", "", text)[:200] or type(e).__name__


def _uid_conflict(response: DAVResponse) -> str:
    if response.tree is not None and response.tree.find(f".//{_CALDAV}no-uid-conflict") is not None:
        return "; another event in the calendar already has this reminder's UID"
    return ""


def _multistatus(response: DAVResponse, collection: str) -> tuple[list[_Entry], str | None, bool]:
    """The responses of a multistatus about members of `collection`, its sync token, and
    whether it was truncated. A response naming anything else (another host, port, scheme
    or path) is left out with a warning: it is never read, written or deleted."""
    tree = response.tree
    if tree is None:
        return [], None, False
    entries: list[_Entry] = []
    truncated = False
    for node in tree.iter(f"{_DAV}response"):
        href = node.findtext(f"{_DAV}href")
        if not href:
            continue
        path = _member_path(href.strip(), collection)
        if path is None:
            _log.warning(
                "%s named %r in its answer, outside the calendar %s; ignored",
                urlsplit(collection).netloc,
                href.strip()[:200],
                collection,
            )
            continue
        status = _status(node.findtext(f"{_DAV}status"))
        if status == 507:
            truncated = True
            continue
        etag = data = None
        for propstat in node.iter(f"{_DAV}propstat"):
            if _status(propstat.findtext(f"{_DAV}status")) != 200:
                continue
            etag = propstat.findtext(f".//{_DAV}getetag") or etag
            data = propstat.findtext(f".//{_CALDAV}calendar-data") or data
        entries.append(_Entry(path, status, etag, data))
    token = tree.findtext(f"{_DAV}sync-token")
    return entries, token.strip() if token else None, truncated


def _member_path(href: str, collection: str) -> str | None:
    """The path of `href` when it names `collection` or something in it, else None."""
    try:
        inside, url = urlsplit(collection), urlsplit(urljoin(collection, href))
        same_place = (url.scheme.lower(), url.hostname, _port(url)) == (
            inside.scheme.lower(),
            inside.hostname,
            _port(inside),
        )
    except ValueError:  # a port that is not a number
        return None
    segments = unquote(url.path).split("/")
    if not same_place or ".." in segments or "." in segments:
        return None
    folder = unquote(inside.path).rstrip("/") + "/"
    return url.path if (unquote(url.path).rstrip("/") + "/").startswith(folder) else None


def _port(url: SplitResult) -> int | None:
    return url.port or {"http": 80, "https": 443}.get(url.scheme.lower())


def _same(listed: str | None, cached: str | None) -> bool:
    """Whether a listed etag proves the cached copy current (a weak etag proves nothing)."""
    return bool(listed) and listed == cached and not listed.startswith("W/")


def _status(line: str | None) -> int:
    """200 for "HTTP/1.1 200 OK" or no status at all."""
    parts = (line or "").split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 200
