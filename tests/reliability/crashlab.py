"""Helpers for the reliability tests: running the real CLI, worlds to crash, faulty relays.

A `World` is one user's setup (config, state folder, calendar) on one backend. Runs meant
to crash or be killed happen in a child process forked from the test (`Forked`), since the
crash switch ends its process; the others run in-process, which is faster.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import io
import json
import os
import re
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import icalendar

import crash_switch
from calendar_files import state_path
from crash_switch import CRASH_AFTER_WRITES
from dav.conftest import PASSWORD, Dav
from gcal.conftest import write_token
from gcal.emulator import CalendarEmulator
from relance_cal import cli
from relance_cal.backends import google_auth

PARIS_OFFSET = "+01:00"  # March 2026, before the change to summer time
CANARY = "canary-Pa55word-7f3e1b"  # a password that must never show
CANARY_USER = "canary"  # the test Radicale's user with that password


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def quiet(self) -> bool:
        return (self.code, self.out, self.err) == (0, "", "")


def environment(home: Path, **extra: str) -> dict[str, str]:
    """The variables a run sees: config and state folders under `home`, nothing inherited
    that would change the run."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RELANCE_CAL_", "XDG_")) or k in extra
    }
    env.update(XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"))
    env.update(extra)
    return env


def start_process(home: Path, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "relance_cal", *args],
        env=environment(home, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Forked:
    """`relance-cal ARGS` in a child process forked from this one: a real process to kill,
    without paying the imports (a second) on every run."""

    def __init__(self, home: Path, *args: str, **extra: str) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self._out = home / f".out-{os.urandom(4).hex()}"
        self._err = self._out.with_suffix(".err")
        env = environment(home, **extra)
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns into the test
            code = 70
            try:
                code = _child_main(env, list(args), self._out, self._err)
            finally:
                os._exit(code)
        self.code: int | None = None

    def poll(self) -> int | None:
        if self.code is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.code = os.waitstatus_to_exitcode(status)
        return self.code

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)

    def wait(self, timeout: float = 120) -> Result:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"relance-cal did not end within {timeout} s")
            time.sleep(0.005)
        return Result(self.code, _take(self._out), _take(self._err))  # type: ignore[arg-type]


def _child_main(env: dict[str, str], args: list[str], out: Path, err: Path) -> int:
    os.environ.clear()
    os.environ.update(env)
    for fd, path in ((1, out), (2, err)):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
    sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    sys.argv = ["relance-cal", *args]
    if CRASH_AFTER_WRITES in env:  # injected: the program itself knows no crash switch
        crash_switch.install(int(env[CRASH_AFTER_WRITES]))
    try:
        cli.main()
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 0
    return 0


def _take(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    path.unlink()
    return text


def run_forked(home: Path, *args: str, **extra: str) -> Result:
    return Forked(home, *args, **extra).wait()


def run_inline(home: Path, *args: str, **extra: str) -> Result:
    """`relance-cal ARGS` in this process, through the real entry point."""
    saved = dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    try:
        os.environ.clear()
        os.environ.update(environment(home, **extra))
        sys.argv = ["relance-cal", *args]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli.main()
            except SystemExit as e:
                code = e.code
            else:
                code = 0
    finally:
        sys.argv = argv
        os.environ.clear()
        os.environ.update(saved)
    return Result(code if isinstance(code, int) else 0, out.getvalue(), err.getvalue())


def state_rows(home: Path) -> set[tuple[str, ...]]:
    """What the state remembers writing (without the calendar's name, which differs per world)."""
    path = state_path(home)
    if not path.exists():
        return set()
    with contextlib.closing(sqlite3.connect(path)) as db:
        (check,) = db.execute("PRAGMA integrity_check").fetchone()
        assert check == "ok", check
        rows = db.execute("SELECT uid, source_key, kind, inputs, start, fate FROM reminders")
        return {tuple(row) for row in rows}


def vevent(
    uid: str,
    start: str,
    end: str,
    title: str,
    description: str = "",
    *,
    extra: str = "",
) -> str:
    """A user's VEVENT, CRLF line ends; `start` / `end` as 20260302T140000 in Paris time."""
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260201T100000Z",
        f"DTSTART;TZID=Europe/Paris:{start}",
        f"DTEND;TZID=Europe/Paris:{end}",
        f"SUMMARY:{title}",
    ]
    if description:
        lines.append("DESCRIPTION:" + description.replace("\n", "\\n"))
    lines += [line for line in extra.split("\n") if line]
    return "\r\n".join([*lines, "END:VEVENT", ""])


