"""The mailbox's rules without a server: folder names, roles, targets, automatic replies,
and the [mail] table (docs/mailbox.md)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from relance_cal.config import parse
from relance_cal.errors import ConfigError
from relance_cal.interviews import Interview
from relance_cal.mail.base import is_automatic, targets
from relance_cal.mail.imap import _roles, decode_name, encode_name

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("encoded", "name"),
    [
        ("&AMk-l&AOk-ments envoy&AOk-s", "Éléments envoyés"),
        ("[Gmail]/Sent Mail", "[Gmail]/Sent Mail"),
        ("Brouillons &- notes", "Brouillons & notes"),
        ("&ZeVnLIqe-", "日本語"),
    ],
)
def test_folder_names_in_modified_utf7(encoded, name):
    assert decode_name(encoded) == name
    assert encode_name(name) == encoded


def test_roles_by_special_use_then_by_name():
    listed = [
        ("INBOX", set()),
        ("[Gmail]/All Mail", {"\\all", "\\hasnochildren"}),
        ("&AMk-l&AOk-ments envoy&AOk-s", {"\\sent"}),
        ("Brouillons", set()),  # no special use: found by its name
    ]
    roles = {f.role: f.name for f in _roles(listed)}
    assert roles == {
        "inbox": "INBOX",
        "all": "[Gmail]/All Mail",
        "sent": "&AMk-l&AOk-ments envoy&AOk-s",
        "drafts": "Brouillons",
    }


def _interview(email: str | None) -> Interview:
    start = datetime(2026, 3, 2, 14, tzinfo=PARIS)
    return Interview(
        key="k", uid="k", title="Entretien", start=start, end=start, recruiter_email=email
    )


@pytest.mark.parametrize(
    ("email", "address", "domain"),
    [
        ("Marie.Dupont@acme.fr", "marie.dupont@acme.fr", None),  # only her address counts
        ("noreply@acme.fr", None, "acme.fr"),  # an ATS invitation: the company's domain
        ("jobs@acme.fr", None, "acme.fr"),
        ("noreply@gmail.com", None, None),  # a public domain says nothing: no target
        ("camille@example.org", None, None),  # the user
        (None, None, None),
    ],
)
def test_what_is_looked_for(email, address, domain):
    found = targets([_interview(email)], "camille@example.org", "account")
    if address is None and domain is None:
        assert found == []
    else:
        assert (found[0].address, found[0].domain) == (address, domain)


@pytest.mark.parametrize(
    ("subject", "fields", "automatic"),
    [
        ("Réponse automatique : absente", {}, True),
        ("Absence du 3 au 10 mars", {}, True),
        ("Automatic reply: away", {}, True),
        ("Re: Entretien", {"auto-submitted": "auto-replied"}, True),
        ("Re: Entretien", {"x-autoreply": "yes"}, True),
        ("Re: Entretien", {"precedence": "auto_reply"}, True),
        # An applicant tracking system's answer is generated, and still an answer.
        ("Votre candidature", {"auto-submitted": "auto-generated"}, False),
        ("Re: Entretien", {}, False),
    ],
)
def test_automatic_replies(subject, fields, automatic):
    assert is_automatic(subject, fields) is automatic


def _config(mail: dict) -> object:
    raw = {"me": "c@example.org", "source": {"path": "cal.ics"}, "mail": mail}
    return parse(raw, Path("/nowhere/config.toml"))


def test_the_mail_table_and_its_defaults():
    config = _config({"host": "imap.example.org", "username": "camille", "password_env": "P"})
    mail = config.mail
    assert (mail.port, mail.security, mail.drafts, mail.timeout) == (993, "tls", False, 60.0)
    starttls = _config({"host": "h.example", "username": "u", "security": "starttls"}).mail
    assert starttls.port == 143


@pytest.mark.parametrize(
    ("mail", "message"),
    [
        ({"host": "h.example", "username": "u", "draft": True}, "did you mean `drafts`?"),
        ({"host": "h.example", "username": "u", "security": "ssl"}, "expected tls, starttls"),
        (
            {"host": "imap.example.org", "username": "u", "security": "none"},
            "allowed only to this machine",
        ),
        ({"username": "u"}, "mail.host: missing"),
        ({"host": "imap.example.org:993", "username": "u"}, "give the port in port"),
    ],
)
def test_mail_table_errors_name_the_key_and_the_fix(mail, message):
    with pytest.raises(ConfigError) as error:
        _config(mail)
    assert message in error.value.message


def test_plain_login_is_allowed_to_loopback():
    for host in ("127.0.0.1", "localhost", "::1"):
        assert _config({"host": host, "username": "u", "security": "none"}).mail.port == 143
