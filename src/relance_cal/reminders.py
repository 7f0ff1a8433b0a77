"""Interview + follow-up -> the reminder event to write: identity, title, description, alarms."""
# reminder_uid, identity_digest, calendar_marker: defined in model.py, where backends read them.

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from relance_cal.drafts import (
    KINDS,
    Draft,
    Templates,
    date_in_words,
    french_spacing,
    recruiter,
    render,
)
from relance_cal.model import (  # the identities, re-exported: public names of this module
    Reminder,
    calendar_marker,
    identity_digest,
    reminder_uid,
)

if TYPE_CHECKING:
    from relance_cal.config import Config
    from relance_cal.interviews import Interview
    from relance_cal.policy import FollowUp

__all__ = ["DURATION", "build", "calendar_marker", "identity_digest", "reminder_uid"]

DURATION = timedelta(minutes=15)

_TEXT = {
    "fr": {
        "followup": "Relancer",
        "thanks": "Remercier",
        "recruiter": "le recruteur",
        "reply": "Répondre à {who}",
        "reply_anonymous": "Répondre au recruteur",
        "ask": "Entretien {company} : demander le délai de réponse",
        "ask_anonymous": "Entretien : demander le délai de réponse",
        "when": "Relancer le {day} à {time}, et au plus tard le {deadline}.",
        "when_last_day": "Relancer le {day} à {time} : c'est le dernier jour conseillé.",
        "now": "Relancer dès maintenant, et au plus tard le {deadline}.",
        "now_last_day": "Relancer dès maintenant : c'est aujourd'hui le dernier jour conseillé.",
        "announced": "Réponse annoncée pour le {day} : relance le premier jour ouvré suivant.",
        "announced_undated": "Réponse annoncée : relance le premier jour ouvré après ce délai.",
        "urgent_48h": "Poste à pourvoir immédiatement : 48 h après l'entretien du {day}.",
        "business_days_3": "Délai habituel : 3 jours ouvrés après l'entretien du {day}.",
        "business_days_4": "Grand groupe : 4 jours ouvrés après l'entretien du {day}.",
        "beyond_max_days": "Le délai annoncé dépasse les {max_days} jours conseillés : la date "
        "limite est le jour même de la relance.",
        "why_reply": "Réponse négative après l'entretien du {day} : répondre quand même, pour "
        "remercier et rester en bons termes.",
        "why_thanks": "Un mot de remerciement après l'entretien du {day}, tant que l'échange "
        "est récent.",
        "why_ask": "Entretien le {day} à {time}.",
        "why_ask_all_day": "Entretien le {day}.",
        "message": "Message à envoyer",
        "to": "À : {to}",
        "subject": "Objet : {subject}",
        "mailto": "Ouvrir ce message dans votre messagerie :",
        "in_drafts": "Ce message vous attend aussi dans le dossier Brouillons de votre "
        "messagerie, prêt à envoyer.",
        "note": "Une seule relance : sans réponse après ce message, n'insistez pas.",
    },
    "en": {
        "followup": "Follow up with",
        "thanks": "Thank",
        "recruiter": "the recruiter",
        "reply": "Reply to {who}",
        "reply_anonymous": "Reply to the recruiter",
        "ask": "{company} interview: ask when they will answer",
        "ask_anonymous": "Interview: ask when they will answer",
        "when": "Follow up on {day} at {time}, and at the latest on {deadline}.",
        "when_last_day": "Follow up on {day} at {time}: it is the last advised day.",
        "now": "Follow up now, and at the latest on {deadline}.",
        "now_last_day": "Follow up now: today is the last advised day.",
        "announced": "Answer announced by {day}: follow up on the next business day.",
        "announced_undated": "Answer announced: follow up on the business day after that delay.",
        "urgent_48h": "Position to fill immediately: 48 hours after the interview of {day}.",
        "business_days_3": "Usual delay: 3 business days after the interview of {day}.",
        "business_days_4": "Large group: 4 business days after the interview of {day}.",
        "beyond_max_days": "The announced delay goes beyond the advised {max_days} days: the "
        "deadline is the follow-up day itself.",
        "why_reply": "Negative answer after the interview of {day}: reply anyway, to thank them "
        "and stay on good terms.",
        "why_thanks": "A thank-you note after the interview of {day}, while it is fresh.",
        "why_ask": "Interview on {day} at {time}.",
        "why_ask_all_day": "Interview on {day}.",
        "message": "Message to send",
        "to": "To: {to}",
        "subject": "Subject: {subject}",
        "mailto": "Open this message in your mail app:",
        "in_drafts": "This message is also waiting in the Drafts folder of your mailbox, "
        "ready to send.",
        "note": "One follow-up only: if no answer comes after this message, do not insist.",
    },
}

# The wording as written: French with its no-break spaces, before any value goes in (a value
# is the user's text, left as it is).
_SPACED = {
    language: {
        key: french_spacing(words) if language == "fr" else words for key, words in t.items()
    }
    for language, t in _TEXT.items()
}


