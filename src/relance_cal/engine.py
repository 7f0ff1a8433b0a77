"""Desired reminders vs the marker events that exist -> changes; and applying them.

`plan` is pure: it takes the cached calendar items, what the state remembers
writing, `now` and the config, and decides. `read` and `apply` are the thin I/O
around it; they talk to backends only through `backends.base.Backend`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from relance_cal import policy, reminders
from relance_cal.backends.base import (
    Backend,
    ExistingReminder,
    RawItem,
    Reminder,
    Window,
    WriteConflict,
)
from relance_cal.config import Config
from relance_cal.errors import EventError
from relance_cal.interviews import Interview, is_interview, read_interview
from relance_cal.policy import Assessment
from relance_cal.state import State, WrittenReminder

ASK_MINUTES = 15  # the ask reminder ends when the interview starts
# An interview note is a few lines; a megabyte would go whole into reminders and drafts.
MAX_DESCRIPTION = 64_000


@dataclass(frozen=True)
class Change:
    action: Literal["create", "update", "delete"]
    reminder: Reminder | None  # what to write (create, update)
    existing: ExistingReminder | None  # what is replaced or deleted (update, delete)

    @property
    def kind(self) -> str:
        return (self.reminder or self.existing).kind  # type: ignore[union-attr]

    @property
    def start(self) -> datetime:
        return (self.reminder or self.existing).start  # type: ignore[union-attr]


@dataclass(frozen=True)
class Row:
    """One interview as `status` shows it."""

    assessment: Assessment
    reminder_at: datetime | None


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)  # what should exist after the run
    dismissed: list[str] = field(default_factory=list)  # uids the user deleted since last run
    problems: list[EventError] = field(default_factory=list)


@dataclass(frozen=True)
class Calendars:
    """The source and reminders backends (the same object when they are one calendar)."""

    source: Backend
    reminders: Backend

    @property
    def distinct(self) -> list[Backend]:
        return [self.source] if self.source is self.reminders else [self.source, self.reminders]


def read(calendars: Calendars, state: State, window: Window) -> None:
    """Bring the state's cache of every calendar up to date (one request when nothing changed)."""
    for backend in calendars.distinct:
        cached = state.etags(backend.identity)
        changes = backend.changes(state.token(backend.identity), window, cached)
        state.apply_changes(backend.identity, changes)


def interviews_from(
    backend: Backend, items: Mapping[str, RawItem], config: Config, window: Window
) -> tuple[list[Interview], list[EventError], set[str]]:
    """The interviews of the cached source items; bad events are reported, not fatal.

    Also returns the UIDs of items that could not be read, so their reminders are left alone.
    """
    found: list[Interview] = []
    problems: list[EventError] = []
    unreadable: set[str] = set()
    zone = config.policy.timezone
    for item_id, item in items.items():
        try:
            if backend.existing_reminder(item_id, item) is not None:
                continue
            for event in backend.occurrences(item_id, item, window):
                if len(event.description) > MAX_DESCRIPTION and is_interview(
                    event, config.detection
                ):
                    raise EventError(
                        f'"{" ".join(event.summary.split())}" (UID {event.uid})',
                        f"a description of {len(event.description) // 1000} kB, more than the "
                        f"{MAX_DESCRIPTION // 1000} kB relance-cal reads",
                    )
                interview = read_interview(event, config.detection, zone)
                if interview is not None:
                    found.append(interview)
        except EventError as e:
            problems.append(e)
            unreadable.add(_uid_in(item.text) or item_id)
    return found, problems, unreadable


def existing_from(backend: Backend, items: Mapping[str, RawItem]) -> dict[str, ExistingReminder]:
    found = {}
    for item_id, item in items.items():
        try:
            existing = backend.existing_reminder(item_id, item)
        except EventError:
            continue  # not readable as ours: never touched
        if existing is not None:
            found[existing.uid] = existing
    return found


