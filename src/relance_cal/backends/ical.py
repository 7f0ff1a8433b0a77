"""iCalendar text <-> backend-neutral objects, shared by the ics and CalDAV backends.

Most items are one plainly written VEVENT: those are read by a small parser of our
own (`_plain_event`), which costs a fraction of icalendar's parse and import; anything
else (recurrence, durations, unusual zones or syntax) goes through icalendar, which
stays the reference: the quick path declines whatever it is not sure to read the same.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from relance_cal.backends.base import (
    CATEGORY,
    MARKER_CALENDAR,
    MARKER_INPUTS,
    MARKER_KIND,
    MARKER_SOURCE,
    ExistingReminder,
    Person,
    Reminder,
    SourceEvent,
    Window,
)
from relance_cal.errors import MAX_TITLE, EventError, event_label
from relance_cal.text import one_line

if TYPE_CHECKING:
    import icalendar

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
    plain = _plain_event(raw)
    if plain is not None:
        event = _plain_source_event(plain, calendar)
        if event is not None:
            return [event] if _overlaps(event, window) else []
    import icalendar

    try:
        parsed = icalendar.Calendar.from_ical(raw)
    except _PARSE_ERRORS as e:
        raise EventError(label_from_text(raw), f"not valid iCalendar: {e}") from None
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
    import icalendar

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
    zone = _iana_zone(name)
    if zone is not None:
        return zone
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    windows = WINDOWS_TO_OLSON.get(name)
    zone = _iana_zone(windows) if windows else None
    if zone is not None:
        return zone
    definition = definitions.get(tzid) or definitions.get(name)
    if definition is not None:
        try:
            return definition.to_tz(lookup_tzid=False)
        except _PARSE_ERRORS:
            raise EventError(label, f"unreadable VTIMEZONE for time zone {tzid!r}") from None
    raise EventError(label, f"unknown time zone {tzid!r} (no VTIMEZONE in the file)")


@functools.cache
def _iana_zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _expand(
    uid: str,
    master: icalendar.Event,
    components: list[icalendar.Event],
    window: Window,
    calendar: str,
) -> list[SourceEvent]:
    import icalendar
    import recurring_ical_events

    label = _label(uid, _text(master, "SUMMARY"))
    _start_near(master, window.start - _EXPANSION_MARGIN, label)
    series = icalendar.Calendar()
    for component in components:
        series.add_component(component)
    query = recurring_ical_events.of(series)
    zone = window.start.tzinfo
    first, limit = window.start - _EXPANSION_MARGIN, window.end + _EXPANSION_MARGIN
    # Counted first, on the bare rule (no duration: an hour-long FREQ=SECONDLY event would
    # overlap 3,600 others), in spans that double from one minute: the library's `after`
    # computes a whole day at a time, 86,400 occurrences of a FREQ=SECONDLY rule.
    counting = recurring_ical_events.of(_bare_series(master))
    counted, low, span = 0, first, timedelta(minutes=1)
    while low < limit:
        high = min(low + span, limit)
        for occurrence in counting.between(low, high):
            counted += low == first or _instant(occurrence["DTSTART"].dt, zone) >= low
        if counted > _MAX_OCCURRENCES:
            raise EventError(label, f"repeats more than {_MAX_OCCURRENCES} times in the period")
        low, span = high, span * 2
    found = []
    for occurrence in query.after(first):
        if _instant(occurrence["DTSTART"].dt, zone) >= limit:
            break
        found.append(occurrence)
    master_start = master["DTSTART"].dt
    return [
        _source_event(occurrence, _key(uid, occurrence, master_start), uid, calendar, label)
        for occurrence in found
    ]


def _bare_series(master: icalendar.Event) -> icalendar.Calendar:
    """The series' dates only, cheap to expand: what counting its occurrences needs."""
    import icalendar

    bare = icalendar.Event()
    for name in ("UID", "DTSTART", "RRULE", "RDATE", "EXDATE"):
        if name in master:
            bare[name] = master[name]
    series = icalendar.Calendar()
    series.add_component(bare)
    return series


