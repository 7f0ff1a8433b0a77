"""The backend contract on the in-memory and the .ics file backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contract import WINDOW, BackendContract
from relance_cal.backends.ics import IcsBackend
from relance_cal.backends.memory import MemoryBackend
from relance_cal.config import Detection


def interview_text(uid: str, start: datetime) -> str:
    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{utc(start)}\r\n"
        f"DTEND:{utc(start + timedelta(hours=1))}\r\nSUMMARY:Entretien Acme\r\nEND:VEVENT\r\n"
    )


def wrapped(event: str) -> str:
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{event}END:VCALENDAR\r\n"


@pytest.fixture
def window():
    return WINDOW


class TestMemoryBackend(BackendContract):
    @pytest.fixture
    def backend(self):
        return MemoryBackend()

    @pytest.fixture
    def add_interview(self, backend):
        return lambda uid, start: backend.put(uid, wrapped(interview_text(uid, start)))


class TestIcsBackend(BackendContract):
    skips_cached_etags = False  # the file is read whole

    @pytest.fixture
    def path(self, tmp_path: Path) -> Path:
        path = tmp_path / "cal.ics"
        path.write_text(wrapped(""), newline="")
        return path

    @pytest.fixture
    def backend(self, path):
        return IcsBackend(path, Detection(), role="source")

    @pytest.fixture
    def add_interview(self, path):
        def add(uid: str, start: datetime) -> None:
            text = path.read_bytes().decode()
            at = text.rindex("END:VCALENDAR")
            path.write_bytes((text[:at] + interview_text(uid, start) + text[at:]).encode())

        return add
