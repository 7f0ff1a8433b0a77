"""iCalendar text <-> backend-neutral objects, shared by the ics and CalDAV backends."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from relance_cal.backends.base import (
    CATEGORY,
    MARKER_INPUTS,
    MARKER_KIND,
    MARKER_SOURCE,
    ExistingReminder,
    Person,
    Reminder,
    SourceEvent,
    Window,
)
from relance_cal.errors import EventError

PRODID = "-//relance-cal//relance-cal//EN"

# Properties holding the times of an event; their TZIDs are resolved by `_zone`.
_TIME_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
_SCHEDULE_PROPERTIES = (*_TIME_PROPERTIES, "DURATION", "RRULE")
# icalendar and recurring_ical_events signal bad input with these (mostly ValueError).
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)
# Floating and all-day times have no zone until we read them in the window's: expand over
# a wider span, then keep exactly what overlaps the window.
_EXPANSION_MARGIN = timedelta(days=2)
_MAX_OCCURRENCES = 200  # more is no interview series
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def parse_item(raw: str, window: Window, *, calendar: str = "") -> list[SourceEvent]:
    """The occurrences overlapping `window` of one item: the VEVENTs of one UID + VTIMEZONEs."""
    try:
        parsed = icalendar.Calendar.from_ical(raw)
    except _PARSE_ERRORS as e:
        raise EventError(_label_from_text(raw), f"not valid iCalendar: {e}") from None
    definitions = {str(tz.get("TZID", "")): tz for tz in parsed.walk("VTIMEZONE")}
    by_uid: dict[str, list[icalendar.Event]] = {}
    for vevent in parsed.walk("VEVENT"):
        uid = str(vevent.get("UID", "")).strip()
        if not uid:
            raise EventError(_label("", _text(vevent, "SUMMARY")), "no UID")
        by_uid.setdefault(uid, []).append(vevent)
    occurrences: list[SourceEvent] = []
    for uid, components in by_uid.items():
        occurrences.extend(_occurrences(uid, components, definitions, window, calendar))
    return occurrences


def _occurrences(
    uid: str,
    components: list[icalendar.Event],
    definitions: dict[str, icalendar.Timezone],
    window: Window,
    calendar: str,
) -> list[SourceEvent]:
    masters = [c for c in components if "RECURRENCE-ID" not in c]
    label = _label(uid, _text((masters or components)[0], "SUMMARY"))
    if len(masters) > 1:
        raise EventError(label, "several events share this UID")
    try:
        for component in components:
            _check_schedule(component, label)
            _resolve_zones(component, definitions, label)
        master = masters[0] if masters else None
        if master is not None and ("RRULE" in master or "RDATE" in master):
            events = _expand(uid, master, components, window, calendar)
        else:
            events = [
                _source_event(c, _key(uid, c, None), uid, calendar, label) for c in components
            ]
    except _PARSE_ERRORS as e:
        raise EventError(label, f"cannot read the event: {e}") from None
    return [e for e in events if _overlaps(e, window)]


def _check_schedule(component: icalendar.Event, label: str) -> None:
    """Refuse an event whose times icalendar could not read (it keeps them as vBroken)."""
    for name, message in component.errors:
        if name in _SCHEDULE_PROPERTIES:
            raise EventError(label, f"unreadable {name}: {message}")
    start = component.get("DTSTART")
    if start is None:
        raise EventError(label, "no start (DTSTART)")
    if isinstance(start, list):
        raise EventError(label, "several DTSTART")
    if not isinstance(start.dt, date):
        raise EventError(label, f"DTSTART is not a date or a date-time: {start.to_ical()!r}")


def _resolve_zones(
    component: icalendar.Event, definitions: dict[str, icalendar.Timezone], label: str
) -> None:
    """Put every time of `component` in the zone its TZID names, resolved by `_zone`.

    icalendar resolves TZIDs itself, but through a process-wide cache and silently
    falling back to floating time; we want one explicit order and an error instead.
    """
    for name in _TIME_PROPERTIES:
        value = component.get(name)
        if value is None:
            continue
        if name in ("EXDATE", "RDATE"):
            lists = value if isinstance(value, list) else [value]
            component[name] = [
                icalendar.vDDDLists(
                    [_rezone(v.dt, _tzid(v, lst), definitions, label) for v in lst.dts]
                )
                for lst in lists
            ]
        elif isinstance(value, list):
            raise EventError(label, f"several {name}")
        else:
            tzid = value.params.get("TZID")
            if tzid:
                zoned = _rezone(value.dt, tzid, definitions, label)
                params = {"RANGE": value.params["RANGE"]} if "RANGE" in value.params else None
                component[name] = icalendar.vDDDTypes(zoned, params)


def _tzid(value: icalendar.vDDDTypes, values: icalendar.vDDDLists) -> str | None:
    return value.params.get("TZID") or values.params.get("TZID")


def _rezone(
    value: object, tzid: str | None, definitions: dict[str, icalendar.Timezone], label: str
) -> object:
    if not tzid:
        return value
    if isinstance(value, tuple):  # an RDATE period: (start, end or duration)
        return tuple(_rezone(v, tzid, definitions, label) for v in value)
    if isinstance(value, datetime):
        # icalendar kept the wall-clock time, in whatever zone it found (or none).
        return value.replace(tzinfo=_zone(tzid, definitions, label))
    return value


def _zone(tzid: str, definitions: dict[str, icalendar.Timezone], label: str) -> tzinfo:
    """An IANA name, else a Windows name (Outlook), else the file's own VTIMEZONE."""
    name = tzid.strip().strip("/")
    for candidate in (name, WINDOWS_TO_OLSON.get(name)):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                pass
    definition = definitions.get(tzid) or definitions.get(name)
    if definition is not None:
        try:
            return definition.to_tz(lookup_tzid=False)
        except _PARSE_ERRORS:
            raise EventError(label, f"unreadable VTIMEZONE for time zone {tzid!r}") from None
    raise EventError(label, f"unknown time zone {tzid!r} (no VTIMEZONE in the file)")