# Steps of the rules whose periods are all alike; the others count in months or years.
_FIXED_STEPS = {
    "SECONDLY": timedelta(seconds=1),
    "MINUTELY": timedelta(minutes=1),
    "HOURLY": timedelta(hours=1),
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(weeks=1),
}
# Periods a COUNT rule with BY parts may run before the window: beyond, the occurrences
# already spent cannot be counted cheaply.
_MAX_COUNTED_PERIODS = 5_000


def _start_near(master: icalendar.Event, earliest: datetime, label: str) -> None:
    """Move the start of a series that began long before `earliest` to a whole number of its
    periods later, just before it: expansion then costs what the window holds, whatever the
    DTSTART (year 1) and FREQ (SECONDLY). The occurrences from `earliest` on are the same:
    each period is expanded on its own, and COUNT is reduced by the periods skipped."""
    import icalendar

    rule = master.get("RRULE")
    if rule is None:
        return
    if isinstance(rule, list):
        raise EventError(label, "several RRULE")
    start = master["DTSTART"].dt
    wall = start if isinstance(start, datetime) else datetime.combine(start, time(0))
    # An occurrence starting before this ends before `earliest`: nothing of it is needed.
    before = _instant(start, earliest.tzinfo) - _instant(
        _end(master, start, label), earliest.tzinfo
    )
    target = earliest + before
    if wall.tzinfo is not None:
        target = target.astimezone(wall.tzinfo)
    target = target.replace(tzinfo=None)
    wall_naive = wall.replace(tzinfo=None)
    if target <= wall_naive:
        return
    frequency = str(rule["FREQ"][0]).upper()
    interval = int(rule.get("INTERVAL", [1])[0])
    if frequency in _FIXED_STEPS:
        step = _FIXED_STEPS[frequency] * interval
        if not isinstance(start, datetime) and step % timedelta(days=1):
            return
        periods = (target - wall_naive) // step
        moved = wall + step * periods
    else:
        months = (12 if frequency == "YEARLY" else 1) * interval
        elapsed = (target.year - wall.year) * 12 + target.month - wall.month
        periods = elapsed // months - 1
        # A period without the start's day (the 31st, 29 February) has no occurrence of
        # it: the new start goes to an earlier period that has it.
        while periods > 0 and wall.day > _days_in_month(
            _months_later(wall.replace(day=1), months * periods)
        ):
            periods -= 1
        moved = _months_later(wall, months * max(periods, 0)) if periods > 0 else wall
    if periods <= 0:
        return
    if "COUNT" in rule:
        simple = frequency in _FIXED_STEPS and not any(k.startswith("BY") for k in rule)
        if not simple:
            if periods > _MAX_COUNTED_PERIODS:
                raise EventError(label, "a COUNT rule starting too long before to expand")
            return
        left = int(rule["COUNT"][0]) - periods
        if left <= 0:  # the series ended before `earliest`
            del master["RRULE"]
            return
        rule["COUNT"] = [left]
    shift = moved.replace(tzinfo=None) - wall_naive  # in wall time, like the rule's periods
    master["DTSTART"] = icalendar.vDDDTypes(start + shift)
    if "DTEND" in master:
        master["DTEND"] = icalendar.vDDDTypes(master["DTEND"].dt + shift)


