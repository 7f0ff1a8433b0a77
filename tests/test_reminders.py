"""Reminder events: identity, title, description order, timing, inputs hash."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from relance_cal.backends.google import google_event_id
from relance_cal.config import CalendarConfig, Config, PolicySettings
from relance_cal.drafts import load_templates, render
from relance_cal.interviews import Announced, Interview
from relance_cal.policy import FollowUp
from relance_cal.reminders import build, reminder_uid

PARIS = ZoneInfo("Europe/Paris")
# the example event of docs/event-metadata.md, and its follow-up (announced: 1 week)
EXAMPLE = Interview(
    key="example-uid",
    uid="example-uid",
    title="Entretien - Acme - Développeuse Python",
    start=datetime(2026, 3, 2, 14, 0, tzinfo=PARIS),
    end=datetime(2026, 3, 2, 15, 0, tzinfo=PARIS),
    company="Acme",
    position="Développeuse Python",
    recruiter_name="Marie Dupont",
    recruiter_email="marie.dupont@acme.fr",
    company_size="large",
    announced=Announced(amount=1, unit="weeks"),
    points=("migration vers le cloud", "équipe de six", "deux jours de télétravail"),
)
FOLLOWUP = FollowUp(
    at=datetime(2026, 3, 10, 9, 30, tzinfo=PARIS),
    deadline=date(2026, 3, 12),
    rule="announced",
    announced_on=date(2026, 3, 9),
)
START = datetime(2026, 3, 10, 9, 30, tzinfo=PARIS)


def config(language: str = "fr", **changes: object) -> Config:
    return Config(
        path=Path("/home/camille/.config/relance-cal/config.toml"),
        source=CalendarConfig(),
        reminders=CalendarConfig(),
        **{"name": "Camille Martin", "language": language, **changes},  # type: ignore[arg-type]
    )


def reminder(kind: str = "followup", interview: Interview = EXAMPLE, followup=FOLLOWUP, **kw):
    cfg = kw.pop("cfg", None) or config()
    start = kw.pop("start", START)
    return build(kind, interview, followup, cfg, start, load_templates(cfg.language, None))


def test_uid_is_deterministic_and_per_kind() -> None:
    uid = reminder_uid("example-uid", "followup")
    assert uid == reminder_uid("example-uid", "followup")
    assert re.fullmatch(r"[0-9a-f]{32}@relance-cal", uid)
    others = {reminder_uid("example-uid", k) for k in ("reply", "ask", "thanks")}
    others.add(reminder_uid("example-uid@2026-03-09T14:00:00+01:00", "followup"))
    assert uid not in others and len(others) == 4


def test_google_event_id_is_deterministic_base32hex() -> None:
    event_id = google_event_id("example-uid", "followup")
    assert event_id == google_event_id("example-uid", "followup")
    assert re.fullmatch(r"[a-v0-9]{5,1024}", event_id)
    assert event_id != google_event_id("example-uid", "reply")
    assert event_id != google_event_id("other-uid", "followup")


@pytest.mark.parametrize(
    ("language", "kind", "title"),
    [
        ("fr", "followup", "Relancer Marie Dupont — Développeuse Python (Acme)"),
        ("en", "followup", "Follow up with Marie Dupont — Développeuse Python (Acme)"),
        ("fr", "reply", "Répondre à Acme"),
        ("en", "reply", "Reply to Acme"),
        ("fr", "ask", "Entretien Acme\u00a0: demander le délai de réponse"),
        ("en", "ask", "Acme interview: ask when they will answer"),
        ("fr", "thanks", "Remercier Marie Dupont — Développeuse Python (Acme)"),
        ("en", "thanks", "Thank Marie Dupont — Développeuse Python (Acme)"),
    ],
)
def test_title(language: str, kind: str, title: str) -> None:
    assert reminder(kind, cfg=config(language)).title == title


@pytest.mark.parametrize(
    ("fields", "kind", "title"),
    [
        (
            {"recruiter_name": None},
            "followup",
            "Relancer marie.dupont@acme.fr — Développeuse Python (Acme)",
        ),
        (
            {"recruiter_name": None, "recruiter_email": None},
            "followup",
            "Relancer Acme — Développeuse Python",
        ),
        ({"position": None}, "followup", "Relancer Marie Dupont (Acme)"),
        ({"company": None}, "followup", "Relancer Marie Dupont — Développeuse Python"),
        (
            {"recruiter_name": None, "recruiter_email": None, "company": None},
            "followup",
            "Relancer le recruteur — Développeuse Python",
        ),
        (
            {"recruiter_name": None, "recruiter_email": None, "company": None, "position": None},
            "thanks",
            "Remercier le recruteur (Entretien - Acme - Développeuse Python)",
        ),
        ({"company": None}, "reply", "Répondre à Marie Dupont"),
        (
            {"company": None, "recruiter_name": None, "recruiter_email": None},
            "reply",
            "Répondre au recruteur",
        ),
        ({"company": None}, "ask", "Entretien\u00a0: demander le délai de réponse"),
    ],
)
def test_title_without_some_fields(fields: dict, kind: str, title: str) -> None:
    assert reminder(kind, dataclasses.replace(EXAMPLE, **fields)).title == title


def test_followup_description_in_the_order_of_the_spec() -> None:
    r = reminder()
    draft = render(
        "followup", EXAMPLE, FOLLOWUP, language="fr", name="Camille Martin",
        templates=load_templates("fr", None),
    )  # fmt: skip
    parts = [
        "Relancer le mardi 10 mars à 9 h 30, et au plus tard le jeudi 12 mars.",
        "Réponse annoncée pour le lundi 9 mars\u00a0: relance le premier jour ouvré suivant.",
        "À\u00a0: marie.dupont@acme.fr",
        f"Objet\u00a0: {draft.subject}",
        draft.body,
        draft.mailto(),
        "Une seule relance\u00a0: sans réponse après ce message, n'insistez pas.",
    ]
    positions = [r.description.find(p) for p in parts]
    assert -1 not in positions and positions == sorted(positions), positions


def test_the_mailto_link_in_the_description_opens_the_draft() -> None:
    link = next(line for line in reminder().description.splitlines() if line.startswith("mailto:"))
    parts = urlsplit(link)
    query = parse_qs(parts.query)
    assert parts.path == "marie.dupont@acme.fr"
    assert query["subject"] == [
        "Candidature au poste de développeuse Python \u2013 suite à notre entretien du 2 mars"
    ]
    assert "la migration vers le cloud, l'équipe de six et les deux" in query["body"][0]


@pytest.mark.parametrize(
    ("followup", "language", "rule_line"),
    [
        (
            FollowUp(datetime(2026, 3, 5, 14, 0, tzinfo=PARIS), date(2026, 3, 13), "urgent_48h"),
            "fr",
            "Poste à pourvoir immédiatement\u00a0: 48 h après l'entretien du lundi 2 mars.",
        ),
        (
            FollowUp(datetime(2026, 3, 5, 14, 0, tzinfo=PARIS), date(2026, 3, 13), "urgent_48h"),
            "en",
            "Position to fill immediately: 48 hours after the interview of Monday 2 March.",
        ),
        (
            FollowUp(
                datetime(2026, 3, 5, 9, 30, tzinfo=PARIS), date(2026, 3, 12), "business_days_3"
            ),
            "fr",
            "Délai habituel\u00a0: 3 jours ouvrés après l'entretien du lundi 2 mars.",
        ),
        (
            FollowUp(
                datetime(2026, 3, 6, 9, 30, tzinfo=PARIS), date(2026, 3, 12), "business_days_4"
            ),
            "en",
            "Large group: 4 business days after the interview of Monday 2 March.",
        ),
    ],
)
def test_the_rule_in_words(followup: FollowUp, language: str, rule_line: str) -> None:
    assert rule_line in reminder(followup=followup, cfg=config(language)).description


def test_beyond_max_days_is_explained() -> None:
    followup = FollowUp(
        datetime(2027, 1, 4, 9, 30, tzinfo=PARIS), date(2027, 1, 4), "announced",
        beyond_max_days=True, announced_on=date(2026, 12, 31),
    )  # fmt: skip
    cfg = config("en", policy=PolicySettings(max_days=12))
    assert (
        "Answer announced by Thursday 31 December: follow up on the next business day.\n"
        "The announced delay goes beyond the advised 12 days: the deadline is the follow-up "
        "day itself." in reminder(followup=followup, cfg=cfg).description
    )


LAST_DAY = FollowUp(
    datetime(2027, 1, 4, 9, 30, tzinfo=PARIS), date(2027, 1, 4), "announced",
    beyond_max_days=True, announced_on=date(2026, 12, 31),
)  # fmt: skip


@pytest.mark.parametrize(
    ("followup", "start", "language", "when"),
    [
        # on time
        (FOLLOWUP, FOLLOWUP.at, "fr",
         "Relancer le mardi 10 mars à 9 h 30, et au plus tard le jeudi 12 mars."),
        (FOLLOWUP, FOLLOWUP.at, "en",
         "Follow up on Tuesday 10 March at 9:30, and at the latest on Thursday 12 March."),
        # F's date is L: one date
        (LAST_DAY, LAST_DAY.at, "fr",
         "Relancer le lundi 4 janvier à 9 h 30\u00a0: c'est le dernier jour conseillé."),
        (LAST_DAY, LAST_DAY.at, "en",
         "Follow up on Monday 4 January at 9:30: it is the last advised day."),
        # written late: now, never the past moment
        (FOLLOWUP, datetime(2026, 3, 11, 14, 15, tzinfo=PARIS), "fr",
         "Relancer dès maintenant, et au plus tard le jeudi 12 mars."),
        (FOLLOWUP, datetime(2026, 3, 11, 14, 15, tzinfo=PARIS), "en",
         "Follow up now, and at the latest on Thursday 12 March."),
        (FOLLOWUP, datetime(2026, 3, 12, 9, 30, tzinfo=PARIS), "fr",
         "Relancer dès maintenant\u00a0: c'est aujourd'hui le dernier jour conseillé."),
        (LAST_DAY, datetime(2027, 1, 4, 11, 0, tzinfo=PARIS), "en",
         "Follow up now: today is the last advised day."),
    ],
)  # fmt: skip
def test_when_to_follow_up(followup: FollowUp, start: datetime, language: str, when: str):
    r = reminder(followup=followup, start=start, cfg=config(language))
    first = r.description.splitlines()[0]
    assert first == when
    # time passing changes nothing the user gave: the inputs are those of the on-time text
    assert r.inputs == reminder(followup=followup, cfg=config(language)).inputs


def test_french_titles_and_descriptions_have_no_break_spaces() -> None:
    for kind in ("followup", "reply", "ask", "thanks"):
        r = reminder(kind, followup=FOLLOWUP if kind == "followup" else None)
        for text in (r.title, r.description):
            assert not re.search(r" [:;?!](?=\s|$)", text, re.MULTILINE), (kind, text)


def test_outlook_names_in_titles_are_in_their_usual_form() -> None:
    event = dataclasses.replace(EXAMPLE, recruiter_name="DUPONT Marie (Safran)")
    assert reminder(interview=event).title == "Relancer Marie Dupont — Développeuse Python (Acme)"


def test_the_draft_is_in_the_events_language_the_rest_in_the_users() -> None:
    english = dataclasses.replace(EXAMPLE, language="en")
    r = reminder(interview=english, cfg=config("fr"))
    assert r.title.startswith("Relancer Marie Dupont")
    assert r.description.startswith("Relancer le mardi 10 mars")
    assert "Objet\u00a0: Application for the développeuse Python position" in r.description
    assert "Dear Marie Dupont," in r.description
    assert "\u202f" not in r.description.split("Objet")[1]  # English spacing in the draft


def test_followup_timing_and_alarms() -> None:
    r = reminder(cfg=config(alarm_minutes=(0, 60)))
    assert (r.start, r.end - r.start, r.alarm_minutes) == (START, timedelta(minutes=15), (0, 60))
    assert (r.uid, r.source_key, r.kind) == (
        reminder_uid("example-uid", "followup"), "example-uid", "followup",
    )  # fmt: skip


def test_ask_ends_when_the_interview_starts() -> None:
    r = reminder("ask", followup=None, cfg=config("fr", alarm_minutes=(0, 60)))
    assert r.end == EXAMPLE.start and r.start == EXAMPLE.start - timedelta(minutes=15)
    assert r.alarm_minutes == (0,)
    assert r.description.startswith("Entretien le lundi 2 mars à 14 h.\n\n")
    assert "Réponse\u00a0: sous 1 semaine\n" in r.description
    assert "Réponse\u00a0: 09/03/2026\n" in r.description
    assert "mailto:" not in r.description
    en = reminder("ask", followup=None, cfg=config("en"))
    assert "Answer: 1 week\n" in en.description and "Answer: 2026-03-09\n" in en.description


def test_reply_and_thanks_descriptions() -> None:
    reply = reminder("reply", followup=None, cfg=config("en")).description
    assert reply.startswith("Negative answer after the interview of Monday 2 March")
    assert "To: marie.dupont@acme.fr\nSubject: Re: Your reply \u2013 développeuse Python" in reply
    assert "do not insist" not in reply
    thanks = reminder("thanks", followup=None).description
    assert thanks.startswith("Un mot de remerciement après l'entretien du lundi 2 mars")


def test_a_reminder_without_recruiter_address_has_no_recipient_line() -> None:
    r = reminder(interview=dataclasses.replace(EXAMPLE, recruiter_email=None))
    assert "À\u00a0:" not in r.description and "mailto:?subject=" in r.description


def test_followup_needs_its_followup() -> None:
    with pytest.raises(ValueError, match="follow-up moment"):
        reminder(followup=None)


def test_inputs_ignore_the_moment_chosen_by_the_caller() -> None:
    assert reminder().inputs == reminder(start=START + timedelta(days=1)).inputs
    assert re.fullmatch(r"[0-9a-f]{16}", reminder().inputs)


@pytest.mark.parametrize(
    "change",
    [
        {"followup": dataclasses.replace(FOLLOWUP, at=FOLLOWUP.at + timedelta(hours=1))},
        {"followup": dataclasses.replace(FOLLOWUP, at=FOLLOWUP.at.replace(year=2027))},
        {"followup": dataclasses.replace(FOLLOWUP, deadline=date(2026, 3, 13))},
        {"interview": dataclasses.replace(EXAMPLE, company="Globex")},
        {"interview": dataclasses.replace(EXAMPLE, points=())},
        {"cfg": config(alarm_minutes=(0, 30))},
        {"cfg": config("en")},
        {"cfg": config(name="C. Martin")},
    ],
)
def test_inputs_change_with_anything_the_user_would_see(change: dict) -> None:
    assert reminder(**change).inputs != reminder().inputs


def test_ask_inputs_follow_the_interview_time() -> None:
    moved = dataclasses.replace(EXAMPLE, start=EXAMPLE.start + timedelta(hours=1))
    assert reminder("ask", moved, None).inputs != reminder("ask", EXAMPLE, None).inputs
    assert (
        reminder("ask", EXAMPLE, None).inputs == reminder("ask", EXAMPLE, None, start=START).inputs
    )