def _expand(
    uid: str,
    master: icalendar.Event,
    components: list[icalendar.Event],
    window: Window,
    calendar: str,
) -> list[SourceEvent]:
    series = icalendar.Calendar()
    for component in components:
        series.add_component(component)
    label = _label(uid, _text(master, "SUMMARY"))
    limit = window.end + _EXPANSION_MARGIN
    found = []
    # Lazily, in start order: a runaway rule (FREQ=MINUTELY) must not hang the run.
    for occurrence in recurring_ical_events.of(series).after(window.start - _EXPANSION_MARGIN):
        if _instant(occurrence["DTSTART"].dt, window.start.tzinfo) >= limit:
            break
        if len(found) == _MAX_OCCURRENCES:
            raise EventError(label, f"repeats more than {_MAX_OCCURRENCES} times in the period")
        found.append(occurrence)
    master_start = master["DTSTART"].dt
    return [
        _source_event(occurrence, _key(uid, occurrence, master_start), uid, calendar, label)
        for occurrence in found
    ]


def _key(uid: str, component: icalendar.Event, master_start: date | None) -> str:
    """uid for a single event; uid@<original start> for an occurrence (stable when moved)."""
    recurrence_id = component.get("RECURRENCE-ID")
    if recurrence_id is None:
        return uid
    original = recurrence_id.dt
    # An override may give its RECURRENCE-ID in UTC: say it in the series' zone, like the
    # occurrences that were not moved, so a key does not change when its occurrence moves.
    if _is_aware(original) and _is_aware(master_start):
        original = original.astimezone(master_start.tzinfo)
    return f"{uid}@{original.isoformat()}"


def _is_aware(value: object) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None


def _source_event(
    component: icalendar.Event, key: str, uid: str, calendar: str, label: str
) -> SourceEvent:
    start = component["DTSTART"].dt
    return SourceEvent(
        key=key,
        uid=uid,
        summary=_text(component, "SUMMARY"),
        description=_text(component, "DESCRIPTION"),
        start=start,
        end=_end(component, start, label),
        categories=_categories(component),
        cancelled=str(component.get("STATUS", "")).strip().upper() == "CANCELLED",
        organizer=_person(component.get("ORGANIZER")),
        attendees=tuple(
            p for p in (_person(a) for a in _as_list(component.get("ATTENDEE"))) if p is not None
        ),
        marker=MARKER_SOURCE in component,
        calendar=calendar,
    )


def _end(component: icalendar.Event, start: date, label: str) -> date:
    """DTEND, else DTSTART + DURATION, else the start (timed) or the next day (all-day)."""
    default = start if isinstance(start, datetime) else start + timedelta(days=1)
    end: date | None = None
    if "DTEND" in component:
        end = component["DTEND"].dt
    elif "DURATION" in component:
        duration = component["DURATION"].dt
        if not isinstance(duration, timedelta):
            raise EventError(label, f"DURATION is not a duration: {duration!r}")
        end = start + duration
    # A mix of kinds (a date start with a date-time end...) has no clear meaning: ignore it.
    if end is None or _kind(end) != _kind(start) or end < start:
        return default
    if end == start and not isinstance(start, datetime):
        return default
    return end


def _kind(value: date) -> str:
    if not isinstance(value, datetime):
        return "date"
    return "aware" if value.tzinfo is not None else "floating"


def _categories(component: icalendar.Event) -> tuple[str, ...]:
    values = []
    for prop in _as_list(component.get("CATEGORIES")):
        values.extend(getattr(prop, "cats", [prop]))
    return tuple(s for s in (str(v).strip() for v in values) if s)


def _person(address: object) -> Person | None:
    if address is None or not hasattr(address, "params"):
        return None
    value = str(address).strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    email = value.strip().lower() if "@" in value else None
    name = str(address.params.get("CN", "")).strip() or None
    partstat = str(address.params.get("PARTSTAT", "")).strip().upper() or None
    if email is None and name is None:
        return None
    return Person(email=email, name=name, partstat=partstat)


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(component: icalendar.Component, name: str) -> str:
    value = component.get(name)
    if isinstance(value, list):  # a repeated property: the first one counts
        value = value[0]
    return str(value) if value is not None else ""


