"""Message drafts: templates (package data, user overrides), rendering, mailto: links.

A template is a file `<kind>.<language>.txt` (kinds: followup, reply, thanks, ask; languages:
fr, en). A file of the same name in `<config dir>/templates/` replaces the bundled one.

    Subject: <the subject line>
    <a blank line>
    <the body>

Placeholders are replaced as plain text (nothing in a template runs). French / English:

    {greeting}      Bonjour Madame Dupont, | Bonjour Marie Dupont, | Bonjour,
                    Dear Ms Dupont, | Dear Marie Dupont, | Hello,
    {date}          the interview date in words: lundi 2 mars / Monday 2 March
    {short_date}    the same without the weekday, for a subject: 2 mars / 2 March
    {the_position}  le poste de développeuse Python | le poste
                    the Python developer position | the position
    {application}   candidature au poste de développeuse Python | ma candidature
                    application for the Python developer position | my application
    {job}           poste de développeuse Python | ma candidature
                    Python developer position | my application
    {company}       Acme | votre entreprise / Acme | your company
    {example_date}  a week after the interview, as written in an event: 09/03/2026 / 2026-03-09
    {points}        the discussed points woven into one sentence
    {announced}     the delay the recruiter announced, recalled as a fact, when the follow-up
                    honours it (`{as_agreed}`, its former name, is read the same way)
    {signature}     the configured `name`

The last three may have nothing to say: each stands alone on its line (then left out), or as a
sentence of its own inside a paragraph (then left out with its space). Any other brace is an
error.

The renderer owns the grammar a template cannot: a value opening a sentence takes a capital,
French elision and contraction around a value (`d'Acme`, `du poste`), names in their usual
form (`DUPONT Marie` -> `Marie Dupont`), job titles in lower case inside a sentence (keeping
acronyms and names such as `SAP`, `DevOps`, `Python`), lists joined as a sentence, and in
French the no-break spaces before `: ; ? !` and inside `« »`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from relance_cal import courtesy
from relance_cal.config import LANGUAGES
from relance_cal.errors import ConfigError

if TYPE_CHECKING:
    from relance_cal.interviews import Announced, Interview
    from relance_cal.policy import FollowUp

KINDS = ("followup", "reply", "thanks", "ask")
PLACEHOLDERS = (
    "greeting", "date", "short_date", "the_position", "application", "job", "company",
    "example_date", "points", "announced", "as_agreed", "signature",
)  # fmt: skip
OPTIONAL = frozenset({"points", "announced", "as_agreed", "signature"})  # may render empty

NARROW_NBSP = "\u202f"  # before ; ? ! in French
NBSP = "\u00a0"  # before : and inside « » in French

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
_NUMBERS = {
    "fr": (
        "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
        "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit",
        "dix-neuf", "vingt", "vingt et un", "vingt-deux", "vingt-trois", "vingt-quatre",
        "vingt-cinq", "vingt-six", "vingt-sept", "vingt-huit", "vingt-neuf", "trente",
    ),
    "en": (
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen", "twenty", "twenty-one", "twenty-two", "twenty-three",
        "twenty-four", "twenty-five", "twenty-six", "twenty-seven", "twenty-eight",
        "twenty-nine", "thirty",
    ),
}  # fmt: skip
_PHRASES = {
    "fr": {
        "greeting_civility": "Bonjour {civility} {last},",
        "greeting_civility_only": "Bonjour {civility},",
        "greeting_name": "Bonjour {first} {last},",
        "greeting_anonymous": "Bonjour,",
        "f": "Madame",
        "m": "Monsieur",
        "the_position": "le poste de {position}",
        "the_position_anonymous": "le poste",
        "application": "candidature au poste de {position}",
        "job": "poste de {position}",
        "job_anonymous": "ma candidature",
        "company_anonymous": "votre entreprise",
        "points": "Nos échanges sur {points} ont retenu toute mon attention.",
        "and": "et",
        "announced": "Vous m'aviez indiqué un retour {delay} ; je me permets de revenir vers vous.",
        "announced_undated": "Vous m'aviez indiqué quand vous pensiez me répondre ; ce délai "
        "étant passé, je me permets de vous écrire.",
        "within": "sous {amount} {unit}",
        "by": "d'ici le {day}",
        "days": ("jour", "jours"),
        "business_days": ("jour ouvré", "jours ouvrés"),
        "weeks": ("semaine", "semaines"),
    },
    "en": {
        "greeting_civility": "Dear {civility} {last},",
        "greeting_civility_only": "Hello,",
        "greeting_name": "Dear {first} {last},",
        "greeting_anonymous": "Hello,",
        "f": "Ms",
        "m": "Mr",
        "the_position": "the {position} position",
        "the_position_anonymous": "the position",
        "application": "application for the {position} position",
        "job": "{position} position",
        "job_anonymous": "my application",
        "company_anonymous": "your company",
        "points": "I particularly appreciated our discussion of {points}.",
        "and": "and",
        "announced": "You mentioned that you expected to get back to me {delay}, so I am "
        "writing to follow up.",
        "announced_undated": "You mentioned when you expected to get back to me, so I am "
        "writing to follow up.",
        "within": "within {amount} {unit}",
        "by": "by {day}",
        "days": ("day", "days"),
        "business_days": ("business day", "business days"),
        "weeks": ("week", "weeks"),
    },
}
_ONE = {"fr": {"semaine": "une"}, "en": {"day": "a", "week": "a", "business day": "one"}}


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
    language: str  # the configured one
    by_language: Mapping[str, Mapping[str, Template]]  # every language: an event may choose
    findings: Mapping[str, tuple[courtesy.Finding, ...]]  # user template path -> courtesy findings

    @property
    def by_kind(self) -> Mapping[str, Template]:
        return self.by_language[self.language]

    @property
    def warnings(self) -> list[str]:
        """One line per finding in a user template, naming the file and the line."""
        return [
            f"{path}, line {f.line}: {f.text!r}: {f.problem}; better: {f.suggestion}"
            if f.line
            else f"{path}: {f.problem}; better: {f.suggestion}"
            for path, found in self.findings.items()
            for f in found
        ]


@dataclass(frozen=True)
class Recruiter:
    """A recruiter's name in its usual form, as far as the written name tells it."""

    first: str | None
    last: str | None
    civility: Literal["f", "m"] | None

    @property
    def full(self) -> str | None:
        return " ".join(p for p in (self.first, self.last) if p) or None