def vcalendar(*events: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Phone//EN\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n"
    )


# --- worlds: one user's config, state and calendar on one backend ----------------------------


@dataclass(frozen=True)
class UserEvent:
    """An event the user keeps in their calendar; times as 20260302T140000, Paris time."""

    uid: str
    start: str
    end: str
    title: str
    description: str = ""
    cancelled: bool = False

    def ics(self) -> str:
        return vevent(
            self.uid,
            self.start,
            self.end,
            self.title,
            self.description,
            extra="STATUS:CANCELLED" if self.cancelled else "",
        )

    def google(self) -> dict:
        def moment(stamp: str) -> dict:
            iso = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:00"
            return {"dateTime": iso + PARIS_OFFSET, "timeZone": "Europe/Paris"}

        return {
            "summary": self.title,
            "description": self.description,
            "start": moment(self.start),
            "end": moment(self.end),
            "iCalUID": self.uid,
            "status": "cancelled" if self.cancelled else "confirmed",
        }


Reminder = tuple[
    str, str, str, str, str, str
]  # source/kind, start, end, title, description, inputs


class World:
    """One user of relance-cal: a home (config, state) and a calendar on some backend."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.config = home / "config.toml"
        self.env: dict[str, str] = {}

    def write_config(self, tables: str) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            'me = "camille@example.org"\nname = "Camille Martin"\nlanguage = "fr"\n' + tables,
            encoding="utf-8",
        )

    def run(self, *args: str, now: str) -> Result:
        """`relance-cal --config ... --now NOW ARGS`, in this process."""
        return run_inline(self.home, "--config", str(self.config), "--now", now, *args, **self.env)

    def sync(self, now: str, *, crash_after: int | None = None) -> Result:
        if crash_after is None:
            return self.run("sync", now=now)
        args = ("--config", str(self.config), "--now", now, "sync")
        return run_forked(self.home, *args, **{CRASH_AFTER_WRITES: str(crash_after)}, **self.env)

    def state_rows(self) -> set[tuple[str, ...]]:
        return state_rows(self.home)

    # what each backend provides
    def write_events(self, events: list[UserEvent]) -> None:
        raise NotImplementedError

    def user_events(self) -> dict[str, str]:
        """The user's events as stored, to compare before and after runs."""
        raise NotImplementedError

    def reminders(self) -> list[Reminder]:
        """Every reminder in the calendar (a duplicate shows twice)."""
        raise NotImplementedError

    def delete_reminder(self, key: str) -> None:
        """Delete a reminder (source/kind) as the user would in their calendar app."""
        raise NotImplementedError


def _reminder_of(event: icalendar.Event) -> Reminder:
    return (
        f"{event['X-RELANCE-CAL-SOURCE']}/{event['X-RELANCE-CAL-KIND']}",
        event.decoded("DTSTART").isoformat(),
        event.decoded("DTEND").isoformat(),
        str(event["SUMMARY"]),
        str(event["DESCRIPTION"]),
        str(event["X-RELANCE-CAL-INPUTS"]),
    )


_BLOCK = re.compile(r"BEGIN:VEVENT\r?\n.*?END:VEVENT\r?\n", re.S)


