"""`sync` with a [mail] table, against a real Dovecot (docs/mailbox.md)."""

from __future__ import annotations

import email
import email.header
import json
import re
from pathlib import Path

import pytest

from calendar_files import calendar, reminders_in, replace_user_events, write_config

from .conftest import ALL, DRAFTS, PASSWORD_ENV, SENT

pytestmark = pytest.mark.slow

START, END = "20260302T140000", "20260302T150000"  # Paris: 14:00 to 15:00
AFTER = "2026-03-03T10:00:00+01:00"  # the morning after the interview
LATER = "2026-03-03T12:00"  # --now of the run that sees it
FOLLOWUP = "acme-1@example.org/followup"


def interview(
    start: str = START,
    end: str = END,
    recruiter: str = "Marie Dupont <marie.dupont@acme.fr>",
    uid: str = "acme-1@example.org",
) -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260201T100000Z\n"
        f"DTSTART;TZID=Europe/Paris:{start}\nDTEND;TZID=Europe/Paris:{end}\n"
        "SUMMARY:Entretien - Acme - Développeuse Python\n"
        f"DESCRIPTION:Recruteuse: {recruiter}\nEND:VEVENT\n"
    )


@pytest.fixture
def setup(home: Path, relance, relay, mailbox, password_env):
    """A calendar with one interview, a config whose [mail] table reaches Dovecot through
    the counting relay; `run(...)` runs the command line at a given moment."""
    cal = home / "cal.ics"
    cal.write_text(calendar(interview()))
    options = {"port": relay.port, "drafts": "false", "password_env": f'"{password_env}"'}

    def configure(**changes: object) -> Path:
        options.update(changes)
        table = "".join(f"{key} = {value}\n" for key, value in options.items())
        return write_config(
            home,
            cal,
            f'[mail]\nhost = "127.0.0.1"\nsecurity = "none"\nusername = "{mailbox.user}"\n' + table,
        )

    config = configure()

    def run(*args: str, now: str = "2026-03-02T18:00"):
        return relance("--config", str(config), "--now", now, *args)

    run.configure = configure  # type: ignore[attr-defined]
    return cal, run


def status(run, now: str = LATER) -> dict:
    result = run("status", "--json", now=now)
    assert result.code == 0, result.err
    return {row["uid"]: row for row in json.loads(result.out)}


def test_the_recruiter_answers_and_the_followup_is_withdrawn(setup, mailbox):
    """The story of the issue, end to end: the reminder is written, the recruiter's mail
    arrives, the next sync removes the reminder and `status` says answered; the draft is in
    Drafts once."""
    cal, run = setup
    run.configure(drafts="true")
    first = run("sync")
    assert first.code == 0, first.err
    assert "created followup reminder 2026-03-05 09:30" in first.out
    assert FOLLOWUP in reminders_in(cal)
    description = str(reminders_in(cal)[FOLLOWUP]["DESCRIPTION"])
    assert "dossier Brouillons" in description  # the reminder says where the draft waits
    assert len(mailbox.messages(DRAFTS)) == 1

    mailbox.deliver(sender="Marie Dupont <marie.dupont@acme.fr>", date=AFTER)
    second = run("sync", now=LATER)
    assert second.code == 0, second.err
    assert "removed followup reminder 2026-03-05 09:30" in second.out
    assert FOLLOWUP not in reminders_in(cal)
    row = status(run)["acme-1@example.org"]
    assert row["status"] == "answered"
    assert row["answered_at"] == "2026-03-03T10:00:00+01:00"
    table = run("status", now=LATER)
    assert re.search(r"answered (2026-)?03-03", table.out)  # the day it came
    assert "le recruteur vous a écrit" in table.out

    assert run("sync", now=LATER).out == ""
    assert len(mailbox.messages(DRAFTS)) == 1  # exactly once, whatever the runs


def test_answer_from_the_company_domain_when_the_invitation_came_from_no_reply(setup, mailbox):
    cal, run = setup
    cal.write_text(calendar(interview(recruiter="Acme Recrutement <noreply@acme.fr>")))
    run("sync")
    mailbox.deliver(sender="Paul Martin <paul.martin@acme.fr>", date=AFTER)
    assert run("sync", now=LATER).code == 0
    assert status(run)["acme-1@example.org"]["status"] == "answered"


def test_only_the_recruiters_address_counts_when_it_is_known(setup, mailbox):
    """A no-reply sender, or a colleague, at the company's domain is no answer then."""
    cal, run = setup
    run("sync")
    mailbox.deliver(sender="Acme Jobs <noreply@acme.fr>", date=AFTER, subject="Votre compte")
    mailbox.deliver(sender="paul.martin@acme.fr", date=AFTER, subject="Newsletter")
    assert run("sync", now=LATER).code == 0
    assert status(run)["acme-1@example.org"]["status"] == "scheduled"
    assert FOLLOWUP in reminders_in(cal)


