"""What a job seeker sees every day: `status` on a terminal, `draft` by company or id."""

from __future__ import annotations

import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import unicodedata
from datetime import datetime
from fcntl import ioctl
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_files import calendar, write_config
from relance_cal import display, policy
from relance_cal.config import PolicySettings
from relance_cal.engine import Row
from relance_cal.interviews import Interview
from relance_cal.model import Finding

PARIS = ZoneInfo("Europe/Paris")
NOW = "2026-03-06T10:00"
SRC = Path(__file__).parents[1] / "src"


def event(uid: str, start: str, title: str, description: str = "") -> str:
    end = start[:9] + f"{int(start[9:11]) + 1:02d}" + start[11:]
    desc = f"DESCRIPTION:{description}\n" if description else ""
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260201T100000Z\n"
        f"DTSTART;TZID=Europe/Paris:{start}\nDTEND;TZID=Europe/Paris:{end}\n"
        f"SUMMARY:{title}\n{desc}END:VEVENT\n"
    )


# Mon 2 March: F = Thu 5 March 09:30, so `due` on Fri 6 March.
QONTO = event(
    "qonto-1@example.org",
    "20260302T140000",
    "Entretien - Qonto - Senior Backend Engineer, Payments Infrastructure and Reliability",
    "Entreprise: Qonto Société Anonyme de Services de Paiement Européens\\n"
    "Poste: Senior Backend Engineer, Payments Infrastructure and Platform Reliability",
)
BLABLACAR = event(
    "blablacar-1@example.org", "20260304T100000", "Entretien téléphonique - BlaBlaCar"
)
PHONE = event("tel-1@example.org", "20260304T160000", "Entretien tel")
ACME = event(
    "acme-1@example.org",
    "20260227T140000",
    "Entretien - Acme - Développeuse Python",
    "Recruteuse: Marie Dupont <marie.dupont@acme.fr>\\nStatut: refus",
)
# Mon 5 January (deadline 15 January): out of view on 6 March, shown by `status --all` only.
# In 2026 like the others: a run in this process looks up only that year's holidays.
OLD = event("old-1@example.org", "20260105T140000", "Entretien - Initech - Analyste")


@pytest.fixture
def world(home: Path):
    cal = home / "perso.ics"
    cal.write_text(calendar(QONTO, BLABLACAR, PHONE, ACME, OLD), encoding="utf-8", newline="")
    return cal, write_config(home, cal)


def width_of(line: str) -> int:
    return sum(0 if unicodedata.combining(c) else 1 for c in re.sub(r"\x1b\[[0-9;]*m", "", line))