class IcsWorld(World):
    """A calendar file that holds the interviews and the reminders."""

    def __init__(self, home: Path) -> None:
        super().__init__(home)
        self.calendar = home / "perso.ics"
        self.write_config(f'[source]\nbackend = "ics"\npath = "{self.calendar}"\n')

    def write_events(self, events: list[UserEvent]) -> None:
        ours = [b for b in self.blocks() if "X-RELANCE-CAL" in b]
        text = vcalendar(*(e.ics() for e in events))
        at = text.rindex("END:VCALENDAR")
        self.calendar.write_bytes((text[:at] + "".join(ours) + text[at:]).encode())

    def blocks(self) -> list[str]:
        """The VEVENTs of the file, as text."""
        if not self.calendar.exists():
            return []
        return _BLOCK.findall(self.calendar.read_bytes().decode("utf-8", "surrogateescape"))

    def user_events(self) -> dict[str, str]:
        blocks = [b for b in self.blocks() if "X-RELANCE-CAL" not in b]
        return {f"event {n}": block for n, block in enumerate(blocks)}

    def reminder_keys(self) -> list[str]:
        """source/kind of every reminder, read without parsing the whole file (a big one)."""
        keys = []
        for block in self.blocks():
            unfolded = re.sub(r"\r?\n[ \t]", "", block)
            source = re.search(r"^X-RELANCE-CAL-SOURCE:(.*?)\r?$", unfolded, re.M)
            kind = re.search(r"^X-RELANCE-CAL-KIND:(.*?)\r?$", unfolded, re.M)
            if source and kind:
                keys.append(f"{source.group(1)}/{kind.group(1)}")
        return keys

    def reminders(self) -> list[Reminder]:
        parsed = icalendar.Calendar.from_ical(self.calendar.read_bytes())
        return [_reminder_of(e) for e in parsed.walk("VEVENT") if "X-RELANCE-CAL-SOURCE" in e]

    def delete_reminder(self, key: str) -> None:
        source, kind = key.split("/")
        text = self.calendar.read_bytes().decode()
        for block in self.blocks():
            if f"X-RELANCE-CAL-SOURCE:{source}\r\n" in block and f"KIND:{kind}\r\n" in block:
                text = text.replace(block, "")
        self.calendar.write_bytes(text.encode())


_MKCALENDAR = (
    '<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" '
    'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>Perso'
    "</D:displayname></D:prop></D:set></C:mkcalendar>"
)


def dav_as(port: int, user: str, password: str) -> Dav:
    """Another client of the test Radicale, signed in as `user`."""
    dav = Dav(port)
    dav.user = user
    dav.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    return dav


class CalDAVWorld(World):
    """A calendar of its own on the test Radicale (interviews and reminders), by URL."""

    PASSWORD_ENV = "RELANCE_CAL_TEST_DAV_PASSWORD"

    def __init__(
        self, home: Path, dav: Dav, url: str | None = None, password: str = PASSWORD
    ) -> None:
        super().__init__(home)
        self.dav = dav
        self.path = f"/{dav.user}/{os.urandom(8).hex()}/"
        made = dav.request("MKCALENDAR", self.path, _MKCALENDAR)
        assert made.status == 201, made.status
        self.env = {self.PASSWORD_ENV: password}
        url = url or f"http://127.0.0.1:{dav.port}/"
        self.write_config(
            f'[source]\nbackend = "caldav"\nurl = "{url}"\nusername = "{dav.user}"\n'
            f'password_env = "{self.PASSWORD_ENV}"\ncalendar = "{self.path}"\n'
        )

    def write_events(self, events: list[UserEvent]) -> None:
        for event in events:
            self.dav.put(f"{self.path}{event.uid}.ics", vcalendar(event.ics()))

    def _objects(self) -> dict[str, str]:
        return {href: self.dav.get(href) or "" for href in self.dav.hrefs(self.path)}

    def user_events(self) -> dict[str, str]:
        return {h: t for h, t in self._objects().items() if "X-RELANCE-CAL" not in t}

    def reminders(self) -> list[Reminder]:
        found = []
        for text in self._objects().values():
            for event in icalendar.Calendar.from_ical(text).walk("VEVENT"):
                if "X-RELANCE-CAL-SOURCE" in event:
                    found.append(_reminder_of(event))
        return found

    def delete_reminder(self, key: str) -> None:
        for href, text in self._objects().items():
            for event in icalendar.Calendar.from_ical(text).walk("VEVENT"):
                if "X-RELANCE-CAL-SOURCE" in event and _reminder_of(event)[0] == key:
                    self.dav.delete(href)


