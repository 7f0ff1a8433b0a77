"""Message drafts: templates (package data, user overrides), rendering, mailto: links.

A template is a file `<kind>.<language>.txt` (kinds: followup, reply, thanks, ask; languages:
fr, en). A file of the same name in `<config dir>/templates/` replaces the bundled one.

    Subject: <the subject line>
    <a blank line>
    <the body>

Placeholders are replaced as plain text (nothing in a template runs). French / English:

    {greeting}      Bonjour Marie Dupont, | Madame, Monsieur,
                    Dear Marie Dupont, | Dear Hiring Manager,
    {date}          the interview date in words: mardi 3 mars / Tuesday 3 March
    {the_position}  le poste de Développeuse Python | le poste
                    the Python developer position | the position
    {company}       Acme | votre entreprise / Acme | your company
    {example_date}  a week after the interview, as written in an event: 09/03/2026 / 2026-03-09
    {points}        the discussed points: one sentence, or a sentence and a short list
    {as_agreed}     a sentence recalling that the recruiter announced when they would answer
    {signature}     the configured `name`

The last three may have nothing to say: each stands alone on its line, and that line is then
left out. Any other brace is an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from relance_cal import courtesy
from relance_cal.config import LANGUAGES
from relance_cal.errors import ConfigError

if TYPE_CHECKING:
    from relance_cal.interviews import Interview
    from relance_cal.policy import FollowUp

KINDS = ("followup", "reply", "thanks", "ask")
PLACEHOLDERS = (
    "greeting", "date", "the_position", "company", "example_date", "points", "as_agreed",
    "signature",
)  # fmt: skip
OPTIONAL = frozenset({"points", "as_agreed", "signature"})  # may render empty

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SUBJECT = re.compile(r"subject:", re.IGNORECASE)

_DAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ),
}  # fmt: skip
_PHRASES = {
    "fr": {
        "greeting": "Bonjour {name},",
        "greeting_anonymous": "Madame, Monsieur,",
        "the_position": "le poste {of_position}",
        "the_position_anonymous": "le poste",
        "company_anonymous": "votre entreprise",
        "point": "J'ai particulièrement apprécié nos échanges sur ce point : {point}.",
        "points": "J'ai particulièrement apprécié nos échanges sur ces points :",
        "as_agreed": "Comme convenu, je reviens vers vous une fois passé le délai que vous "
        "m'aviez indiqué.",
    },
    "en": {
        "greeting": "Dear {name},",
        "greeting_anonymous": "Dear Hiring Manager,",
        "the_position": "the {position} position",
        "the_position_anonymous": "the position",
        "company_anonymous": "your company",
        "point": "I particularly appreciated our discussion on this point: {point}.",
        "points": "I particularly appreciated our discussion on these points:",
        "as_agreed": "As agreed, I am getting back to you after the time you mentioned.",
    },
}


@dataclass(frozen=True)
class Draft:
    to: str | None
    subject: str
    body: str

    def mailto(self) -> str:
        """An RFC 6068 link: one tap opens the mail app with the message filled in."""
        fields = {"subject": self.subject, "body": self.body.replace("\n", "\r\n")}
        query = "&".join(f"{key}={quote(value, safe='')}" for key, value in fields.items())
        return f"mailto:{quote(self.to or '', safe='@')}?{query}"


@dataclass(frozen=True)
class Template:
    source: str  # where it was read, for messages
    subject: str
    body: str


@dataclass(frozen=True)
class Templates:
    language: str
    by_kind: Mapping[str, Template]
    findings: Mapping[str, tuple[courtesy.Finding, ...]]  # user template path -> courtesy findings


def load_templates(language: str, user_dir: Path | None) -> Templates:
    """The templates of `language`, with the files in `user_dir` replacing the bundled ones."""
    names = {kind: f"{kind}.{language}.txt" for kind in KINDS}
    overrides: dict[str, Path] = {}
    if user_dir is not None and user_dir.is_dir():
        known = {f"{kind}.{lang}.txt" for kind in KINDS for lang in LANGUAGES}
        for path in sorted(user_dir.glob("*.txt")):
            if path.name not in known:
                raise ConfigError(
                    f"{path}: not a template name; expected <kind>.<language>.txt with kind "
                    f"in {', '.join(KINDS)} and language in {', '.join(LANGUAGES)}"
                )
            overrides[path.name] = path
    by_kind: dict[str, Template] = {}
    findings: dict[str, tuple[courtesy.Finding, ...]] = {}
    bundled = resources.files("relance_cal") / "templates"
    for kind, name in names.items():
        if name not in overrides:
            text = (bundled / name).read_text(encoding="utf-8")
            by_kind[kind] = _parse(text, f"relance_cal/templates/{name}")
            continue
        path = overrides[name]
        try:
            text = path.read_text(encoding="utf-8-sig")  # universal newlines; a BOM is dropped
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: cannot read the template: {e}") from None
        by_kind[kind] = _parse(text, str(path))
        found = courtesy.check(text, language)
        if found:
            findings[str(path)] = tuple(found)
    return Templates(language, by_kind, findings)


def render(
    kind: str,
    interview: Interview,
    followup: FollowUp | None,
    *,
    language: str,
    name: str | None,
    templates: Templates,
) -> Draft:
    """The draft of `kind` for `interview`; a missing field turns into neutral wording."""
    if templates.language != language:
        raise ValueError(f"templates are in {templates.language}, not {language}")
    template = templates.by_kind[kind]
    values = _values(interview, followup, language, name)
    to = None if kind == "ask" else _clean(interview.recruiter_email)
    return Draft(to, _fill(template.subject, values), _fill(template.body, values))


def date_in_words(day: date, language: str) -> str:
    """`mardi 3 mars`, `mercredi 1er avril` / `Tuesday 3 March`, without the locale."""
    number = "1er" if day.day == 1 and language == "fr" else str(day.day)
    return f"{_DAYS[language][day.weekday()]} {number} {_MONTHS[language][day.month - 1]}"


def _parse(text: str, source: str) -> Template:
    lines = text.split("\n")
    if not _SUBJECT.match(lines[0]):
        raise ConfigError(
            f"{source}: line 1: expected `Subject: ...`, then a blank line, then the body"
        )
    if len(lines) > 1 and lines[1].strip():
        raise ConfigError(f"{source}: line 2: expected a blank line after the subject")
    subject = lines[0][len("subject:") :].strip()
    body = "\n".join(lines[2:]).strip("\n")
    if not subject or not body.strip():
        raise ConfigError(f"{source}: a template needs a subject and a body")
    for number, line in enumerate(lines, start=1):
        for match in _PLACEHOLDER.finditer(line):
            placeholder = match.group(1)
            if placeholder not in PLACEHOLDERS:
                raise ConfigError(
                    f"{source}: line {number}: unknown placeholder {{{placeholder}}} "
                    f"(known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
                )
            if placeholder in OPTIONAL and (number == 1 or line.strip() != match.group()):
                raise ConfigError(
                    f"{source}: line {number}: {{{placeholder}}} must stand alone on its line "
                    "in the body (it may have nothing to say)"
                )
        if re.search(r"[{}]", _PLACEHOLDER.sub("", line)):
            raise ConfigError(f"{source}: line {number}: a brace outside a {{placeholder}}")
    return Template(source, subject, body)


def _fill(text: str, values: Mapping[str, str]) -> str:
    lines = []
    for line in text.split("\n"):
        alone = _PLACEHOLDER.fullmatch(line.strip())
        if alone and not values[alone.group(1)]:
            continue
        lines.append(_PLACEHOLDER.sub(lambda m: values[m.group(1)], line).rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _values(
    interview: Interview, followup: FollowUp | None, language: str, name: str | None
) -> dict[str, str]:
    phrases = _PHRASES[language]
    recruiter = _clean(interview.recruiter_name)
    position = _clean(interview.position)
    company = _clean(interview.company)
    answer_by = interview.start.date() + timedelta(weeks=1)
    if position:
        of_position = ("d'" if position[0].lower() in "aeiouhâàéèêîïôûü" else "de ") + position
        the_position = phrases["the_position"].format(position=position, of_position=of_position)
    else:
        the_position = phrases["the_position_anonymous"]
    return {
        "greeting": (
            phrases["greeting"].format(name=recruiter)
            if recruiter
            else phrases["greeting_anonymous"]
        ),
        "date": date_in_words(interview.start.date(), language),
        "the_position": the_position,
        "company": company or phrases["company_anonymous"],
        "example_date": (
            answer_by.strftime("%d/%m/%Y") if language == "fr" else answer_by.isoformat()
        ),
        "points": _points(interview.points, phrases),
        "as_agreed": phrases["as_agreed"] if followup and followup.rule == "announced" else "",
        "signature": _clean(name) or "",
    }


def _points(points: tuple[str, ...], phrases: Mapping[str, str]) -> str:
    items = [p for p in (_clean(p.strip().rstrip(".;,:!?")) for p in points) if p]
    if not items:
        return ""
    if len(items) == 1:
        return phrases["point"].format(point=items[0])
    return "\n".join([phrases["points"], *(f"- {item}" for item in items)])


def _clean(text: str | None) -> str | None:
    """Single spaces, no blank value: what a field shows in a draft."""
    return (" ".join(text.split()) or None) if text else None