def _months_later(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    return moment.replace(year=moment.year + index // 12, month=index % 12 + 1)


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
        # Outlook may give only its HTML version: the reader turns it into text.
        description=_text(component, "DESCRIPTION")
        or _UNESCAPE.sub(_unescaped, _text(component, "X-ALT-DESC")),
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
    end: date | None = None
    if "DTEND" in component:
        end = component["DTEND"].dt
    elif "DURATION" in component:
        duration = component["DURATION"].dt
        if not isinstance(duration, timedelta):
            raise EventError(label, f"DURATION is not a duration: {duration!r}")
        end = start + duration
    return _resolved_end(start, end)


def _resolved_end(start: date, end: date | None) -> date:
    default = start if isinstance(start, datetime) else start + timedelta(days=1)
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
    return _person_of(str(address), address.params)


def _person_of(value: str, params: Mapping[str, object]) -> Person | None:
    value = value.strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    email = value.strip().lower() if "@" in value else None
    name = str(params.get("CN", "")).strip() or None
    partstat = str(params.get("PARTSTAT", "")).strip().upper() or None
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
    return event_label(_CONTROL.sub(" ", summary[: MAX_TITLE * 8]), uid)


def label_from_text(raw: str) -> str:
    """Name an item icalendar could not parse, from its raw UID and SUMMARY lines (unfolded,
    unescaped, an alarm's own SUMMARY left out)."""
    text = _without_alarms(_UNFOLD_WITHOUT_BLANK_LINES.sub("", raw))
    uid = re.search(r"^UID[;:](?:[^:\r\n]*:)?(.*)$", text, re.MULTILINE | re.IGNORECASE)
    summary = re.search(r"^SUMMARY[;:](?:[^:\r\n]*:)?(.*)$", text, re.MULTILINE | re.IGNORECASE)
    return _label(
        uid.group(1).strip() if uid else "",
        _unescape_text(summary.group(1).strip()) if summary else "",
    )


class Span(NamedTuple):
    """Where a component is in a text: `text[start:end]`, its BEGIN line to its END line."""

    start: int
    end: int


# What ends the line of an END: blanks, then the line break or the end of the text.
LINE_END = r"[^\S\n]*(?:\r?\n|\Z)"


def components(text: str, name: str, end: str = LINE_END) -> tuple[list[Span], int | None]:
    """The NAME components of `text` in order, found in one pass over its lines, and where
    a BEGIN:NAME is left without END:NAME (None: nowhere).

    A BEGIN line (`BEGIN:NAME`, any case, LF or CRLF) is closed by the first END:NAME line
    after it (`end`: what may follow the name on that line); a BEGIN line before that END
    belongs to the component. These are the spans of a lazy `^BEGIN:NAME\r?\n.*?^END:NAME`
    regex, found without its cost: that regex reads the rest of the text again from every
    BEGIN without an END (minutes for a few hundred kB of them).
    """
    spans = []
    begin = None
    for edge in _edges(name, end).finditer(text):
        if edge.group(1) is not None:
            begin = edge.start() if begin is None else begin
        elif begin is not None:
            spans.append(Span(begin, edge.end()))
            begin = None
    return spans, begin


@functools.cache
def _edges(name: str, end: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:(BEGIN:{name}\r?\n)|END:{name}{end})", re.M | re.I)


def _without_alarms(text: str) -> str:
    """`text` without its VALARM components (an unclosed one stays)."""
    spans, _ = components(text, "VALARM", _ALARM_END)
    if not spans:
        return text
    kept, at = [], 0
    for span in spans:
        kept.append(text[at : span.start])
        at = span.end
    kept.append(text[at:])
    return "".join(kept)


_ALARM_END = r"\r?\n?"  # what the regex this replaced allowed after END:VALARM


# --- the quick path: one plainly written VEVENT -------------------------------------------

# Mirrors of icalendar's own reading: unfolding, line split, TEXT unescaping.
_UNFOLD = re.compile(r"(?:(?<!\n)\r\n|(?<![\r\n])\n)(?:\r?\n)*[ \t]")
_UNFOLD_WITHOUT_BLANK_LINES = re.compile(r"\r?\n[ \t]")  # the same, many times faster
_LINE_BREAK = re.compile(r"\r?\n")
_UNESCAPE = re.compile(r"\\([\\,;:nN])")
_NAME = re.compile(r"[A-Za-z0-9-]+")
_SIMPLE_LINE = re.compile(r"([A-Za-z0-9-]+):(.*)", re.S)
_PARAMETER = re.compile(r';([A-Za-z0-9-]+)=(?:"([^"]*)"|([^";:,\s](?:[^";:,]*[^";:,\s])?)?)')
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)")
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_STAMP = r"\d{8}T\d{6}Z?"
_DURATION = r"[+-]?P(?:\d+W|(?=\d|T\d)(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)"
_WEEKDAY = r"(?:MO|TU|WE|TH|FR|SA|SU)"
_RULE_PART = re.compile(
    r"FREQ=(?:YEARLY|MONTHLY|WEEKLY|DAILY)|INTERVAL=[1-9]\d{0,2}|COUNT=[1-9]\d{0,3}"
    rf"|UNTIL={_STAMP}|BYMONTH=(?:[1-9]|1[0-2])|BYMONTHDAY=-?(?:[1-9]|[12]\d|3[01])"
    rf"|BYDAY=[+-]?[1-5]?{_WEEKDAY}|WKST={_WEEKDAY}"
)
# Outside the VEVENT, a value icalendar (or dateutil, reading a VTIMEZONE) cannot read
# fails the whole parse: only these properties pass, free text or of a shape surely read.
_FREE_TEXT = frozenset({"PRODID", "VERSION", "CALSCALE", "METHOD", "TZID", "TZNAME", "TZURL",
                        "ACTION", "DESCRIPTION", "SUMMARY", "COMMENT"})  # fmt: skip
_SHAPED = {
    "DTSTART": re.compile(r"\d{8}T\d{6}"),
    "TZOFFSETFROM": re.compile(r"[+-](?:[01]\d|2[0-3])[0-5]\d"),
    "TZOFFSETTO": re.compile(r"[+-](?:[01]\d|2[0-3])[0-5]\d"),
    "RDATE": re.compile(r"\d{8}T\d{6}(?:,\d{8}T\d{6})*"),
    "TRIGGER": re.compile(_DURATION),
    "DURATION": re.compile(_DURATION),
    "REPEAT": re.compile(r"\d{1,4}"),
    "LAST-MODIFIED": re.compile(_STAMP),
}
_ALLOWED = {
    "VCALENDAR": {"PRODID", "VERSION", "CALSCALE", "METHOD"},
    "VTIMEZONE": {"TZID", "TZURL", "LAST-MODIFIED", "COMMENT"},
    "STANDARD": {"DTSTART", "RRULE", "RDATE", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "COMMENT"},
    "DAYLIGHT": {"DTSTART", "RRULE", "RDATE", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "COMMENT"},
    "VALARM": {"ACTION", "TRIGGER", "DESCRIPTION", "SUMMARY", "DURATION", "REPEAT"},
}
# Where each component may appear (its parent); VEVENT only once.
_PLACES = {
    "VCALENDAR": None,
    "VTIMEZONE": "VCALENDAR",
    "STANDARD": "VTIMEZONE",
    "DAYLIGHT": "VTIMEZONE",
    "VEVENT": "VCALENDAR",
    "VALARM": "VEVENT",
}
# What makes an event more than plain: the full parse reads those.
_NOT_PLAIN = frozenset({"RRULE", "RDATE", "EXDATE", "EXRULE", "RECURRENCE-ID", "DURATION"})
_ONCE = ("UID", "DTSTART", "DTEND", "STATUS", "ORGANIZER")


class _Property:
    __slots__ = ("params", "value")

    def __init__(self, params: dict[str, str], value: str) -> None:
        self.params = params
        self.value = value  # as written: escapes kept


@functools.lru_cache(maxsize=1024)  # the engine reads a reminder twice per run
def _plain_event(raw: str) -> dict[str, list[_Property]] | None:
    """The properties of the one VEVENT of `raw` when it is plainly written, else None."""
    stack: list[str] = []
    seen: list[set[str]] = []  # property names met in each open component
    event: dict[str, list[_Property]] | None = None
    done = False
    blank_lines = "\n\n" in raw or "\n\r\n" in raw
    unfolded = (_UNFOLD if blank_lines else _UNFOLD_WITHOUT_BLANK_LINES).sub("", raw)
    for line in _LINE_BREAK.split(unfolded):
        if not line:
            continue
        if done:
            return None  # something after END:VCALENDAR
        parsed = _content_line(line)
        if parsed is None:
            return None
        name, params, value = parsed
        if name in ("BEGIN", "END"):
            component = value.upper()
            if params or component not in _PLACES:
                return None
            if name == "BEGIN":
                if _PLACES[component] != (stack[-1] if stack else None):
                    return None
                if component == "VEVENT":
                    if event is not None:
                        return None
                    event = {}
                stack.append(component)
                seen.append(set())
            else:
                if not stack or stack.pop() != component:
                    return None
                seen.pop()
                done = not stack
            continue
        if not stack:
            return None
        if stack[-1] == "VEVENT":
            event.setdefault(name, []).append(_Property(params, value))  # type: ignore[union-attr]
        elif params or name in seen[-1] or not _surely_read(stack[-1], name, value):
            return None
        else:
            seen[-1].add(name)
    if not done or event is None or _NOT_PLAIN.intersection(event):
        return None
    if any(len(event.get(name, ())) > 1 for name in _ONCE):
        return None
    for name, props in event.items():
        if name not in ("DTSTART", "DTEND") and any("VALUE" in p.params for p in props):
            return None
    return event


def _content_line(line: str) -> tuple[str, dict[str, str], str] | None:
    """NAME, parameters, raw value of a plainly written content line; None otherwise."""
    simple = _SIMPLE_LINE.match(line)
    if simple is not None:  # no parameter, the common case
        return simple.group(1).upper(), {}, simple.group(2)
    if '"' in line:
        quoted = False
        colon = -1
        for i, char in enumerate(line):
            if char == '"':
                quoted = not quoted
            elif char == ":" and not quoted:
                colon = i
                break
    else:
        colon = line.find(":")
    if colon <= 0:
        return None
    head, value = line[:colon], line[colon + 1 :]
    if "\\" in head or "^" in head:
        return None
    semicolon = head.find(";")
    name = head if semicolon < 0 else head[:semicolon]
    if not _NAME.fullmatch(name):
        return None
    params: dict[str, str] = {}
    if semicolon >= 0:
        section = head[semicolon:]
        at = 0
        for match in _PARAMETER.finditer(section):
            if match.start() != at:
                return None
            key = match.group(1).upper()
            if key in params:
                return None
            params[key] = match.group(2) if match.group(2) is not None else match.group(3) or ""
            at = match.end()
        if at != len(section):
            return None
    return name.upper(), params, value


def _surely_read(component: str, name: str, value: str) -> bool:
    """Whether icalendar reads this property of a VCALENDAR, VTIMEZONE or VALARM for sure."""
    if name.startswith("X-"):
        return True
    if name not in _ALLOWED[component]:
        return False
    if name in _FREE_TEXT:
        return True
    if name == "RRULE":
        parts = value.split(";")
        return (
            all(_RULE_PART.fullmatch(p) for p in parts)
            and sum(p.startswith("FREQ=") for p in parts) == 1
            and len({p.split("=")[0] for p in parts}) == len(parts)
        )
    shape = _SHAPED.get(name)
    return shape is not None and shape.fullmatch(value) is not None


def _plain_text_value(props: list[_Property] | None) -> str:
    return _UNESCAPE.sub(_unescaped, props[0].value) if props else ""


def _unescaped(match: re.Match[str]) -> str:
    return "\n" if match.group(1) in "nN" else match.group(1)


def _plain_time(prop: _Property) -> date | None:
    """DTSTART / DTEND as the full parse reads it; None when it takes the full parse."""
    kind = prop.params.get("VALUE")
    tzid = prop.params.get("TZID")
    try:
        if match := _DATE_TIME.fullmatch(prop.value):
            if kind not in (None, "DATE-TIME"):
                return None
            moment = datetime(*(int(part) for part in match.groups()[:6]))
            if match.group(7):
                return None if tzid else moment.replace(tzinfo=_iana_zone("UTC"))
            if not tzid:
                return moment  # floating
            zone = _iana_zone(tzid.strip().strip("/"))
            return None if zone is None else moment.replace(tzinfo=zone)
        if match := _DATE.fullmatch(prop.value):
            if kind not in (None, "DATE") or tzid:  # icalendar makes a zoned date a date-time
                return None
            return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return None


def _plain_uid(event: Mapping[str, list[_Property]]) -> str | None:
    uid = _plain_text_value(event.get("UID")).strip()
    return uid or None


def _plain_source_event(event: Mapping[str, list[_Property]], calendar: str) -> SourceEvent | None:
    """The event `_occurrences` would read from this plain VEVENT; None when unsure."""
    uid = _plain_uid(event)
    if uid is None or "DTSTART" not in event:
        return None
    start = _plain_time(event["DTSTART"][0])
    end = _plain_time(event["DTEND"][0]) if "DTEND" in event else None
    if start is None or ("DTEND" in event and end is None):
        return None
    categories = []
    for prop in event.get("CATEGORIES", ()):
        categories.extend(_split_categories(prop.value))
    organizer = event.get("ORGANIZER")
    return SourceEvent(
        key=uid,
        uid=uid,
        summary=_plain_text_value(event.get("SUMMARY")),
        description=_plain_text_value(event.get("DESCRIPTION") or event.get("X-ALT-DESC")),
        start=start,
        end=_resolved_end(start, end),
        categories=tuple(c for c in (c.strip() for c in categories) if c),
        cancelled=_plain_text_value(event.get("STATUS")).strip().upper() == "CANCELLED",
        organizer=_plain_person(organizer[0]) if organizer else None,
        attendees=tuple(
            p for p in (_plain_person(a) for a in event.get("ATTENDEE", ())) if p is not None
        ),
        marker=MARKER_SOURCE in event,
        calendar=calendar,
    )


def _split_categories(raw: str) -> list[str]:
    """icalendar's split on unescaped commas, each part unescaped."""
    parts, current, i = [], [], 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw):
            current.append(raw[i : i + 2])
            i += 2
            continue
        if raw[i] == ",":
            parts.append("".join(current))
            current = []
        else:
            current.append(raw[i])
        i += 1
    parts.append("".join(current))
    return [_UNESCAPE.sub(_unescaped, part) for part in parts]


