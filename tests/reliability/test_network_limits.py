"""No server can hold a run for ever or fill its memory (issue 14, item 2; docs/cli-contract.md).

Real servers on 127.0.0.1 that misbehave: one trickles its answer a byte at a time (in the
status line, or in the body), one sends an endless body. Each is played against the CalDAV
backend and against the Google backend, in a real `relance-cal sync` process.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gcal.conftest import write_token
from relance_cal import network
from relance_cal.backends import google_auth
from reliability.crashlab import Result, environment

pytestmark = pytest.mark.slow

NOW = "2026-03-02T18:00"
TIMEOUT = 2  # seconds: the `timeout` the tests set
SRC = Path(__file__).resolve().parents[2] / "src"
MB = 1 << 20


@dataclass
class Hostile:
    """An HTTP server answering every request in one bad way."""

    behaviour: str  # trickle-status | trickle-body | endless-body
    port: int = 0
    requests: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def answer(self, connection: socket.socket, stop: threading.Event) -> None:
        with contextlib.suppress(OSError):
            connection.recv(65536)  # the request (its start is enough)
            self.requests += 1
            if self.behaviour == "trickle-status":
                head, body = b"HTTP/1.1 207 Multi-Status\r\nContent-Length: 0\r\n\r\n", b""
            else:
                length = b"" if self.behaviour == "endless-body" else b"Content-Length: 100000\r\n"
                head = (
                    b"HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml\r\n"
                    + length
                    + b"Connection: close\r\n\r\n"
                )
                body = b"<?xml version='1.0'?>"
            if self.behaviour == "endless-body":
                connection.sendall(head + body)
                filler = b"<!-- endless -->" * 4096
                while not stop.is_set():
                    connection.sendall(filler)
                return
            if self.behaviour == "trickle-body":
                connection.sendall(head)
                head = body + b" " * 100
            for byte in head:
                if stop.wait(1):
                    return
                connection.sendall(bytes([byte]))


@contextlib.contextmanager
def hostile_server(behaviour: str) -> Iterator[Hostile]:
    server = Hostile(behaviour)
    listener = socket.create_server(("127.0.0.1", 0))
    server.port = listener.getsockname()[1]
    stop = threading.Event()
    threads = []

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=served, args=(connection,), daemon=True)
            threads.append(thread)
            thread.start()

    def served(connection: socket.socket) -> None:
        with connection:
            server.answer(connection, stop)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        stop.set()
        listener.close()
        for thread in threads:
            thread.join(5)


def caldav_config(home: Path, url: str, extra: str = "") -> Path:
    config = home / "config.toml"
    config.write_text(
        'me = "camille@example.org"\nname = "Camille Martin"\n'
        f'[source]\nbackend = "caldav"\nurl = "{url}"\nusername = "camille"\n'
        f'password_env = "DAV_PASSWORD"\ncalendar = "/camille/perso/"\n{extra}',
        encoding="utf-8",
    )
    return config


def google_config(home: Path, url: str, emulator) -> Path:
    token = write_token(emulator, home / "google-token.json", google_auth.scopes())
    config = home / "config.toml"
    config.write_text(
        'me = "camille@example.org"\nname = "Camille Martin"\n'
        f'[source]\nbackend = "google"\nendpoint = "{url}"\ntoken = "{token}"\n'
        f"timeout = {TIMEOUT}\n",
        encoding="utf-8",
    )
    return config


# The run reports its own peak (VmHWM: since its exec; the kernel's rusage would count the
# pages of the test process it was forked from).
WITH_PEAK = """
import atexit, re, runpy, sys
def peak():
    status = open("/proc/self/status").read()
    sys.stderr.write("\\npeak-kB: " + re.search(r"VmHWM:\\s*(\\d+)", status).group(1) + "\\n")
atexit.register(peak)
sys.argv[0] = "relance-cal"
runpy.run_module("relance_cal", run_name="__main__")
"""


@dataclass
class Run:
    result: Result
    seconds: float
    peak_rss: int  # bytes


def sync_process(home: Path, config: Path, limit: float = 60) -> Run:
    """A real `relance-cal sync` process: its result, how long it took, its peak memory."""
    env = environment(home, DAV_PASSWORD="secret", PYTHONPATH=str(SRC))
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", WITH_PEAK, "--config", str(config), "--now", NOW, "sync"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killer = threading.Timer(limit, process.kill)
    killer.start()
    try:
        out, err = process.communicate()
    finally:
        killer.cancel()
    seconds = time.monotonic() - started
    err, _, peak = err.rstrip("\n").rpartition("\npeak-kB: ")
    err = err + "\n" if err else ""
    return Run(Result(process.returncode, out, err), seconds, int(peak or 0) * 1024)


@pytest.mark.parametrize("behaviour", ["trickle-status", "trickle-body"])
def test_a_trickling_caldav_server_is_given_up_at_the_deadline(tmp_path: Path, behaviour: str):
    with hostile_server(behaviour) as server:
        config = caldav_config(tmp_path, server.url, f"timeout = {TIMEOUT}\n")
        run = sync_process(tmp_path, config)
        again = sync_process(tmp_path, config)  # the lock was released

    assert run.result.code == 4, run.result.err
    assert f"127.0.0.1:{server.port} sent no complete answer within {TIMEOUT} s" in run.result.err
    assert "Traceback" not in run.result.err
    assert TIMEOUT <= run.seconds < TIMEOUT + 8, run.seconds
    assert again.result.code == 4, again.result.err


@pytest.mark.parametrize("behaviour", ["trickle-status", "trickle-body"])
def test_a_trickling_google_endpoint_is_given_up_at_the_deadline(
    tmp_path: Path, emulator, behaviour: str
):
    with hostile_server(behaviour) as server:
        run = sync_process(tmp_path, google_config(tmp_path, server.url, emulator))

    assert run.result.code == 4, run.result.err
    assert f"127.0.0.1:{server.port} sent no complete answer within {TIMEOUT} s" in run.result.err
    assert TIMEOUT <= run.seconds < TIMEOUT + 8, run.seconds


def test_an_endless_caldav_body_is_cut_at_the_cap(tmp_path: Path):
    with hostile_server("endless-body") as server:
        run = sync_process(tmp_path, caldav_config(tmp_path, server.url))

    assert run.result.code == 4, run.result.err
    cap = network.MAX_ANSWER // MB
    assert f"sent an answer larger than {cap} MB, more than relance-cal reads" in run.result.err
    assert network.MAX_ANSWER < run.peak_rss < network.MAX_ANSWER + 150 * MB, run.peak_rss // MB


def test_an_endless_google_body_is_cut_at_the_cap(tmp_path: Path, emulator):
    with hostile_server("endless-body") as server:
        run = sync_process(tmp_path, google_config(tmp_path, server.url, emulator))

    assert run.result.code == 4, run.result.err
    cap = network.MAX_ANSWER // MB
    assert f"sent an answer larger than {cap} MB, more than relance-cal reads" in run.result.err
    assert network.MAX_ANSWER < run.peak_rss < network.MAX_ANSWER + 150 * MB, run.peak_rss // MB


def test_a_password_command_that_never_stops_printing_is_cut(tmp_path: Path):
    config = tmp_path / "config.toml"
    caldav_config(tmp_path, "http://127.0.0.1:9/")
    config.write_text(
        config.read_text().replace('password_env = "DAV_PASSWORD"', 'password_command = "yes"')
    )

    run = sync_process(tmp_path, config, limit=30)

    assert run.result.code == 3, run.result.err
    assert "password_command `yes` printed more than 64 kB" in run.result.err
    assert run.seconds < 10 and run.peak_rss < 150 * MB
