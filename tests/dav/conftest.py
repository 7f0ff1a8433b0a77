"""A real Radicale server for the CalDAV tests, and a relay in front of it.

Radicale runs as a subprocess (session-wide) with plain htpasswd auth. The backend
under test talks to it through `Relay`, a small HTTP relay that counts requests and
can play an older server (no sync-collection REPORT, no ctag) or one that offers
filtered queries (calendar-query-extended). Tests change the
calendar "from another client" with `Dav`, which talks to Radicale directly.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import ipaddress
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from relance_cal.config import CalendarConfig

USER = "camille"
PASSWORD = "correct horse battery staple"
PASSWORD_ENV = "RELANCE_CAL_TEST_DAV_PASSWORD"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Radicale:
    port: int
    storage: Path
    user: str = USER
    password: str = PASSWORD
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/"


@contextlib.contextmanager
def running_radicale(root: Path, server_options: str = "") -> Iterator[Radicale]:
    """A Radicale process on a free loopback port, storing in `root`, with plain htpasswd."""
    users = root / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    port = free_port()
    config = root / "config"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n{server_options}"
        f"[auth]\ntype = htpasswd\nhtpasswd_filename = {users}\nhtpasswd_encryption = plain\n"
        f"[storage]\nfilesystem_folder = {root / 'collections'}\n"
        "[rights]\ntype = owner_only\n[web]\ntype = none\n[logging]\nlevel = warning\n"
    )
    log_path = root / "radicale.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config), "--auth-delay", "0"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_listening(port, process, log_path)
            scheme = "https" if "ssl = True" in server_options else "http"
            yield Radicale(port, root / "collections", scheme=scheme)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    with running_radicale(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture(scope="session")
def tls_radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Radicale, Path]]:
    """Radicale over TLS with a certificate of its own CA; yields the server and the CA file."""
    root = tmp_path_factory.mktemp("radicale-tls")
    certificate, key = root / "ca.pem", root / "key.pem"
    _self_signed(certificate, key)
    options = f"ssl = True\ncertificate = {certificate}\nkey = {key}\n"
    with running_radicale(root, options) as server:
        yield server, certificate


def _self_signed(certificate: Path, key_file: Path) -> None:
    """A CA certificate for 127.0.0.1 that signs itself (the server's certificate and its CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relance-cal test CA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _wait_until_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"radicale exited:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"radicale did not start:\n{log.read_text()}")


class Dav:
    """Another CalDAV client (a phone, a web app) acting on the calendar directly."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.user = USER
        self.auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def request(
        self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
    ) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request(
            method, path, body.encode(), {"Authorization": self.auth, **(headers or {})}
        )
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    def make_calendar(self, display_name: str | None = None) -> str:
        """A new calendar; returns its path."""
        path = f"/{USER}/{uuid.uuid4().hex}/"
        name = f"<D:displayname>{display_name}</D:displayname>" if display_name else ""
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:set><D:prop>{name}</D:prop></D:set></C:mkcalendar>"
        )
        response = self.request("MKCALENDAR", path, body)
        assert response.status == 201, response.status
        return path

    def put(self, path: str, text: str) -> str:
        """Create or replace an object; returns its new etag."""
        response = self.request("PUT", path, text, {"Content-Type": "text/calendar"})
        assert response.status in (201, 204), response.status
        return response.headers["ETag"]

    def get(self, path: str) -> str | None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", path, headers={"Authorization": self.auth})
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
        return text if response.status == 200 else None

    def delete(self, path: str) -> None:
        assert self.request("DELETE", path).status in (200, 204)

    def hrefs(self, calendar: str) -> list[str]:
        """The objects in a calendar, by a Depth: 1 PROPFIND."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("PROPFIND", calendar, b"", {"Authorization": self.auth, "Depth": "1"})
        body = connection.getresponse().read().decode()
        connection.close()
        hrefs = set(re.findall(r"<href>([^<]+)</href>", body))
        return sorted(h for h in hrefs if h.startswith(calendar) and h != calendar)

    def calendars(self) -> dict[str, str]:
        """Display name -> path of the user's calendars."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        body = (
            '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:displayname/>'
            "</D:prop></D:propfind>"
        )
        connection.request(
            "PROPFIND", f"/{USER}/", body.encode(), {"Authorization": self.auth, "Depth": "1"}
        )
        text = connection.getresponse().read().decode()
        connection.close()
        # One response at a time: the principal's has an empty <displayname />, and a search
        # across responses would give its href the name of whichever calendar is listed next.
        found = {}
        for response in re.findall(r"<response>(.*?)</response>", text, re.S):
            href = re.search(r"<href>([^<]+)</href>", response)
            name = re.search(r"<displayname>([^<]*)</displayname>", response)
            if href and name:
                found[name.group(1)] = href.group(1)
        return found


@dataclass
class Relay:
    """An HTTP relay to Radicale that counts requests and can hide server features."""

    port: int
    requests: list[tuple[str, str]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)  # of the requests, in order
    answers: list[bytes] = field(default_factory=list)  # the bodies answered, in order
    without_sync_collection: bool = False  # answer sync-collection REPORTs like an old server
    without_ctag: bool = False  # drop getctag from PROPFIND answers
    without_sync_token: bool = False  # drop sync-token from PROPFIND answers
    offers_unknown_tokens: bool = False  # PROPFIND answers show a sync token never given
    # Advertise calendar-query-extended, and then: "ands" its filters (as Radicale does),
    # "refuses" a query with them (400), or "honours" them (anyof: OR of the prop-filters).
    extended_query: str | None = None
    before: Callable[[str, str], None] | None = None  # called with (method, path) before relaying

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def reset(self) -> None:
        self.requests.clear()
        self.bodies.clear()
        self.answers.clear()
        self.extended_query = None
        self.without_sync_collection = False
        self.without_ctag = False
        self.without_sync_token = False
        self.offers_unknown_tokens = False
        self.before = None


def _relay_handler(relay: Relay, target: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def relay_request(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            relay.requests.append((self.command, self.path))
            relay.bodies.append(body)
            if relay.before is not None:
                relay.before(self.command, self.path)
            if (
                relay.without_sync_collection
                and self.command == "REPORT"
                and b"sync-collection" in body
            ):
                self.answer(403, {"Content-Type": "text/xml"}, _UNSUPPORTED_REPORT)
                return
            filtered = self.command == "REPORT" and b'test="anyof"' in body
            if filtered and relay.extended_query == "refuses":
                self.answer(400, {"Content-Type": "text/plain"}, b"unsupported filter")
                return
            wanted: list[bytes] = []
            if filtered and relay.extended_query == "honours":
                wanted = [w.lower() for w in re.findall(rb"<C:text-match>([^<]*)<", body)]
                body = re.sub(
                    rb'<C:comp-filter name="VEVENT" test="anyof">.*?</C:comp-filter>'
                    rb"(?=</C:comp-filter></C:filter>)",
                    b"",
                    body,
                    flags=re.S,
                )
            # Plain answers (no gzip), so that the features above can be hidden in them.
            dropped = ("host", "accept-encoding", "content-length")  # the body may be changed
            headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
            connection = http.client.HTTPConnection("127.0.0.1", target, timeout=30)
            connection.request(self.command, self.path, body, headers)
            response = connection.getresponse()
            content = response.read()
            connection.close()
            if relay.without_ctag and self.command == "PROPFIND":
                content = re.sub(rb"<CS:getctag>[^<]*</CS:getctag>", b"", content)
            if relay.without_sync_token and self.command == "PROPFIND":
                content = re.sub(rb"<(\w+:)?sync-token>[^<]*</(\w+:)?sync-token>", b"", content)
            if relay.offers_unknown_tokens and self.command == "PROPFIND":
                content = content.replace(b"/ns/sync/", b"/ns/sync/0000")
            if wanted:
                content = _any_of(content, wanted)
            skip = ("content-length", "transfer-encoding", "connection")
            passed = {k: v for k, v in response.getheaders() if k.lower() not in skip}
            if relay.extended_query and "DAV" in passed:
                passed["DAV"] += ", calendar-query-extended"
            self.answer(response.status, passed, content)

        def answer(self, status: int, headers: dict[str, str], content: bytes) -> None:
            relay.answers.append(content)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = relay_request
        do_MKCALENDAR = do_PROPPATCH = do_OPTIONS = do_HEAD = do_POST = relay_request

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def _any_of(multistatus: bytes, wanted: list[bytes]) -> bytes:
    """The responses whose SUMMARY or CATEGORIES holds a wanted text, or that carry the marker."""
    from xml.etree import ElementTree

    tree = ElementTree.fromstring(multistatus)
    for response in list(tree):
        data = response.findtext(".//{urn:ietf:params:xml:ns:caldav}calendar-data") or ""
        searched = " ".join(
            line for line in data.splitlines() if line.startswith(("SUMMARY", "CATEGORIES"))
        ).lower()
        if "X-RELANCE-CAL-SOURCE" not in data and not any(w.decode() in searched for w in wanted):
            tree.remove(response)
    return ElementTree.tostring(tree)


_UNSUPPORTED_REPORT = (
    b'<?xml version="1.0"?><D:error xmlns:D="DAV:"><D:supported-report/></D:error>'
)


@pytest.fixture(scope="session")
def _relay_server(radicale: Radicale) -> Iterator[Relay]:
    relay = Relay(free_port())
    server = ThreadingHTTPServer(("127.0.0.1", relay.port), _relay_handler(relay, radicale.port))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield relay
    server.shutdown()
    server.server_close()


@pytest.fixture
def relay(_relay_server: Relay) -> Relay:
    _relay_server.reset()
    return _relay_server


@pytest.fixture
def dav(radicale: Radicale) -> Dav:
    return Dav(radicale.port)


@pytest.fixture
def password_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return PASSWORD_ENV


@pytest.fixture
def calendar_config(relay: Relay, password_env: str) -> Callable[..., CalendarConfig]:
    """A CalendarConfig for the relayed Radicale; keyword arguments override fields."""
    base = CalendarConfig(backend="caldav", url=relay.url, username=USER, password_env=password_env)
    return lambda **fields: replace(base, **fields)


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()