def _plain_person(prop: _Property) -> Person | None:
    return _person_of(_UNESCAPE.sub(_unescaped, prop.value), prop.params)


_UID_LINE = re.compile(r"^UID(?:;[^:\r\n]*)?:(.*?)\r?$", re.M | re.I)
_UID_START = re.compile(r"^UID[;:]", re.M | re.I)
_ALARM_BEGIN = re.compile(r"^BEGIN:VALARM", re.M | re.I)


def uid_in(raw: str, start: int = 0, end: int | None = None) -> str | None:
    """The UID of the event an item's text holds (`raw[start:end]`), read from its text
    alone: also for an item no parser reads. Folded lines are joined; an alarm's UID (Apple
    adds one) is not it."""
    end = len(raw) if end is None else end
    found = None if _ALARM_BEGIN.search(raw, start, end) else _UID_START.search(raw, start, end)
    if found is not None:
        # Most events: only the UID line is unfolded, not the whole text (a 50,000-event
        # file is read UID by UID on every write).
        start = found.start()
        line_end = raw.find("\n", found.end(), end)
        while line_end != -1 and line_end + 1 < end and raw[line_end + 1] in " \t":
            line_end = raw.find("\n", line_end + 1, end)
        end = end if line_end == -1 else line_end
    raw = raw[start:end]
    match = _UID_LINE.search(_without_alarms(_UNFOLD_WITHOUT_BLANK_LINES.sub("", raw)))
    return match.group(1).strip() or None if match else None


