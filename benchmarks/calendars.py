"""Deterministic synthetic calendars: a realistic mix of events, 2 % of them interviews.

The same event list is rendered as one .ics file, as one CalDAV object per event
and as Google Calendar API resources, so every backend reads the same calendar.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
# The moment every run takes as now (--now): a Monday morning.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
HISTORY = timedelta(days=4 * 365)  # events reach this far back...
AHEAD = timedelta(days=180)  # ...and this far ahead
# A calendar mostly in the future (issue 14): this share of the ordinary events in the
# coming three years, the rest over the four years back; interviews as in the others.
FUTURE_SHARE = 0.9
FUTURE_AHEAD = timedelta(days=3 * 365)
INTERVIEW_SHARE = 0.02
STAMP = "20260101T000000Z"
ME = "camille@example.org"

ZONES = {  # zone -> share of the timed events
    "Europe/Paris": 0.60,
    "UTC": 0.15,
    "America/New_York": 0.10,
    "Asia/Tokyo": 0.05,
    None: 0.10,  # floating time (Apple, some exports)
}

VTIMEZONES = {
    "Europe/Paris": """BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
""",
    "America/New_York": """BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
""",
    "Asia/Tokyo": """BEGIN:VTIMEZONE
TZID:Asia/Tokyo
BEGIN:STANDARD
TZOFFSETFROM:+0900
TZOFFSETTO:+0900
TZNAME:JST
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE
""",
}

_TITLES = [
    "Réunion d'équipe", "Standup", "Dentiste", "Déjeuner avec Paul", "Sport", "Cours de piano",
    "Call client Durand", "Point hebdo", "Revue de sprint", "Médecin", "Courses",
    "Apéro chez Léa", "Webinar cloud", "1:1 manager", "Yoga", "Rendez-vous banque",
    "Flight AF006 to JFK", "Conference call", "Garage : vidange", "Réunion parents d'élèves",
]  # fmt: skip
_ALL_DAY_TITLES = ["Anniversaire de Léa", "Vacances", "Férié", "Télétravail", "Salon VivaTech"]
_COMPANIES = [
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises",
    "Soylent", "Tyrell", "Cyberdyne", "Dunder Mifflin", "Wonka", "Aperture", "Massive Dynamic",
]  # fmt: skip
_POSITIONS = [
    "Développeuse Python", "Data engineer", "Cheffe de projet", "Product manager",
    "Ingénieure DevOps", "Architecte cloud", "Lead developer",
]  # fmt: skip
_PEOPLE = [
    ("Marie Dupont", "marie.dupont"), ("Jean Martin", "jean.martin"),
    ("Sophie Bernard", "sophie.bernard"), ("Luc Petit", "luc.petit"),
    ("Emma Leroy", "emma.leroy"), ("Hugo Moreau", "hugo.moreau"),
]  # fmt: skip
_WORDS = [
    "projet",
    "budget",
    "planning",
    "client",
    "livraison",
    "revue",
    "architecture",
    "migration",
    "équipe",
    "objectif",
    "trimestre",
    "données",
    "sécurité",
    "performance",
    "déploiement",
    "recette",
    "documentation",
    "réunion",
    "compte-rendu",
    "décision",
    "action",
    "suivi",
    "risque",
    "calendrier",
    "prestataire",
    "contrat",
]


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    start: datetime | date  # aware (zone), naive (floating) or a date (all-day)
    end: datetime | date
    zone: str | None = None  # TZID of a timed event; None: UTC (aware) or floating (naive)
    description: str = ""
    location: str = ""
    categories: tuple[str, ...] = ()
    rrule: str | None = None
    organizer: tuple[str, str] | None = None  # (name, email)
    attendees: tuple[tuple[str, str], ...] = ()
    interview: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def generate(size: int, seed: int = 7, *, future: bool = False) -> list[Event]:
    """`size` events; 2 % interviews, spread like the rest (the last ones two months ahead).

    `future`: the ordinary events mostly ahead (FUTURE_SHARE of them in FUTURE_AHEAD).
    """
    rng = random.Random(seed * 1_000_003 + size + (1 if future else 0))
    interviews = max(1, round(size * INTERVIEW_SHARE))
    events = [_interview(rng, n, ahead=n == 0) for n in range(interviews)]
    events += [_ordinary(rng, n, future=future) for n in range(size - interviews)]
    rng.shuffle(events)
    return events


def _moment(rng: random.Random, earliest: timedelta, latest: timedelta) -> datetime:
    day = NOW + timedelta(seconds=rng.uniform(-earliest.total_seconds(), latest.total_seconds()))
    return datetime.combine(day.date(), time(rng.randint(8, 19), rng.choice((0, 15, 30, 45))))


def _zone_of(rng: random.Random) -> str | bool | None:
    pick = rng.random()
    for zone, share in ZONES.items():
        if pick < share:
            return zone
        pick -= share
    return None


def _timed(
    rng: random.Random, wall: datetime, minutes: int
) -> tuple[datetime, datetime, str | None]:
    zone = _zone_of(rng)
    start = wall if zone is None else wall.replace(tzinfo=ZoneInfo(zone))  # None: floating
    return start, start + timedelta(minutes=minutes), zone


def _paragraphs(rng: random.Random, size: int) -> str:
    lines = []
    while sum(len(line) for line in lines) < size:
        words = rng.choices(_WORDS, k=rng.randint(8, 18))
        lines.append(" ".join(words).capitalize() + ".")
    return "\n".join(lines)


def _ordinary(rng: random.Random, n: int, *, future: bool = False) -> Event:
    uid = f"ev-{n:06d}-{rng.getrandbits(32):08x}@bench.example.org"
    kind = rng.random()
    if not future:
        wall = _moment(rng, HISTORY, AHEAD)
    elif rng.random() < FUTURE_SHARE:
        wall = _moment(rng, timedelta(0), FUTURE_AHEAD)
    else:
        wall = _moment(rng, HISTORY, timedelta(0))
    description = ""
    roll = rng.random()
    if roll < 0.06:
        description = _paragraphs(rng, rng.randint(1500, 6000))  # meeting notes, agendas
    elif roll < 0.40:
        description = _paragraphs(rng, rng.randint(40, 300))
    if rng.random() < 0.01:
        # Not an interview, but the word is there: the pre-filters must not be fooled for long.
        description += "\nPréparer l'entretien annuel et la revue d'interview client."
    attendees: tuple[tuple[str, str], ...] = ()
    organizer = None
    if rng.random() < 0.3:
        people = rng.sample(_PEOPLE, rng.randint(2, 5))
        attendees = tuple((name, f"{mail}@corp.example.com") for name, mail in people)
        organizer = attendees[0]
    if kind < 0.10:  # all-day, sometimes several days
        day = wall.date()
        return Event(
            uid,
            rng.choice(_ALL_DAY_TITLES),
            day,
            day + timedelta(days=rng.choice((1, 1, 1, 3, 7))),
            description=description,
        )
    if kind < 0.15:  # recurring
        start, end, zone = _timed(rng, wall, rng.choice((15, 30, 60)))
        rule = rng.choice(
            (
                "FREQ=WEEKLY;COUNT=20",
                "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=60",
                "FREQ=DAILY;COUNT=30",
                "FREQ=MONTHLY;COUNT=12",
                "FREQ=WEEKLY",  # unbounded
                "FREQ=YEARLY",
            )
        )
        return Event(
            uid, rng.choice(("Standup", "Point hebdo", "Sport", "Cours de piano", "Yoga")),
            start, end, zone, description=description, rrule=rule,
            organizer=organizer, attendees=attendees,
        )  # fmt: skip
    start, end, zone = _timed(rng, wall, rng.choice((30, 45, 60, 90, 120)))
    return Event(
        uid, rng.choice(_TITLES), start, end, zone, description=description,
        location=rng.choice(("", "", "Salle Everest", "Visio", "12 rue de la Paix, Paris")),
        organizer=organizer, attendees=attendees,
    )  # fmt: skip


def _interview(rng: random.Random, n: int, *, ahead: bool = False) -> Event:
    uid = f"iv-{n:05d}-{rng.getrandbits(32):08x}@bench.example.org"
    company = rng.choice(_COMPANIES)
    position = rng.choice(_POSITIONS)
    name, mail = rng.choice(_PEOPLE)
    email = f"{mail}@{company.lower().replace(' ', '')}.example.com"
    # One interview at least lies ahead, found by its title: the one the benchmark edits.
    if ahead:
        wall = _moment(rng, timedelta(days=-14), timedelta(days=40))
    else:
        wall = _moment(rng, HISTORY, timedelta(days=60))
    start = wall.replace(tzinfo=PARIS) if rng.random() < 0.85 else wall.replace(tzinfo=UTC)
    zone = "Europe/Paris" if start.tzinfo is PARIS else None
    style = rng.randrange(4 if ahead else 5)
    categories: tuple[str, ...] = ()
    summary = {
        0: f"Entretien - {company} - {position}",
        1: f"Interview with {company}",
        2: f"Entretien RH {company}",
        3: f"{company} : entrevue technique",
        4: f"RDV {company}",
    }[style]
    if style == 4:
        categories = ("Entretien",)
    lines = [
        f"Recruteuse : {name} <{email}>",
        f"Entreprise : {company}",
        f"Poste : {position}",
        f"Taille : {rng.choice(('grand groupe', 'PME', 'ETI', 'start-up'))}",
        f"Urgence : {rng.choice(('non', 'non', 'non', 'oui'))}",
    ]
    if rng.random() < 0.3:
        lines.append(f"Réponse : sous {rng.randint(1, 3)} semaines")
    lines.append("Points : " + " ; ".join(rng.sample(_WORDS, 3)))
    description = "\n".join(lines) + "\n\n" + _paragraphs(rng, rng.randint(100, 800))
    return Event(
        uid, summary, start, start + timedelta(minutes=rng.choice((30, 45, 60))), zone,
        description=description, categories=categories,
        organizer=(name, email), attendees=((name, email), ("Camille Martin", ME)),
        interview=True,
    )  # fmt: skip


def changed(event: Event, round_: int) -> Event:
    """The interview as the user edits it after the call: new points noted (the follow-up
    draft quotes them, so its reminder is rewritten)."""
    lines = event.description.split("\n")
    lines = [
        f"Points : {_WORDS[round_ % len(_WORDS)]} (tour {round_})"
        if line.startswith("Points")
        else line
        for line in lines
    ]
    return replace(event, description="\n".join(lines))


def interview_to_change(events: list[Event]) -> Event:
    """An interview ahead of now (its follow-up reminder moves when it changes)."""
    # Found by its title (Google has no categories), so that every backend sees it.
    ahead = [
        e for e in events if e.interview and not e.categories and e.start > NOW + timedelta(days=3)
    ]
    return min(ahead, key=lambda e: e.uid)


# --- iCalendar ---------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts, current, size = [], [], 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


def _when(name: str, value: datetime | date, zone: str | None) -> str:
    if not isinstance(value, datetime):
        return f"{name};VALUE=DATE:{value:%Y%m%d}"
    if value.tzinfo is None:
        return f"{name}:{value:%Y%m%dT%H%M%S}"
    if zone is None:
        return f"{name}:{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{name};TZID={zone}:{value:%Y%m%dT%H%M%S}"


def vevent(event: Event) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{STAMP}",
        _when("DTSTART", event.start, event.zone),
        _when("DTEND", event.end, event.zone),
        f"SUMMARY:{_escape(event.summary)}",
    ]
    if event.rrule:
        lines.append(f"RRULE:{event.rrule}")
    if event.location:
        lines.append(f"LOCATION:{_escape(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{_escape(event.description)}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(_escape(c) for c in event.categories))
    if event.organizer:
        lines.append(f"ORGANIZER;CN={event.organizer[0]}:mailto:{event.organizer[1]}")
    for name, email in event.attendees:
        lines.append(f"ATTENDEE;CN={name};PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:{email}")
    lines.append("END:VEVENT")
    return "".join(_fold(line) for line in lines)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


_HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//relance-cal bench//EN\r\n"


def ics_file(events: list[Event]) -> str:
    """One calendar file holding every event (as a desktop app exports it)."""
    zones = "".join(_crlf(text) for text in VTIMEZONES.values())
    return _HEAD + zones + "".join(vevent(e) for e in events) + "END:VCALENDAR\r\n"


def ics_object(event: Event) -> str:
    """One CalDAV object: the event and the VTIMEZONE it uses."""
    zone = _crlf(VTIMEZONES[event.zone]) if event.zone in VTIMEZONES else ""
    return _HEAD + zone + vevent(event) + "END:VCALENDAR\r\n"


def object_name(event: Event) -> str:
    return event.uid.split("@")[0] + ".ics"


# --- Google Calendar ---------------------------------------------------------------------


def google_event(event: Event) -> dict:
    """The event as Google's API shows it (recurring events listed as their first instance)."""

    def when(value: datetime | date) -> dict[str, str]:
        if not isinstance(value, datetime):
            return {"date": value.isoformat()}
        zone = event.zone or "Europe/Paris"
        aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))
        return {"dateTime": aware.isoformat(), "timeZone": zone}

    body: dict = {
        "id": _google_id(event.uid),
        "iCalUID": event.uid,
        "summary": event.summary,
        "start": when(event.start),
        "end": when(event.end),
    }
    if event.description:
        body["description"] = event.description
    if event.location:
        body["location"] = event.location
    if event.attendees:
        body["attendees"] = [
            {"email": email, "displayName": name, "responseStatus": "accepted"}
            for name, email in event.attendees
        ]
    if event.organizer:
        body["organizer"] = {"email": event.organizer[1], "displayName": event.organizer[0]}
    return body


def _google_id(uid: str) -> str:
    """Google ids use the base32hex alphabet (a-v, 0-9)."""
    return "b" + hashlib.sha1(uid.encode()).hexdigest()
