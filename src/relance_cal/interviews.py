"""Calendar event -> Interview: detection, metadata lines, fallbacks (docs/event-metadata.md)."""

from __future__ import annotations

import calendar
import functools
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, ClassVar, Literal
from zoneinfo import ZoneInfo

from relance_cal.errors import EventError, event_label
from relance_cal.model import Finding
from relance_cal.text import fold, fold_with_origin, html_to_text, one_line

if TYPE_CHECKING:
    from relance_cal.config import Detection
    from relance_cal.model import Person, SourceEvent

Urgency = Literal["urgent", "normal"]
CompanySize = Literal["large", "sme", "startup", "unknown"]
Outcome = Literal["followed_up", "rejected", "offer", "withdrawn"]
Unit = Literal["days", "business_days", "weeks", "months"]

# Text read from an event, in characters: enough for any real title or value, and a bound on
# the work a hostile one can cost.
MAX_TITLE = 500
_MAX_TITLE_READ = 200
_MAX_VALUE = 1000


@dataclass(frozen=True)
class Announced:
    """The answer delay the recruiter announced: a date, or an amount of a unit."""

    on: date | None = None
    amount: int | None = None
    unit: Unit | None = None


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
    warnings: tuple[Finding, ...] = ()
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
        "yandex", "zoho", "bbox", "neuf", "numericable", "aliceadsl", "club-internet",
    }
)  # fmt: skip

# --- detection --------------------------------------------------------------------------


@functools.cache
def _word_pattern(phrase: str, plural: bool = True) -> re.Pattern[str]:
    """A folded phrase as whole words; by default singular or plural (trailing s or x)."""
    words = r"\s+".join(map(re.escape, fold(phrase).split()))
    return re.compile(r"(?<!\w)" + words + (r"[sx]?" if plural else "") + r"(?!\w)")


def _words(phrases: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [_word_pattern(p) for p in phrases if fold(p)]


def is_interview(event: SourceEvent, detection: Detection) -> bool:
    """Whether `event` is an interview per "Which events are interviews" (docs/event-metadata.md).

    Cancelled and declined events are interviews too: `read_interview` marks them cancelled.
    """
    if event.marker:
        return False
    if detection.interviews_only:
        return True
    title = fold(event.summary)
    # "entretien" is also a service appointment or a yearly review: an exclusion word vetoes.
    if any(word.search(title) for word in _words(detection.exclude_keywords)):
        return False
    keywords = _words(detection.keywords)
    categories = [fold(c) for c in event.categories]
    if any(k.fullmatch(c) for k in keywords for c in categories):
        return True
    # A weekly "Entretien coaching" is no job interview: a series needs a category.
    return not event.recurring and any(k.search(title) for k in keywords)


_ICAL_ESCAPE = re.compile(r"\\(.)")


class KeywordFilter:
    """The backends' cheap pre-filter: passes every event `is_interview` may accept.

    It looks for a folded keyword anywhere in the text of the titles and categories an item
    holds, so it never needs to parse the item.
    """

    def __init__(self, detection: Detection) -> None:
        self.everything = detection.interviews_only
        self.needles = tuple(n for n in (fold(k) for k in detection.keywords) if n)

    def fragments(self) -> tuple[str, ...] | None:
        """For a server that searches text itself (ASCII, ignoring case): the longest word of
        each keyword, which every title holding the keyword holds; None when one has no ASCII
        word to search for."""
        found = []
        for needle in self.needles:
            words = [w for w in re.split(r"[^a-z0-9]+", needle) if w]
            if not words:
                return None
            found.append(max(words, key=len))
        return tuple(dict.fromkeys(found))

    def passes(self, text: str, *, escaped: bool = False) -> bool:
        """`text`: titles and categories; `escaped`: as iCalendar writes them (`\\,`, `\\n`)."""
        if self.everything:
            return True
        if escaped:
            text = _ICAL_ESCAPE.sub(lambda m: " " if m[1] in "nN" else m[1], text)
        folded = fold(text)
        return any(needle in folded for needle in self.needles)


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
    title = one_line(event.summary[: MAX_TITLE * 4])[:MAX_TITLE]
    try:
        start, end = _in_zone(event.start, zone), _in_zone(event.end, zone)
    except (OverflowError, ValueError):
        raise EventError(event_label(title, event.uid), "a date out of range") from None
    fields = _MetadataReader(start.date()).read(html_to_text(event.description))
    recruiter_name, recruiter_email = _recruiter(fields, event, detection)
    from_title = _TitleReader(detection, recruiter_name, recruiter_email).read(
        title[:_MAX_TITLE_READ], company_known=fields.company
    )
    company = fields.company or from_title.company
    position = fields.position or from_title.position
    if recruiter_name is None and recruiter_email is None:
        recruiter_name = from_title.person
    if company is None and recruiter_email:
        company = _company_from_domain(recruiter_email)
    warnings = fields.warnings
    if company is None:
        warnings.append(Finding("no_company"))
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
        warnings=tuple(warnings),
        civility=fields.civility,
        language=fields.language,
    )