@pytest.mark.parametrize(
    ("subject", "headers"),
    [
        ("Réponse automatique : absente jusqu'au 10 mars", {}),
        ("Out of Office: back on Monday", {}),
        ("Re: Entretien", {"Auto-Submitted": "auto-replied"}),
        ("Re: Entretien", {"X-Autoreply": "yes"}),
        ("Re: Entretien", {"Precedence": "auto_reply"}),
    ],
)
def test_an_automatic_reply_is_no_answer(setup, mailbox, subject, headers):
    cal, run = setup
    run("sync")
    mailbox.deliver(sender="marie.dupont@acme.fr", date=AFTER, subject=subject, headers=headers)
    assert run("sync", now=LATER).code == 0
    assert status(run)["acme-1@example.org"]["status"] == "scheduled"
    assert FOLLOWUP in reminders_in(cal)


def test_a_message_before_the_interview_is_no_answer(setup, mailbox):
    _cal, run = setup
    mailbox.deliver(
        sender="marie.dupont@acme.fr", date="2026-02-27T09:00:00+01:00", subject="Invitation"
    )
    assert run("sync").code == 0
    mailbox.deliver(
        sender="marie.dupont@acme.fr", date="2026-03-02T13:30:00+01:00", subject="Le lien visio"
    )
    assert run("sync", now=LATER).code == 0
    row = status(run)["acme-1@example.org"]
    assert row["status"] == "scheduled" and row["answered_at"] is None


def test_a_followup_in_sent_is_followed_up(setup, mailbox):
    _cal, run = setup
    run("sync")
    mailbox.deliver(
        SENT,
        sender="camille@example.org",
        to="Marie Dupont <marie.dupont@acme.fr>",
        date="2026-03-04T09:00:00+01:00",
        subject="Suite à notre entretien",
        flags="\\Seen",
    )
    result = run("sync", now="2026-03-04T12:00")
    assert result.code == 0, result.err
    assert "removed followup reminder" in result.out
    assert status(run, "2026-03-04T12:00")["acme-1@example.org"]["status"] == "followed_up"


def test_nothing_but_headers_read_and_no_flag_changed(setup, mailbox, relay):
    _cal, run = setup
    mailbox.deliver(sender="marie.dupont@acme.fr", date=AFTER)
    mailbox.deliver(ALL, sender="marie.dupont@acme.fr", date=AFTER, subject="Copie")
    assert run("sync", now=LATER).code == 0
    sent = b"\n".join(relay.lines).upper()
    assert b"BODY.PEEK[HEADER.FIELDS (FROM TO CC DATE MESSAGE-ID" in sent
    for forbidden in (b"BODY[", b"RFC822 ", b"RFC822)", b"BODY.PEEK[]", b"BODY.PEEK[TEXT]"):
        assert forbidden not in sent
    assert "SELECT" not in relay.commands and "UID STORE" not in relay.commands
    assert "EXAMINE" in relay.commands
    # On the server: nothing marked as read.
    assert all(b"\\Seen" not in flags for flags in mailbox.flags("INBOX") + mailbox.flags(ALL))
    assert status(run)["acme-1@example.org"]["status"] == "answered"


def test_a_run_without_new_mail_costs_one_status_per_folder(setup, mailbox, relay):
    _cal, run = setup
    assert run("sync").code == 0
    relay.reset()
    assert run("sync").code == 0
    commands = [c for c in relay.commands if c != "CAPABILITY"]
    # INBOX, the \All and \Archive folders, and \Sent: the login, four STATUS, the logout.
    assert commands == ["LOGIN", "STATUS", "STATUS", "STATUS", "STATUS", "LOGOUT"]

    mailbox.deliver(sender="marie.dupont@acme.fr", date=AFTER)
    relay.reset()
    assert run("sync", now=LATER).code == 0
    searches = [line for line in relay.lines if b"UID SEARCH" in line]
    assert len(searches) == 1 and re.search(rb"UID SEARCH UID \d+:\* ", searches[0])
    assert relay.commands.count("EXAMINE") == 1  # only the inbox had something new


def test_a_new_uidvalidity_means_searching_the_window_again(setup, mailbox, relay):
    _cal, run = setup
    for n in range(3):
        mailbox.deliver(ALL, sender=f"news{n}@example.com", date=AFTER, subject="News")
    assert run("sync").code == 0
    before = mailbox.status(ALL)
    mailbox.recreate(ALL)
    mailbox.deliver(ALL, sender="marie.dupont@acme.fr", date=AFTER)  # UID 1: not "new"
    assert mailbox.status(ALL) != before
    relay.reset()
    assert run("sync", now=LATER).code == 0
    assert any(b"UID SEARCH SINCE" in line for line in relay.lines)
    assert status(run)["acme-1@example.org"]["status"] == "answered"