def plan(
    interviews: list[Interview],
    existing: Mapping[str, ExistingReminder],
    written: Mapping[str, WrittenReminder],
    now: datetime,
    config: Config,
    templates: object,
    *,
    unreadable: set[str] = frozenset(),  # type: ignore[assignment]
) -> Plan:
    """Decide every reminder: what to create, update, delete, and what each interview shows."""
    result = Plan()
    dismissed_uids = {uid for uid, w in written.items() if w.fate == "dismissed"}
    for uid, w in written.items():
        gone = uid not in existing or existing[uid].cancelled
        if w.fate == "live" and gone:
            result.dismissed.append(uid)
    for uid, e in existing.items():
        # Google keeps a deleted event as `cancelled`: the user's doing unless we removed it.
        if e.cancelled and uid not in written:
            result.dismissed.append(uid)
    dismissed_uids.update(result.dismissed)

    kinds_of = {uid: (w.source_key, w.kind) for uid, w in written.items()}
    kinds_of.update({uid: (e.source_key, e.kind) for uid, e in existing.items()})
    ever_followup = {key for key, kind in kinds_of.values() if kind == "followup"}
    dismissed_keys = {
        kinds_of[uid][0]
        for uid in dismissed_uids
        if uid in kinds_of and kinds_of[uid][1] in ("followup", "reply")
    }
    settings = config.policy
    assessments = policy.assess(
        interviews, now, settings, written=ever_followup, dismissed=dismissed_keys
    )

    wanted: set[str] = set()
    for a in assessments:
        reminder_at = None
        for kind in _wanted_kinds(a, now, config):
            uid = reminders.reminder_uid(a.interview.key, kind)
            if uid in dismissed_uids:
                continue
            e = existing.get(uid)
            natural = _natural_moment(kind, a, now, config)
            draft = reminders.build(kind, a.interview, a.followup, config, natural, templates)
            if e is not None and not e.cancelled and e.inputs == draft.inputs:
                kept = replace(draft, start=e.start, end=e.start + (draft.end - draft.start))
                result.reminders.append(kept)
                wanted.add(uid)
                reminder_at = kept.start if kind in ("followup", "reply") else reminder_at
                continue
            start = _placed(kind, natural, a, now, config)
            if start is None:
                continue
            # built again at its real start: a follow-up written late says "now"
            reminder = reminders.build(kind, a.interview, a.followup, config, start, templates)
            result.reminders.append(reminder)
            result.changes.append(Change("update" if e else "create", reminder, e))
            wanted.add(uid)
            reminder_at = start if kind in ("followup", "reply") else reminder_at
        if reminder_at is None and a.status in ("past", "followed_up", "superseded"):
            e = existing.get(reminders.reminder_uid(a.interview.key, "followup"))
            reminder_at = e.start if e is not None and not e.cancelled else None
        result.rows.append(Row(a, reminder_at))

    assessed = {a.interview.key for a in assessments}
    known = {i.key for i in interviews}
    for uid, e in existing.items():
        if uid in wanted or e.cancelled or e.start <= now:
            continue  # a past reminder is history: left as it is
        if e.source_key in assessed or (
            e.source_key not in known and e.source_key.split("@")[0] not in unreadable
        ):
            result.changes.append(Change("delete", None, e))
    return result


def _wanted_kinds(a: Assessment, now: datetime, config: Config) -> list[str]:
    interview = a.interview
    kinds = []
    if a.status in ("scheduled", "due"):
        kinds.append("followup")
    if a.status == "rejected":
        kinds.append("reply")
    open_process = not interview.cancelled and interview.outcome is None
    # An all-day event has no moment "just before" it: no ask reminder.
    if (
        config.drafts.ask_delay
        and open_process
        and not interview.all_day
        and interview.announced is None
        and interview.start > now
    ):
        kinds.append("ask")
    if config.drafts.thank_you and open_process:
        kinds.append("thanks")
    return kinds


def _natural_moment(kind: str, a: Assessment, now: datetime, config: Config) -> datetime:
    """Where a reminder belongs when nothing was late (the reply has no such place: now)."""
    if kind == "followup":
        return a.followup.at
    if kind == "ask":
        return a.interview.start - timedelta(minutes=ASK_MINUTES)
    if kind == "thanks":
        return policy.thanks_moment(a.interview, config.policy)
    return policy.next_slot(now, config.policy)