def _clean(text: str | None) -> str | None:
    """A single-line field: control characters and line breaks become spaces; empty is None."""
    if text is None:
        return None
    return one_line(text[:_MAX_VALUE]) or None


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


# --- metadata lines ---------------------------------------------------------------------

# Metadata keys, folded, per field.
_KEYS = {
    "company": ("entreprise", "societe", "company", "employer", "employeur"),
    "position": ("poste", "position", "role", "job", "intitule du poste"),
    "recruiter": ("recruteur", "recruteuse", "recruiter", "contact"),
    "civility": ("civilite", "civility", "title"),
    "size": ("taille", "size", "taille entreprise", "company size"),
    "urgency": ("urgence", "urgency", "urgent"),
    "announced": (
        "reponse", "reponse annoncee", "delai", "delai de reponse", "delai annonce", "retour",
        "retour annonce", "answer", "answer by", "response", "feedback", "reponse prevue",
        "expected answer", "decision",
    ),
    "points": ("points", "sujets", "notes", "discussed", "points abordes", "topics"),
    "outcome": ("statut", "status", "resultat", "outcome"),
    "language": ("langue", "language", "lang"),
}  # fmt: skip
_FIELD_OF_KEY = {key: name for name, keys in _KEYS.items() for key in keys}
_CIVILITY_OF_KEY: dict[str, Literal["f", "m"]] = {"recruteuse": "f", "recruteur": "m"}
_CIVILITIES: dict[str, Literal["f", "m"]] = {
    "madame": "f", "mme": "f", "mademoiselle": "f", "mlle": "f", "mrs": "f", "ms": "f",
    "miss": "f", "f": "f", "femme": "f", "monsieur": "m", "m": "m", "mr": "m", "h": "m",
    "homme": "m",
}  # fmt: skip
_LANGUAGES: dict[str, Literal["fr", "en"]] = {
    "fr": "fr", "francais": "fr", "french": "fr", "en": "en", "anglais": "en", "english": "en",
    "ang": "en", "eng": "en",
}  # fmt: skip
_SIZES: dict[str, CompanySize] = {
    "grand groupe": "large", "groupe": "large", "grande entreprise": "large", "large": "large",
    "corporate": "large", "grand compte": "large", "pme": "sme", "eti": "sme", "tpe": "sme",
    "sme": "sme", "start up": "startup", "startup": "startup",
    "inconnu": "unknown", "inconnue": "unknown", "unknown": "unknown",
}  # fmt: skip
_URGENCIES: dict[str, Urgency] = {
    "immediat": "urgent", "immediate": "urgent", "urgent": "urgent", "urgente": "urgent",
    "oui": "urgent", "yes": "urgent", "asap": "urgent",
    "non": "normal", "no": "normal", "normal": "normal", "normale": "normal",
}  # fmt: skip
# An outcome is read from its first words: "refusé (mail reçu le 01/12)".
_OUTCOMES: dict[str, Outcome | None] = {  # None: still waiting
    "en attente": None, "attente": None, "pending": None, "waiting": None, "en cours": None,
    "relance": "followed_up", "relancee": "followed_up", "followed up": "followed_up",
    "refus": "rejected", "refuse": "rejected", "refusee": "rejected", "rejected": "rejected",
    "rejet": "rejected", "rejection": "rejected", "non retenu": "rejected",
    "non retenue": "rejected", "pas retenu": "rejected", "pas retenue": "rejected",
    "negatif": "rejected", "negative": "rejected", "declined": "rejected",
    "offre": "offer", "accepte": "offer", "acceptee": "offer", "offer": "offer",
    "abandon": "withdrawn", "abandonne": "withdrawn", "desiste": "withdrawn",
    "desistee": "withdrawn", "desistement": "withdrawn", "withdrawn": "withdrawn",
}  # fmt: skip
_ITEM_MARK = "-*•"