def reminder_in(raw: str, *, item_id: str, etag: str | None) -> ExistingReminder | None:
    """The reminder an item's iCalendar text holds; None when no event carries the marker."""
    if MARKER_SOURCE not in raw:
        return None
    quick = quick_reminder(raw, item_id=item_id, etag=etag)
    if quick is not None:
        return quick
    import icalendar  # only here: most items take the quick path

    try:
        events = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    except _PARSE_ERRORS as e:
        raise EventError(label_from_text(raw), f"not valid iCalendar: {e}") from None
    for event in events:
        if MARKER_SOURCE in event:
            return existing_reminder(event, item_id=item_id, etag=etag)
    return None


def quick_reminder(raw: str, *, item_id: str, etag: str | None) -> ExistingReminder | None:
    """The reminder a plainly written one-event item holds; None when that takes a full parse.

    Callers fall back to parsing with icalendar on None (a plain item without the marker
    property also gives None: the full parse then says so).
    """
    event = _plain_event(raw)
    if event is None or MARKER_SOURCE not in event:
        return None
    uid = _plain_uid(event)
    start = _plain_time(event["DTSTART"][0]) if "DTSTART" in event else None
    if uid is None or not _is_aware(start):
        return None

    def marker(name: str) -> str:
        props = event.get(name)
        return _unescape_text(props[0].value) if props else ""

    return ExistingReminder(
        uid=uid,
        source_key=marker(MARKER_SOURCE),
        kind=marker(MARKER_KIND),
        inputs=marker(MARKER_INPUTS),
        start=start,  # type: ignore[arg-type]
        item_id=item_id,
        etag=etag,
        cancelled=_plain_text_value(event.get("STATUS")).strip().upper() == "CANCELLED",
        calendar=marker(MARKER_CALENDAR) if MARKER_CALENDAR in event else None,
        title=_plain_text_value(event.get("SUMMARY")),
    )