def load_templates(language: str, user_dir: Path | None) -> Templates:
    """The templates of every language (`language` is the configured one; an event may ask
    for another), with the files in `user_dir` replacing the bundled ones."""
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
    by_language: dict[str, dict[str, Template]] = {}
    findings: dict[str, tuple[courtesy.Finding, ...]] = {}
    bundled = resources.files("relance_cal") / "templates"
    for lang in LANGUAGES:
        by_kind = by_language.setdefault(lang, {})
        for kind in KINDS:
            name = f"{kind}.{lang}.txt"
            if name not in overrides:
                text = (bundled / name).read_text(encoding="utf-8")
                by_kind[kind] = _parse(text, f"relance_cal/templates/{name}")
                continue
            path = overrides[name]
            try:
                text = path.read_text(encoding="utf-8-sig")  # universal newlines; no BOM
            except (OSError, UnicodeDecodeError) as e:
                raise ConfigError(f"{path}: cannot read the template: {e}") from None
            by_kind[kind] = _parse(text, str(path))
            found = courtesy.check(text, lang)
            if found:
                findings[str(path)] = tuple(found)
    return Templates(language, by_language, findings)


def render(
    kind: str,
    interview: Interview,
    followup: FollowUp | None,
    *,
    language: str,
    name: str | None,
    templates: Templates,
) -> Draft:
    """The draft of `kind` for `interview` in `language`; a missing field turns into neutral
    wording."""
    template = templates.by_language[language][kind]
    values = _values(interview, followup, language, name)
    to = None if kind == "ask" else _clean(interview.recruiter_email)
    subject = _fill(template.subject, values, language)
    body = _fill(template.body, values, language)
    if language == "fr":
        subject, body = french_spacing(subject), french_spacing(body)
    return Draft(to, subject, body)