class _MetadataReader:
    """The `Key: value` lines of a description (docs/event-metadata.md), read forgivingly."""

    def __init__(self, interview_day: date) -> None:
        self.interview_day = interview_day
        self.company: str | None = None
        self.position: str | None = None
        self.recruiter: str | None = None
        self.civility: Literal["f", "m"] | None = None
        self.language: Literal["fr", "en"] | None = None
        self.size: CompanySize = "unknown"
        self.urgency: Urgency = "normal"
        self.announced: Announced | None = None
        self.points: list[str] = []
        self.outcome: Outcome | None = None
        self.warnings: list[Finding] = []

    def read(self, description: str) -> _MetadataReader:
        in_points = False
        for line in description.splitlines():
            line = line.strip()
            if not line:
                continue
            key, field, value = _metadata_line(line)
            if in_points and field is None and line[0] in _ITEM_MARK:
                self._add_points([line[1:]])
                continue
            in_points = field == "points"
            if field is not None:
                self._set(key, field, value)
        return self

    def _set(self, key: str, field: str, raw: str) -> None:
        value = one_line(raw[:_MAX_VALUE])
        if field == "points":
            self._add_points(value.split(";"))
            return
        if not value:
            return
        folded = _fold_value(value)
        if field in ("company", "position", "recruiter"):
            setattr(self, field, value)
            if field == "recruiter" and key in _CIVILITY_OF_KEY:
                self.civility = _CIVILITY_OF_KEY[key]
        elif field == "civility":
            civility = _CIVILITIES.get(folded)
            if civility is None:
                self._warn("civility", value)
            else:
                self.civility = civility
        elif field == "language":
            language = _LANGUAGES.get(folded)
            if language is None:
                self._warn("language", value)
            else:
                self.language = language
        elif field == "size":
            size = _SIZES.get(folded)
            if size is None:
                self._warn("size", value)
            else:
                self.size = size
        elif field == "urgency":
            urgency = _URGENCIES.get(folded)
            if urgency is None:
                self._warn("urgency", value)
            else:
                self.urgency = urgency
        elif field == "outcome":
            words = re.sub(r"[^\w\s]", " ", folded).split()
            for n in (3, 2, 1):
                if " ".join(words[:n]) in _OUTCOMES and len(words) >= n:
                    self.outcome = _OUTCOMES[" ".join(words[:n])]
                    break
            else:
                self._warn("status", value)
        elif field == "announced":
            announced = _announced(value, self.interview_day)
            if announced is None:
                self._warn("announced", value)
            else:
                self.announced = announced

    def _add_points(self, items: list[str]) -> None:
        self.points.extend(p for p in (_clean(i) for i in items) if p)

    def _warn(self, field: str, value: str) -> None:
        shown = value if len(value) <= 60 else value[:57] + "..."
        self.warnings.append(Finding("not_understood", field, shown))


def _metadata_line(line: str) -> tuple[str, str | None, str]:
    """(folded key, field, value) of a stripped `Key: value` line; field None when it is not."""
    if line[0] in _ITEM_MARK:
        line = line[1:].lstrip()
    head = line[:48]  # a key is a few words: never search a long line for a colon
    cut = min((i for i in (head.find(":"), head.find("=")) if i > 0), default=-1)
    if cut == -1:
        return "", None, ""
    key = fold(line[:cut])
    return key, _FIELD_OF_KEY.get(key), line[cut + 1 :]


def _fold_value(value: str) -> str:
    """A value as the tables spell it: folded, hyphens as spaces, no edge punctuation."""
    return " ".join(re.sub(r"[-_]", " ", fold(value)).split()).strip(" .!?;,")


# --- announced answers ------------------------------------------------------------------

_NUMBERS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "dix-sept": 17, "dix-huit": 18, "dix-neuf": 19, "vingt": 20,
    "vingt et un": 21, "vingt-et-un": 21, "vingt-deux": 22, "vingt-trois": 23,
    "vingt-quatre": 24, "vingt-cinq": 25, "vingt-six": 26, "vingt-sept": 27, "vingt-huit": 28,
    "vingt-neuf": 29, "trente": 30,
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "twenty-one": 21, "twenty-two": 22, "twenty-three": 23,
    "twenty-four": 24, "twenty-five": 25, "twenty-six": 26, "twenty-seven": 27,
    "twenty-eight": 28, "twenty-nine": 29, "thirty": 30,
}  # fmt: skip
_NUMBER = r"\d{1,3}|" + "|".join(
    re.escape(n.strip()) for n in sorted(_NUMBERS, key=len, reverse=True)
)
_DELAY = re.compile(
    r"(?:(?:sous|dans|d'ici|en|within|in|under|after|apres|d'ici a|about|environ)\s+)?"
    rf"(?:(?:{_NUMBER})\s*(?:a|-|to|ou|or)\s*)?(?P<amount>{_NUMBER})\s*"
    r"(?P<unit>jours?|j|days?|semaines?|sem|weeks?|heures?|h|hours?|mois|months?"
    r"|business\s+days?|working\s+days?)"
    r"(?:\s+(?P<business>ouvres?|ouvrables?|calendaires?))?"
    r"(?:\s+(?:max|maximum|environ|about|approximately|au plus tard|at most|at the latest))?"
)
_ONE_WEEK, _TWO_WEEKS = Announced(amount=1, unit="weeks"), Announced(amount=2, unit="weeks")
_IDIOMS = {  # French ways of saying a week or two
    "huitaine": _ONE_WEEK, "sous huitaine": _ONE_WEEK, "huit jours": _ONE_WEEK,
    "sous huit jours": _ONE_WEEK, "dans huit jours": _ONE_WEEK, "d'ici huit jours": _ONE_WEEK,
    "quinzaine": _TWO_WEEKS, "sous quinzaine": _TWO_WEEKS, "quinze jours": _TWO_WEEKS,
    "sous quinze jours": _TWO_WEEKS, "dans quinze jours": _TWO_WEEKS,
    "d'ici quinze jours": _TWO_WEEKS, "sous 8 jours": _ONE_WEEK, "sous 15 jours": _TWO_WEEKS,
    "8 jours": _ONE_WEEK, "15 jours": _TWO_WEEKS, "dans 8 jours": _ONE_WEEK,
    "dans 15 jours": _TWO_WEEKS,
}  # fmt: skip
# Words before a date or weekday that change nothing: "d'ici le", "au plus tard", "by".
_DATE_PREFIX = re.compile(
    r"(?:(?:au plus tard|d'ici|avant|jusqu'au|jusqu'a|pour|by|on|before|until|no later than"
    r"|au|le|the|a partir du|des|ce|cette|this|en|in|vers|around|normalement|probablement"
    r"|expected|prevue?|annoncee?)(?!\w)\s*)*"
)
_WEEKDAYS = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5,
    "dimanche": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}  # fmt: skip
