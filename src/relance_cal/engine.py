"""Desired reminders vs the marker events that exist -> changes; and applying them.

`plan` is pure: it takes the cached calendar items, what the state remembers
writing, `now` and the config, and decides. `read` and `apply` are the thin I/O
around it; they talk to backends only through `backends.base.Backend`, and never
read an item's text: which source event an item is, and which reminder it holds,
the backend says. What is the tool's own is decided here alone (`owned`), and so is
what follows a write conflict (`apply`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from relance_cal import policy, reminders
from relance_cal.backends.base import (
    Backend,
    Change,
    ExistingReminder,
    Interrupted,
    Outcome,
    RawItem,
)
from relance_cal.errors import EventError, event_label
from relance_cal.interviews import Interview, is_interview, read_interview
from relance_cal.state import WrittenReminder

if TYPE_CHECKING:
    from relance_cal.config import Config
    from relance_cal.model import MailFact, Reminder, Window
    from relance_cal.policy import Assessment
    from relance_cal.state import State

__all__ = ["Calendars", "Change", "Plan", "Row", "apply", "owned", "plan", "read", "run"]

ASK_MINUTES = 15  # the ask reminder ends when the interview starts
# An interview note is a few lines; a megabyte would go whole into reminders and drafts.
MAX_DESCRIPTION = 64_000


@dataclass(frozen=True)
class Row:
    """One interview as `status` shows it."""

    assessment: Assessment
    reminder_at: datetime | None
    # False while `reminder_at` is only planned: the next sync writes it.
    in_calendar: bool = True


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)  # what should exist after the run
    dismissed: list[str] = field(default_factory=list)  # uids the user deleted since last run
    problems: list[EventError] = field(default_factory=list)
    # Events skipped for the same reason by an earlier sync: cron is told once (still exit 1).
    said_before: list[EventError] = field(default_factory=list)
    written: list[Change] = field(default_factory=list)  # the changes done, once applied
    owner: str = ""  # the calendar marker of this configuration (Calendars.owner)


@dataclass(frozen=True)
class Calendars:
    """The source and reminders backends (the same object when they are one calendar)."""

    source: Backend
    reminders: Backend

    @property
    def owner(self) -> str:
        """The calendar marker of this configuration's reminders (its source calendar's)."""
        return reminders.calendar_marker(self.source.identity)

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

    Also returns the source UIDs of the items that could not be read (as their backend tells
    them): their reminders are left alone.
    """
    found: list[Interview] = []
    problems: list[EventError] = []
    unreadable: set[str] = set()
    for item_id, item in items.items():
        try:
            found.extend(_interviews_of(backend, item_id, item, config, window))
        except Exception as e:  # one event, whatever it holds, costs no other
            problems.append(_event_error(e, backend, item_id, item))
            uid = backend.source_uid(item_id, item)
            if uid is not None:
                unreadable.add(uid)
    return found, problems, unreadable


def _interviews_of(
    backend: Backend, item_id: str, item: RawItem, config: Config, window: Window
) -> list[Interview]:
    if backend.existing_reminder(item_id, item) is not None:
        return []
    found = []
    for event in backend.occurrences(item_id, item, window):
        label = event_label(event.summary, event.uid)
        try:
            if len(event.description) > MAX_DESCRIPTION and is_interview(event, config.detection):
                raise EventError(
                    label,
                    f"a description of {len(event.description) // 1000} kB, more than the "
                    f"{MAX_DESCRIPTION // 1000} kB relance-cal reads",
                )
            interview = read_interview(event, config.detection, config.policy.timezone)
            if interview is not None:
                # What the policy computes must be computable (a year-9999 end is not).
                policy.follow_up(interview, config.policy)
                found.append(interview)
        except EventError:
            raise
        except Exception as e:
            raise EventError(label, f"cannot compute its follow-up ({_why(e)})") from e
    return found


def _event_error(e: Exception, backend: Backend, item_id: str, item: RawItem) -> EventError:
    if isinstance(e, EventError):
        return e
    uid = backend.source_uid(item_id, item)
    return EventError(f"the event with UID {uid or item_id}", f"cannot read it ({_why(e)})")


def _why(e: Exception) -> str:
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def owned(existing: ExistingReminder, owner: str, written: Collection[str]) -> bool:
    """Whether a marker event is a reminder of this configuration (docs/reminder-events.md).

    Its identity must be the one derived from its source and kind markers, and its calendar
    marker name `owner` (this configuration's source calendar); one written before the
    calendar marker existed is ours when the state remembers writing it (`written`: uids).
    Anything else is a user event, whatever `X-RELANCE-CAL-*` property it carries.
    """
    if not existing.source_key or not existing.kind:
        return False
    if existing.uid != reminders.reminder_uid(existing.source_key, existing.kind):
        return False
    if existing.calendar is None:
        return existing.uid in written
    return existing.calendar == owner


