"""Server faults during `relance-cal sync`, end to end (issue 6, part 2).

Each fault is played by a real server (Radicale, the Google emulator) or by a relay in front
of it that cuts connections; after it, the next run must complete without duplicates.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from dav.conftest import Dav, running_radicale
from relance_cal.backends import google
from reliability.crashlab import (
    CalDAVWorld,
    GoogleWorld,
    Relay,
    UserEvent,
    World,
    relaying,
    vcalendar,
)
from reliability.test_crash import STAGES

pytestmark = pytest.mark.slow

NOW, EVENTS = STAGES[0]


def clean_reminders(world: World) -> list:
    world.write_events(EVENTS)
    assert world.sync(NOW).code == 0
    return sorted(world.reminders())


def assert_converges(world: World, wanted: list) -> None:
    result = world.sync(NOW)
    assert result.code == 0, result.err
    found = sorted(world.reminders())
    assert len({r[0] for r in found}) == len(found), "a duplicate reminder"
    assert found == wanted
    assert world.sync(NOW).quiet


# -- CalDAV -----------------------------------------------------------------------------------


def test_radicale_stopped_mid_run_is_exit_4_and_the_next_run_completes(tmp_path: Path):
    root = tmp_path / "radicale"
    root.mkdir()
    with contextlib.ExitStack() as server:
        radicale = server.enter_context(running_radicale(root))
        wanted = clean_reminders(CalDAVWorld(tmp_path / "clean", Dav(radicale.port)))
        with relaying(radicale.port) as relay:
            world = CalDAVWorld(tmp_path / "user", Dav(radicale.port), url=relay.url)
            world.write_events(EVENTS)
            puts = []

            def stop_at_second_write(method: str, path: str, body: bytes) -> None:
                puts.extend([path] if method == "PUT" else [])
                if len(puts) == 2:
                    server.close()  # Radicale goes down between two reminder writes

            relay.fault = stop_at_second_write
            result = world.sync(NOW)

            assert result.code == 4, result.err
            assert "cannot reach 127.0.0.1" in result.err and "Traceback" not in result.err
            assert result.out.count("created") == 1

            radicale = server.enter_context(running_radicale(root))  # back, on another port
            relay.target, relay.fault = radicale.port, lambda *_: None
            world.dav = Dav(radicale.port)
            assert_converges(world, wanted)


@pytest.mark.parametrize("method", ["REPORT", "PUT"])
def test_connection_reset_mid_response(tmp_path: Path, dav, radicale, method: str):
    """A read cut once is retried; a write cut is exit 4 (it may have happened) and the next
    run converges."""
    wanted = clean_reminders(CalDAVWorld(tmp_path / "clean", dav))
    with relaying(radicale.port) as relay:
        world = CalDAVWorld(tmp_path / "user", dav, url=relay.url)
        world.write_events(EVENTS)
        cut = []

        def cut_once(seen: str, path: str, body: bytes) -> str | None:
            if seen == method and not cut:
                cut.append(path)
                return "cut"
            return None

        relay.fault = cut_once
        result = world.sync(NOW)

        assert cut, "the fault was not played"
        if method == "REPORT":
            assert result.code == 0, result.err
        else:
            assert result.code == 4, result.err
            assert "cannot reach" in result.err and "Traceback" not in result.err
        assert_converges(world, wanted)


def test_an_expired_caldav_sync_token_means_a_full_listing_without_duplicates(
    tmp_path: Path, dav, radicale
):
    world = CalDAVWorld(tmp_path / "user", dav)
    first = clean_reminders(world)
    calendar = radicale.storage / "collection-root" / world.path.strip("/")
    shutil.rmtree(calendar / ".Radicale.cache" / "sync-token")  # the server forgot the tokens

    assert_converges(world, first)


# -- Google -----------------------------------------------------------------------------------

RETRIED = [
    (429, "rateLimitExceeded"),
    (403, "rateLimitExceeded"),
    (403, "userRateLimitExceeded"),
    (500, "backendError"),
    (503, "backendError"),
]


@pytest.mark.parametrize("on", ["list", "batch", "insert"])
@pytest.mark.parametrize(("status", "reason"), RETRIED)
def test_google_bursts_are_retried_within_a_bounded_time(
    tmp_path: Path, emulator, status: int, reason: str, on: str
):
    """A burst of refusals, on the reading, on a whole batch, or on calls inside it."""
    wanted = clean_reminders(GoogleWorld(tmp_path / "clean", emulator))
    emulator.calendars["primary"] = {}
    world = GoogleWorld(tmp_path / "user", emulator)
    world.write_events(EVENTS)
    emulator.fail(status, reason, on=on, times=2)

    started = time.monotonic()
    result = world.sync(NOW)

    assert result.code == 0, result.err
    assert time.monotonic() - started < 15
    assert not emulator.faults, "the burst was not played"
    assert sorted(world.reminders()) == wanted


def test_google_failing_for_good_is_exit_4_within_the_retry_budget(
    tmp_path: Path, emulator, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(google, "RETRY_SECONDS", 3.0)
    wanted = clean_reminders(GoogleWorld(tmp_path / "clean", emulator))
    emulator.calendars["primary"] = {}
    world = GoogleWorld(tmp_path / "user", emulator)
    world.write_events(EVENTS)
    emulator.fail(503, "backendError", on="batch", times=10_000)

    started = time.monotonic()
    result = world.sync(NOW)

    assert result.code == 4
    assert time.monotonic() - started < 3.0 + 5
    assert "kept failing (HTTP 503 backendError)" in result.err
    emulator.faults.clear()
    assert_converges(world, wanted)


@contextlib.contextmanager
def google_behind_a_relay(tmp_path: Path, emulator) -> Iterator[tuple[GoogleWorld, Relay]]:
    """A fresh Google calendar holding EVENTS, reached through a relay that can cut requests."""
    emulator.calendars["primary"] = {}
    port = int(emulator.url.rsplit(":", 1)[1].strip("/"))
    with relaying(port) as relay:
        world = GoogleWorld(tmp_path / "user", emulator, endpoint=relay.url)
        world.write_events(EVENTS)
        yield world, relay


def test_google_connection_reset_mid_batch_is_retried_without_duplicates(tmp_path: Path, emulator):
    wanted = clean_reminders(GoogleWorld(tmp_path / "clean", emulator))
    with google_behind_a_relay(tmp_path, emulator) as (world, relay):
        cut = []

        def cut_first_batch(method: str, path: str, body: bytes) -> str | None:
            if path.startswith("/batch") and not cut:
                cut.append(path)
                return "cut"  # Google did the writes; the answer is lost on the way
            return None

        relay.fault = cut_first_batch
        result = world.sync(NOW)

        assert cut and result.code == 0, result.err
        found = sorted(world.reminders())
        assert len({r[0] for r in found}) == len(found), "a duplicate reminder"
        assert found == wanted
        assert world.sync(NOW).quiet


def test_an_expired_google_sync_token_means_a_full_resync_without_duplicates(
    tmp_path: Path, emulator
):
    world = GoogleWorld(tmp_path / "user", emulator)
    first = clean_reminders(world)
    emulator.expire_sync_tokens()
    emulator.reset_counters()

    assert_converges(world, first)
    assert emulator.calls[0] == "list"  # the incremental listing, answered 410, then in full
    assert "insert" not in emulator.calls


def test_google_401_with_a_refresh_that_fails_is_exit_3(tmp_path: Path, emulator):
    wanted = clean_reminders(GoogleWorld(tmp_path / "clean", emulator))
    with google_behind_a_relay(tmp_path, emulator) as (world, relay):

        def revoke_before_writing(method: str, path: str, body: bytes) -> None:
            if path.startswith("/batch"):
                emulator.revoke_all()  # the user revoked the access in their Google account

        relay.fault = revoke_before_writing
        result = world.sync(NOW)

        assert result.code == 3
        assert "relance-cal auth google" in result.err and "Traceback" not in result.err
        secrets = [*emulator.access_tokens, *emulator.refresh_tokens]
        assert not any(s in result.err + result.out for s in secrets)
        assert world.reminders() == []

        relay.fault = lambda *_: None
        world.sign_in()
        assert_converges(world, wanted)


def test_an_answer_naming_another_place_is_never_touched(tmp_path: Path, dav, radicale):
    """A 207 that names an object elsewhere (another host, here with the path of one of the
    user's other collections) gets no request at all, not even on the configured server."""
    victim_calendar = dav.make_calendar("Contacts")
    victim = f"{victim_calendar}addressbook.ics"
    dinner = UserEvent("victim@example.org", "20260305T200000", "20260305T220000", "Dîner")
    dav.put(victim, vcalendar(dinner.ics()))
    # One of our reminders, for an interview that is gone: a run would remove it.
    clean = CalDAVWorld(tmp_path / "clean", dav)
    clean.write_events(EVENTS)
    assert clean.sync(NOW).code == 0
    ours = next(t for t in clean._objects().values() if "X-RELANCE-CAL-SOURCE" in t)
    source = re.search(r"X-RELANCE-CAL-SOURCE:(.*?)\r?\n", ours).group(1)
    stale = ours.replace(source, "gone@example.org")
    injected = (
        '<D:response xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        f"<D:href>https://elsewhere.example{victim}</D:href><D:propstat><D:prop>"
        f'<D:getetag>"e1"</D:getetag><C:calendar-data>{escape(stale)}</C:calendar-data>'
        "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
    )

    def inject(method: str, path: str, answer: bytes) -> bytes:
        if method != "REPORT":
            return answer
        zipped = answer[:2] == b"\x1f\x8b"  # Radicale compresses its answers
        text = gzip.decompress(answer) if zipped else answer
        text = re.sub(rb"(</(?:\w+:)?multistatus>)", injected.encode() + rb"\1", text)
        return gzip.compress(text) if zipped else text

    with relaying(radicale.port) as relay:
        relay.rewrite = inject
        world = CalDAVWorld(tmp_path / "user", dav, url=relay.url)
        world.write_events(EVENTS)
        first = world.sync(NOW)
        second = world.sync(NOW)

    assert first.code == 0, first.err
    assert (
        f"127.0.0.1:{relay.port} named 'https://elsewhere.example{victim}' in its answer, "
        "outside the calendar"
    ) in first.err
    assert not [r for r in relay.requests if victim_calendar in r[1]]
    assert [r for r in relay.requests if r[0] == "DELETE"] == []
    assert "UID:victim@example.org" in (dav.get(victim) or "")
    assert second.code == 0, second.err
