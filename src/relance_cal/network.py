"""Limits on every network exchange: an overall deadline and a cap on what is read.

HTTP libraries bound each socket read, not an exchange: a server trickling one byte every
few seconds, or sending its headers that way, holds a run for ever, and one sending an
endless body fills the memory. Here each exchange (one request, its redirects and its whole
answer) gets a wall-clock deadline and its answer a size cap; past either, UnreachableError
(exit 4), and the run ends, releasing its lock.

The deadline interrupts a read blocked in the middle of an exchange with a timer signal
(SIGALRM), which only the main thread receives; elsewhere (a library embedding relance-cal
in a thread) the body is still read in pieces with the deadline checked between them.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from relance_cal.errors import AuthError, ConfigError, UnreachableError

DEFAULT_TIMEOUT = 60.0  # seconds for one exchange, answer included (`timeout` in a table)
MAX_ANSWER = 64 << 20  # bytes of one answer, once decompressed
CHUNK = 64 << 10


@dataclass(eq=False)
class Deadline:
    """The moment one exchange must be over."""

    seconds: float
    what: str
    ends: float = field(init=False)

    def __post_init__(self) -> None:
        self.ends = time.monotonic() + self.seconds

    def left(self) -> float:
        return self.ends - time.monotonic()

    def check(self) -> None:
        if self.left() <= 0:
            raise _Expired(self)

    def error(self) -> UnreachableError:
        return UnreachableError(
            f"{self.what} sent no complete answer within {self.seconds:g} s; "
            "the server is too slow or stuck (raise `timeout` in the config if it is just slow)"
        )


class _Expired(BaseException):
    """Raised in the middle of a library's read: a BaseException, so that no library's
    `except Exception` takes it for a failure to retry."""

    def __init__(self, deadline: Deadline) -> None:
        super().__init__(deadline.what)
        self.deadline = deadline


_active: list[Deadline] = []
_previous_handler: Any = None


@contextlib.contextmanager
def deadline(seconds: float, what: str) -> Iterator[Deadline]:
    """Run the body within `seconds` of wall-clock time, else UnreachableError naming `what`.

    Nested deadlines (a sign-in renewed in the middle of a request) each keep their own.
    """
    limit = Deadline(seconds, what)
    _active.append(limit)
    _arm()
    try:
        yield limit
    except _Expired as e:
        if e.deadline is not limit:
            raise
        raise limit.error() from None
    finally:
        _active.remove(limit)
        _arm()


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _arm() -> None:
    """Set the timer to the earliest deadline, or stop it and give SIGALRM back."""
    global _previous_handler
    if not _in_main_thread():
        return
    if not _active:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if _previous_handler is not None:
            signal.signal(signal.SIGALRM, _previous_handler)
            _previous_handler = None
        return
    if _previous_handler is None:
        _previous_handler = signal.signal(signal.SIGALRM, _on_alarm)
    left = min(d.left() for d in _active)
    signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


def _on_alarm(signum: int, frame: Any) -> None:
    expired = [d for d in _active if d.left() <= 0]
    if expired:
        raise _Expired(min(expired, key=lambda d: d.ends))
    _arm()  # woken a little early


def read_capped(chunks: Iterable[bytes], limit: Deadline, cap: int = MAX_ANSWER) -> bytes:
    """The whole answer from `chunks`, checking the deadline between pieces; an answer
    over `cap` bytes is refused (UnreachableError)."""
    pieces = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise too_large(limit.what, cap)
        pieces.append(chunk)
        limit.check()
    return b"".join(pieces)


def too_large(what: str, cap: int) -> UnreachableError:
    return UnreachableError(
        f"{what} sent an answer larger than {cap >> 20} MB, more than relance-cal reads; "
        "the server is misbehaving"
    )


# -- requests / niquests (CalDAV) -------------------------------------------------------------


def limit_session(session: Any, seconds: float, what: str) -> None:
    """Bound every request of a requests or niquests `Session` in time and size.

    The answer is streamed and read here in pieces, then kept as the response's content,
    so that the library's callers see an ordinary response.
    """
    plain = session.request

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        kwargs["stream"] = True
        with deadline(seconds, what) as limit:
            response = plain(method, url, *args, **kwargs)
            try:
                response._content = read_capped(response.iter_content(CHUNK), limit)
            finally:
                response.close()
        return response

    session.request = request


# -- httplib2 (Google) -----------------------------------------------------------------------


def limited_http(seconds: float, what: str, **options: Any) -> Any:
    """An `httplib2.Http` whose every request is bounded in time and size."""
    import httplib2

    class _CappedResponse(http.client.HTTPResponse):
        """Reads its whole body in pieces, decompressed here (so the cap counts what
        memory holds), the deadline checked between pieces."""

        def read(self, amt: int | None = None) -> bytes:
            if amt is not None:
                return super().read(amt)
            limit = _active[-1] if _active else Deadline(seconds, what)
            encoding = (self.getheader("content-encoding") or "").strip().lower()
            body = iter(lambda: super(_CappedResponse, self).read(CHUNK), b"")
            if encoding in ("gzip", "deflate", "zlib", "x-gzip"):
                body = _inflated(body, encoding)
                del self.msg["content-encoding"]  # httplib2 must not inflate it again
            return read_capped(body, limit)

    class _Connection(httplib2.HTTPConnectionWithTimeout):
        response_class = _CappedResponse

    class _TLSConnection(httplib2.HTTPSConnectionWithTimeout):
        response_class = _CappedResponse

    class _LimitedHttp(httplib2.Http):
        def request(self, uri: str, *args: Any, **kwargs: Any) -> Any:
            if kwargs.get("connection_type") is None:
                tls = uri.lower().startswith("https:")
                kwargs["connection_type"] = _TLSConnection if tls else _Connection
            with deadline(seconds, what):
                return super().request(uri, *args, **kwargs)

    return _LimitedHttp(timeout=seconds, **options)


def _inflated(body: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """Decompressed pieces, never much more than CHUNK at a time (a small bomb stays small)."""
    raw_deflate = -zlib.MAX_WBITS
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib, told by the header
    first = True
    for piece in body:
        if first and encoding == "deflate" and piece[:1] and piece[0] & 0x0F != 8:
            inflater = zlib.decompressobj(raw_deflate)  # a bare deflate stream
        first = False
        data = piece
        while data:
            out = inflater.decompress(data, CHUNK)
            yield out
            data = inflater.unconsumed_tail
    yield inflater.flush()


# -- commands (password_command) -------------------------------------------------------------

PASSWORD_COMMAND_TIMEOUT = 60
PASSWORD_COMMAND_CAP = 64 << 10  # bytes: a password, not a stream (`yes` would fill memory)


def resolve_password(cfg: Any, service: str = "CalDAV") -> str | None:
    """The password from `password_env`, `password_command` or `password` of a table (a
    calendar's, `[mail]`); None if none given. `service` names the password in messages."""
    if cfg.password_env:
        value = os.environ.get(cfg.password_env)
        if not value:
            raise AuthError(
                f"the environment variable {cfg.password_env} (password_env) is not set; "
                f"set it to the {service} password in the environment that runs relance-cal"
            )
        return value
    if cfg.password_command:
        shown = " ".join(cfg.password_command)
        try:
            status, output = run_capped(
                cfg.password_command, PASSWORD_COMMAND_TIMEOUT, PASSWORD_COMMAND_CAP
            )
        except OSError as e:
            raise ConfigError(
                f"password_command: cannot run {cfg.password_command[0]!r} ({e.strerror}); "
                "fix the command"
            ) from None
        except subprocess.TimeoutExpired:
            raise AuthError(
                f"password_command `{shown}` did not finish within "
                f"{PASSWORD_COMMAND_TIMEOUT} s; run it by hand to see why"
            ) from None
        except OverflowError:
            raise AuthError(
                f"password_command `{shown}` printed more than {PASSWORD_COMMAND_CAP >> 10} kB; "
                "it should print the password only"
            ) from None
        password = output.decode("utf-8", "replace").strip()
        if status != 0 or not password:
            why = f"failed (exit {status})" if status else "printed nothing"
            raise AuthError(f"password_command `{shown}` {why}; run it by hand to see why")
        return password
    return cfg.password


def run_capped(command: Sequence[str], seconds: float, cap: int) -> tuple[int, bytes]:
    """Run `command` (no shell): its exit status and what it printed on stdout.

    Killed, and subprocess.TimeoutExpired raised, when it does not end within `seconds`;
    OverflowError when it prints more than `cap` bytes. OSError when it cannot start.
    """
    import selectors

    process = subprocess.Popen(
        list(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    ends = time.monotonic() + seconds
    output = bytearray()
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while piece := _next_piece(process, selector, ends, command, seconds):
                output += piece
                if len(output) > cap:
                    raise OverflowError(cap)
        return process.wait(max(ends - time.monotonic(), 0.001)), bytes(output)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()


def _next_piece(
    process: subprocess.Popen, selector: Any, ends: float, command: Sequence[str], seconds: float
) -> bytes:
    left = ends - time.monotonic()
    if left <= 0 or not selector.select(left):
        raise subprocess.TimeoutExpired(list(command), seconds)
    return process.stdout.read1(CHUNK)  # type: ignore[union-attr]
