"""Calendar event -> Interview: detection, metadata lines, fallbacks (docs/event-metadata.md)."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from relance_cal.errors import EventError

if TYPE_CHECKING:
    from relance_cal.config import Detection
    from relance_cal.model import Person, SourceEvent

Urgency = Literal["urgent", "normal"]
CompanySize = Literal["large", "sme", "startup", "unknown"]
Outcome = Literal["followed_up", "rejected", "offer", "withdrawn"]


@dataclass(frozen=True)
class Announced:
    """The answer delay the recruiter announced: a date, or an amount of a unit."""

    on: date | None = None
    amount: int | None = None
    unit: Literal["days", "business_days", "weeks"] | None = None


@dataclass(frozen=True)
class Interview:
    key: str  # SourceEvent.key: uid, or uid@occurrence-start
    uid: str
    title: str
    start: datetime  # aware, in the user's zone; all-day: 00:00 of the first day
    end: datetime  # aware, in the user's zone; all-day: 00:00 of the day after the last
    all_day: bool = False
    company: str | None = None
    position: str | None = None
    recruiter_name: str | None = None
    recruiter_email: str | None = None
    urgency: Urgency = "normal"
    company_size: CompanySize = "unknown"
    announced: Announced | None = None
    points: tuple[str, ...] = ()
    outcome: Outcome | None = None
    cancelled: bool = False  # STATUS:CANCELLED, or declined by the user
    warnings: tuple[str, ...] = ()
    # The recruiter's civility, from "Recruteuse" / "Recruteur" or a "Civilité" line:
    # "f" (Madame, Ms), "m" (Monsieur, Mr), None when not said.
    civility: Literal["f", "m"] | None = None
    # The drafts' language from a "Langue" line; None: the config's `language`.
    language: Literal["fr", "en"] | None = None


# Second-level labels of mail providers: their domain says nothing about the employer.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail", "googlemail", "outlook", "hotmail", "live", "msn", "yahoo", "orange", "free",
        "sfr", "laposte", "wanadoo", "icloud", "me", "mac", "proton", "protonmail", "gmx", "aol",
        "yandex", "zoho",
    }
)  # fmt: skip

# Metadata keys, folded (see `_fold`), per field.
_KEYS = {
    "company": ("entreprise", "societe", "company", "employer"),
    "position": ("poste", "position", "role", "job"),
    "recruiter": ("recruteur", "recruteuse", "recruiter", "contact"),
    "size": ("taille", "size"),
    "urgency": ("urgence", "urgency", "urgent"),
    "announced": (
        "reponse", "reponse annoncee", "delai", "delai de reponse", "answer", "answer by",
        "response",
    ),
    "points": ("points", "sujets", "notes", "discussed"),
    "outcome": ("statut", "status"),
}  # fmt: skip
_FIELD_OF_KEY = {key: name for name, keys in _KEYS.items() for key in keys}

_SIZES: dict[str, CompanySize] = {
    "grand groupe": "large", "groupe": "large", "grande entreprise": "large", "large": "large",
    "corporate": "large", "pme": "sme", "eti": "sme", "tpe": "sme", "sme": "sme",
    "start up": "startup", "startup": "startup",
    "inconnu": "unknown", "inconnue": "unknown", "unknown": "unknown",
}  # fmt: skip
_URGENCIES: dict[str, Urgency] = {
    "immediat": "urgent", "immediate": "urgent", "urgent": "urgent", "urgente": "urgent",
    "oui": "urgent", "yes": "urgent", "asap": "urgent",
    "non": "normal", "no": "normal", "normal": "normal", "normale": "normal",
}  # fmt: skip
_OUTCOMES: dict[str, Outcome | None] = {  # None: still waiting
    "en attente": None, "attente": None, "pending": None,
    "relance": "followed_up", "relancee": "followed_up", "followed up": "followed_up",
    "refus": "rejected", "refuse": "rejected", "refusee": "rejected", "rejected": "rejected",
    "offre": "offer", "accepte": "offer", "acceptee": "offer", "offer": "offer",
    "abandon": "withdrawn", "desiste": "withdrawn", "desistee": "withdrawn",
    "withdrawn": "withdrawn",
}  # fmt: skip

_NUMBERS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "quinze": 15, "a": 1, "an": 1, "one": 1, "two": 2,
    "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "fifteen": 15,
}  # fmt: skip
_NUMBER = r"\d{1,4}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True))
_DELAY = re.compile(
    r"(?:(?:sous|dans|d'ici|en|within|in|under|after|apres)\s+)?"
    rf"(?:(?:{_NUMBER})\s*(?:a|-|to|ou|or)\s*)?(?P<amount>{_NUMBER})\s*"
    r"(?P<unit>jours?|j|days?|semaines?|sem|weeks?|heures?|h|hours?"
    r"|business\s+days?|working\s+days?)"
    r"(?:\s+(?P<business>ouvres?|ouvrables?))?"
    r"(?:\s+(?:max|maximum|environ|about|approximately))?"
)
_ONE_WEEK, _TWO_WEEKS = Announced(amount=1, unit="weeks"), Announced(amount=2, unit="weeks")
_IDIOMS = {  # French ways of saying a week or two
    "huitaine": _ONE_WEEK, "sous huitaine": _ONE_WEEK, "huit jours": _ONE_WEEK,
    "sous huit jours": _ONE_WEEK, "quinzaine": _TWO_WEEKS, "sous quinzaine": _TWO_WEEKS,
    "quinze jours": _TWO_WEEKS, "sous quinze jours": _TWO_WEEKS,
}  # fmt: skip
_DATE_PREFIX = re.compile(r"(?:(?:au plus tard|avant|by|on|before|le)\s+)*")
_ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_DAY_FIRST = re.compile(
    r"(?P<d>\d{1,2})(?P<sep>[/.\-])(?P<m>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?"
)
_MAX_AMOUNT = 365
_PLAUSIBLE_YEARS = range(2000, 2200)

_LINE = re.compile(r"^\s*(?:[-*•]\s*)?(?P<key>[^:=]{1,40}?)\s*[:=]\s*(?P<value>.*)$")
_ITEM = re.compile(r"^\s*[-*•]\s+(?P<item>.*\S)\s*$")
_EMAIL = re.compile(r"(?:mailto:)?(?P<email>[\w.+'-]+@[\w-]+(?:\.[\w-]+)+)", re.IGNORECASE)
# Addresses that are no one to write to: robots, Google calendar resources.
_NOT_A_PERSON = re.compile(
    r"^(?:no-?reply|do-?not-?reply|ne-?pas-?repondre)\b|[@.]calendar\.google\.com$", re.IGNORECASE
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# Title parsing: separators between parts, words that introduce the company, and words
# that say what kind of interview it is (stripped around the keyword).
_DASHES = "\u2013\u2014"  # en dash, em dash
_SEPARATOR = re.compile(rf"\s*[{_DASHES}|]\s*|\s+[-/:]\s*|[-/:]\s+")
_SEPARATOR_CHARS = f" -{_DASHES}:|/"
_FILLER_WORDS = frozenset(
    {
        "avec", "with", "chez", "at", "@", "pour", "for", "le", "la", "l", "un", "une", "the", "a",
        "an", "de", "d", "du", "of", "as", "en", "tant", "que", "poste", "position", "role",
        "job", "rh", "hr", "technique", "technical", "tech", "telephonique", "phone", "visio",
        "video", "final", "finale", "embauche", "recrutement", "1er", "premier", "1st", "2e",
        "2eme", "2nd", "second", "deuxieme", "3e", "3eme", "3rd", "troisieme", "onsite",
    }
)  # fmt: skip
_POSITION_WORDS = ("poste", "position", "role", "job")


def _fold(text: str) -> str:
    """Lower case, no accents, typographic apostrophes made plain: what matching compares."""
    if text.isascii():  # nothing to decompose: the common case, many times faster
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _fold_with_origin(text: str) -> tuple[str, list[int]]:
    """`_fold(text)`, and for each folded character the index of the one it came from."""
    if text.isascii():
        return text.casefold(), list(range(len(text)))
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        part = _fold(char)
        folded.append(part)
        origin.extend([index] * len(part))
    return "".join(folded), origin


@functools.cache
def _word_pattern(phrase: str, plural: bool = True) -> re.Pattern[str]:
    """A folded phrase as whole words; by default singular or plural (trailing s or x)."""
    words = r"\s+".join(map(re.escape, _fold(phrase).split()))
    return re.compile(r"(?<!\w)" + words + (r"[sx]?" if plural else "") + r"(?!\w)")


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def _clean(text: str | None) -> str | None:
    """A single-line field: control characters and line breaks become spaces; empty is None."""
    if text is None:
        return None
    return _one_line(text) or None


# --- detection --------------------------------------------------------------------------


def is_interview(event: SourceEvent, detection: Detection) -> bool:
    """Whether `event` is an interview per "Which events are interviews" (docs/event-metadata.md).

    Cancelled and declined events are interviews too: `read_interview` marks them cancelled.
    """
    if event.marker:
        return False
    if detection.interviews_only:
        return True
    title = _fold(event.summary)
    # "entretien" is also a service appointment: an exclusion word vetoes the event.
    if any(_word_pattern(word).search(title) for word in detection.exclude_keywords):
        return False
    keywords = [_word_pattern(word) for word in detection.keywords if word.strip()]
    if any(k.search(title) for k in keywords):
        return True
    categories = [" ".join(_fold(c).split()) for c in event.categories]
    return any(k.fullmatch(c) for k in keywords for c in categories)


def _is_user(person: Person, detection: Detection) -> bool:
    if person.is_self:
        return True
    me = (detection.me or "").strip().lower()
    return bool(me) and (person.email or "").strip().lower() == me


# --- reading ----------------------------------------------------------------------------


def read_interview(event: SourceEvent, detection: Detection, zone: ZoneInfo) -> Interview | None:
    """The interview `event` describes, None when it is not one; bad values become warnings.

    Raises EventError only when the event's times cannot be put in `zone`.
    """
    if not is_interview(event, detection):
        return None
    title = _one_line(event.summary)
    try:
        start, end = _in_zone(event.start, zone), _in_zone(event.end, zone)
    except (OverflowError, ValueError):
        raise EventError(f'"{title}" (UID {event.uid})', "a date out of range") from None
    fields = _MetadataReader(start.date()).read(event.description)
    recruiter_name, recruiter_email = _recruiter(fields, event, detection)
    company, position = _company_and_position(
        title, detection, fields.company, fields.position, recruiter_name
    )
    if company is None and recruiter_email:
        company = _company_from_domain(recruiter_email)
    return Interview(
        key=event.key,
        uid=event.uid,
        title=title,
        start=start,
        end=max(start, end),
        all_day=not isinstance(event.start, datetime),
        company=company,
        position=position,
        recruiter_name=recruiter_name,
        recruiter_email=recruiter_email,
        urgency=fields.urgency,
        company_size=fields.size,
        announced=fields.announced,
        points=tuple(fields.points),
        outcome=fields.outcome,
        cancelled=event.cancelled or _declined(event, detection),
        warnings=tuple(fields.warnings),
    )


def _in_zone(value: date, zone: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), zone)
    if value.tzinfo is None:  # floating: the wall-clock time where the user is
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def _declined(event: SourceEvent, detection: Detection) -> bool:
    return any(
        _is_user(p, detection) and (p.partstat or "").upper() == "DECLINED" for p in event.attendees
    )


class _MetadataReader:
    """The `Key: value` lines of a description (docs/event-metadata.md), read forgivingly."""

    def __init__(self, interview_day: date) -> None:
        self.interview_day = interview_day
        self.company: str | None = None
        self.position: str | None = None
        self.recruiter: str | None = None
        self.size: CompanySize = "unknown"
        self.urgency: Urgency = "normal"
        self.announced: Announced | None = None
        self.points: list[str] = []
        self.outcome: Outcome | None = None
        self.warnings: list[str] = []

    def read(self, description: str) -> _MetadataReader:
        in_points = False
        for line in description.splitlines():
            field, value = _metadata_line(line)
            item = _ITEM.match(line)
            if in_points and field is None and item:
                self._add_points([item["item"]])
                continue
            in_points = field == "points"
            if field is not None:
                self._set(field, value)
        return self

    def _set(self, field: str, raw: str) -> None:
        value = _one_line(raw)
        if field == "points":
            self._add_points(value.split(";"))
            return
        if not value:
            return
        if field in ("company", "position", "recruiter"):
            setattr(self, field, value)
        elif field == "size":
            size = _SIZES.get(_fold_value(value))
            if size is None:
                self._warn("company size", value, "grand groupe, PME, ETI or startup")
            else:
                self.size = size
        elif field == "urgency":
            urgency = _URGENCIES.get(_fold_value(value))
            if urgency is None:
                self._warn("urgency", value, "oui or non")
            else:
                self.urgency = urgency
        elif field == "outcome":
            folded = _fold_value(value)
            if folded in _OUTCOMES:
                self.outcome = _OUTCOMES[folded]
            else:
                self._warn("status", value, "en attente, relancé, refusé, offre or abandon")
        elif field == "announced":
            announced = _announced(value, self.interview_day)
            if announced is None:
                self._warn(
                    "announced answer",
                    value,
                    "a date (2026-12-04, 04/12/2026) or a delay (5 jours, 2 semaines)",
                )
            else:
                self.announced = announced

    def _add_points(self, items: list[str]) -> None:
        self.points.extend(p for p in (_one_line(i) for i in items) if p)

    def _warn(self, field: str, value: str, expected: str) -> None:
        shown = value if len(value) <= 60 else value[:57] + "..."
        self.warnings.append(f'{field} "{shown}" not understood; expected {expected}')


def _metadata_line(line: str) -> tuple[str | None, str]:
    match = _LINE.match(line)
    if match is None:
        return None, ""
    key = " ".join(_fold(match["key"]).split())
    return _FIELD_OF_KEY.get(key), match["value"]


def _fold_value(value: str) -> str:
    """A value as the tables spell it: folded, hyphens as spaces, no edge punctuation."""
    words = re.sub(r"[-_]", " ", _fold(value)).split()
    return " ".join(words).strip(" .!?;,")


def _announced(value: str, interview_day: date) -> Announced | None:
    text = " ".join(_fold(value).split()).strip(" .!?;,")
    if text in _IDIOMS:
        return _IDIOMS[text]
    delay = _DELAY.fullmatch(text)
    if delay:
        return _delay(delay)
    text = _DATE_PREFIX.sub("", text, count=1)
    if iso := _ISO_DATE.fullmatch(text):
        return _date(int(iso["y"]), int(iso["m"]), int(iso["d"]), interview_day)
    day_first = _DAY_FIRST.fullmatch(text)
    if day_first and (day_first["y"] or day_first["sep"] != "-"):  # "2-3" is no date
        year = int(day_first["y"]) if day_first["y"] else None
        if year is not None and year < 100:
            year += 2000
        return _date(year, int(day_first["m"]), int(day_first["d"]), interview_day)
    return None


def _delay(match: re.Match[str]) -> Announced | None:
    # "2 à 3 semaines" reads as 3: the follow-up must not come before the delay has passed.
    amount = _number(match["amount"])
    unit: Literal["days", "business_days", "weeks"] = "days"
    if match["unit"].startswith(("business", "working")) or match["business"]:
        unit = "business_days"
    elif match["unit"].startswith(("sem", "week")):
        unit = "weeks"
    elif match["unit"].startswith("h"):  # "sous 48 h": in whole days
        amount = math.ceil(amount / 24)
    if not 1 <= amount <= _MAX_AMOUNT:
        return None
    return Announced(amount=amount, unit=unit)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text]


def _date(year: int | None, month: int, day: int, interview_day: date) -> Announced | None:
    """A date; without a year, the first such day from the interview on."""
    try:
        if year is None:
            on = date(interview_day.year, month, day)
            if on < interview_day:
                on = date(interview_day.year + 1, month, day)
        else:
            on = date(year, month, day)
    except ValueError:
        return None
    return Announced(on=on) if on.year in _PLAUSIBLE_YEARS else None


# --- recruiter, company, position -------------------------------------------------------


def _recruiter(
    fields: _MetadataReader, event: SourceEvent, detection: Detection
) -> tuple[str | None, str | None]:
    """From the Recruiter line, completed by the matching participant; else a participant."""
    others = [
        p
        for p in (event.organizer, *event.attendees)
        if p is not None and not _is_user(p, detection) and not _NOT_A_PERSON.search(p.email or "")
    ]
    if fields.recruiter is None:
        if not others:
            return None, None
        return _person_name(others[0]), _clean(others[0].email)
    name, email = _parse_recruiter(fields.recruiter)
    if email and not name:
        name = next((_person_name(p) for p in others if p.email == email), None)
    elif name and not email:
        same = [p for p in others if _fold(_person_name(p) or "") == _fold(name)]
        email = _clean(same[0].email) if same else None
    return name, email


def _person_name(person: Person) -> str | None:
    name = _clean((person.name or "").strip("\"' "))
    return None if name is None or "@" in name else name  # Google puts the address as CN


def _parse_recruiter(value: str) -> tuple[str | None, str | None]:
    """`Name <email>`, a name, or an email (also `Name (email)`, `Name - email`)."""
    match = _EMAIL.search(value)
    if match is None:
        return _clean(value), None
    rest = value[: match.start()] + " " + value[match.end() :]
    name = _clean(re.sub(r"[<>()\[\]\"']", " ", rest).strip(_SEPARATOR_CHARS + ",;"))
    return name, match["email"].lower()


def _company_from_domain(email: str) -> str | None:
    labels = email.rpartition("@")[2].lower().split(".")
    # acme.co.uk, acme.com.br: the label before the public suffix.
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in ("co", "com", "org", "net"):
        labels = labels[:-1]
    if len(labels) < 2 or not labels[-2] or labels[-2] in PUBLIC_MAIL_DOMAINS:
        return None
    return labels[-2].capitalize()


def _company_and_position(
    title: str,
    detection: Detection,
    company: str | None,
    position: str | None,
    recruiter_name: str | None,
) -> tuple[str | None, str | None]:
    """The lines win; else the title: `Entretien - Acme - Poste`, `Interview with Acme`..."""
    rest = title
    for keyword in detection.keywords:
        rest = _without(rest, _word_pattern(keyword), every=True)
    if company is None:
        company = _title_company(rest, recruiter_name)
    if position is None:
        for known in (company, recruiter_name):
            if known:
                rest = _without(rest, _word_pattern(known, plural=False))
        position = _clean(" - ".join(_parts(rest)))
    return company, position


def _without(text: str, pattern: re.Pattern[str], every: bool = False) -> str:
    """`text` with the first (or every) match of `pattern` in its folded form made a separator."""
    while True:
        folded, origin = _fold_with_origin(text)
        match = pattern.search(folded)
        if match is None or match.end() == match.start():
            return text
        text = text[: origin[match.start()]] + " | " + text[origin[match.end() - 1] + 1 :]
        if not every:
            return text


def _parts(text: str) -> Iterator[str]:
    """The parts between separators, without remarks in brackets and filler words at edges."""
    for part in _SEPARATOR.split(text):
        words = re.sub(r"\([^)]*\)?|\[[^\]]*\]?", " ", part).strip(_SEPARATOR_CHARS).split()
        while words and _is_filler(words[0]):
            words.pop(0)
        while words and _is_filler(words[-1]):
            words.pop()
        if words:
            yield " ".join(words).strip(_SEPARATOR_CHARS)


def _is_filler(word: str) -> bool:
    folded = _fold(word).strip(_SEPARATOR_CHARS + "'\".,;«»")
    head, _, tail = folded.partition("'")
    # "d'embauche", "l'entreprise": an elided article before a filler word
    return folded in _FILLER_WORDS or (head in ("d", "l", "qu") and tail in _FILLER_WORDS)


def _title_company(rest: str, recruiter_name: str | None) -> str | None:
    folded, origin = _fold_with_origin(rest)
    text = rest
    for connector in re.finditer(r"(?<!\w)(avec|with|chez|at|@)(?!\w)", folded):
        before = rest[: origin[connector.start()]]
        # "chez", "at" introduce the company anywhere ("Data engineer chez Acme");
        # "avec", "with" only right after the keyword (else: "... with Python").
        if connector[1] in ("chez", "at", "@") or not any(_parts(before)):
            text = rest[origin[connector.end() - 1] + 1 :]
            break
    else:
        first = next((p for p in _SEPARATOR.split(rest) if p.strip(_SEPARATOR_CHARS)), "")
        for word in _fold(first).split():
            if word in _POSITION_WORDS:
                return None  # "Entretien pour le poste de ..." names no company
            if not _is_filler(word):
                break
    for part in _parts(text):
        if recruiter_name and _fold(part) == _fold(recruiter_name):
            continue  # "Entretien avec Marie Dupont" names a person, not a company
        return _clean(part)
    return None
