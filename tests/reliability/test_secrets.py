"""Secrets and private files (issue 6, part 5).

The state, its lock and a Google token are readable by their owner only, and made so, with a
warning, when found open to others. A config file holding a plain password must be private.
A password never shows in what a run prints or logs, whatever fails, even at -v.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dav.conftest import PASSWORD, free_port
from relance_cal.backends import google
from reliability.crashlab import (
    CANARY,
    CANARY_USER,
    CalDAVWorld,
    GoogleWorld,
    IcsWorld,
    Relay,
    Result,
    dav_as,
    relaying,
    state_path,
)
from reliability.test_crash import STAGES

NOW, EVENTS = STAGES[0]


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common 022: files the tool does not make private would be readable by all."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_state_and_its_lock_are_private(tmp_path: Path):
    world = IcsWorld(tmp_path)
    world.write_events(EVENTS)

    assert world.sync(NOW).code == 0

    state = state_path(tmp_path)
    assert (mode(state.parent), mode(state), mode(state.parent / "sync.lock")) == (
        0o700,
        0o600,
        0o600,
    )


def test_a_state_found_open_to_others_is_made_private_with_a_warning(tmp_path: Path):
    world = IcsWorld(tmp_path)
    world.write_events(EVENTS)
    assert world.sync(NOW).code == 0
    state = state_path(tmp_path)
    state.parent.chmod(0o755)
    state.chmod(0o644)

    result = world.sync(NOW)

    assert (result.code, result.out) == (0, "")
    assert result.err.splitlines() == [
        f"relance-cal: {state.parent} was open to other users (mode 755); changed it to 700",
        f"relance-cal: {state} was open to other users (mode 644); changed it to 600",
    ]
    assert (mode(state.parent), mode(state)) == (0o700, 0o600)
    assert world.sync(NOW).quiet


def test_a_google_token_found_open_to_others_is_made_private_with_a_warning(
    tmp_path: Path, emulator
):
    """The token file is made 0600; its folder is the user's (here their home): it is never
    changed, and a warning says when other users may write in it."""
    world = GoogleWorld(tmp_path / "home", emulator)
    world.write_events(EVENTS)
    world.token.chmod(0o644)
    world.token.parent.chmod(0o755)

    result = world.sync(NOW)

    assert result.code == 0, result.err
    assert result.err == (
        f"relance-cal: {world.token} was open to other users (mode 644); changed it to 600\n"
    )
    assert (mode(world.token), mode(world.token.parent)) == (0o600, 0o755)
    assert world.sync(NOW).quiet

    world.token.parent.chmod(0o777)
    result = world.sync(NOW)

    assert result.code == 0, result.err
    assert (
        f"relance-cal: {world.token.parent}, the folder of google-token.json, is writable by "
        "other users (mode 777): they could replace the file"
    ) in result.err
    assert mode(world.token.parent) == 0o777


def test_the_default_token_folder_is_the_tools_own_and_made_private(tmp_path: Path, emulator):
    home = tmp_path / "home"
    world = GoogleWorld(home, emulator)
    world.write_events(EVENTS)
    own = home / "config" / "relance-cal"  # XDG_CONFIG_HOME/relance-cal: made by the tool
    own.mkdir(parents=True)
    world.token.rename(own / "google-token.json")
    world.config.write_text(world.config.read_text().replace(f'token = "{world.token}"\n', ""))
    own.chmod(0o755)

    result = world.sync(NOW)

    assert result.code == 0, result.err
    assert f"relance-cal: {own} was open to other users (mode 755); changed it to 700" in result.err
    assert mode(own) == 0o700


@pytest.mark.slow
@pytest.mark.parametrize(
    ("file_mode", "code"),
    [(0o644, 2), (0o640, 2), (0o600, 0), (0o400, 0)],
    ids=["644 refused", "640 refused", "600", "400"],
)
def test_a_plain_password_needs_a_config_file_only_its_owner_reads(
    tmp_path: Path, dav, file_mode: int, code: int
):
    world = CalDAVWorld(tmp_path, dav)
    world.write_events(EVENTS)
    world.env = {}
    world.config.write_text(
        world.config.read_text().replace(
            f'password_env = "{CalDAVWorld.PASSWORD_ENV}"', f'password = "{PASSWORD}"'
        )
    )
    world.config.chmod(file_mode)

    result = world.sync(NOW)

    assert result.code == code, result.err
    if code == 2:
        assert result.err == (
            f"relance-cal: {world.config}: source.password: a plain password needs a private "
            f"file (mode is {file_mode:o}); run `chmod 600 {world.config}` or use password_env "
            "/ password_command\n"
        )


@pytest.mark.slow
def test_password_command_runs_without_a_shell(tmp_path: Path, dav):
    world = CalDAVWorld(tmp_path, dav)
    world.write_events(EVENTS)
    world.env = {}
    marker = tmp_path / "the-shell-ran"
    command = f"echo {PASSWORD}; touch {marker} $(touch {marker}) `touch {marker}` | cat"
    world.config.write_text(
        world.config.read_text().replace(
            f'password_env = "{CalDAVWorld.PASSWORD_ENV}"',
            f"password_command = {json.dumps(command)}",
        )
    )

    result = world.sync(NOW)

    # echo printed its arguments as they are: not the password, and nothing was run
    assert result.code == 3, result.err
    assert not marker.exists()


# -- a canary password on every error path -------------------------------------------------


def canary_forms(user: str, secret: str) -> list[str]:
    """The secret as it could leak: plain, or inside a Basic Authorization header."""
    return [secret, base64.b64encode(f"{user}:{secret}".encode()).decode()]


def caldav_config(world: CalDAVWorld, url: str, auth: str, calendar: str | None = None) -> None:
    world.write_config(
        f'[source]\nbackend = "caldav"\nurl = "{url}"\nusername = "{CANARY_USER}"\n'
        f'calendar = "{calendar or world.path}"\n{auth}\n'
    )


PASSWORD_ENV = f'password_env = "{CalDAVWorld.PASSWORD_ENV}"'
# A password command that prints the password (on both streams), then fails.
FAILING_COMMAND = [
    sys.executable,
    "-c",
    "import os, sys; p = os.environ['RELANCE_CAL_TEST_SECRET']; print(p); sys.stderr.write(p); "
    "sys.exit(1)",
]
Setup = Callable[[CalDAVWorld, int, Relay], None]


def caldav_error_paths() -> list[tuple[str, int, Setup]]:
    """(name, exit code, setup(world, Radicale's port, relay)); the canary logs in unless the
    setup says otherwise."""

    def direct(url: str = "http://127.0.0.1:{port}/", auth: str = PASSWORD_ENV, **more) -> Setup:
        return lambda world, port, relay: caldav_config(
            world, url.format(port=port), auth, more.get("calendar", "").format(user=CANARY_USER)
        )

    def relayed(fate: str, method: str | None = None) -> Setup:
        def setup(world: CalDAVWorld, port: int, relay: Relay) -> None:
            relay.fault = lambda seen, *_: fate if method in (None, seen) else None
            caldav_config(world, relay.url, PASSWORD_ENV)

        return setup

    def mistyped(world: CalDAVWorld, port: int, relay: Relay) -> None:
        world.env[CalDAVWorld.PASSWORD_ENV] = CANARY + "-typo"
        direct()(world, port, relay)

    def loose_file(world: CalDAVWorld, port: int, relay: Relay) -> None:
        direct(auth=f'password = "{CANARY}"')(world, port, relay)
        world.config.chmod(0o644)

    return [
        ("wrong password", 3, mistyped),
        ("server unreachable", 4, direct(f"http://127.0.0.1:{free_port()}/")),
        ("TLS to a plain server", 4, direct("https://127.0.0.1:{port}/")),
        ("server error 500", 4, relayed("error")),
        ("server fails the writes", 4, relayed("error", "PUT")),
        ("connection reset", 4, relayed("reset")),
        ("connection cut during a write", 4, relayed("cut", "PUT")),
        ("not an HTTP answer", 4, relayed("garbage")),
        ("no such calendar", 2, direct(calendar="/{user}/nope/")),
        ("not a calendar", 2, direct(calendar="/{user}/")),
        (
            "password_command fails",
            3,
            direct(auth=f"password_command = {json.dumps(FAILING_COMMAND)}"),
        ),
        ("password in the url", 2, direct(f"http://{CANARY_USER}:{CANARY}@127.0.0.1:{{port}}/")),
        ("plain password, file open to others", 2, loose_file),
        ("password of the wrong type", 2, direct(auth=f"password = [{json.dumps(CANARY)}]")),
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "code", "setup"), caldav_error_paths(), ids=[p[0] for p in caldav_error_paths()]
)
def test_a_canary_password_never_shows_on_a_caldav_error_path(
    tmp_path: Path, radicale, caplog: pytest.LogCaptureFixture, name: str, code: int, setup: Setup
):
    caplog.set_level(logging.DEBUG)
    world = CalDAVWorld(tmp_path, dav_as(radicale.port, CANARY_USER, CANARY), password=CANARY)
    world.write_events(EVENTS)
    world.env["RELANCE_CAL_TEST_SECRET"] = CANARY
    with relaying(radicale.port) as relay:
        setup(world, radicale.port, relay)
        result = world.run("-v", "sync", now=NOW)

    assert result.code == code, result.err
    assert "unexpected error" not in result.err
    shown = result.out + result.err + caplog.text + stored_text(world.home)
    for leak in canary_forms(CANARY_USER, CANARY):
        assert leak not in shown


def stored_text(home: Path) -> str:
    """What the run left in the state and calendar files."""
    found = [state_path(home)] if state_path(home).exists() else []
    return "".join(p.read_bytes().decode("latin-1") for p in found)


def google_error_paths() -> list:
    def revoked(world, emulator, monkeypatch) -> None:
        emulator.revoke_all()

    def failing(world, emulator, monkeypatch) -> None:
        monkeypatch.setattr(google, "RETRY_SECONDS", 1.0)
        emulator.fail(503, on=None, times=10_000)

    def unreachable(world, emulator, monkeypatch) -> None:
        monkeypatch.setattr(google, "RETRY_SECONDS", 1.0)
        text = world.config.read_text()
        world.config.write_text(text.replace(emulator.url, f"http://127.0.0.1:{free_port()}/"))

    def expired_and_revoked(world, emulator, monkeypatch) -> None:
        info = json.loads(world.token.read_text())
        info["expiry"] = "2020-01-01T00:00:00.000000Z"
        world.token.write_text(json.dumps(info))
        emulator.revoke_all()

    def unknown_calendar(world, emulator, monkeypatch) -> None:
        world.config.write_text(world.config.read_text() + 'calendar_id = "nope@group"\n')

    return [
        ("sign-in revoked", 3, revoked),
        ("expired, refresh refused", 3, expired_and_revoked),
        ("server failing for good", 4, failing),
        ("server unreachable", 4, unreachable),
        ("unknown calendar", 2, unknown_calendar),
    ]


@pytest.mark.parametrize(
    ("name", "code", "setup"), google_error_paths(), ids=[p[0] for p in google_error_paths()]
)
def test_google_secrets_never_show_on_an_error_path(
    tmp_path: Path,
    emulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    name,
    code,
    setup,
):
    caplog.set_level(logging.DEBUG)
    world = GoogleWorld(tmp_path, emulator)
    world.write_events(EVENTS)
    token = json.loads(world.token.read_text())
    secrets = [token["token"], token["refresh_token"], token["client_secret"]]
    setup(world, emulator, monkeypatch)

    result: Result = world.run("-v", "sync", now=NOW)

    assert result.code == code, result.err
    assert "unexpected error" not in result.err
    shown = result.out + result.err + caplog.text + stored_text(world.home)
    for secret in secrets:
        assert secret not in shown