# --- writing reminders -------------------------------------------------------------------


def reminder_vevent(reminder: Reminder, stamp: datetime) -> icalendar.Event:
    """The VEVENT of a reminder (docs/reminder-events.md), stamped `stamp`."""
    import icalendar

    title = one_line(reminder.title)
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
    if reminder.calendar:
        event.add(MARKER_CALENDAR, icalendar.vText(reminder.calendar))
    for minutes in reminder.alarm_minutes:
        alarm = icalendar.Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", title)
        alarm.add("TRIGGER", timedelta(minutes=-minutes))
        event.add_component(alarm)
    return event


def only_reminders(data: bytes) -> bool:
    """Whether a file is an iCalendar file whose events are all relance-cal reminders (one
    `export` wrote, which the next export may replace)."""
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(data.decode("utf-8"))
    except (UnicodeDecodeError, *_PARSE_ERRORS):
        return False
    if not isinstance(calendar, icalendar.Calendar):
        return False
    kinds = {c.name for c in calendar.subcomponents}
    return kinds <= {"VEVENT", "VTIMEZONE"} and all(
        MARKER_SOURCE in event for event in calendar.walk("VEVENT")
    )


def reminder_calendar(reminders: Sequence[Reminder], stamp: datetime) -> icalendar.Calendar:
    """A VCALENDAR holding `reminders` and the VTIMEZONEs they use."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    years: dict[str, tuple[ZoneInfo, set[int]]] = {}
    for reminder in reminders:
        calendar.add_component(reminder_vevent(reminder, stamp))
        for moment in (reminder.start, reminder.end):
            if isinstance(moment.tzinfo, ZoneInfo) and moment.tzinfo.key != "UTC":
                years.setdefault(moment.tzinfo.key, (moment.tzinfo, set()))[1].add(moment.year)
    for zone, in_years in years.values():
        calendar.add_component(vtimezone(zone, min(in_years), max(in_years)))
    return calendar


# --- the VTIMEZONE, as calendar apps write it ---------------------------------------------
#
# Yearly RRULEs with the real onset times, like Outlook, Google and Apple: every reader gets
# them right, including ical.js (reads only the first value of an RDATE) and dateutil's
# tzical (knows no zone database). Zones whose changes follow no yearly rule get one RDATE
# property per transition.

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@functools.lru_cache(maxsize=64)
def vtimezone(zone: ZoneInfo, first_year: int, last_year: int) -> icalendar.Timezone:
    """The VTIMEZONE of `zone` for times in `first_year`..`last_year`."""
    import icalendar

    timezone = icalendar.Timezone()
    timezone.add("TZID", zone.key)
    # The neighbouring years too: a rule is written only when it held around the reminders.
    changes = _transitions(zone, first_year - 1, last_year + 1)
    if not changes:
        offset = zone.utcoffset(datetime(first_year, 1, 1))
        timezone.add_component(
            _observance("STANDARD", datetime(1970, 1, 1), offset, offset, zone, first_year)
        )
        return timezone
    rules = _yearly_rules(changes, first_year - 1, last_year + 1)
    if rules is not None:
        for (wall, before, after), rule in rules:
            kind = "DAYLIGHT" if after > before else "STANDARD"
            observance = _observance(kind, wall, before, after, zone, wall.year)
            observance.add("RRULE", rule)
            timezone.add_component(observance)
        return timezone
    # One RDATE property per onset: ical.js reads only the first value of each, and with
    # RDATEs it takes no onset from DTSTART, so the first one is an RDATE too.
    by_kind: dict[tuple[timedelta, timedelta], list[datetime]] = {}
    for wall, before, after in changes:
        by_kind.setdefault((before, after), []).append(wall)
    for (before, after), walls in by_kind.items():
        kind = "DAYLIGHT" if after > before else "STANDARD"
        observance = _observance(kind, walls[0], before, after, zone, walls[0].year)
        for wall in walls:
            observance.add("RDATE", wall)
        timezone.add_component(observance)
    return timezone


def _observance(
    kind: str, wall: datetime, before: timedelta, after: timedelta, zone: ZoneInfo, year: int
) -> icalendar.cal.Component:
    import icalendar

    observance = (
        icalendar.TimezoneDaylight() if kind == "DAYLIGHT" else icalendar.TimezoneStandard()
    )
    observance.add("DTSTART", wall)
    observance.add("TZOFFSETFROM", before)
    observance.add("TZOFFSETTO", after)
    name = zone.tzname((wall - before + after).replace(tzinfo=None) + timedelta(hours=1))
    if name:
        observance.add("TZNAME", name)
    return observance


def _transitions(
    zone: ZoneInfo, first_year: int, last_year: int
) -> list[tuple[datetime, timedelta, timedelta]]:
    """Every change of UTC offset in those years: (local wall time before it, offset before,
    offset after). Only offsets count (Europe/Dublin's "negative DST" is the same change)."""
    found = []
    moment = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())
    offset = _offset_at(zone, moment)
    step = 6 * 3600  # shorter than any period between two changes
    while moment < end:
        following = moment + step
        next_offset = _offset_at(zone, following)
        if next_offset != offset:
            low, high = moment, following  # the change is at a second in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_at(zone, middle) == offset:
                    low = middle
                else:
                    high = middle
            wall = datetime.fromtimestamp(high, UTC).replace(tzinfo=None) + offset
            found.append((wall, offset, next_offset))
            offset = next_offset
        moment = following
    return found