def _overlaps(event: SourceEvent, window: Window) -> bool:
    # Floating and all-day times are read in the window's zone (the user's).
    zone = window.start.tzinfo
    start, end = _instant(event.start, zone), _instant(event.end, zone)
    return start < window.end and (end > window.start or start >= window.start)


def _instant(value: date, zone: tzinfo | None) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), zone)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _label(uid: str, summary: str) -> str:
    title = " ".join(_CONTROL.sub(" ", summary).split())
    if uid and title:
        return f'"{title}" (UID {uid})'
    if title:
        return f'"{title}"'
    return f"UID {uid}" if uid else "an event without UID or title"


def _label_from_text(raw: str) -> str:
    """Name an item icalendar could not parse, from its raw UID and SUMMARY lines."""
    uid = re.search(r"^UID[;:](?:[^:\r\n]*:)?(.*)$", raw, re.MULTILINE | re.IGNORECASE)
    summary = re.search(r"^SUMMARY[;:](?:[^:\r\n]*:)?(.*)$", raw, re.MULTILINE | re.IGNORECASE)
    return _label(uid.group(1).strip() if uid else "", summary.group(1).strip() if summary else "")


# --- writing reminders -------------------------------------------------------------------


def reminder_vevent(reminder: Reminder, stamp: datetime) -> icalendar.Event:
    """The VEVENT of a reminder (reminder-events.md), stamped `stamp`."""
    title = _one_line(reminder.title)
    event = icalendar.Event()
    event.add("UID", reminder.uid)
    event.add("DTSTAMP", stamp.astimezone(UTC))
    event.add("DTSTART", reminder.start)
    event.add("DTEND", reminder.end)
    event.add("SUMMARY", title)
    event.add("DESCRIPTION", _plain_text(reminder.description))
    event.add("CATEGORIES", [CATEGORY])
    event.add("TRANSP", "TRANSPARENT")
    # vText, so that the values are escaped like any TEXT (a UID may hold ",", ";" or "\").
    event.add(MARKER_SOURCE, icalendar.vText(reminder.source_key))
    event.add(MARKER_KIND, icalendar.vText(reminder.kind))
    event.add(MARKER_INPUTS, icalendar.vText(reminder.inputs))
    for minutes in reminder.alarm_minutes:
        alarm = icalendar.Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", title)
        alarm.add("TRIGGER", timedelta(minutes=-minutes))
        event.add_component(alarm)
    return event


def reminder_calendar(reminders: Sequence[Reminder], stamp: datetime) -> icalendar.Calendar:
    """A VCALENDAR holding `reminders` and the VTIMEZONEs they use."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    for reminder in reminders:
        calendar.add_component(reminder_vevent(reminder, stamp))
    calendar.add_missing_timezones()
    return calendar


def existing_reminder(
    event: icalendar.Event, *, item_id: str, etag: str | None = None
) -> ExistingReminder | None:
    """The reminder a marker event describes; None when `event` does not carry the marker."""
    if MARKER_SOURCE not in event:
        return None
    uid = str(event.get("UID", "")).strip()
    label = _label(uid, _text(event, "SUMMARY"))
    if not uid:
        raise EventError(label, "a relance-cal reminder without UID")
    return ExistingReminder(
        uid=uid,
        source_key=_marker(event, MARKER_SOURCE),
        kind=_marker(event, MARKER_KIND),
        inputs=_marker(event, MARKER_INPUTS),
        start=_reminder_start(event, label),
        item_id=item_id,
        etag=etag,
        cancelled=str(event.get("STATUS", "")).strip().upper() == "CANCELLED",
    )


def _marker(event: icalendar.Event, name: str) -> str:
    value = event.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0]
    # Parsed X- properties keep their escaped text (vUnknown), built ones are vText:
    # going through to_ical() reads both the same way.
    return _unescape_text(value.to_ical().decode("utf-8"))


def _unescape_text(raw: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), raw)


def _reminder_start(event: icalendar.Event, label: str) -> datetime:
    prop = event.get("DTSTART")
    start = None if prop is None or isinstance(prop, list) else getattr(prop, "dt", None)
    if isinstance(start, datetime) and prop.params.get("TZID"):
        # Our own IANA zone, or an app rewrote it (a Windows name); else keep what
        # icalendar found, it may know the zone from a VTIMEZONE.
        with contextlib.suppress(EventError):
            start = start.replace(tzinfo=_zone(prop.params["TZID"], {}, label))
    if not _is_aware(start):
        raise EventError(label, "a relance-cal reminder without a zoned start time")
    return start


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text.replace("\n", " ")).split())


def _plain_text(text: str) -> str:
    """Line breaks as LF (icalendar escapes them), other control characters dropped."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