_MONTHS = (
    ("janvier", "janv", "january", "jan"), ("fevrier", "fevr", "fev", "february", "feb"),
    ("mars", "march", "mar"), ("avril", "avr", "april", "apr"), ("mai", "may"),
    ("juin", "june", "jun"), ("juillet", "juil", "july", "jul"), ("aout", "august", "aug"),
    ("septembre", "sept", "sep", "september"), ("octobre", "oct", "october"),
    ("novembre", "nov", "november"), ("decembre", "dec", "december"),
)  # fmt: skip
_MONTH_OF = {name: number for number, names in enumerate(_MONTHS, 1) for name in names}
_MONTH = "|".join(sorted(_MONTH_OF, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_NUMERIC_DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}(?P<sep>[/.])\d{1,2}(?:(?P=sep)(?:\d{4}|\d{2}))?"
    r"|\d{1,2}-\d{1,2}-(?:\d{4}|\d{2})"
)
_NAMED_DATE = re.compile(
    rf"(?:(?:{_WEEKDAY})\.?,?\s+)?(?:\d{{1,2}}(?:er|st|nd|rd|th)?\s+(?:{_MONTH})\.?"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?)(?:,?\s+\d{{4}})?"
)
_WEEKDAY_ONLY = re.compile(rf"(?P<day>{_WEEKDAY})\.?(?:\s+(?:prochain|next|qui vient))?")
_NEXT_WEEK = frozenset(
    {"semaine prochaine", "next week", "la semaine prochaine", "courant de la semaine prochaine",
     "dans le courant de la semaine prochaine", "the next week", "early next week",
     "debut de semaine prochaine", "sometime next week"}
)  # fmt: skip
_END_OF_WEEK = frozenset(
    {"fin de semaine", "fin de la semaine", "end of the week", "end of week", "the end of the week",
     "la fin de la semaine", "fin semaine", "cette fin de semaine"}
)  # fmt: skip
_PART_OF_MONTH = re.compile(
    r"(?P<part>mi|mid|debut|early|fin|end of|late|fin de|la fin de|beginning of|the end of"
    rf"|le debut de|la mi|courant)[\s-]*(?P<month>{_MONTH})\.?(?:\s+(?P<year>\d{{4}}))?"
)
_MAX_AMOUNT = 365
_PLAUSIBLE_YEARS = range(2000, 2200)


def _announced(value: str, interview_day: date) -> Announced | None:
    """A date or a delay as the table of "Announced answers" says; None when not understood."""
    text = " ".join(fold(value[:200]).replace("\u2019", "'").split()).strip(" .!?;,")
    text = re.sub(r"\s*\([^)]*\)$", "", text)  # "sous 2 semaines (a confirmer)"
    text = " ".join(re.sub(r"[^\w\s'./-]", " ", text).split())  # "vendredi !", emoji
    if text in _IDIOMS:
        return _IDIOMS[text]
    if delay := _DELAY.fullmatch(text):
        return _delay(delay)
    text = _DATE_PREFIX.sub("", text, count=1).strip()
    if text in _IDIOMS:
        return _IDIOMS[text]
    if text in _NEXT_WEEK:
        week_start = interview_day - timedelta(days=interview_day.weekday())
        return Announced(on=week_start + timedelta(days=7 + 4))
    if text in _END_OF_WEEK:
        friday = interview_day + timedelta(days=4 - interview_day.weekday())
        return Announced(on=friday if interview_day.weekday() < 4 else friday + timedelta(7))
    if weekday := _WEEKDAY_ONLY.fullmatch(text):
        ahead = (_WEEKDAYS[weekday["day"]] - interview_day.weekday() - 1) % 7 + 1
        return Announced(on=interview_day + timedelta(days=ahead))
    if part := _PART_OF_MONTH.fullmatch(text):
        return _part_of_month(part, interview_day)
    if _NUMERIC_DATE.fullmatch(text) or _NAMED_DATE.fullmatch(text):
        return _parsed_date(text, interview_day)
    return None