def build(
    kind: str,
    interview: Interview,
    followup: FollowUp | None,
    config: Config,
    start: datetime,
    templates: Templates,
) -> Reminder:
    """The reminder of `kind` at `start`; an `ask` reminder ignores `start`: it ends as the
    interview starts. `followup` is required for a `followup` reminder. A follow-up reminder
    starting after its moment `F` was written late: its text says to follow up now, and its
    inputs are those of the on-time text (time passing changes nothing the user gave)."""
    if kind not in KINDS:
        raise ValueError(f"unknown reminder kind {kind!r}")
    if kind == "followup" and followup is None:
        raise ValueError("a follow-up reminder needs the follow-up moment")
    language = config.language
    draft = render(
        kind,
        interview,
        followup,
        language=interview.language or language,  # the recruiter's; the rest is the user's
        name=config.name,
        templates=templates,
    )
    title = _title(kind, interview, language)
    description = _description(kind, interview, followup, config, draft, late_on=None)
    inputs: list[object] = [kind, title, description]
    if kind == "followup" and followup is not None and start > followup.at:
        description = _description(kind, interview, followup, config, draft, late_on=start.date())
    if kind == "ask":
        start, alarms = interview.start - DURATION, (0,)
        inputs.append(start.isoformat())  # set by the interview, not by the caller
    else:
        alarms = config.alarm_minutes
    inputs.append(list(alarms))
    if followup is not None:
        inputs += [followup.at.isoformat(), followup.deadline.isoformat(), followup.rule]
    return Reminder(
        uid=reminder_uid(interview.key, kind),
        source_key=interview.key,
        kind=kind,
        inputs=hashlib.sha256(json.dumps(inputs).encode()).hexdigest()[:16],
        title=title,
        start=start,
        end=start + DURATION,
        description=description,
        alarm_minutes=tuple(alarms),
    )


def _title(kind: str, interview: Interview, language: str) -> str:
    text = _SPACED[language]
    company, position = interview.company, interview.position
    if kind == "ask":
        return text["ask"].format(company=company) if company else text["ask_anonymous"]
    name = recruiter(interview).full or interview.recruiter_name
    if kind == "reply":
        who = company or name or interview.recruiter_email
        return text["reply"].format(who=who) if who else text["reply_anonymous"]
    who = name or interview.recruiter_email
    if not who and company:
        who, company = company, None  # the company is who to write to: named once
    title = f"{text[kind]} {who or text['recruiter']}"
    if position:
        title += f" — {position}"
    if company:
        title += f" ({company})"
    elif not who and not position and interview.title.strip():
        title += f" ({interview.title.strip()})"
    return title


def _description(
    kind: str,
    interview: Interview,
    followup: FollowUp | None,
    config: Config,
    draft: Draft,
    *,
    late_on: date | None,
) -> str:
    language = config.language
    text = _SPACED[language]
    day = date_in_words(interview.start.date(), language)
    if kind == "ask":
        why = text["why_ask_all_day" if interview.all_day else "why_ask"].format(
            day=day, time=_time_in_words(interview.start.time(), language)
        )
        return f"{why}\n\n{draft.body}"
    if kind == "followup":
        assert followup is not None  # checked by build
        why = _why_followup(followup, day, config, late_on=late_on)
    else:
        why = text[f"why_{kind}"].format(day=day)
    message = [text["message"]]
    if draft.to:
        message.append(text["to"].format(to=draft.to))
    message += [text["subject"].format(subject=draft.subject), "", draft.body]
    parts = [why, "\n".join(message), f"{text['mailto']}\n{draft.mailto()}"]
    if config.mail is not None and config.mail.drafts:  # placed by `sync` (docs/mailbox.md)
        parts.append(text["in_drafts"])
    if kind == "followup":
        parts.append(text["note"])
    return "\n\n".join(parts)


def _why_followup(
    followup: FollowUp, interview_day: str, config: Config, *, late_on: date | None
) -> str:
    """When to follow up: never a moment already past (written late, on `late_on`: now), and
    one date when the day to follow up is the deadline."""
    language = config.language
    text = _SPACED[language]
    last_day = (late_on or followup.at.date()) == followup.deadline
    key = ("now" if late_on else "when") + ("_last_day" if last_day else "")
    lines = [
        text[key].format(
            day=date_in_words(followup.at.date(), language),
            time=_time_in_words(followup.at.time(), language),
            deadline=date_in_words(followup.deadline, language),
        )
    ]
    if followup.rule != "announced":
        lines.append(text[followup.rule].format(day=interview_day))
    elif followup.announced_on:
        lines.append(text["announced"].format(day=date_in_words(followup.announced_on, language)))
    else:
        lines.append(text["announced_undated"])
    if followup.beyond_max_days:
        lines.append(text["beyond_max_days"].format(max_days=config.policy.max_days))
    return "\n".join(lines)


def _time_in_words(moment: time, language: str) -> str:
    """`9 h 30`, `14 h` / `9:30`, `14:00`."""
    if language == "en":
        return f"{moment.hour}:{moment.minute:02d}"
    return f"{moment.hour} h {moment.minute:02d}" if moment.minute else f"{moment.hour} h"