def date_in_words(day: date, language: str, *, weekday: bool = True) -> str:
    """`mardi 3 mars`, `mercredi 1er avril` / `Tuesday 3 March`, without the locale."""
    number = "1er" if day.day == 1 and language == "fr" else str(day.day)
    words = f"{number} {_MONTHS[language][day.month - 1]}"
    return f"{_DAYS[language][day.weekday()]} {words}" if weekday else words


def french_spacing(text: str) -> str:
    """French typography: U+202F before `; ? !`, U+00A0 before `:` and inside `« »`.

    Only where the mark ends a word (followed by a space or the end of the line), so that
    `9:30`, `https://` and a link's `?query` are left as they are."""
    text = re.sub(r"[ \u00a0\u202f]*([;?!])(?=\s|$|[»)])", rf"{NARROW_NBSP}\1", text)
    text = re.sub(r"(?<=\S)[ \u00a0\u202f]*:(?=\s|$)", f"{NBSP}:", text)
    text = re.sub(r"«[ \u00a0\u202f]*", f"«{NBSP}", text)
    text = re.sub(r"[ \u00a0\u202f]*»", f"{NBSP}»", text)
    # a line never starts with the mark the space was added before
    return re.sub(rf"(^|\n)[{NARROW_NBSP}{NBSP}]+", r"\1", text)


def recruiter(interview: Interview) -> Recruiter:
    """The recruiter's name as written (`DUPONT Marie`, `Dupont, Marie`, `Mme Morel`,
    `Dupont Marie (Safran)` as Outlook shows it) in its usual form, and the civility."""
    text = _clean(interview.recruiter_name) or ""
    civility = interview.civility
    outlook = bool(re.search(r"\([^()]*\)\s*$", text))  # Outlook: "Last First (Company)"
    text = re.sub(r"\s*\([^()]*\)\s*$", "", text)
    if "@" in text or not re.search(r"[^\W\d_]", text):
        return Recruiter(None, None, civility)
    if "," in text:
        last, _, first = text.partition(",")
        text, outlook = f"{first.strip()} {last.strip()}", False
    words = text.split()
    titled = bool(words) and _CIVILITIES.get(words[0].lower().rstrip(".")) is not None
    if titled:
        civility = civility or _CIVILITIES[words[0].lower().rstrip(".")]
        words = words[1:]
    if not words:
        return Recruiter(None, None, civility)
    capitals = [i for i, w in enumerate(words) if _letters(w).isupper() and len(_letters(w)) > 1]
    if capitals and len(capitals) < len(words):
        last_words = [words[i] for i in capitals]
        first_words = [w for i, w in enumerate(words) if i not in capitals]
    elif outlook and len(words) == 2:
        last_words, first_words = words[:1], words[1:]
    elif len(words) == 1:
        # one word: a surname after "Mme", else no telling a first name from a surname
        return Recruiter(None, _name_case(words[0]) if titled else None, civility)
    else:
        first_words, last_words = words[:1], words[1:]
    first = " ".join(_name_case(w) for w in first_words)
    last = " ".join(_name_case(w) for w in last_words)
    return Recruiter(first, last, civility)


def job_title(position: str) -> str:
    """A job title as written inside a sentence: `Chef De Produit` -> `chef de produit`,
    keeping acronyms and names: `Ingénieur DevOps`, `Consultant SAP`, `Développeuse Python`."""
    shouted = _letters(position).isupper()
    words = []
    for word in position.split():
        parts = []
        for part in re.split(r"([-/])", word):
            letters = _letters(part)
            if shouted and len(letters) > 3 and letters.lower() in _PROPER:
                part = part.capitalize()
            elif shouted and (len(letters) > 3 or letters.lower() in _SMALL_WORDS):
                part = part.lower()
            elif not shouted and letters[:1].isupper() and letters[1:].islower():
                part = part if letters.lower() in _PROPER else part.lower()
            parts.append(part)
        words.append("".join(parts))
    return " ".join(words)