def _delay(match: re.Match[str]) -> Announced | None:
    # "2 à 3 semaines" reads as 3: the follow-up must not come before the delay has passed.
    amount = _number(match["amount"])
    unit: Unit = "days"
    if match["unit"].startswith(("business", "working")) or (match["business"] or "").startswith(
        "ouv"
    ):
        unit = "business_days"
    elif match["unit"].startswith(("sem", "week")):
        unit = "weeks"
    elif match["unit"].startswith(("mois", "month")):
        unit = "months"
    elif match["unit"].startswith("h"):  # "sous 48 h": in whole days
        amount = math.ceil(amount / 24)
    if unit == "days" and amount in (8, 15) and match["unit"].startswith("j"):
        # As French speakers mean them: "huit jours" is a week, "quinze jours" two.
        return Announced(amount=amount // 7, unit="weeks")
    if not 1 <= amount <= _MAX_AMOUNT:
        return None
    return Announced(amount=amount, unit=unit)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text]


def _part_of_month(match: re.Match[str], interview_day: date) -> Announced | None:
    """mi-décembre: the 15th; début janvier: the 10th; fin janvier: the last day."""
    month = _MONTH_OF[match["month"]]
    year = int(match["year"]) if match["year"] else None
    part = match["part"]
    if part in ("mi", "mid", "la mi", "courant"):
        day: int | None = 15
    elif part in ("debut", "early", "beginning of", "le debut de"):
        day = 10
    else:
        day = None  # the last day, known once the year is
    if year is None:
        year = interview_day.year
        last = calendar.monthrange(year, month)[1]
        if date(year, month, day or last) < interview_day:
            year += 1
    return _date(year, month, day or calendar.monthrange(year, month)[1], interview_day)


@functools.cache
def _parser_info() -> object:
    """dateutil's parser, taught French (and short English) month and weekday names."""
    from dateutil import parser

    class FrenchEnglish(parser.parserinfo):
        JUMP: ClassVar = [*parser.parserinfo.JUMP, "le", "er", "du", "de"]
        MONTHS: ClassVar = [tuple(names) for names in _MONTHS]
        WEEKDAYS: ClassVar = [
            tuple(name for name, n in _WEEKDAYS.items() if n == number) for number in range(7)
        ]

    return FrenchEnglish(dayfirst=True)


def _parsed_date(text: str, interview_day: date) -> Announced | None:
    """A written date: the first such day from the interview on when it gives no year."""
    from dateutil import parser

    if iso := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        return _date(int(iso[1]), int(iso[2]), int(iso[3]), interview_day)
    text = re.sub(r"(?<=[a-z])\.", "", text)  # "déc." as "déc"
    # Parsed twice with two default years: a year that changes was not written.
    try:
        first, second = (
            parser.parse(text, parserinfo=_parser_info(), default=datetime(year, 1, 1))
            for year in (2004, 2008)
        )
    except (ValueError, OverflowError):
        return None
    year = first.year if first.year == second.year else None
    if year is not None and year < 100:
        year += 2000
    return _date(year, first.month, first.day, interview_day)


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


# --- recruiter --------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+'-])(?:mailto:)?(?P<email>[\w.+'-]+@[\w-]+(?:\.[\w-]+)+)", re.IGNORECASE
)
# Addresses that are no one to write to: robots, Google calendar resources.
_NOT_A_PERSON = re.compile(
    r"^(?:no-?reply|do-?not-?reply|ne-?pas-?repondre)\b|[@.]calendar\.google\.com$", re.IGNORECASE
)
_SEPARATOR_CHARS = " -\u2013\u2014:|/"


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
        same = [p for p in others if fold(_person_name(p) or "") == fold(name)]
        email = _clean(same[0].email) if same else None
    return name, email


def _person_name(person: Person) -> str | None:
    name = _clean((person.name or "").strip("\"' "))
    return None if name is None or "@" in name else name  # Google puts the address as CN


def _parse_recruiter(value: str) -> tuple[str | None, str | None]:
    """`Name <email>`, a name, or an email (also `Name (email)`, `Name - email`)."""
    value = value[:_MAX_VALUE]
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


