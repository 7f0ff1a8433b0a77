"""Servers for the reliability tests: a Radicale process of their own, the Google emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dav.conftest import Dav, Radicale, running_radicale
from gcal.emulator import CalendarEmulator
from reliability.crashlab import CANARY, CANARY_USER


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    """Radicale with two users: camille, and one whose password is the canary."""
    root = tmp_path_factory.mktemp("radicale")
    with running_radicale(root) as server:
        with (root / "users").open("a") as users:  # read again on every login
            users.write(f"{CANARY_USER}:{CANARY}\n")
        yield server


@pytest.fixture
def dav(radicale: Radicale) -> Dav:
    return Dav(radicale.port)


@pytest.fixture
def emulator() -> Iterator[CalendarEmulator]:
    server = CalendarEmulator().start()
    yield server
    server.stop()