def join_list(items: list[str], language: str) -> str:
    """`a`, `a et b`, `a, b et c` / `a and b`, `a, b and c`."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_PHRASES[language]['and']} {items[-1]}"


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
            if placeholder in OPTIONAL and (number == 1 or not _stands_alone(line, match)):
                raise ConfigError(
                    f"{source}: line {number}: {{{placeholder}}} must stand alone on its line "
                    "or as a sentence of its own in the body (it may have nothing to say)"
                )
        if re.search(r"[{}]", _PLACEHOLDER.sub("", line)):
            raise ConfigError(f"{source}: line {number}: a brace outside a {{placeholder}}")
    return Template(source, subject, body)


def _stands_alone(line: str, match: re.Match[str]) -> bool:
    """Alone on its line, or a sentence of its own: after a sentence's end or at the start of
    the line, and before the end of the line or another sentence."""
    before, after = line[: match.start()], line[match.end() :]
    return bool(
        (not before.strip() or re.search(r"[.!?»”]\s+$", before))
        and (not after.strip() or re.match(r"\s+\S", after))
    )


def _fill(text: str, values: Mapping[str, str], language: str) -> str:
    lines = []
    for line in text.split("\n"):
        alone = _PLACEHOLDER.fullmatch(line.strip())
        if alone and not values[alone.group(1)]:
            continue
        filled = _fill_line(line, values, language).rstrip()
        if any(not values[m.group(1)] for m in _PLACEHOLDER.finditer(line)):
            filled = re.sub(r"(?<=\S)  +", " ", filled).strip()  # the empty sentence's space
        lines.append(filled)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _fill_line(line: str, values: Mapping[str, str], language: str) -> str:
    """Replace the placeholders of one line, fitting each value to the words before it."""
    out = ""
    end = 0
    for match in _PLACEHOLDER.finditer(line):
        before, value = line[end : match.start()], values[match.group(1)]
        end = match.end()
        before = out + before
        if language == "fr":
            before, value = _french_join(before, value)
        if value and (not before.strip() or re.search(r"[.!?]\s+$", before)):
            value = value[0].upper() + value[1:]  # it opens a sentence
        out = before + value
    return out + line[end:]


_ELIDING = re.compile(r"\b(de|que|je|me|le|la|ne|jusque|lorsque|puisque) $", re.IGNORECASE)
_CONTRACTING = {("de", "le"): "du", ("de", "les"): "des", ("à", "le"): "au", ("à", "les"): "aux"}


def _french_join(before: str, value: str) -> tuple[str, str]:
    """`de` + `le poste` -> `du poste`; `de` + `Acme` -> `d'Acme`."""
    preposition = re.search(r"\b(de|à) $", before)
    article = re.match(r"(le|les) ", value)
    if preposition and article:
        contracted = _CONTRACTING[(preposition.group(1), article.group(1))]
        return before[: preposition.start()], f"{contracted} {value[article.end() :]}"
    eliding = _ELIDING.search(before)
    if eliding and _starts_with_vowel(value):
        return before[: eliding.start()] + eliding.group(1)[:-1] + "'", value
    return before, value


def _values(
    interview: Interview, followup: FollowUp | None, language: str, name: str | None
) -> dict[str, str]:
    phrases = _PHRASES[language]
    position = _clean(interview.position)
    company = _clean(interview.company)
    answer_by = interview.start.date() + timedelta(weeks=1)
    if position:
        title = job_title(position)
        the_position = _of(phrases["the_position"], title, language)
        application = _of(phrases["application"], title, language)
        job = _of(phrases["job"], title, language)
    else:
        the_position = phrases["the_position_anonymous"]
        application = phrases["job_anonymous"]
        job = phrases["job_anonymous"]
    announced = _announced(interview.announced, followup, language)
    return {
        "greeting": _greeting(recruiter(interview), language),
        "date": date_in_words(interview.start.date(), language),
        "short_date": date_in_words(interview.start.date(), language, weekday=False),
        "the_position": the_position,
        "application": application,
        "job": job,
        "company": company or phrases["company_anonymous"],
        "example_date": (
            answer_by.strftime("%d/%m/%Y") if language == "fr" else answer_by.isoformat()
        ),
        "points": _points(interview.points, language),
        "announced": announced,
        "as_agreed": announced,
        "signature": _clean(name) or "",
    }


def _of(phrase: str, title: str, language: str) -> str:
    """`le poste de {position}` with `de` elided before a vowel: `le poste d'ingénieur`."""
    text = phrase.format(position=title)
    if language == "fr" and _starts_with_vowel(title):
        text = text.replace(f"de {title}", f"d'{title}")
    return text


def _greeting(person: Recruiter, language: str) -> str:
    phrases = _PHRASES[language]
    if person.civility and person.last:
        civility = phrases[person.civility]
        return phrases["greeting_civility"].format(civility=civility, last=person.last)
    if person.civility:
        return phrases["greeting_civility_only"].format(civility=phrases[person.civility])
    if person.first and person.last:
        return phrases["greeting_name"].format(first=person.first, last=person.last)
    return phrases["greeting_anonymous"]


def _announced(announced: Announced | None, followup: FollowUp | None, language: str) -> str:
    """The recruiter's announced delay as a fact, when the follow-up honours it."""
    if followup is None or followup.rule != "announced":
        return ""
    phrases = _PHRASES[language]
    delay = None
    if announced is not None and announced.on is not None:
        delay = phrases["by"].format(day=date_in_words(announced.on, language))
    elif announced is not None and announced.amount and announced.unit in phrases:
        singular, plural = phrases[announced.unit]
        unit = singular if announced.amount == 1 else plural
        amount = (
            _ONE[language].get(unit, _NUMBERS[language][1])
            if announced.amount == 1
            else _NUMBERS[language][announced.amount]
            if announced.amount < len(_NUMBERS[language])
            else str(announced.amount)
        )
        delay = phrases["within"].format(amount=amount, unit=unit)
    elif followup.announced_on is not None:
        delay = phrases["by"].format(day=date_in_words(followup.announced_on, language))
    if delay is None:
        return phrases["announced_undated"]
    return phrases["announced"].format(delay=delay)


