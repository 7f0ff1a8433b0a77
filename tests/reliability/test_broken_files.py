"""A source .ics file that is broken or not iCalendar at all: said on one line, never a hang.

What a sync says about such a file: a file relance-cal cannot read at all is refused naming
it (exit 2); one broken event is skipped naming it, its file and line (exit 1). Every
message is one line of bounded length, whatever the file holds.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_files import HEADER, calendar, write_config
from relance_cal.backends import ical
from relance_cal.errors import EventError

NOW = "2026-03-02T18:00"
ACME = """\
BEGIN:VEVENT
UID:acme-1@example.org
DTSTAMP:20260201T100000Z
DTSTART;TZID=Europe/Paris:20260302T140000
DTEND;TZID=Europe/Paris:20260302T150000
SUMMARY:Entretien - Acme - Développeuse Python
END:VEVENT
"""
GLOBEX = """\
BEGIN:VEVENT
UID:globex-7@example.org
DTSTAMP:20260201T100000Z
DTSTART:20260303T130000Z
DTEND:20260303T140000Z
SUMMARY:Interview with Globex
END:VEVENT
"""
MAX_LINE = 600  # characters of a warning: a title cut to 80, a UID, the file's path, a reason


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


@pytest.fixture
def source(home: Path, relance):
    """Write the source file (bytes), run relance-cal on it; reminders in a file of their own
    unless `same_file`."""
    cal = home / "perso.ics"

    def run(data: bytes, *args: str, same_file: bool = False):
        cal.write_bytes(data)
        extra = "" if same_file else f'[reminders]\nbackend = "ics"\npath = "{home}/rem.ics"\n'
        config = write_config(home, cal, extra)
        return relance("--config", str(config), "--now", NOW, *(args or ("sync",)))

    run.path = cal
    return run


def one_line_each(err: str) -> list[str]:
    lines = err.splitlines()
    assert all(len(line) < MAX_LINE for line in lines), [len(line) for line in lines]
    assert "Traceback" not in err
    return lines


# --- not an iCalendar file: refused, naming the file ------------------------------------

GOOD = calendar(ACME).encode()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        pytest.param(b"hello world\n", "not an iCalendar file", id="text"),
        pytest.param(b"BEGIN:VEVENT\r\n" * 100, "not an iCalendar file", id="no VCALENDAR"),
        pytest.param(calendar(ACME).encode("utf-16"), "UTF-16", id="UTF-16 with BOM"),
        pytest.param(calendar(ACME).encode("utf-16-le"), "UTF-16", id="UTF-16 without BOM"),
        pytest.param(calendar(ACME).encode("utf-32"), "UTF-32", id="UTF-32"),
        pytest.param(GOOD.replace(b"Acme", b"Ac\x00me"), "NUL", id="a NUL byte"),
    ],
)
def test_a_source_that_is_not_icalendar_is_refused_naming_the_file(source, data, says):
    result = source(data)

    assert result.code == 2
    [line] = one_line_each(result.err)
    assert str(source.path) in line and says in line
    if "UTF" in says or "NUL" in says:
        assert "save it as UTF-8" in line
    assert source.path.read_bytes() == data  # never written


@pytest.mark.parametrize("data", [b"", b"\r\n  \n"], ids=["0 bytes", "blank lines"])
def test_an_empty_source_file_is_an_empty_calendar(source, data):
    result = source(data)
    assert (result.code, result.out, result.err) == (0, "", "")


def test_a_calendar_with_a_utf8_bom_is_read(source):
    result = source(b"\xef\xbb\xbf" + GOOD)
    assert (result.code, result.err) == (0, "")
    assert "created followup reminder" in result.out


def test_old_mac_line_ends_are_read(source, home: Path):
    data = calendar(ACME, GLOBEX).replace("\r\n", "\r").encode()

    result = source(data)

    assert (result.code, result.err) == (0, "")
    assert "Acme" in result.out and "Globex" in result.out
    assert "acme-1@example.org" in (home / "rem.ics").read_text()
    assert source.path.read_bytes() == data


def test_old_mac_line_ends_in_the_reminders_file_are_said_not_written(source):
    data = calendar(ACME).replace("\r\n", "\r").encode()

    result = source(data, same_file=True)

    assert result.code == 2
    [line] = one_line_each(result.err)
    assert str(source.path) in line and "CR only" in line
    assert source.path.read_bytes() == data
    status = source(data, "status", same_file=True)
    assert status.code == 0 and "Acme" in status.out


# --- an event without END:VEVENT: skipped, naming it, its file and line -----------------

ACME_UNCLOSED = ACME.replace("END:VEVENT\n", "")


def test_an_interview_without_end_vevent_is_skipped_by_name_and_line(source, home: Path):
    data = crlf(HEADER + GLOBEX + ACME_UNCLOSED + "END:VCALENDAR\n").encode()

    result = source(data)

    assert result.code == 1
    [line] = one_line_each(result.err)
    assert line.startswith('relance-cal: skipped "Entretien - Acme - Développeuse Python"')
    assert f"{source.path}, line 11" in line and "no END:VEVENT" in line
    assert "globex-7@example.org" in (home / "rem.ics").read_text()


def test_an_event_without_end_before_the_next_one_is_skipped_by_name(source, home: Path):
    data = calendar(ACME_UNCLOSED, GLOBEX).encode()  # ACME's BEGIN pairs with GLOBEX's END

    result = source(data)

    assert result.code == 1
    [line] = one_line_each(result.err)
    assert line.startswith('relance-cal: skipped "Entretien - Acme - Développeuse Python"')
    assert f"{source.path}, line 4" in line and "no END:VEVENT before the next BEGIN" in line
    assert "globex-7@example.org" in (home / "rem.ics").read_text()  # the next one is read


def test_reminders_stay_out_of_an_event_without_end_and_are_kept_while_it_is(source):
    written = source(calendar(ACME, GLOBEX).encode(), same_file=True)
    assert written.code == 0, written.err
    text = source.path.read_bytes().decode()
    broken = text.replace(crlf(ACME), crlf(ACME_UNCLOSED))
    at = broken.rindex("END:VCALENDAR")
    broken = broken[:at] + crlf(ACME_UNCLOSED.replace("acme-1", "acme-2")) + broken[at:]

    result = source(broken.encode(), same_file=True)  # a Globex reminder is due to be added

    assert result.code == 1
    lines = one_line_each(result.err)
    assert len(lines) == 2 and all("no END:VEVENT" in line for line in lines)
    after = source.path.read_bytes().decode()
    # nothing inserted into the event left open at the end, no Acme reminder removed
    assert after.endswith(crlf(ACME_UNCLOSED.replace("acme-1", "acme-2")) + "END:VCALENDAR\r\n")
    for uid in ("acme-1@example.org", "globex-7@example.org"):
        marker = f"X-RELANCE-CAL-SOURCE:{uid}"
        assert after.count(marker) == text.count(marker) > 0
    again = source(after.encode(), same_file=True)
    assert (again.code, again.out, again.err) == (1, "", "")  # said once: cron mails it once


# --- one line per problem, of bounded length ---------------------------------------------

LONG = "x" * 200_000
LONG_TITLE = ACME.replace("Python", "Python" + LONG)


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(ACME.replace("SUMMARY:", "BEGIN:VEVENT\nSUMMARY:"), id="nested VEVENT"),
        pytest.param(
            LONG_TITLE.replace(";TZID=Europe/Paris:20260302T140000", ":2026030X"),
            id="long title, bad DTSTART",
        ),
        pytest.param(
            LONG_TITLE.replace("END:", f"DESCRIPTION:{LONG}\nEND:"),
            id="long title, long description",
        ),
        pytest.param(ACME_UNCLOSED.replace("acme-1", "acme-1" + LONG), id="long UID, no END"),
        pytest.param(ACME.replace("END:", "BEGIN:VALARM\n" * 1000 + "END:"), id="open alarms"),
    ],
)
def test_a_skipped_event_is_one_bounded_line(source, event: str):
    result = source(calendar(GLOBEX, event).encode())

    assert result.code == 1
    [line] = one_line_each(result.err)
    assert line.startswith("relance-cal: skipped ")


def test_an_event_error_is_one_line_of_bounded_length():
    error = EventError(f'"{"t" * 1000}"\n(UID x)', "Found no components\r\nBEGIN:VCALENDAR")
    assert "\n" not in str(error) and len(str(error)) < MAX_LINE
    assert error.reason == "Found no components" and error.event.endswith("…")


# --- found in linear time ----------------------------------------------------------------


def test_thousands_of_unclosed_begin_lines_are_read_at_once(source):
    """30,000 BEGIN:VEVENT lines without END (420 kB) took over a minute: each was read again
    to the end of the file. A generous budget, far from that."""
    data = (HEADER.replace("\n", "\r\n") + "BEGIN:VEVENT\r\n" * 30_000).encode()
    started = time.monotonic()
    result = source(data + crlf(ACME_UNCLOSED.replace("BEGIN:VEVENT\n", "")).encode())
    took = time.monotonic() - started
    assert result.code == 1 and "no END:VEVENT" in result.err
    assert took < 5, took


def test_thousands_of_unclosed_alarms_are_read_at_once(source):
    """10,000 BEGIN:VALARM lines without END in one interview (140 kB) took 13 s."""
    alarms = ACME.replace("END:VEVENT", "BEGIN:VALARM\n" * 10_000 + "END:VEVENT")
    started = time.monotonic()
    result = source(calendar(alarms).encode())
    took = time.monotonic() - started
    assert result.code == 1 and '"Entretien - Acme' in result.err
    assert took < 5, took


# --- the scanner finds what the regexes it replaced found --------------------------------

_OLD_VEVENT = re.compile(
    r"^BEGIN:VEVENT\r?\n.*?^END:VEVENT[^\S\n]*(?:\r?\n|\Z)", re.M | re.S | re.I
)
_OLD_VALARM = re.compile(r"^BEGIN:VALARM\r?\n.*?^END:VALARM\r?\n?", re.M | re.S | re.I)
_LINES = st.sampled_from(
    [
        "BEGIN:VEVENT",
        "begin:vevent",
        "BEGIN:VEVENT ",
        "END:VEVENT",
        "end:VEvent",
        "END:VEVENT \t",
        "END:VEVENTX",
        "BEGIN:VALARM",
        "END:VALARM",
        "END:VALARMX",
        "END:VALARM ",
        "UID:x",
        "uid;X-P=1:y@z",
        " continued",
        "\tmore",
        " END:VEVENT",
        "",
        "\r",
        "END:VEVENT\r",
        "BEGIN:VEVENT\r",
    ]
)
_TEXTS = st.builds(
    lambda lines, ends, last: (
        "".join(line + end for line, end in zip(lines, ends, strict=False)) + last
    ),
    st.lists(_LINES, max_size=30),
    st.lists(st.sampled_from(["\n", "\r\n"]), min_size=30, max_size=30),
    _LINES,
)


@given(_TEXTS)
def test_components_are_the_spans_of_the_lazy_regex(text: str):
    spans, unclosed = ical.components(text, "VEVENT")
    assert [(m.start(), m.end()) for m in _OLD_VEVENT.finditer(text)] == spans
    after = spans[-1].end if spans else 0
    begin = re.compile(r"^BEGIN:VEVENT\r?\n", re.M | re.I).search(text, after)
    assert unclosed == (begin.start() if begin else None)
    alarms, _ = ical.components(text, "VALARM", r"\r?\n?")
    assert [(m.start(), m.end()) for m in _OLD_VALARM.finditer(text)] == alarms


@given(_TEXTS)
def test_an_item_uid_is_read_as_before(text: str):
    old = re.compile(r"^UID(?:;[^:\r\n]*)?:(.*?)\r?$", re.M | re.I).search(
        _OLD_VALARM.sub("", re.sub(r"\r?\n[ \t]", "", text))
    )
    assert ical.uid_in(text) == ((old.group(1).strip() or None) if old else None)


@given(_TEXTS, st.integers(0, 40), st.integers(0, 40))
def test_an_item_uid_is_read_the_same_within_a_larger_text(text: str, before: int, after: int):
    """`ics` reads the UID of each event in place in the file, without copying it out."""
    start, end = min(before, len(text)), max(len(text) - after, 0)
    start = text.rfind("\n", 0, start) + 1  # an event starts a line
    end = max(end, start)
    assert ical.uid_in(text, start, end) == ical.uid_in(text[start:end])