def _draft(mailbox) -> tuple[bytes, email.message.Message]:
    (flags, raw), *others = mailbox.messages(DRAFTS)
    assert not others
    assert b"\\Draft" in flags
    return raw, email.message_from_bytes(raw)


def test_the_draft_waits_in_drafts_as_the_spec_writes_it(setup, mailbox):
    _cal, run = setup
    run.configure(drafts="true")
    assert run("sync").code == 0
    _, message = _draft(mailbox)
    assert message["From"] == "Camille Martin <camille@example.org>"
    assert "marie.dupont@acme.fr" in message["To"]
    assert message["X-Relance-Cal-Source"] == "acme-1@example.org"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    body = message.get_payload(decode=True).decode("utf-8")
    assert "Camille Martin" in body
    assert run("sync").out == ""
    assert len(mailbox.messages(DRAFTS)) == 1


def _moved(cal: Path) -> None:
    replace_user_events(cal, interview(start="20260303T140000", end="20260303T150000"))


def test_the_draft_is_replaced_when_the_interview_moves_and_it_is_untouched(setup, mailbox):
    cal, run = setup
    run.configure(drafts="true")
    run("sync")
    _raw, first = _draft(mailbox)
    _moved(cal)
    result = run("sync")
    assert result.code == 0, result.err
    assert "updated followup reminder 2026-03-06 09:30" in result.out
    _, second = _draft(mailbox)  # still one draft: the new one
    assert second["Message-ID"] != first["Message-ID"]


def test_a_draft_the_user_deleted_is_never_written_again(setup, mailbox):
    cal, run = setup
    run.configure(drafts="true")
    run("sync")
    mailbox.remove_all(DRAFTS)
    assert run("sync").code == 0
    _moved(cal)
    assert run("sync").code == 0
    assert mailbox.messages(DRAFTS) == []


def test_a_draft_the_user_edited_is_never_touched_again(setup, mailbox):
    cal, run = setup
    run.configure(drafts="true")
    run("sync")
    raw, _ = _draft(mailbox)
    edited = raw.replace(b"Bonjour", b"Bonjour bonjour", 1)
    mailbox.replace_message(DRAFTS, raw, edited)
    _moved(cal)
    assert run("sync").code == 0
    mine, _ = _draft(mailbox)
    assert mine == edited


def test_a_reply_draft_for_a_rejection_and_none_for_the_ask(setup, mailbox):
    cal, run = setup
    run.configure(drafts="true")
    ahead = interview(start="20260310T140000", end="20260310T150000", uid="ahead@example.org")
    rejected = interview().replace("DESCRIPTION:", "DESCRIPTION:Statut: refus\\n")
    cal.write_text(calendar(rejected, ahead))
    result = run("sync", now="2026-03-03T10:00")
    assert "created reply reminder" in result.out and "created ask reminder" in result.out
    drafts = [email.message_from_bytes(raw) for _, raw in mailbox.messages(DRAFTS)]
    by_source = {d["X-Relance-Cal-Source"]: d for d in drafts}
    # The reply for the rejection, the follow-up of the interview ahead; never the ask.
    assert (
        sorted(by_source)
        == ["acme-1@example.org", "ahead@example.org"]
        == sorted(d["X-Relance-Cal-Source"] for d in drafts)
    )
    assert "votre réponse" in str(
        email.header.make_header(
            email.header.decode_header(by_source["acme-1@example.org"]["Subject"])
        )
    )


def test_a_refused_password_exits_3_and_the_calendar_work_is_done(setup, monkeypatch):
    cal, run = setup
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    result = run("sync")
    assert result.code == 3
    assert "created followup reminder" in result.out
    assert FOLLOWUP in reminders_in(cal)
    assert "mail:" in result.err and "refused the login" in result.err
    assert "wrong" not in result.err


def test_a_mail_server_down_exits_1_and_the_calendar_work_is_done(setup, unused_port):
    cal, run = setup
    run.configure(port=unused_port)
    result = run("sync")
    assert result.code == 1
    assert "created followup reminder" in result.out
    assert FOLLOWUP in reminders_in(cal)
    assert "mail:" in result.err and "could not be reached" in result.err


def test_the_ask_reminder_is_unaffected(setup, mailbox):
    """Before the interview, the recruiter's mail (the invitation, the video link) changes
    nothing: the ask reminder is written as without a mailbox."""
    cal, run = setup
    mailbox.deliver(
        sender="marie.dupont@acme.fr", date="2026-02-27T09:00:00+01:00", subject="Invitation"
    )
    result = run("sync", now="2026-03-01T10:00")
    assert result.code == 0, result.err
    assert "created ask reminder 2026-03-02 13:45" in result.out
    assert "acme-1@example.org/ask" in reminders_in(cal)
    assert status(run, "2026-03-01T10:00")["acme-1@example.org"]["status"] == "scheduled"
