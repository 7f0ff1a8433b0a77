"""The zone of a reminder, as independent readers take it from the written file (issue 15).

dateutil's tzical knows no zone database; ical.js (Thunderbird, Nextcloud) reads only the
first value of an RDATE. Each must find the instant the tool meant, in every zone, month
and around every change of offset.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil import tz

from relance_cal.backends import ical
from relance_cal.backends.base import Reminder

JS = Path(__file__).parent / "js"
ZONES = [
    "Europe/Paris",
    "Europe/London",
    "Europe/Dublin",  # "negative DST" in the zone database
    "America/Montreal",
    "America/Sao_Paulo",  # no DST since 2019
    "Australia/Sydney",  # southern hemisphere
    "Asia/Tokyo",  # no DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Africa/Casablanca",  # Ramadan: no yearly rule
]
YEARS = range(2026, 2031)
STAMP = datetime(2026, 1, 1, tzinfo=UTC)
_DTSTART = re.compile(r"^DTSTART;TZID=([^:]+):(\d{8}T\d{6})\r?$", re.M)


def offset_changes(zone: ZoneInfo) -> list[datetime]:
    """The UTC hours at which `zone` changes its offset in YEARS (all these zones change on
    a whole UTC hour)."""
    changes = []
    moment = datetime(YEARS[0], 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    while moment.year <= YEARS[-1]:
        moment += timedelta(hours=1)
        if moment.astimezone(zone).utcoffset() != offset:
            changes.append(moment)
            offset = moment.astimezone(zone).utcoffset()
    return changes


def moments(zone: ZoneInfo) -> list[datetime]:
    """09:30 on the 1st and 15th of every month; the day before, of and after each change
    at 09:30; half an hour before and after each change."""
    found = [
        datetime(year, month, day, 9, 30, tzinfo=zone)
        for year in YEARS
        for month in range(1, 13)
        for day in (1, 15)
    ]
    for change in offset_changes(zone):
        day = change.astimezone(zone).date()
        for delta in (-1, 0, 1):
            found.append(datetime.combine(day + timedelta(days=delta), datetime.min.time(), zone))
            found[-1] = found[-1].replace(hour=9, minute=30)
        for side in (timedelta(minutes=-30), timedelta(minutes=30)):
            found.append((change + side).astimezone(zone))
    # A wall time that occurs twice is read as its first occurrence by dateutil (RFC 5545,
    # 3.3.5) and as its second by ical.js, whatever the VTIMEZONE says: left out.
    return [m for m in found if m.replace(fold=0).utcoffset() == m.replace(fold=1).utcoffset()]


def reminder_at(start: datetime) -> Reminder:
    return Reminder(
        uid=f"r-{start.isoformat()}@relance-cal",
        source_key="interview@example.org",
        kind="followup",
        inputs="0",
        title="Relancer Acme",
        start=start,
        end=start + timedelta(minutes=15),
        description="",
    )


def read_by_dateutil(text: str) -> datetime:
    tzid, wall = _DTSTART.search(text).groups()
    zone = tz.tzical(io.StringIO(text)).get(tzid)
    assert zone is not None, tzid
    return datetime.strptime(wall, "%Y%m%dT%H%M%S").replace(tzinfo=zone).astimezone(UTC)


def read_by_ical_js(texts: list[str]) -> list[datetime]:
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "ical.js").is_dir():
        pytest.fail("needs node and ical.js: `npm ci` in tests/js (.ci/run does it)")
    result = subprocess.run(
        [node, str(JS / "instants.mjs")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=JS,
        check=True,
    )
    return [datetime.fromtimestamp(s, UTC) for s in json.loads(result.stdout)]


def written(zone_name: str) -> tuple[list[datetime], list[str]]:
    """The intended instants, and each reminder written alone (ics, CalDAV) and all in one
    export, as one text per instant."""
    zone = ZoneInfo(zone_name)
    starts = moments(zone)
    alone = [ical.reminder_calendar([reminder_at(s)], STAMP).to_ical().decode() for s in starts]
    export = ical.reminder_calendar([reminder_at(s) for s in starts], STAMP).to_ical().decode()
    head = export[: export.index("BEGIN:VEVENT")]
    zones = "".join(re.findall(r"BEGIN:VTIMEZONE.*?END:VTIMEZONE\r\n", export, re.S))
    # The export's VTIMEZONE, with each of its events alone (ical.js: first VEVENT).
    together = [
        f"{head}{block}{zones}END:VCALENDAR\r\n"
        for block in re.findall(r"BEGIN:VEVENT.*?END:VEVENT\r\n", export, re.S)
    ]
    assert len(together) == len(starts)
    instants = [s.astimezone(UTC) for s in starts]
    return instants + instants, alone + together


@pytest.mark.parametrize("zone_name", ZONES)
def test_dateutil_reads_the_instant_meant(zone_name: str):
    instants, texts = written(zone_name)
    wrong = [
        (text[text.index("DTSTART;") :][:45], meant, read)
        for meant, text in zip(instants, texts, strict=True)
        if (read := read_by_dateutil(text)) != meant
    ]
    assert not wrong, wrong[:5]


def test_ical_js_reads_the_instant_meant():
    instants, texts = [], []
    for zone_name in ZONES:
        meant, written_texts = written(zone_name)
        instants += meant
        texts += written_texts
    read = read_by_ical_js(texts)
    wrong = [
        (text[text.index("DTSTART;") :][:45], meant, got)
        for meant, got, text in zip(instants, read, texts, strict=True)
        if got != meant
    ]
    assert not wrong, wrong[:5]


def test_the_zones_are_written_as_calendar_apps_write_them():
    paris = ical.vtimezone(ZoneInfo("Europe/Paris"), 2026, 2026).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in paris
    assert "DTSTART:20250330T020000" in paris  # the real onset, 02:00 wall time
    assert "RDATE" not in paris
    tokyo = ical.vtimezone(ZoneInfo("Asia/Tokyo"), 2026, 2026).to_ical().decode()
    assert tokyo.count("BEGIN:STANDARD") == 1 and "DAYLIGHT" not in tokyo
    casablanca = ical.vtimezone(ZoneInfo("Africa/Casablanca"), 2026, 2026).to_ical().decode()
    assert "RRULE" not in casablanca
    assert all("," not in line for line in casablanca.splitlines() if line.startswith("RDATE"))