# --- company and position from the title ------------------------------------------------

# Words that say what kind of interview it is: never a company or a position (folded).
_KIND_WORDS = frozenset(
    {
        "tel", "telephone", "telephonique", "phone", "visio", "visioconference", "video",
        "teams", "zoom", "meet", "skype", "rh", "hr", "technique", "techniques", "technical",
        "tech", "final", "finale", "finals", "finaux", "finales", "1er", "1ere", "premier",
        "premiere", "1st", "2e", "2eme", "2nd", "second", "seconde", "deuxieme", "3e", "3eme",
        "3rd", "troisieme", "4e", "4eme", "dernier", "tour", "round", "call", "recruiter",
        "recruteur", "recruteuse", "recruitment", "recrutement", "manager", "managers",
        "embauche", "motivation", "screen", "screening", "onsite", "on-site", "physique",
        "presentiel", "distanciel", "collectif", "individuel", "follow-up", "suivi", "debrief",
        "prequalification", "qualification", "n°", "no.", "#", "rdv", "rendez-vous", "meeting",
        "reunion", "echange", "appel", "confirmation", "confirme", "rappel", "reminder",
        "invitation", "+",
    }
)  # fmt: skip
_TITLE_NOUNS = frozenset({"manager", "managers"})
# Words around the parts of a title: stripped at its edges only ("Entretien avec Acme").
_EDGE_WORDS = frozenset(
    {
        "avec", "with", "w", "chez", "at", "@", "de", "d", "du", "des", "le", "la", "les", "l",
        "un", "une", "a", "an", "pour", "for", "of", "en", "mon", "ma", "my", "et", "and", "the",
        "&",
    }
)  # fmt: skip
# Small words that may sit inside a company name ("Société Générale de Banque", "Marks & Spencer")
_NAME_LINKS = frozenset({"de", "du", "des", "la", "le", "et", "&", "and", "of", "the", "d'", "l'"})
# Words that make a part of a title a position, not a company.
_POSITION_WORDS = frozenset(
    {
        "engineer", "ingenieur", "ingenieure", "developpeur", "developpeuse", "developer", "dev",
        "analyst", "analyste", "data", "chef", "cheffe", "projet", "product", "owner", "designer",
        "consultant", "consultante", "stage", "stagiaire", "intern", "internship", "alternance",
        "alternant", "alternante", "cdi", "cdd", "commercial", "commerciale", "comptable",
        "assistant", "assistante", "responsable", "directeur", "directrice", "director", "head",
        "lead", "senior", "junior", "devops", "fullstack", "full-stack", "backend", "back-end",
        "frontend", "front-end", "scientist", "architecte", "architect", "technicien",
        "technicienne", "vendeur", "vendeuse", "charge", "chargee", "juriste", "acheteur",
        "acheteuse", "auditeur", "auditrice", "controleur", "controleuse", "gestionnaire",
        "infirmier", "infirmiere", "professeur", "enseignant", "enseignante", "writer", "ux",
        "ui", "marketing", "sales", "account", "executive", "officer", "specialist", "expert",
        "experte", "coordinateur", "coordinatrice", "administrateur", "administratrice",
        "python", "java", "sre", "qa", "support", "developpement", "poste",
        "position", "role", "job", "cto", "cfo", "drh", "daf", "pm", "po", "redacteur",
        "redactrice", "traducteur", "traductrice", "financier",
        "financiere", "rssi", "administratif", "administrative", "ios",
        "android", "rh",
    }
)  # fmt: skip
# What introduces the position in a title ("pour le poste de", "for the role of").
_POSITION_INTRO = re.compile(
    r"(?<!\w)(?:pour (?:le |un )?(?:poste|role) (?:de |d')|pour (?:le |un )?poste|"
    r"en tant que |en tant qu'|comme |for (?:the |a )?(?:role|position|job) (?:of |as )?|"
    r"for (?:the |a )?|as (?:a |an )?|pour (?:le |la |l')?|(?:poste|position|role) (?:de |d')?)"
)
_CONNECTOR = re.compile(r"(?<!\w)(chez|at|@|avec|with|w/)(?!\w)")
# First names, so "Entretien avec Julie de Back Market" names Julie at Back Market.
_FIRST_NAMES = frozenset(
    """
    marie julie sophie camille lea emma chloe manon sarah laura claire anne nathalie isabelle
    sandrine celine aurelie emilie caroline helene valerie christine catherine pauline lucie
    charlotte alice ines clara juliette louise jeanne agathe mathilde elodie melanie audrey
    marion amelie stephanie virginie delphine karine sabrina fatima leila nadia yasmine
    jean pierre paul jacques michel nicolas thomas julien antoine alexandre maxime romain
    hugo lucas louis arthur jules leo gabriel raphael adam mohamed karim mehdi sami yanis
    david olivier laurent sebastien vincent christophe francois philippe eric stephane
    guillaume benoit mathieu matthieu damien fabien cedric jerome frederic arnaud xavier
    quentin florian kevin theo baptiste clement alexis adrien victor martin simon etienne
    sam alex john james robert michael william richard joseph charles daniel matthew mark
    steven andrew joshua kevin brian george edward emily jessica ashley jennifer amanda
    elizabeth megan rachel lauren hannah olivia sophia ava isabella mia amy kate emma anna
    lisa mary linda susan karen nancy betty helen sandra donna carol ruth sharon laura
    tom ben jack harry oliver noah liam ethan ryan nathan tyler jacob priya raj wei li
    """.split()  # noqa: SIM905 (a list literal would take 30 lines)
)


