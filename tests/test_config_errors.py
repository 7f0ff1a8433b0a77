"""A mistake in the config file gets the key and its fix, on one line (exit 2)."""

from __future__ import annotations

import json

import pytest

from calendar_files import calendar

SOURCE = '[source]\npath = "perso.ics"\n'


@pytest.mark.parametrize(
    ("body", "fix"),
    [
        (
            '[source]\npath = "perso.ics"\nexclude_keyword = ["voiture"]\n',
            "source.exclude_keyword: unknown key; did you mean `exclude_keywords`?",
        ),
        ('[source]\npath = "perso.ics"\nintervews_only = true\n', "`interviews_only`"),
        (SOURCE + "[policy]\nmax_dayz = 8\n", "`max_days`"),
        (SOURCE + '[policy]\ntimezone = "Paris"\n', 'did you mean "Europe/Paris"?'),
        (SOURCE + '[policy]\ntimezone = "america/new york"\n', '"America/New_York"'),
        (SOURCE + '[policy]\ntimezone = "Mars/Olympus"\n', 'e.g. "Europe/Paris"'),
        (SOURCE + '[policy]\ncountry = "FRANCE"\n', 'did you mean "FR"?'),
        (SOURCE + '[policy]\ncountry = "Belgique"\n', 'e.g. "FR"'),
        ('[source]\nbackend = "caldva"\nurl = "https://dav.example/"\n', '"caldav"?'),
        ('language = "français"\n' + SOURCE, 'did you mean "fr"?'),
        ('language = "english"\n' + SOURCE, 'did you mean "en"?'),
        (SOURCE + '[policy]\nworkdays = ["lundi", "mardi"]\n', "for 'lundi' write \"mon\""),
        (SOURCE + '[policy]\nreminder_time = "9h30"\n', 'write it "09:30"'),
        (
            '[source]\npath = "perso.ics"\nexclude_keywords = "voiture"\n',
            'exclude_keywords = ["voiture"]',
        ),
        (SOURCE + '[drafts]\nthank_you = "oui"\n', "without quotes: thank_you = true"),
        (SOURCE + 'name = "Camille Martin"\n', "move `name = ...` above the first [table]"),
        ('[source]\npath = "perso.ics"\nmax_days = 8\n', "belongs in the [policy] table"),
    ],
)
def test_each_config_error_suggests_its_fix(home, relance, body, fix):
    (home / "perso.ics").write_text(calendar())
    config = home / "config.toml"
    config.write_text(body, encoding="utf-8")
    result = relance("--config", str(config), "status")
    assert result.code == 2, result.err
    assert fix in result.err and str(config) in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_a_calendar_given_as_the_config_says_so(home, relance):
    cal = home / "perso.ics"
    cal.write_text(calendar())
    result = relance("--config", str(cal), "status")
    assert result.code == 2
    assert "this is a calendar file, not a relance-cal config" in result.err
    assert f'[source] path = "{cal}"' in result.err  # what to do with it


def test_an_oauth_client_file_given_as_the_config_says_so(home, relance):
    client = home / "client_secret.json"
    client.write_text(json.dumps({"installed": {"client_id": "x.apps.googleusercontent.com"}}))
    result = relance("--config", str(client), "status")
    assert result.code == 2 and "this is a JSON file" in result.err
    assert "[source] credentials" in result.err


def test_max_days_beyond_the_advice_is_a_warning(home, relance):
    (home / "perso.ics").write_text(calendar())
    config = home / "config.toml"
    config.write_text('me = "c@example.org"\nname = "C"\n' + SOURCE + "[policy]\nmax_days = 30\n")
    status = relance("--config", str(config), "status")
    assert status.code == 0
    assert "policy.max_days = 30: beyond the 10 days advised" in status.err
    # A sync run by cron (stderr not a terminal) does not mail it every half hour.
    sync = relance("--config", str(config), "sync")
    assert sync.code == 0 and sync.err == ""
    config.write_text(config.read_text().replace("30", "10"))
    assert relance("--config", str(config), "status").err == ""