class GoogleWorld(World):
    """The primary calendar of an emulated Google account (interviews and reminders)."""

    def __init__(self, home: Path, emulator: CalendarEmulator, endpoint: str | None = None) -> None:
        super().__init__(home)
        self.emulator = emulator
        self.token = home / "google-token.json"
        self.sign_in()
        self.write_config(
            f'[source]\nbackend = "google"\nendpoint = "{endpoint or emulator.url}"\n'
            f'token = "{self.token}"\n'
        )

    def sign_in(self) -> None:
        """What `relance-cal auth google` leaves behind."""
        self.home.mkdir(parents=True, exist_ok=True)
        write_token(self.emulator, self.token, google_auth.scopes())

    def write_events(self, events: list[UserEvent]) -> None:
        present = self.emulator.events()
        for event in events:
            event_id = _google_id(event.uid)
            if event_id in present:
                self.emulator.edit_event(event_id, **event.google())
            else:
                self.emulator.add_event(id=event_id, **event.google())

    def user_events(self) -> dict[str, str]:
        return {
            event_id: json.dumps(event, sort_keys=True)
            for event_id, event in self.emulator.events().items()
            if not _marked(event)
        }

    def reminders(self) -> list[Reminder]:
        found = []
        for event in self.emulator.events().values():
            if _marked(event) and event["status"] != "cancelled":
                private = event["extendedProperties"]["private"]
                found.append(
                    (
                        _google_key(event),
                        event["start"]["dateTime"],
                        event["end"]["dateTime"],
                        event["summary"],
                        event["description"],
                        private["relanceCalInputs"],
                    )
                )
        return found

    def delete_reminder(self, key: str) -> None:
        for event_id, event in list(self.emulator.events().items()):
            if _marked(event) and _google_key(event) == key:
                self.emulator.delete_event(event_id)


def _google_key(event: dict) -> str:
    private = event["extendedProperties"]["private"]
    return f"{private['relanceCalSource']}/{private['relanceCalKind']}"


def _marked(event: dict) -> bool:
    return "relanceCalSource" in event.get("extendedProperties", {}).get("private", {})


def _google_id(uid: str) -> str:
    return "u" + hashlib.sha256(uid.encode()).hexdigest()[:20]


# --- a relay that misbehaves on cue ---------------------------------------------------------


@dataclass
class Relay:
    """An HTTP relay to a local server; `fault(method, path, body)` decides each request's fate.

    Fates: None relays it; "reset" closes the connection at once (RST) without relaying;
    "cut" relays it, then sends half of the answer and resets the connection; "error" answers
    500 without relaying; "garbage" answers bytes that are not HTTP. `rewrite(method, path,
    answer)` may change the body of each relayed answer (a hostile server's).
    """

    target: int
    port: int = 0
    fault: Callable[[str, str, bytes], str | None] = lambda *_: None
    rewrite: Callable[[str, str, bytes], bytes] = lambda method, path, answer: answer
    requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def _reset(connection: socket.socket) -> None:
    """Close with a TCP reset, as a crashing server or a middlebox does."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def _relay_handler(relay: Relay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            relay.requests.append((self.command, self.path))
            fate = relay.fault(self.command, self.path, body)
            if fate == "reset":
                self.close_connection = True
                _reset(self.connection)
                return
            if fate == "error":
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fate == "garbage":
                self.close_connection = True
                self.wfile.write(b"\x00\xff\xfe not an answer \x1b[31m\r\n\r\n")
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            try:
                upstream = http.client.HTTPConnection("127.0.0.1", relay.target, timeout=30)
                upstream.request(self.command, self.path, body, headers)
                response = upstream.getresponse()
                content = relay.rewrite(self.command, self.path, response.read())
                upstream.close()
            except OSError:  # the server is down: the client sees a dead connection
                self.close_connection = True
                _reset(self.connection)
                return
            head = f"HTTP/1.1 {response.status} {response.reason}\r\n"
            skip = ("content-length", "transfer-encoding", "connection")
            for key, value in response.getheaders():
                if key.lower() not in skip:
                    head += f"{key}: {value}\r\n"
            head += f"Content-Length: {len(content)}\r\n\r\n"
            answer = head.encode("latin-1") + content
            if fate == "cut":
                self.wfile.write(answer[: len(answer) // 2])
                self.wfile.flush()
                self.close_connection = True
                _reset(self.connection)
                return
            self.wfile.write(answer)

        do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = relay
        do_MKCALENDAR = do_PROPPATCH = do_OPTIONS = do_HEAD = do_POST = do_PATCH = relay

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextlib.contextmanager
def relaying(target: int) -> Iterator[Relay]:
    relay = Relay(target)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _relay_handler(relay))
    server.daemon_threads = True
    relay.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        server.shutdown()
        server.server_close()
