"""One interview as five calendar apps export it: the same reading and follow-up from each
(issue 15, item 4): Google (HTML description), Outlook (X-ALT-DESC only, Windows zone name),
Apple (structured location), Thunderbird (its own VTIMEZONE, HTML beside the text) and
Nextcloud."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from calendar_files import write_config

APPS = Path(__file__).parent / "data" / "apps"


@pytest.mark.parametrize("app", ["google", "outlook", "apple", "thunderbird", "nextcloud"])
def test_every_app_gives_the_same_interview_and_follow_up(home, relance, app):
    calendar = home / f"{app}.ics"
    shutil.copy(APPS / f"{app}.ics", calendar)
    config = write_config(home, calendar).read_text()
    (home / "config.toml").write_text(
        config.replace("camille@example.org", "camille.martin@gmail.com")
    )
    args = ("--config", str(home / "config.toml"), "--now", "2026-12-02T10:00")
    assert relance(*args, "sync").code == 0
    result = relance(*args, "status", "--json")
    assert result.code == 0, result.err
    [row] = json.loads(result.out)
    assert {key: row[key] for key in READ} == READ
    assert row["warnings"] == []
    draft = relance(*args, "draft", "Acme").out
    assert "marie.dupont@acme.fr" in draft and "data engineer" in draft.lower()
    assert "<" not in draft.replace("<marie.dupont@acme.fr>", "")  # no markup in a draft
    assert "&" not in draft and "-::~" not in draft


READ = {
    "start": "2026-12-01T14:00:00+01:00",
    "end": "2026-12-01T15:00:00+01:00",
    "company": "Acme",
    "position": "Data engineer",
    "recruiter_name": "Marie Dupont",
    "recruiter_email": "marie.dupont@acme.fr",
    "announced": "2026-12-08",
    "followup_at": "2026-12-09T09:30:00+01:00",
    "deadline": "2026-12-11",
    "rule": "announced",
    "status": "scheduled",
    "language": "fr",
}
