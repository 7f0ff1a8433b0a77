"""Fixtures for the Google backend: the Calendar emulator, a signed-in token, the backend."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from relance_cal.backends import google_auth
from relance_cal.backends.base import Window
from relance_cal.backends.google import GoogleBackend
from relance_cal.config import CalendarConfig, Detection

from .emulator import CalendarEmulator

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WINDOW = Window(NOW - timedelta(days=30), NOW + timedelta(days=90))


@pytest.fixture
def emulator() -> Iterator[CalendarEmulator]:
    server = CalendarEmulator().start()
    yield server
    server.stop()


def write_token(emulator: CalendarEmulator, path: Path, scopes: list[str], **grant_args) -> Path:
    """A token file as `relance-cal auth google` leaves it, issued by the emulator."""
    grant = emulator.issue_token(set(scopes), **grant_args)
    expiry = datetime.now(UTC) + timedelta(seconds=grant["expires_in"])
    path.write_text(
        json.dumps(
            {
                "token": grant["access_token"],
                "refresh_token": grant["refresh_token"],
                "token_uri": "https://oauth2.googleapis.com/token",
                "client_id": emulator.client_id,
                "client_secret": emulator.client_secret,
                "scopes": scopes,
                "expiry": expiry.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
        )
    )
    path.chmod(0o600)
    return path


@pytest.fixture
def token_path(emulator: CalendarEmulator, tmp_path: Path) -> Path:
    return write_token(emulator, tmp_path / "google-token.json", google_auth.scopes())


@pytest.fixture
def open_google(
    emulator: CalendarEmulator, token_path: Path
) -> Iterator[Callable[..., GoogleBackend]]:
    """Open a backend on the emulator: `open_google(role="source", **CalendarConfig fields)`."""
    opened: list[GoogleBackend] = []

    def open_(role: str = "source", detection: Detection | None = None, **fields) -> GoogleBackend:
        cfg = CalendarConfig(backend="google", endpoint=emulator.url, **fields)
        backend = GoogleBackend(cfg, detection or Detection(), role=role, token_path=token_path)
        backend.retry_seconds = 5
        opened.append(backend)
        return backend

    yield open_
    for backend in opened:
        backend.close()
