"""The backend contract on a real Radicale server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contract import WINDOW, BackendContract
from relance_cal.backends.caldav import CalDAVBackend
from relance_cal.config import Detection

pytestmark = pytest.mark.slow


class TestCalDAVBackend(BackendContract):
    @pytest.fixture
    def window(self):
        return WINDOW

    @pytest.fixture
    def calendar(self, dav):
        return dav.make_calendar("Contract")

    @pytest.fixture
    def backend(self, calendar, calendar_config):
        backend = CalDAVBackend(calendar_config(calendar=calendar), Detection(), role="source")
        yield backend
        backend.close()

    @pytest.fixture
    def add_interview(self, dav, calendar):
        def add(uid: str, start: datetime) -> None:
            def utc(moment: datetime) -> str:
                return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

            dav.put(
                f"{calendar}{uid}.ics",
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
                f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{utc(start)}\r\n"
                f"DTEND:{utc(start + timedelta(hours=1))}\r\nSUMMARY:Entretien Acme\r\n"
                "END:VEVENT\r\nEND:VCALENDAR\r\n",
            )

        return add