def _points(points: tuple[str, ...], language: str) -> str:
    items = [p for p in (_clean(p.strip().strip(".;,:!?")) for p in points) if p]
    if not items:
        return ""
    items = [_point(item, language) for item in items]
    return _PHRASES[language]["points"].format(points=join_list(items, language))


def _point(item: str, language: str) -> str:
    """A discussed point as a phrase inside a sentence (`la migration vers le cloud`)."""
    first = item.split()[0]
    letters = _letters(first)
    if letters[:1].isupper() and letters[1:].islower() and letters.lower() not in _PROPER:
        item = item[0].lower() + item[1:]
    if language != "fr":
        return item
    return _with_article(item)


# French determiners and words that need no article before them
_DETERMINERS = frozenset({
    "le", "la", "les", "un", "une", "des", "du", "de", "au", "aux", "mon", "ma", "mes", "ton",
    "ta", "tes", "son", "sa", "ses", "notre", "nos", "votre", "vos", "leur", "leurs", "ce",
    "cet", "cette", "ces", "quelques", "plusieurs", "chaque", "tout", "toute", "tous", "toutes",
    "certains", "certaines", "comment", "pourquoi", "quand", "combien", "ou", "où", "quel",
    "quelle", "quels", "quelles", "sur", "avec", "entre", "en",
})  # fmt: skip
_NUMBER_WORDS = frozenset(_NUMBERS["fr"][2:])
_NOT_PLURAL = frozenset({
    "temps", "process", "accès", "succès", "cas", "campus", "corps", "discours", "parcours",
    "concours", "recours", "cours", "secours", "bus", "prix", "poids", "risque", "choix",
    "processus", "télétravail", "devis", "avis", "remboursement",
})  # fmt: skip
_FEMININE_ENDINGS = (
    "tion", "sion", "xion", "ité", "té", "ure", "ence", "ance", "ie", "ise", "ude", "ade",
    "ette", "elle", "esse", "ière", "ique", "ode", "ine", "ée", "aine", "ace", "ole", "euse",
    "rice", "ève", "che", "nte", "ole", "ue",
)  # fmt: skip
_MASCULINE = frozenset({
    "comité", "côté", "été", "traité", "musée", "lycée", "trophée", "magazine", "domaine",
    "graphique", "périphérique", "génie", "incendie", "parapluie", "rôle", "contrôle",
    "protocole", "pôle", "volume", "capitaine", "patrimoine", "groupe", "poste", "salaire",
    "modèle", "marché", "budget", "manager", "management", "cloud", "site", "stage",
    "périmètre", "planning", "reporting", "langage", "logiciel", "projet", "sujet",
    "programme", "système", "problème", "thème", "dispositif", "portefeuille", "secteur",
    "télétravail", "service", "calendrier", "processus", "process", "démarrage", "recrutement",
    "cahier", "chiffre", "développement", "marketing", "public", "chèque", "technicien",
    "parc", "club", "bloc", "catalogue", "dialogue", "cheque", "revenue", "menu",
})  # fmt: skip
_H_ASPIRATED = frozenset({
    "hiérarchie", "handicap", "hausse", "haut", "hauteur", "hall", "hangar", "hasard", "hâte",
    "héros", "hockey", "hotline", "hub", "hackathon", "hardware",
})  # fmt: skip


