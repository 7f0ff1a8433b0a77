"""The command line around the sync: init, the example, drafts, check-draft, --now, help."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import icalendar

from calendar_files import calendar, write_config

ACME = (
    "BEGIN:VEVENT\nUID:acme-1@example.org\nDTSTAMP:20260201T100000Z\n"
    "DTSTART;TZID=Europe/Paris:20260302T140000\nDTEND;TZID=Europe/Paris:20260302T150000\n"
    "SUMMARY:Entretien - Acme - Développeuse Python\n"
    "DESCRIPTION:Recruteuse: Marie Dupont <marie.dupont@acme.fr>\\nStatut: refus\nEND:VEVENT\n"
)


def test_init_writes_a_private_config_and_never_overwrites(home, relance):
    target = home / "conf" / "config.toml"
    first = relance("--config", str(target), "init")
    assert first.code == 0 and target.exists()
    assert target.stat().st_mode & 0o777 == 0o600
    target.write_text(target.read_text() + "# mine\n")
    second = relance("--config", str(target), "init")
    assert second.code == 2 and "never overwrites" in second.err
    assert target.read_text().endswith("# mine\n")


def test_init_config_is_valid_once_the_path_is_set(home, relance):
    target = home / "config.toml"
    relance("--config", str(target), "init")
    cal = home / "perso.ics"
    cal.write_text(calendar())
    target.write_text(target.read_text().replace("~/calendars/perso.ics", str(cal)))
    result = relance("--config", str(target), "status")
    assert result.code == 0, result.err


def test_example_works_any_day(home, relance):
    folder = home / "demo"
    assert relance("init", "--example", str(folder)).code == 0
    config = str(folder / "config.toml")
    first = relance("--config", config, "sync")
    assert first.code == 0, first.err
    assert "created followup reminder" in first.out
    assert "created reply reminder" in first.out  # the rejected one
    assert "created ask reminder" in first.out  # the one ahead
    assert "voiture" not in first.out  # a service appointment is not an interview
    assert relance("--config", config, "sync").out == ""
    events = icalendar.Calendar.from_ical((folder / "calendar.ics").read_bytes()).walk("VEVENT")
    assert sum("X-RELANCE-CAL-SOURCE" in e for e in events) >= 5


def test_draft_kind_reply_after_a_rejection(home, relance):
    cal = home / "cal.ics"
    cal.write_text(calendar(ACME))
    config = write_config(home, cal)
    result = relance(
        "--config", str(config), "--now", "2026-03-03T10:00", "draft", "acme-1@example.org"
    )
    assert result.code == 0, result.err
    assert "Objet\u00a0: " in result.out and "Camille Martin" in result.out  # a French draft
    assert "Merci de votre réponse" in result.out and "Re\u00a0: votre réponse" in result.out
    followup = relance(
        "--config", str(config), "--now", "2026-03-03T10:00", "draft", "Acme", "--kind", "followup"
    )
    assert followup.out != result.out and "Acme" in followup.out


def test_check_draft_flags_pushy_text_with_line_and_fix(tmp_path, relance):
    draft = tmp_path / "draft.txt"
    draft.write_text(
        "Bonjour,\nJe n'ai toujours pas de réponse !!\nMerci de répondre au plus vite.\n"
    )
    result = relance("check-draft", str(draft))
    assert result.code == 1
    assert "line 2" in result.out and "better:" in result.out


def test_check_draft_accepts_a_courteous_draft_on_stdin(relance, monkeypatch):
    import io

    text = (
        "Subject: Suite à notre entretien\n\nBonjour Marie Dupont,\n\n"
        "Je vous remercie pour notre entretien concernant le poste de développeuse chez Acme. "
        "Il a confirmé mon intérêt. Pourriez-vous m'indiquer où en est le processus ?\n\n"
        "Bien cordialement,\nCamille\n"
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    result = relance("check-draft", "-")
    assert (result.code, result.out) == (0, "")


def test_user_template_with_unknown_placeholder_is_exit_2(home, relance):
    cal = home / "cal.ics"
    cal.write_text(calendar(ACME))
    config = write_config(home, cal)
    (home / "templates").mkdir()
    (home / "templates" / "followup.fr.txt").write_text("Subject: Bonjour {societe}\n\nCorps\n")
    result = relance("--config", str(config), "--now", "2026-03-03T10:00", "status")
    assert result.code == 2
    assert "followup.fr.txt" in result.err and "societe" in result.err


def test_user_template_with_findings_warns_and_the_run_goes_on(home, relance):
    cal = home / "cal.ics"
    cal.write_text(calendar(ACME))
    config = write_config(home, cal)
    (home / "templates").mkdir()
    template = home / "templates" / "reply.fr.txt"
    template.write_text(
        "Subject: Re : {job}\n\n{greeting}\n\nVous ne m'avez toujours pas répondu pour "
        "{the_position} !!\n\n{signature}\n"
    )
    now = ("--config", str(config), "--now", "2026-03-03T10:00")
    result = relance(*now, "draft", "acme-1@example.org")
    assert result.code == 0, result.err
    assert f"{template}, line 5: " in result.err and "reproach" in result.err
    assert f"{template}: no thank-you" in result.err  # the whole text: no line
    assert "Vous ne m'avez toujours pas répondu" in result.out  # the user's words, as written
    assert relance(*now, "status").code == 0


def test_now_must_be_iso(home, relance):
    cal = home / "cal.ics"
    cal.write_text(calendar())
    config = write_config(home, cal)
    result = relance("--config", str(config), "--now", "demain", "status")
    assert result.code == 2 and "--now" in result.err


def test_now_from_the_environment(home, relance, monkeypatch):
    cal = home / "cal.ics"
    cal.write_text(calendar(ACME.replace("\\nStatut: refus", "")))
    config = write_config(home, cal)
    monkeypatch.setenv("RELANCE_CAL_NOW", "2026-03-02T18:00")
    result = relance("--config", str(config), "status")
    assert "2026-03-05 09:30" in result.out and "scheduled" in result.out


def test_python_dash_m_is_the_same_program(home):
    env = {**os.environ, "XDG_CONFIG_HOME": str(home / "c"), "XDG_STATE_HOME": str(home / "s")}
    result = subprocess.run(
        [sys.executable, "-m", "relance_cal", "--config", str(home / "none.toml"), "status"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert "relance-cal init" in result.stderr and "Traceback" not in result.stderr


def test_help_does_not_load_the_heavy_libraries():
    code = (
        "import sys; from relance_cal.cli import cli\n"
        "heavy = {'googleapiclient', 'caldav', 'icalendar', 'holidays', 'recurring_ical_events'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "relance_cal", "--help"], capture_output=True, check=True)
    assert time.perf_counter() - started < 5  # a sanity bound; the real target is in benchmarks/


def test_config_errors_name_the_key(home, relance):
    config = home / "config.toml"
    for body, key in [
        ('[source]\nbackend = "ics"\n', "source.path"),
        ('[source]\nbackend = "outlook"\n', "source.backend"),
        ('language = "de"\n[source]\npath = "x.ics"\n', "language"),
        ('[source]\npath = "x.ics"\n[policy]\ntimezone = "Mars/Olympus"\n', "policy.timezone"),
        ('[source]\npath = "x.ics"\n[policy]\nreminder_time = "9h30"\n', "policy.reminder_time"),
        (
            '[source]\npath = "x.ics"\n[reminders]\nalarm_minutes = [-5]\n',
            "reminders.alarm_minutes",
        ),
        ('[source]\npath = "x.ics"\n[drafts]\nthank_you = "yes"\n', "drafts.thank_you"),
        ('[source]\npath = "x.ics"\nkeywords = "entretien"\n', "source.keywords"),
        ("[source\n", "not valid TOML"),
    ]:
        config.write_text(body)
        result = relance("--config", str(config), "status")
        assert result.code == 2, body
        assert key in result.err, (body, result.err)
        assert len(result.err.strip().splitlines()) == 1


def test_plain_password_needs_a_private_config(home, relance):
    config = home / "config.toml"
    config.write_text(
        '[source]\nbackend = "caldav"\nurl = "https://dav.example/"\npassword = "s3cret-canary"\n'
    )
    config.chmod(0o644)
    result = relance("--config", str(config), "status")
    assert result.code == 2 and "chmod 600" in result.err
    assert "s3cret-canary" not in result.err


def test_paths_are_relative_to_the_config_file(home, relance):
    folder = home / "elsewhere"
    folder.mkdir()
    (folder / "cal.ics").write_text(calendar(ACME))
    config = folder / "config.toml"
    config.write_text('[source]\nbackend = "ics"\npath = "cal.ics"\n')
    result = relance("--config", str(config), "--now", "2026-03-03T10:00", "status", "--json")
    assert result.code == 0 and "acme-1@example.org" in result.out


def test_unreadable_metadata_is_a_warning_in_status(home, relance):
    cal = home / "cal.ics"
    cal.write_text(calendar(ACME.replace("Statut: refus", "Réponse: bientôt")))
    config = write_config(home, cal)
    result = relance("--config", str(config), "--now", "2026-03-02T18:00", "status")
    assert result.code == 0
    assert "bientôt" in result.out
    assert Path(cal).read_text().count("BEGIN:VEVENT") == 1  # status writes nothing