def _placed(
    kind: str, natural: datetime, a: Assessment, now: datetime, config: Config
) -> datetime | None:
    """The start of a reminder written now; None when it is too late to write it."""
    if kind == "ask" or natural >= now:
        return natural
    slot = policy.next_slot(now, config.policy)
    if kind == "followup":
        closing = datetime.combine(a.followup.deadline, config.policy.work_end, now.tzinfo)
        return slot if slot <= closing else None
    if kind == "thanks":
        return slot if slot.date() == natural.date() else None
    return slot


def apply(
    plan_: Plan,
    backend: Backend,
    state: State,
    on_done: Callable[[Change], None] = lambda _: None,
) -> None:
    """Carry out the planned changes on the reminders calendar and record them in the state."""
    for uid in plan_.dismissed:
        state.set_fate(backend.identity, uid, "dismissed")
    changed = {c.reminder.uid for c in plan_.changes if c.reminder is not None}
    recorded = state.reminders(backend.identity)
    for reminder in plan_.reminders:
        # Found as wanted: recorded, in case the run that wrote it crashed before it could.
        if reminder.uid not in changed and recorded.get(reminder.uid) != _written(reminder):
            state.record(backend.identity, _written(reminder))
    removals = [c.existing for c in plan_.changes if c.action == "delete" and c.existing]
    for existing in removals:
        state.record(backend.identity, _written(existing, "removed"))
    if removals:
        # Durable before the calendar changes: after a crash, a reminder we removed must
        # not pass for one the user deleted (a dismissal).
        state.commit()
    for change in plan_.changes:
        try:
            if _apply_one(change, backend, state):
                on_done(change)
        except (EventError, WriteConflict) as e:
            # One reminder that cannot be written must not cost the others.
            label = f"{change.kind} reminder of {_source_of(change)}"
            reason = e.reason if isinstance(e, EventError) else "changed by someone else twice"
            plan_.problems.append(EventError(label, reason))
    backend.flush()


def _written(reminder: Reminder | ExistingReminder, fate: str = "live") -> WrittenReminder:
    return WrittenReminder(
        reminder.uid,
        reminder.source_key,
        reminder.kind,
        reminder.inputs,
        reminder.start.isoformat(),
        fate,
    )


def _source_of(change: Change) -> str:
    return (change.reminder or change.existing).source_key  # type: ignore[union-attr]


def _apply_one(change: Change, backend: Backend, state: State) -> bool:
    existing = change.existing
    for attempt in (1, 2):
        try:
            if change.action == "delete":
                assert existing is not None
                backend.delete(existing)
                state.drop_item(backend.identity, existing.item_id)
                return True
            reminder = change.reminder
            assert reminder is not None
            if existing is None:
                item_id, item = backend.create(reminder)
            else:
                item_id, item = backend.update(existing, reminder)
            state.put_item(backend.identity, item_id, item)
            state.record(backend.identity, _written(reminder))
            return True
        except WriteConflict:
            if attempt == 2 or existing is None:
                raise
            # Someone changed the event since we read it: reload, and write only if it
            # still carries our marker and still differs from what we want.
            item = backend.fetch(existing.item_id)
            reloaded = None if item is None else backend.existing_reminder(existing.item_id, item)
            if reloaded is None:
                return False
            state.put_item(backend.identity, existing.item_id, item)  # type: ignore[arg-type]
            if change.reminder is not None and reloaded.inputs == change.reminder.inputs:
                return False
            existing = reloaded
    return False


_UID_LINE = re.compile(r"^UID[;:](?:.*:)?(.+)$", re.MULTILINE)


def _uid_in(text: str) -> str | None:
    match = _UID_LINE.search(text)
    return match.group(1).strip() if match else None


def run(
    calendars: Calendars,
    state: State,
    config: Config,
    now: datetime,
    templates: object,
    window: Window,
) -> Plan:
    """Read the calendars into the state's cache and plan every reminder (no write yet)."""
    read(calendars, state, window)
    source_items = state.items(calendars.source.identity)
    interviews, problems, unreadable = interviews_from(
        calendars.source, source_items, config, window
    )
    target = calendars.reminders.identity
    existing = existing_from(calendars.reminders, state.items(target))
    result = plan(
        interviews, existing, state.reminders(target), now, config, templates, unreadable=unreadable
    )
    result.problems = problems
    return result