def _with_article(item: str) -> str:
    """A French noun phrase with its definite article: `migration` -> `la migration`,
    `équipe de six` -> `l'équipe de six`, `deux jours` -> `les deux jours`."""
    first = item.split()[0]
    folded = first.lower()
    if folded in _DETERMINERS or re.match(r"[ldjnmst]['\u2019]", folded):
        return item
    letters = _letters(first)
    if folded in _NUMBER_WORDS or first[:1].isdigit():
        return f"les {item}"
    if letters[:1].isupper() and not letters.isupper():
        return item  # a name: Kubernetes, Lille, Acme
    plural = (
        re.search(r"[^s]s$|aux$|eux$", folded) and folded not in _NOT_PLURAL and len(folded) > 3
    )
    if plural and not letters.isupper():
        return f"les {item}"
    if folded not in _H_ASPIRATED and _starts_with_vowel(first):
        return f"l'{item}"
    if letters.isupper():
        return f"le {item}"  # an acronym: le CRM
    if folded not in _MASCULINE and folded.endswith(_FEMININE_ENDINGS):
        return f"la {item}"
    return f"le {item}"


def _clean(text: str | None) -> str | None:
    """Single spaces, no blank value: what a field shows in a draft."""
    return (" ".join(text.split()) or None) if text else None


def _letters(word: str) -> str:
    return "".join(c for c in word if c.isalpha())


def _starts_with_vowel(text: str) -> bool:
    return text[:1].lower() in "aeiouyhâàéèêëîïôöûüœæ"


def _name_case(word: str) -> str:
    """`DUPONT` -> `Dupont`, `JEAN-PIERRE` -> `Jean-Pierre`, `DE` -> `de`; a name written
    with small and capital letters (`McLeod`, `La`) is left as written."""
    letters = _letters(word)
    if word.lower() in ("de", "du", "des", "d'"):
        return word.lower()
    if not (letters.isupper() or letters.islower()):
        return word
    parts = re.split(r"([-'\u2019])", word.lower())
    return "".join(p.capitalize() for p in parts)


_CIVILITIES: dict[str, Literal["f", "m"]] = {
    "mme": "f", "madame": "f", "mlle": "f", "mademoiselle": "f", "ms": "f", "mrs": "f",
    "miss": "f", "m": "m", "monsieur": "m", "mr": "m",
}  # fmt: skip
# Names in job titles and points that keep their capital (`développeuse Python`).
_PROPER = frozenset({
    "python", "java", "javascript", "typescript", "ruby", "rust", "golang", "kotlin", "swift",
    "scala", "php", "perl", "linux", "unix", "windows", "android", "excel", "salesforce",
    "oracle", "azure", "google", "microsoft", "amazon", "react", "angular", "vue", "django",
    "symfony", "spring", "kubernetes", "docker", "terraform", "cobol", "fortran", "elixir",
    "haskell", "matlab", "tableau", "power", "office", "figma", "magento", "shopify",
    "wordpress", "drupal", "jira", "dynamics", "sharepoint", "europe", "france", "paris",
    "lyon", "lille", "marseille", "toulouse", "bordeaux", "nantes", "londres", "london",
})  # fmt: skip
_SMALL_WORDS = frozenset({
    "de", "du", "des", "la", "le", "les", "et", "en", "au", "aux", "of", "and", "the", "in",
    "for", "à", "un", "une", "a", "an", "d", "l",
})  # fmt: skip
