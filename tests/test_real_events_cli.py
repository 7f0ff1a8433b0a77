"""What a cron user and a new user see of events written as people write them (issue 16)."""

from __future__ import annotations

import json

import pytest

from calendar_files import calendar, replace_user_events, write_config

NOW = "2026-12-03T18:00"


def interview(uid: str, title: str, description: str, day: str = "20261201") -> str:
    text = description.replace("\n", "\\n")
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20261101T100000Z\n"
        f"DTSTART;TZID=Europe/Paris:{day}T140000\nDTEND;TZID=Europe/Paris:{day}T150000\n"
        f"SUMMARY:{title}\nDESCRIPTION:{text}\nEND:VEVENT\n"
    )


@pytest.fixture
def setup(home, relance):
    cal = home / "perso.ics"
    config = write_config(home, cal)

    def run(*args: str):
        return relance("--config", str(config), "--now", NOW, *args)

    return cal, config, run


def test_a_value_not_understood_reaches_cron_once_and_again_when_the_event_changes(setup):
    cal, _, run = setup
    unclear = interview("a@x", "Entretien - Acme - Analyste", "Réponse : bientôt")
    cal.write_text(calendar(unclear))
    first = run("sync")
    assert first.code == 0
    assert first.err == (
        "relance-cal: « Entretien - Acme - Analyste » du 2026-12-01 : réponse annoncée "
        "« bientôt » non compris ; attendu : une date (2026-12-04, 04/12, 12 décembre, "
        "vendredi) ou un délai (5 jours, 2 semaines, 1 mois)\n"
    )
    assert run("sync").err == ""  # said once: the cron mail comes once
    assert "bientôt" in run("status").out  # status shows it always
    replace_user_events(cal, unclear.replace("bientôt", "prochainement"))
    assert "« prochainement » non compris" in run("sync").err
    assert run("sync").err == ""


def test_a_doubtful_title_warns_and_names_no_company(setup):
    cal, _, run = setup
    cal.write_text(calendar(interview("t@x", "Entretien tel", "")))
    result = run("sync")
    assert "entreprise introuvable dans le titre ; ajoutez « Entreprise : … »" in result.err
    [row] = json.loads(run("status", "--json").out)
    assert row["company"] is None
    # The JSON stays as the contract gives it, whatever the language.
    assert row["warnings"] == ['company not found in the title; add "Entreprise : …" to the event']


def test_warnings_speak_the_configured_language(home, relance):
    cal = home / "perso.ics"
    config = write_config(home, cal)
    config.write_text(config.read_text().replace('language = "fr"', 'language = "en"'))
    cal.write_text(calendar(interview("t@x", "Entretien tel", "Urgence : peut-être")))

    def run(*args: str):
        return relance("--config", str(config), "--now", NOW, *args)

    assert run("sync").err.splitlines() == [
        'relance-cal: "Entretien tel" on 2026-12-01: urgency "peut-être" not understood; '
        "expected oui or non",
        'relance-cal: "Entretien tel" on 2026-12-01: company not found in the title; '
        'add "Entreprise : …" to the event',
    ]
    shown = run("status").out
    assert '! urgency "peut-être" not understood; expected oui or non' in shown
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
    shown = run("status").out
    assert "! urgence « peut-être » non compris ; attendu : oui ou non" in shown
    assert "! entreprise introuvable dans le titre" in shown


def test_dry_run_writes_no_memory_of_warnings(setup):
    cal, _, run = setup
    cal.write_text(calendar(interview("a@x", "Entretien Acme", "Réponse : bientôt")))
    run("sync", "--dry-run")
    assert "bientôt" in run("sync").err


def test_language_per_event_in_status_and_drafts(setup):
    cal, _, run = setup
    english = interview(
        "en@x", "Interview with Stripe", "Recruiter: Sam Lee <sam@stripe.com>\nLangue : en"
    )
    french = interview(
        "fr@x", "Entretien chez Decathlon", "Recruteuse : Léa Petit <lea@decathlon.fr>"
    )
    cal.write_text(calendar(english, french))
    rows = {row["uid"]: row for row in json.loads(run("status", "--json").out)}
    assert (rows["en@x"]["language"], rows["fr@x"]["language"]) == ("en", "fr")
    assert "following our interview on" in run("draft", "Stripe").out
    assert "suite à notre entretien du" in run("draft", "Decathlon").out
    run("sync")
    written = cal.read_bytes().decode("utf-8").replace("\r\n ", "")
    assert "following our interview on" in written  # the English draft, in its reminder
    assert "suite à notre entretien du" in written


@pytest.mark.parametrize("missing", ["me", "name"])
@pytest.mark.parametrize(
    "command", [["sync"], ["sync", "--dry-run"], ["draft", "Acme"], ["export"]]
)
def test_me_and_name_are_required_to_write_drafts(setup, missing, command):
    cal, config, run = setup
    cal.write_text(calendar(interview("a@x", "Entretien Acme", "")))
    lines = config.read_text().splitlines()
    config.write_text("\n".join(line for line in lines if not line.startswith(f"{missing} =")))
    result = run(*command)
    assert result.code == 2
    assert f"{config}: {missing}: missing" in result.err
    assert run("status").code == 0  # reading needs no identity


def test_init_leaves_the_identity_to_the_user_and_writes_the_system_zone(
    home, relance, monkeypatch
):
    monkeypatch.setenv("TZ", "America/Montreal")
    target = home / "config.toml"
    assert relance("--config", str(target), "init").code == 0
    text = target.read_text()
    assert '\n# me = "' in text and '\n# name = "' in text and "Camille" not in text
    assert 'timezone = "America/Montreal"' in text
    cal = home / "perso.ics"
    cal.write_text(calendar())
    target.write_text(text.replace("~/calendars/perso.ics", str(cal)))
    result = relance("--config", str(target), "sync")
    assert result.code == 2 and "me: missing" in result.err


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC", ":UTC", "Nowhere/Atlantis"])
def test_init_on_a_utc_server_keeps_paris(home, relance, monkeypatch, zone):
    monkeypatch.setenv("TZ", zone)
    target = home / "config.toml"
    relance("--config", str(target), "init")
    assert 'timezone = "Europe/Paris"' in target.read_text()


def test_init_example_fills_the_identity_for_its_demo(home, relance):
    folder = home / "demo"
    relance("init", "--example", str(folder))
    text = (folder / "config.toml").read_text()
    assert 'me = "camille.martin@example.org"' in text and 'name = "Camille Martin"' in text


def test_a_rejection_noted_late_gets_its_reply_reminder(setup):
    cal, _, run = setup
    cal.write_text(
        calendar(interview("late@x", "Entretien Doctolib", "Statut : refus", day="20261005"))
    )
    result = run("sync")
    assert "created reply reminder" in result.out
    [row] = json.loads(run("status", "--json").out)
    assert (row["status"], row["company"]) == ("rejected", "Doctolib")
    assert "Objet" in run("draft", "Doctolib").out


def test_two_rounds_give_one_follow_up(setup):
    cal, _, run = setup
    first = interview("r1@x", "Entretien - Ubisoft - Game designer", "", day="20261124")
    second = interview("r2@x", "2e entretien - Ubisoft - Game designer", "", day="20261201")
    cal.write_text(calendar(first, second))
    result = run("sync")
    assert result.out.count("created followup reminder") == 1
    rows = {row["uid"]: row["status"] for row in json.loads(run("status", "--json").out)}
    assert rows["r1@x"] == "superseded" and rows["r2@x"] in ("scheduled", "due")
