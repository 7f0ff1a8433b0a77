"""`relance-cal init`: the commented starter config, and an example calendar to try it on."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from relance_cal import files
from relance_cal.errors import ConfigError

CONFIG_TEMPLATE = """\
# relance-cal configuration. Reference: the README, section "Configuration".
me = "camille.martin@example.org"   # your address: tells you apart from the recruiter
name = "Camille Martin"             # signature of the drafts
language = "fr"                     # fr | en: drafts and reminder titles

[source]                            # where the interviews are
backend = "ics"                     # ics | caldav | google
path = "{calendar_path}"
# url = "https://dav.example.org/"  # caldav
# username = "camille"
# password_env = "RELANCE_CAL_PASSWORD"      # or password_command = "pass show dav"
# calendar = "Personnel"            # caldav: display name or URL
# calendar_id = "primary"           # google
keywords = ["entretien", "interview", "entrevue"]
exclude_keywords = ["voiture", "chaudière"]   # "entretien" is also a service appointment
interviews_only = false

[reminders]                         # where reminders go; default: the source calendar
# backend = "ics"
# path = "~/calendars/relances.ics"
alarm_minutes = [0]                 # display alarms, minutes before the reminder

[drafts]
thank_you = false                   # a thank-you note reminder, the business morning after
ask_delay = true                    # just before an interview: ask when they will answer

[policy]                            # when to follow up: see the README
country = "FR"
# subdivision = "57"                # Alsace-Moselle
timezone = "Europe/Paris"
reminder_time = "09:30"
work_end = "18:00"
max_days = 10
"""


def config_text(*, calendar_path: str) -> str:
    return CONFIG_TEMPLATE.format(calendar_path=calendar_path)


def write_new(path: Path, text: str) -> None:
    """Write `text` to a new private file; never overwrite an existing one."""
    if path.exists() or path.is_symlink():
        raise ConfigError(f"{path}: already exists; relance-cal init never overwrites")
    files.write(path, text.encode("utf-8"), private=True, new_only=True)


# (weekdays from today, hour, duration hours, title, description)
_EXAMPLE_EVENTS = [
    (
        -2,
        14,
        1,
        "Entretien - Acme - Développeuse Python",
        "Recruteuse: Marie Dupont <marie.dupont@acme.fr>\nTaille: grand groupe\n"
        "Points: migration vers le cloud ; équipe de six ; deux jours de télétravail",
    ),
    (
        -3,
        10,
        1,
        "Interview with Globex",
        "Recruiter: Sam Lee <sam@globex.io>\nPosition: Data engineer\nUrgency: asap\nSize: startup",
    ),
    (
        -6,
        11,
        1,
        "Entretien Initech",
        "Contact: Paul Martin <p.martin@initech.fr>\nPoste: Chef de projet\nStatut: refus",
    ),
    (
        -1,
        16,
        1,
        "Entretien Umbrella - Analyste",
        "Recruteur: Léa Petit <lea.petit@umbrella.fr>\nRéponse: sous 2 semaines",
    ),
    (3, 9, 1, "Entretien - Hooli - Product owner", "Recruteur: Gavin B. <gavin@hooli.com>"),
    (1, 18, 1, "Entretien voiture (révision)", "Garage du centre"),
    (2, 12, 1, "Déjeuner avec Alex", ""),
]


def _weekdays_from(moment: datetime, n: int) -> datetime:
    """`n` weekdays after `moment` (before it when negative): interviews happen on weekdays."""
    step = timedelta(days=1 if n > 0 else -1)
    while n:
        moment += step
        if moment.weekday() < 5:
            n -= 1 if n > 0 else -1
    return moment


def write_example_calendar(path: Path, today: datetime) -> Path:
    """An .ics calendar with interviews around `today` (so the example works any day)."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//relance-cal//example//FR")
    calendar.add("version", "2.0")
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Paris")
    base = today.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    for n, (days, hour, hours, title, description) in enumerate(_EXAMPLE_EVENTS):
        start = _weekdays_from(base, days).replace(hour=hour)
        event = icalendar.Event()
        event.add("uid", f"example-{n}@relance-cal.example")
        event.add("dtstamp", base)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(hours=hours))
        event.add("summary", title)
        if description:
            event.add("description", description)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    write_new(path, calendar.to_ical().decode("utf-8"))
    return path