def _offset_at(zone: ZoneInfo, timestamp: int) -> timedelta:
    return datetime.fromtimestamp(timestamp, zone).utcoffset()  # type: ignore[return-value]


def _yearly_rules(
    changes: list[tuple[datetime, timedelta, timedelta]], first_year: int, last_year: int
) -> list[tuple[tuple[datetime, timedelta, timedelta], dict]] | None:
    """One yearly RRULE per kind of change, when each year has exactly the same changes."""
    by_kind: dict[tuple[timedelta, timedelta], list[datetime]] = {}
    for wall, before, after in changes:
        by_kind.setdefault((before, after), []).append(wall)
    years = range(first_year, last_year + 1)
    rules = []
    for (before, after), walls in by_kind.items():
        if [w.year for w in walls] != list(years):
            return None
        rule = _rule_for(walls)
        if rule is None:
            return None
        rules.append(((walls[0], before, after), rule))
    return rules


def _rule_for(walls: list[datetime]) -> dict | None:
    """The yearly rule that gives exactly these onsets (one per year, same month and time)."""
    first = walls[0]
    if any((w.month, w.time()) != (first.month, first.time()) for w in walls):
        return None
    weekday = first.weekday()
    if any(w.weekday() != weekday for w in walls):
        if all(w.day == first.day for w in walls):
            return {"FREQ": "YEARLY", "BYMONTH": first.month, "BYMONTHDAY": first.day}
        return None
    day = _WEEKDAYS[weekday]
    if all(w.day + 7 > _days_in_month(w) for w in walls):
        return {"FREQ": "YEARLY", "BYMONTH": first.month, "BYDAY": f"-1{day}"}
    if len({(w.day - 1) // 7 for w in walls}) == 1 and first.day <= 28:
        return {
            "FREQ": "YEARLY",
            "BYMONTH": first.month,
            "BYDAY": f"{(first.day - 1) // 7 + 1}{day}",
        }
    return None


def _days_in_month(moment: datetime) -> int:
    following = (moment.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - timedelta(days=1)).day


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
        calendar=_marker(event, MARKER_CALENDAR) if MARKER_CALENDAR in event else None,
        title=_text(event, "SUMMARY"),
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


def _plain_text(text: str) -> str:
    """Line breaks as LF (icalendar escapes them), other control characters dropped."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
