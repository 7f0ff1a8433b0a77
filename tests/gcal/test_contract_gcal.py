"""The backend contract on the Google backend, against the Calendar emulator."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from contract import WINDOW, BackendContract


class TestGoogleBackend(BackendContract):
    skips_cached_etags = False  # a buffered insert learns no etag: our writes are read back

    @pytest.fixture
    def window(self):
        return WINDOW

    @pytest.fixture
    def backend(self, open_google):
        return open_google()

    @pytest.fixture
    def add_interview(self, emulator):
        def add(uid: str, start: datetime) -> None:
            emulator.add_event(
                iCalUID=uid,
                summary="Entretien Acme",
                start={"dateTime": start.isoformat(), "timeZone": "Europe/Paris"},
                end={"dateTime": (start + timedelta(hours=1)).isoformat()},
            )

        return add