def _marked(backend: Backend, items: Mapping[str, RawItem]) -> list[ExistingReminder]:
    """Every readable event carrying the markers, ours or not."""
    found = []
    for item_id, item in items.items():
        try:
            existing = backend.existing_reminder(item_id, item)
        except EventError:
            continue  # not readable as ours: never touched
        if existing is not None:
            found.append(existing)
    return found


def existing_from(
    backend: Backend,
    items: Mapping[str, RawItem],
    owner: str = "",
    written: Collection[str] = frozenset(),
) -> dict[str, ExistingReminder]:
    """This configuration's reminders among the cached items (`owned`)."""
    return {e.uid: e for e in _marked(backend, items) if owned(e, owner, written)}


def _of_unreadable(source_key: str, unreadable: Collection[str]) -> bool:
    """The key of an event that could not be read: its UID, or UID@occurrence of a series."""
    return source_key in unreadable or source_key.rpartition("@")[0] in unreadable


def plan(
    interviews: list[Interview],
    existing: Mapping[str, ExistingReminder],
    written: Mapping[str, WrittenReminder],
    now: datetime,
    config: Config,
    templates: object,
    *,
    unreadable: Collection[str] = frozenset(),
    owner: str = "",
    foreign: Collection[str] = frozenset(),
    mail: Mapping[str, MailFact] | None = None,
) -> Plan:
    """Decide every reminder: what to create, update, delete, and what each interview shows.

    `mail`: what the mailbox showed of each interview, by key (docs/mailbox.md)."""
    result = Plan(owner=owner)
    dismissed_uids = {uid for uid, w in written.items() if w.fate == "dismissed"}
    for uid, w in written.items():
        if uid in foreign:
            continue  # there, but another configuration's (a shared state): not dismissed
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
        interviews, now, settings, written=ever_followup, dismissed=dismissed_keys, mail=mail
    )

    wanted: set[str] = set()
    for a in assessments:
        reminder_at, in_calendar = None, True
        for kind in _wanted_kinds(a, now, config):
            uid = reminders.reminder_uid(a.interview.key, kind)
            if uid in dismissed_uids:
                continue
            e = existing.get(uid)
            natural = _natural_moment(kind, a, now, config)
            try:
                draft = reminders.build(kind, a.interview, a.followup, config, natural, templates)
            except Exception as error:  # one interview costs no other
                result.problems.append(
                    EventError(event_label(a.interview.title, a.interview.uid), _why(error))
                )
                continue
            draft = replace(draft, calendar=owner)
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
            reminder = replace(reminder, calendar=owner)
            result.reminders.append(reminder)
            result.changes.append(Change("update" if e else "create", reminder, e))
            wanted.add(uid)
            if kind in ("followup", "reply"):
                reminder_at, in_calendar = start, False
        if reminder_at is None and a.status in ("past", "followed_up", "superseded"):
            e = existing.get(reminders.reminder_uid(a.interview.key, "followup"))
            reminder_at = e.start if e is not None and not e.cancelled else None
        result.rows.append(Row(a, reminder_at, in_calendar))

    assessed = {a.interview.key for a in assessments}
    known = {i.key for i in interviews}
    for uid, e in existing.items():
        if uid in wanted or e.cancelled or e.start <= now:
            continue  # a past reminder is history: left as it is
        if e.source_key in assessed or (
            e.source_key not in known and not _of_unreadable(e.source_key, unreadable)
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
    """Hand the planned changes to the reminders calendar as one batch, settle conflicts,
    and record in the state what was written. `on_done` hears of each change once it is in
    the calendar (after the backend's buffered write), never before.
    """
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
    owner = plan_.owner
    try:
        outcomes = backend.write(plan_.changes)
    except Interrupted as e:
        # Told and recorded: what was written before the calendar failed; then the failure.
        for outcome in e.outcomes:
            if not outcome.conflict:
                _settled(outcome, backend, state, plan_, on_done)
        state.commit()
        raise e.error from None
    retries = []
    for outcome in outcomes:
        if outcome.conflict:
            retry = _after_conflict(outcome, backend, state, owner, plan_)
            if retry is not None:
                retries.append(retry)
            continue
        _settled(outcome, backend, state, plan_, on_done)
    # One more try for what changed under our feet; a second conflict leaves it for next run.
    for outcome in backend.write(retries) if retries else ():
        if outcome.conflict:
            plan_.problems.append(
                EventError(_label(outcome.change), "changed by someone else while written")
            )
            continue
        _settled(outcome, backend, state, plan_, on_done)


def _settled(
    outcome: Outcome,
    backend: Backend,
    state: State,
    plan_: Plan,
    on_done: Callable[[Change], None],
) -> None:
    """Record what the calendar now holds (and tell of it), or the reason it was refused."""
    change = outcome.change
    if outcome.failure is not None:
        plan_.problems.append(EventError(_label(change), outcome.failure))
        return
    if change.action == "delete":
        assert outcome.item_id is not None
        state.drop_item(backend.identity, outcome.item_id)
    else:
        assert change.reminder is not None and outcome.item_id is not None
        if outcome.item is not None:
            state.put_item(backend.identity, outcome.item_id, outcome.item)
        state.record(backend.identity, _written(change.reminder))
    plan_.written.append(change)
    on_done(change)


def _after_conflict(
    outcome: Outcome, backend: Backend, state: State, owner: str, plan_: Plan
) -> Change | None:
    """The event was not as read: re-read it and decide once, here, for every backend.

    Gone: a removal is done, an update is left (the user deleted it: a dismissal, seen next
    run), a creation is tried again. Not ours (no marker, another identity or configuration)
    or cancelled (Google's deleted): left alone. Ours: written again over what is there now,
    unless it already holds what we want.
    """
    change = outcome.change
    item_id = outcome.item_id
    item = backend.fetch(item_id) if item_id is not None else None
    if item is None:
        if change.action == "create":
            return change
        if change.action == "delete":
            state.drop_item(backend.identity, change.existing.item_id)  # type: ignore[union-attr]
        return None
    assert item_id is not None
    try:
        reloaded = backend.existing_reminder(item_id, item)
    except EventError:
        reloaded = None
    written = state.reminders(backend.identity)
    if reloaded is None or not owned(reloaded, owner, written):
        if change.action == "create":
            why = (
                "its UID is held by an event that is not this configuration's (the same "
                "invitation in another configuration sharing this calendar?); left as is"
            )
            plan_.problems.append(EventError(_label(change), why))
        return None
    state.put_item(backend.identity, item_id, item)
    if reloaded.cancelled:
        return None  # deleted by the user (Google keeps it cancelled): a dismissal
    if change.action == "delete":
        return Change("delete", None, reloaded)
    reminder = change.reminder
    assert reminder is not None
    if (reloaded.inputs, reloaded.start) == (reminder.inputs, reminder.start):
        state.record(backend.identity, _written(reminder))  # already as wanted
        return None
    return Change("update", reminder, reloaded)


def _label(change: Change) -> str:
    """The interview a change is about, as its reminder's title names it."""
    title = change.reminder.title if change.reminder else change.existing.title  # type: ignore[union-attr]
    return f"{change.kind} reminder {event_label(title)}" if title else f"{change.kind} reminder"


def _written(reminder: Reminder | ExistingReminder, fate: str = "live") -> WrittenReminder:
    return WrittenReminder(
        reminder.uid,
        reminder.source_key,
        reminder.kind,
        reminder.inputs,
        reminder.start.isoformat(),
        fate,
    )


def run(
    calendars: Calendars,
    state: State,
    config: Config,
    now: datetime,
    templates: object,
    window: Window,
    mail: Callable[[list[Interview]], Mapping[str, MailFact]] | None = None,
) -> Plan:
    """Read the calendars into the state's cache and plan every reminder (no write yet).

    `mail`, when a mailbox is configured, tells what it shows of the interviews read."""
    read(calendars, state, window)
    source_items = state.items(calendars.source.identity)
    interviews, problems, unreadable = interviews_from(
        calendars.source, source_items, config, window
    )
    target = calendars.reminders.identity
    owner = calendars.owner
    written = state.reminders(target)
    items = state.items(target)
    existing = existing_from(calendars.reminders, items, owner, written)
    foreign = {e.uid for e in _marked(calendars.reminders, items) if e.uid not in existing}
    result = plan(
        interviews,
        existing,
        written,
        now,
        config,
        templates,
        unreadable=unreadable,
        owner=owner,
        foreign=foreign,
        mail=mail(interviews) if mail is not None else None,
    )
    result.problems[:0] = problems
    return result
