"""The servers the benchmark talks to: Radicale, the Google emulator, a counting relay."""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

USER = "camille"
PASSWORD = "correct horse battery staple"
WRITES = ("PUT", "DELETE", "MKCALENDAR", "PROPPATCH", "PATCH")


def _forwarder(port: int) -> Callable[[str, str, dict[str, str], bytes], Answer]:
    def forward(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        return response.status, response.reason, response.getheaders(), content

    return forward


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def radicale(root: Path) -> Iterator[int]:
    """A Radicale process on a free loopback port storing in `root`; yields the port."""
    users = root / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    port = free_port()
    config = root / "config"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\nmax_content_length = 1000000000\ntimeout = 600\n"
        f"[auth]\ntype = htpasswd\nhtpasswd_filename = {users}\nhtpasswd_encryption = plain\n"
        f"[storage]\nfilesystem_folder = {root / 'collections'}\n"
        "[rights]\ntype = owner_only\n[web]\ntype = none\n[logging]\nlevel = warning\n"
    )
    log = (root / "radicale.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config), "--auth-delay", "0"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"radicale exited: {(root / 'radicale.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def fill_calendar(root: Path, name: str, objects: dict[str, str]) -> str:
    """Write a calendar collection straight into Radicale's storage; returns its path."""
    folder = root / "collections" / "collection-root" / USER / name
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    props = {
        "tag": "VCALENDAR",
        "D:displayname": name,
        "C:supported-calendar-component-set": "VEVENT",
    }
    (folder / ".Radicale.props").write_text(json.dumps(props))
    for file_name, text in objects.items():
        (folder / file_name).write_bytes(text.encode("utf-8"))
    return f"/{USER}/{name}/"


class Dav:
    """Direct access to Radicale (another client): not counted by the relay."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def request(
        self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        connection.request(
            method, path, body.encode(), {"Authorization": self.auth, **(headers or {})}
        )
        response = connection.getresponse()
        content = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), content

    def put(self, path: str, text: str) -> None:
        status, _, _ = self.request("PUT", path, text, {"Content-Type": "text/calendar"})
        assert status in (201, 204), status

    def delete(self, path: str) -> None:
        status, _, _ = self.request("DELETE", path)
        assert status in (200, 204, 404), status

    def fresh_calendar(self, path: str) -> None:
        """An empty calendar at `path` (deleted first if it exists)."""
        self.request("DELETE", path)
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            "<D:set><D:prop><D:displayname>relance-cal</D:displayname></D:prop></D:set>"
            "</C:mkcalendar>"
        )
        status, _, _ = self.request("MKCALENDAR", path, body)
        assert status == 201, status


@dataclass
class Counts:
    requests: int = 0
    writes: int = 0
    sent: int = 0  # bytes from the client (request line, headers, body)
    received: int = 0  # bytes to the client
    calls: list[tuple[str, str, bool]] = field(default_factory=list)  # (method, path, write)
    reports: list[tuple[str, bytes]] = field(default_factory=list)  # (path, body) of REPORTs

    @property
    def reads(self) -> int:
        return self.requests - self.writes

    def on(self, prefix: str) -> tuple[int, int]:
        """(reads, writes) on the paths under `prefix` (one calendar)."""
        mine = [write for _, path, write in self.calls if path.startswith(prefix)]
        return len(mine) - sum(mine), sum(mine)

    @property
    def transferred(self) -> int:
        return self.sent + self.received


Answer = tuple[int, str, list[tuple[str, str]], bytes]  # status, reason, headers, body


class Relay:
    """An HTTP relay in front of a server that counts requests, writes and bytes.

    `target` is the server's port, or a function answering a request in this process
    (the Google emulator: no second TCP hop).
    """

    def __init__(
        self,
        target: int | Callable[[str, str, dict[str, str], bytes], Answer],
        *,
        is_write: Callable[[str, str, bytes], bool] | None = None,
    ) -> None:
        self.counts = Counts()
        self.lock = threading.Lock()
        self.is_write = is_write or (lambda method, path, body: method in WRITES)
        forward = target if callable(target) else _forwarder(target)
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers and body wait on a delayed ACK

            def handle_one(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                head = len(self.requestline) + 2 + len(bytes(self.headers)) + 2
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                status, reason, answer_headers, content = forward(
                    self.command, self.path, headers, body
                )
                skip = ("content-length", "transfer-encoding", "connection", "keep-alive")
                passed = [(k, v) for k, v in answer_headers if k.lower() not in skip]
                self.send_response(status, reason)
                for key, value in passed:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
                out = 17 + len(reason) + sum(len(k) + len(v) + 4 for k, v in passed)
                write = bool(relay.is_write(self.command, self.path, body))
                with relay.lock:
                    c = relay.counts
                    c.requests += 1
                    c.writes += write
                    c.sent += head + len(body)
                    c.received += out + 24 + len(content)
                    c.calls.append((self.command, self.path, write))
                    if self.command == "REPORT":
                        c.reports.append((self.path, body))

            do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_POST = handle_one
            do_PATCH = do_MKCALENDAR = do_PROPPATCH = do_OPTIONS = do_HEAD = handle_one

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def take(self) -> Counts:
        """The counts since the last call (and start over)."""
        with self.lock:
            counts, self.counts = self.counts, Counts()
        return counts

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