def run_in_terminal(config: Path, *args: str, columns: int = 80, **env: str) -> str:
    """The real program on a pseudo-terminal of `columns` columns, as a user's shell runs it."""
    main, secondary = pty.openpty()
    ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    environ.update(PYTHONPATH=str(SRC), **env)
    process = subprocess.Popen(
        [sys.executable, "-m", "relance_cal", "--config", str(config), "--now", NOW, *args],
        stdin=secondary,
        stdout=secondary,
        stderr=subprocess.DEVNULL,
        env=environ,
        close_fds=True,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the program closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_status_fits_an_80_column_terminal_and_colours_due(world):
    _, config = world
    out = run_in_terminal(config, "status", columns=80)
    lines = out.splitlines()
    assert max(width_of(line) for line in lines) <= 80, out
    qonto = next(line for line in lines if "Qonto" in line)
    assert "…" in qonto  # shortened, not wrapped: the row is one line
    assert re.search(r"\x1b\[[0-9;]*m" + "due", qonto), qonto  # `due` stands out
    acme = next(line for line in lines if "Acme" in line)
    assert "due" not in acme and "\x1b[1m" not in acme.split("rejected")[0]


def test_status_without_colour_for_no_color_and_pipes(world):
    _, config = world
    assert "\x1b[" not in run_in_terminal(config, "status", NO_COLOR="1")
    piped = subprocess.run(
        [sys.executable, "-m", "relance_cal", "--config", str(config), "--now", NOW, "status"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=True,
    )
    assert "\x1b[" not in piped.stdout and "Qonto Société Anonyme" in piped.stdout  # not cut


@pytest.mark.parametrize("columns", [60, 80, 100, 132])
def test_status_never_wraps(world, relance, monkeypatch, columns):
    _, config = world
    monkeypatch.setenv("COLUMNS", str(columns))
    result = relance("--config", str(config), "--now", NOW, "status", "--all")
    assert result.code == 0, result.err
    assert max(width_of(line) for line in result.out.splitlines()) <= columns, result.out


def test_status_in_french_with_ids_and_outcomes_without_dates(world, relance, monkeypatch):
    _, config = world
    monkeypatch.setenv("COLUMNS", "200")
    result = relance("--config", str(config), "--now", NOW, "status")
    header, *rows = result.out.splitlines()
    assert header.split() == [
        "id", "entretien", "entreprise", "poste", "relance", "limite", "statut", "rappel"
    ]  # fmt: skip
    ids = {r["uid"]: r["id"] for r in json.loads(relance("--config", str(config), "--now", NOW,
                                                        "status", "--json").out)}  # fmt: skip
    acme = next(row for row in rows if row.startswith(ids["acme-1@example.org"]))
    # A rejection: no follow-up moment nor deadline, only the reply reminder.
    assert acme.split()[-5:] == ["-", "-", "rejected", "(2026-03-06", "10:00)"]  # not synced yet
    assert any(line.startswith("due ") and "relancez" in line for line in rows)  # the legend


def test_status_in_english(world, relance, monkeypatch):
    _, config = world
    config.write_text(config.read_text().replace('language = "fr"', 'language = "en"'))
    monkeypatch.setenv("COLUMNS", "200")
    result = relance("--config", str(config), "--now", NOW, "status")
    assert result.out.splitlines()[0].split()[:4] == ["id", "interview", "company", "position"]
    assert "follow up now, before the deadline" in result.out


def test_status_all_shows_the_history_without_inventing_reminders(world, relance):
    _, config = world
    run = lambda *a: relance("--config", str(config), "--now", NOW, *a)  # noqa: E731
    assert "Initech" not in run("status").out
    rows = json.loads(run("status", "--all", "--json").out)
    old = next(r for r in rows if r["company"] == "Initech")
    assert old["status"] == "too_late" and old["reminder_at"] is None
    assert [r["start"] for r in rows] == sorted(r["start"] for r in rows)
    assert {r["uid"] for r in json.loads(run("status", "--json").out)} < {r["uid"] for r in rows}


@pytest.mark.parametrize(
    ("wanted", "uid"),
    [
        ("Qonto", "qonto-1@example.org"),  # the company
        ("qonto", "qonto-1@example.org"),  # case ignored
        ("developpeuse python", "acme-1@example.org"),  # the position, accents ignored
        ("Entretien tel", "tel-1@example.org"),  # an exact title wins over a longer one
        ("BlaBlaCar", "blablacar-1@example.org"),
        ("tel-1@example.org", "tel-1@example.org"),
    ],
)
def test_draft_finds_an_interview(world, relance, wanted, uid):
    _, config = world
    run = lambda *a: relance("--config", str(config), "--now", NOW, *a)  # noqa: E731
    expected = run("draft", uid)
    assert expected.code == 0, expected.err
    assert run("draft", wanted).out == expected.out
    short = next(r["id"] for r in json.loads(run("status", "--json").out) if r["uid"] == uid)
    assert run("draft", short).out == expected.out


def test_draft_ambiguity_lists_the_candidates_with_their_ids(world, relance):
    _, config = world
    result = relance("--config", str(config), "--now", NOW, "draft", "entretien")
    assert result.code == 2
    ids = re.findall(r"^  ([0-9a-f]{6})  ", result.err, re.MULTILINE)
    assert len(ids) == 4  # every interview in view
    assert relance("--config", str(config), "--now", NOW, "draft", ids[0]).code == 0


def test_draft_headers_in_the_drafts_language(world, relance):
    _, config = world
    french = relance("--config", str(config), "--now", NOW, "draft", "Acme")
    assert french.out.startswith("À\u00a0: marie.dupont@acme.fr\nObjet\u00a0: ")
    config.write_text(config.read_text().replace('language = "fr"', 'language = "en"'))
    english = relance("--config", str(config), "--now", NOW, "draft", "Acme")
    assert english.out.startswith("To: marie.dupont@acme.fr\nSubject: ")


PAYLOAD = "\x1b]0;pwned\x07"  # sets a terminal's window title


def test_calendar_text_is_escaped_in_the_table():
    start = datetime(2026, 3, 2, 14, tzinfo=PARIS)
    interview = Interview(
        key=f"k{PAYLOAD}",
        uid=f"k{PAYLOAD}",
        title=f"Entretien {PAYLOAD}",
        start=start,
        end=start.replace(hour=15),
        company=f"Evil{PAYLOAD}\x9d52;c;aGk=\x9c",
        position="Dev\u202egnp.exe",
        warnings=(Finding("not_understood", "announced", str(PAYLOAD)),),
    )
    now = datetime(2026, 3, 6, 10, tzinfo=PARIS)
    [assessment] = policy.assess([interview], now, PolicySettings())
    table = display.status_table(
        [Row(assessment, None)], now=now, language="en", max_days=10, width=200, colour=True
    )
    control = [c for c in re.sub(r"\x1b\[[0-9;]*m", "", table) if c != "\n" and not c.isprintable()]
    assert control == []
    assert "\\x1b]0;pwned\\x07" in table and "\\x9d52" in table and "\\u202e" in table
    with pytest.raises(Exception) as found:
        display.find_interview([Row(assessment, None)] * 2, "Entretien", "en")
    assert "\x1b" not in str(found.value) and "\\x1b" in str(found.value)


def test_warnings_on_stderr_escape_the_calendar_text(home, relance):
    broken = (
        f"BEGIN:VEVENT\nUID:evil{PAYLOAD}@example.org\nDTSTAMP:20260201T100000Z\n"
        "DTSTART;TZID=Europe/Paris:2026030\nSUMMARY:Entretien Evil\nEND:VEVENT\n"
    )
    cal = home / "perso.ics"
    cal.write_text(calendar(broken), encoding="utf-8", newline="")
    result = relance("--config", str(write_config(home, cal)), "--now", NOW, "status")
    assert result.code == 1 and "evil\\x1b]0;pwned\\x07@example.org" in result.err
    assert "\x1b" not in result.err and "\x07" not in result.err


texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.tuples(texts, st.none() | texts, texts), min_size=1, max_size=4),
    width=st.integers(min_value=30, max_value=200),
    language=st.sampled_from(["fr", "en"]),
)
def test_no_line_is_wider_than_the_terminal(names, width, language):
    start = datetime(2026, 3, 2, 14, tzinfo=PARIS)
    interviews = [
        Interview(
            key=f"k{n}",
            uid=f"k{n}",
            title=title,
            start=start,
            end=start.replace(hour=15),
            company=company,
            position=position,
            warnings=(Finding("not_understood", "status", title),),
        )
        for n, (company, position, title) in enumerate(names)
    ]
    now = datetime(2026, 3, 6, 10, tzinfo=PARIS)
    rows = [Row(a, now) for a in policy.assess(interviews, now, PolicySettings())]
    table = display.status_table(
        rows, now=now, language=language, max_days=10, width=width, colour=True
    )
    for line in table.splitlines():
        plain = re.sub(r"\x1b\[[0-9;]*m", "", line)
        assert display._width(plain) <= width, line
        assert not [c for c in plain if unicodedata.category(c) in ("Cc", "Zl", "Zp")]