@dataclass(frozen=True)
class _FromTitle:
    company: str | None = None
    position: str | None = None
    person: str | None = None  # "Entretien avec Julie": the recruiter, when nothing else says


class _TitleReader:
    """A company and a position, only where the title's shape says they are."""

    def __init__(
        self, detection: Detection, recruiter_name: str | None, recruiter_email: str | None
    ) -> None:
        self.keywords = _words(detection.keywords)
        self.recruiter = fold(recruiter_name or "")
        self.domain = fold((recruiter_email or "").rpartition("@")[2].split(".")[0])

    def read(self, title: str, *, company_known: str | None) -> _FromTitle:
        title = re.sub(r"(?i)(?<!\w)w/", " with ", self._without_keywords(title))
        inside = re.findall(r"\(([^()]*)\)?", title)
        parens = [p for p in (self._meaningful(m) for m in inside) if p]
        main = re.sub(r"\([^()]*\)?", " | ", title)
        main = re.sub(r"[\[\]]", " | ", main)
        found = self._with_connector(main) or self._by_parts(main, company_known)
        company, position, person = found.company, found.position, found.person
        if position is None:
            position = next((p for p in parens if _is_position(p)), None)
        if company_known:
            if company and not _same(company, company_known):
                position = position or company
            company = None
            if position and _same(position, company_known):
                position = None
        return _FromTitle(company, position, person)

    def _without_keywords(self, title: str) -> str:
        """The title with each keyword (a phrase, maybe) made a space."""
        folded, origin = fold_with_origin(title)
        cuts = sorted(
            (origin[m.start()], origin[m.end() - 1] + 1)
            for k in self.keywords
            for m in k.finditer(folded)
            if m.end() > m.start()
        )
        kept, position = [], 0
        for start, end in cuts:
            if start >= position:
                kept.append(title[position:start] + " ")
                position = end
        return "".join(kept) + title[position:]

    def _with_connector(self, main: str) -> _FromTitle | None:
        """`Entretien chez Decathlon`, `Data engineer interview at Stripe`, `avec Julie de X`."""
        for part in _split(main):
            folded, origin = fold_with_origin(part)
            for connector in _CONNECTOR.finditer(folded):
                after = part[origin[connector.end() - 1] + 1 :]
                before = part[: origin[connector.start()]] if connector.start() else ""
                after, intro_position = self._cut_position(after)
                target = self._meaningful(after)
                if target is None:
                    continue  # "Call with recruiter": names no one
                before, before_position = self._cut_position(before)
                position = intro_position or before_position or self._position_before(before)
                if connector[1] in ("avec", "with"):
                    person, company = self._person_and_company(target)
                    if person is not None:
                        return _FromTitle(company, position, person)
                if not _is_name(target) or _is_position(target):
                    return None  # "Entretien avec le manager data": doubtful
                return _FromTitle(target, position)
        return None

    def _by_parts(self, main: str, company_known: str | None) -> _FromTitle:
        """`Entretien - Acme - Data engineer`, `Acme | Interview`, `Entretien Acme`."""
        meaningful: list[str] = []
        position = None
        for part in _split(main):
            part, intro_position = self._cut_position(part)
            position = position or intro_position
            found = self._meaningful(part)
            if found:
                meaningful.append(found)
        if company_known:
            rest = [m for m in meaningful if not _same(m, company_known)]
            return _FromTitle(None, position or (rest[0] if len(rest) == 1 else None))
        if len(meaningful) == 2 and _is_position(meaningful[0]) and not _is_position(meaningful[1]):
            meaningful.reverse()  # "Data engineer - Acme"
        if len(meaningful) == 1:
            [only] = meaningful
            if _is_position(only):
                # "Data engineer" is a position; "Acme Data engineer" says nothing clearly.
                return _FromTitle(None, position or (only if _starts_as_position(only) else None))
            return _FromTitle(only if _is_name(only) else None, position)
        if not meaningful:
            return _FromTitle(None, position)
        first, *others = meaningful
        if others and _is_name(first) and not _is_position(first):
            # "Entretien - Acme - Data engineer - Paris": the first position-like part.
            found = others[0] if len(others) == 1 else next(filter(_is_position, others), None)
            return _FromTitle(first, position or found)
        return _FromTitle(None, position)  # nothing, or a shape that says nothing clearly

    def _cut_position(self, part: str) -> tuple[str, str | None]:
        """`Acme pour le poste de Data engineer` -> (`Acme`, `Data engineer`)."""
        folded, origin = fold_with_origin(part)
        intro = _POSITION_INTRO.search(folded)
        if intro is None or intro.end() == intro.start():
            return part, None
        after = self._meaningful(part[origin[intro.end() - 1] + 1 :])
        if after is None or not (_is_position(after) or "post" in intro[0] or "role" in intro[0]):
            return part, None
        return part[: origin[intro.start()]] if intro.start() else "", after

    def _position_before(self, before: str) -> str | None:
        found = self._meaningful(before)
        return found if found and _is_position(found) else None

    def _person_and_company(self, target: str) -> tuple[str | None, str | None]:
        """`Julie de Back Market` -> (`Julie`, `Back Market`); `Marie Dupont` -> (it, None)."""
        if self._is_person(target):
            return target, None
        split = re.search(r"\s(?:de|d'|from|of|chez|at|@|-)\s*(?=\S)", target)
        if split and self._is_person(target[: split.start()]):
            company = self._meaningful(target[split.end() :])
            return target[: split.start()], company if company and _is_name(company) else None
        return None, None

    def _is_person(self, text: str) -> bool:
        words = fold(text).split()
        if not words or len(words) > 3 or not _is_name(text):
            return False
        if self.recruiter and (
            " ".join(words) == self.recruiter or words[0] in self.recruiter.split()
        ):
            return True
        # A name whose e-mail is at its own domain is a company ("Interview with Sam Lee" from
        # sam@samlee.io is not that).
        if self.domain and self.domain == "".join(words):
            return False
        return words[0] in _FIRST_NAMES

    def _meaningful(self, part: str) -> str | None:
        """`part` without the kind words and small words at its edges, nor symbols."""
        kept = [w for w in part.split() if any(c.isalnum() for c in w)]
        while kept and (self._is_kind(kept[0]) or fold(kept[0]).strip("'.,;") in _EDGE_WORDS):
            kept.pop(0)
        # "Product manager": a title noun after a word belongs to the position.
        while kept and (
            # "Société 2": a bare number after a name belongs to it.
            (
                (self._is_kind(kept[-1]) and fold(kept[-1]) not in _TITLE_NOUNS)
                and not (kept[-1].isdigit() and len(kept) > 1)
            )
            or fold(kept[-1]).strip("'.,;") in _EDGE_WORDS
        ):
            kept.pop()
        text = " ".join(kept).strip(_SEPARATOR_CHARS + "'\".,;«»")
        return text or None

    def _is_kind(self, word: str) -> bool:
        folded = fold(word).strip(_SEPARATOR_CHARS + '".,;«»!?')
        if not folded:
            return True
        head, _, tail = folded.partition("'")
        if tail and head in ("d", "l", "qu"):
            folded = tail  # "d'embauche", "l'entretien"
        if folded in _KIND_WORDS or any(k.fullmatch(folded) for k in self.keywords):
            return True
        # Round numbers and times: "n°2", "#3", "2", "14h30", "10:00", "3/12"
        return re.fullmatch(r"(?:n°|no|#)?\d+(?:[h:./]\d*)*(?:h|am|pm)?", folded) is not None


def _split(text: str) -> list[str]:
    """The parts of a title between separators: `|`, dashes, ` - `, ` / `, `: `."""
    return [
        p
        for p in re.split(r"\s*[|\u2013\u2014]\s*|\s+[-/]\s*|[-/]\s+|\s*:\s+|\s*:$", text)
        if p.strip()
    ]


def _is_name(text: str) -> bool:
    """A company or person name: one word, or every word capitalised (links aside)."""
    words = text.split()
    if len(words) == 1:
        return True
    return all(w[0].isupper() or w[0].isdigit() or fold(w) in _NAME_LINKS for w in words)


def _starts_as_position(text: str) -> bool:
    words = fold(text).split()
    return bool(words) and words[0].strip("().,;") in _POSITION_WORDS


def _is_position(text: str) -> bool:
    return any(w.strip("().,;") in _POSITION_WORDS for w in fold(text).split())


def _same(a: str, b: str) -> bool:
    """One name in the other, folded: "Acme" and "Acme SAS" are the same company."""
    fa, fb = fold(a), fold(b)
    return bool(fa and fb) and (fa in fb or fb in fa)
