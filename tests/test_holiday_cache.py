"""Public holidays kept in the state: a quiet run does not import the holidays library."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import holidays
import pytest

from calendar_files import calendar, state_path, write_config
from relance_cal.config import state_dir_of
from relance_cal.state import State, holidays_stamp

# Ends on Wednesday 20 May 2026: three business days later is Tuesday 26, as Whit Monday (25) is
# a public holiday in France.
WHITSUN = (
    "BEGIN:VEVENT\nUID:whitsun-1@example.org\nDTSTAMP:20260501T100000Z\n"
    "DTSTART;TZID=Europe/Paris:20260520T140000\nDTEND;TZID=Europe/Paris:20260520T150000\n"
    "SUMMARY:Entretien - Acme - Développeuse Python\n"
    "DESCRIPTION:Recruteuse: Marie Dupont <marie.dupont@acme.fr>\nEND:VEVENT\n"
)
NOW = "2026-05-19T10:00"

# Runs the real entry point, then says on stderr whether the holidays library was imported.
_WRAPPER = (
    "import sys\n"
    "from relance_cal.cli import main\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    "    print('imported holidays:', 'holidays' in sys.modules, file=sys.stderr)\n"
)


@dataclass
class Run:
    code: int
    out: str
    err: str
    imported_holidays: bool


def run_fresh(home: Path, config: Path, *args: str) -> Run:
    """`relance-cal --config CONFIG ARGS...` in a new process, as cron starts it."""
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "RELANCE_CAL_NOW": NOW,
    }
    env.pop("RELANCE_CAL_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    err, _, last = done.stderr.rstrip("\n").rpartition("\n")
    assert last.startswith("imported holidays: "), done.stderr
    return Run(done.returncode, done.stdout, err, last.endswith("True"))


def state_of(home: Path) -> State:
    return State(state_path(home).parent, read_only=True)


def followup_at(home: Path, config: Path) -> tuple[str, bool]:
    status = run_fresh(home, config, "status", "--json")
    assert status.code == 0, status.err
    return json.loads(status.out)[0]["followup_at"], status.imported_holidays


def test_a_quiet_sync_does_not_import_the_holidays_library(home):
    cal = home / "cal.ics"
    cal.write_text(calendar(WHITSUN))
    config = write_config(home, cal)
    first = run_fresh(home, config, "sync")
    assert first.code == 0, first.err
    assert "created followup reminder 2026-05-26 09:30" in first.out
    assert first.imported_holidays
    second = run_fresh(home, config, "sync")
    assert (second.code, second.out, second.err) == (0, "", "")
    assert not second.imported_holidays
    # The kept holidays give the same dates as the library.
    assert followup_at(home, config) == ("2026-05-26T09:30:00+02:00", False)


@pytest.mark.parametrize(
    ("subdivision", "included", "excluded"),
    [
        (None, {date(2026, 5, 25), date(2026, 7, 14)}, {date(2026, 4, 3), date(2026, 12, 26)}),
        ("57", {date(2026, 5, 25), date(2026, 4, 3), date(2026, 12, 26)}, set()),
    ],
)
def test_kept_holidays_are_the_library_s(home, relance, subdivision, included, excluded):
    cal = home / "cal.ics"
    cal.write_text(calendar())  # no interview: this year's holidays are kept all the same
    extra = f'[policy]\nsubdivision = "{subdivision}"\n' if subdivision else ""
    config = write_config(home, cal, extra)
    assert relance("--config", str(config), "--now", NOW, "sync").code == 0
    with state_of(home) as state:
        kept = state.holidays("FR", subdivision, holidays_stamp())
    library = holidays.country_holidays("FR", subdiv=subdivision, years=2026, language="en_US")
    assert kept == {2026: frozenset(library)}
    assert included <= kept[2026] and not excluded & kept[2026]


@pytest.mark.parametrize("command", ["sync", "status"])
@pytest.mark.parametrize(
    ("policy_table", "key", "problem"),
    [
        ('country = "XX"', "policy.country", "unknown country code 'XX'"),
        ('subdivision = "99"', "policy.subdivision", "unknown for FR: '99'"),
    ],
)
def test_a_bad_country_is_reported_on_a_first_run_without_interviews(
    home, relance, command, policy_table, key, problem
):
    cal = home / "cal.ics"
    cal.write_text(calendar())
    config = write_config(home, cal, f"[policy]\n{policy_table}\n")
    result = relance("--config", str(config), "--now", NOW, command)
    assert result.code == 2
    assert result.err.startswith(f"relance-cal: {config}: {key}: {problem}")
    assert len(result.err.strip().splitlines()) == 1


def test_a_country_changed_after_holidays_were_kept_is_checked(home):
    cal = home / "cal.ics"
    cal.write_text(calendar(WHITSUN))
    config = write_config(home, cal)
    assert run_fresh(home, config, "sync").code == 0
    text = config.read_text()
    config.write_text(text + '[policy]\ncountry = "XX"\n')
    bad_country = run_fresh(home, config, "sync")
    assert bad_country.code == 2
    assert f"{config}: policy.country: unknown country code 'XX'" in bad_country.err
    config.write_text(text + '[policy]\nsubdivision = "99"\n')
    bad_subdivision = run_fresh(home, config, "sync")
    assert bad_subdivision.code == 2
    assert f"{config}: policy.subdivision: unknown for FR: '99'" in bad_subdivision.err
    config.write_text(text + '[policy]\ncountry = "DE"\n')
    germany = run_fresh(home, config, "sync")
    assert germany.code == 0 and germany.imported_holidays  # Germany is looked up, then kept
    assert not run_fresh(home, config, "sync").imported_holidays


def plant(home: Path, stamp: str, days: frozenset[date]) -> None:
    """Keep made-up French holidays for 2026, as if a library with `stamp` had found them."""
    with State(state_dir_of(home / "config.toml")) as state:
        state.keep_holidays("FR", None, stamp, {2026: days})


def test_holidays_kept_with_another_library_version_are_not_used(home):
    cal = home / "cal.ics"
    cal.write_text(calendar(WHITSUN))
    config = write_config(home, cal)
    made_up = frozenset({date(2026, 1, 1)})  # no Whit Monday
    plant(home, holidays_stamp(), made_up)
    assert followup_at(home, config) == ("2026-05-25T09:30:00+02:00", False)  # kept ones are used
    plant(home, "an older holidays library", made_up)
    assert followup_at(home, config) == ("2026-05-26T09:30:00+02:00", True)
    assert run_fresh(home, config, "sync").code == 0
    with state_of(home) as state:
        assert state.holidays("FR", None, "an older holidays library") == {}
        assert date(2026, 5, 25) in state.holidays("FR", None, holidays_stamp())[2026]


def test_a_new_library_stamp_empties_what_was_kept(tmp_path):
    new_year = {2026: frozenset({date(2026, 1, 1)})}
    with State(tmp_path) as state:
        state.keep_holidays("FR", None, "v1", new_year)
        state.keep_holidays("FR", "57", "v1", new_year)
    with State(tmp_path) as state:
        assert state.holidays("FR", "57", "v1") == new_year
        assert state.holidays("FR", None, "v2") == {}
        state.keep_holidays("DE", None, "v2", new_year)
    with State(tmp_path) as state:
        assert state.holidays("FR", None, "v1") == state.holidays("FR", None, "v2") == {}
        assert state.holidays("DE", None, "v2") == new_year


@pytest.mark.parametrize("command", [("status",), ("sync", "--dry-run")])
def test_read_only_commands_leave_a_state_of_an_earlier_version_as_it_is(home, command):
    cal = home / "cal.ics"
    cal.write_text(calendar(WHITSUN))
    config = write_config(home, cal)
    assert run_fresh(home, config, "sync").code == 0
    path = state_path(home)
    with sqlite3.connect(path) as db:  # as the version before kept holidays wrote it
        db.execute("DROP TABLE holidays")
        db.execute("DELETE FROM meta WHERE key = 'holidays_stamp'")
    before = path.read_bytes()

    result = run_fresh(home, config, *command)

    assert result.code == 0, result.err
    assert path.read_bytes() == before
