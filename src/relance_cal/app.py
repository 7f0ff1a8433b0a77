"""The application: what a command does between the command line and the engine.

It resolves the config and `now`, opens the calendars (read-only for every command
but `sync`) and the state, hands the policy the public holidays the state kept, and
runs the engine. It prints nothing and never exits: `cli.py` does, with what it returns.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from relance_cal.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from relance_cal.config import Config
    from relance_cal.engine import Calendars, Change, Plan
    from relance_cal.model import PublicHolidays
    from relance_cal.state import State


class Session:
    """What the global options say; the config and `now` are resolved on first use.

    `warn` hears what the user should know that is no error (it is `cli.warn`).
    """

    # A plain class: `dataclasses` would add a fifth to the start-up of `relance-cal --help`.
    def __init__(
        self,
        config_path: Path,
        now_text: str | None,
        verbose: bool,
        quiet: bool,
        warn: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.config_path = config_path
        self.now_text = now_text
        self.verbose = verbose
        self.quiet = quiet
        self.warn = warn
        self.mail: Any = None  # the run's mail.MailSession, with a [mail] table

    @cached_property
    def config(self) -> Config:
        from relance_cal import config

        return config.load(self.config_path)

    @cached_property
    def now(self) -> datetime:
        zone = self.config.policy.timezone
        if not self.now_text:
            return datetime.now(zone)
        try:
            moment = datetime.fromisoformat(self.now_text)
        except ValueError:
            raise ConfigError(
                f"--now: expected an ISO date-time such as 2026-03-05T09:30, got {self.now_text!r}"
            ) from None
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)

    @cached_property
    def templates(self) -> Any:
        from relance_cal import drafts

        templates = drafts.load_templates(self.config.language, self.config.templates_dir)
        for message in templates.warnings:
            self.warn(message)
        return templates

    def identity(self) -> Config:
        """The config, checked to hold `me` and `name` (the commands that write drafts)."""
        from relance_cal.config import require_identity

        require_identity(self.config)
        return self.config

    def calendars(self, *, writable: bool) -> Calendars:
        """The source and reminders calendars; read-only ones create and write nothing."""
        # Looked up at each call: the crash tests put a counting `open_backend` in its place.
        from relance_cal import backends
        from relance_cal.engine import Calendars

        config = self.config
        source = backends.open_backend(
            config.source, config.detection, role="source", writable=writable
        )
        if config.reminders.same_calendar(config.source):
            return Calendars(source, source)
        reminders = backends.open_backend(
            config.reminders, config.detection, role="reminders", writable=writable
        )
        return Calendars(source, reminders)

    def _make_tokens_private(self) -> None:
        """A Google token file 0600 in a private folder, with a warning when found looser."""
        from relance_cal import files
        from relance_cal.backends import google_token_path
        from relance_cal.config import config_dir

        for cfg in (self.config.source, self.config.reminders):
            if cfg.backend != "google":
                continue
            token = google_token_path(cfg)
            own_folder = token.parent == config_dir()
            for warning in files.guard_secret(token, own_folder=own_folder):
                self.warn(warning)

    @contextlib.contextmanager
    def opened(self, *, read_only: bool) -> Iterator[tuple[Calendars, State, Plan]]:
        """Read the calendars and plan; the state is committed at the end unless read-only."""
        import sqlite3

        from relance_cal import engine, policy
        from relance_cal import state as state_module
        from relance_cal.config import single_state_file
        from relance_cal.model import Window

        if not read_only:
            self._make_tokens_private()
        calendars = self.calendars(writable=not read_only)
        state = None
        try:
            state_file = state_module.State(
                self.config.state_dir, read_only=read_only, takes_over=single_state_file()
            )
            with state_file as state:
                for warning in state.warnings:
                    self.warn(warning)
                stamp = state_module.holidays_stamp()
                settings = self.config.policy
                holidays = self._holidays(state, stamp)
                config = replace(self.config, policy=replace(settings, holidays=holidays))
                window = Window(*policy.window(self.now, settings))
                mail = self._open_mail(state, read_only=read_only)
                facts = mail.facts if mail is not None else None
                plan = engine.run(
                    calendars, state, config, self.now, self.templates, window, mail=facts
                )
                yield calendars, state, plan
                if not read_only:
                    state.keep_holidays(
                        settings.country, settings.subdivision, stamp, holidays.looked_up
                    )
        except sqlite3.DatabaseError as e:  # found damaged, or locked, while in use
            if state is None:
                raise
            raise state.unusable(e) from None
        finally:
            calendars.source.close()
            calendars.reminders.close()
            if self.mail is not None:
                self.mail.close()

    def _open_mail(self, state: State, *, read_only: bool) -> Any:
        """The mailbox of a [mail] table (docs/mailbox.md), None without one: read during
        `sync`, and as the last `sync` found it otherwise."""
        if self.config.mail is None:
            return None
        from relance_cal.mail import MailSession

        self.mail = MailSession(self.config, state, self.warn, read_only=read_only, now=self.now)
        return self.mail

    def _holidays(self, state: State, stamp: str) -> PublicHolidays:
        """The public holidays the state kept: the run need not import the library.

        With none kept (first run, new country, library upgraded), check country and subdivision.
        """
        from relance_cal import config
        from relance_cal.model import PublicHolidays

        country, subdivision = self.config.policy.country, self.config.policy.subdivision
        kept = state.holidays(country, subdivision, stamp)
        holidays = PublicHolidays(country, subdivision, kept)
        if not kept:
            config.check_holidays(self.config)
            # The library is loaded now: this year's are kept even when no interview needs them.
            holidays.of_year(self.now.year)
        return holidays

    def plan(self) -> Plan:
        """Read the calendars and plan, leaving every calendar and the state as they were."""
        with self.opened(read_only=True) as (_, _, plan):
            return plan

    def export(self, output: Path) -> Plan:
        """Write the reminders to `output`, a file of the tool's own: never over a calendar
        (the configured ones, or any file holding something else than its reminders)."""
        from relance_cal import files
        from relance_cal.backends import ical

        _check_export_target(self.config, output)
        plan = self.plan()
        files.write(output, ical.reminder_calendar(plan.reminders, self.now).to_ical())
        return plan

    def sync(self, on_done: Callable[[Change], None]) -> Plan:
        """Read, plan and write: `on_done` hears of each change once it is in the calendar."""
        from relance_cal import engine
        from relance_cal.state import lock

        with lock(self.config.state_dir), self.opened(read_only=False) as (calendars, state, plan):
            skipped = self._warn_once(plan, state)
            engine.apply(plan, calendars.reminders, state, on_done)
            # Remembered only by a run that ends, so that it is the run that tells of them.
            for key, said in skipped.items():
                state.remember_warned(key, said)
            state.forget_warned(_SKIPPED, keep=set(skipped))  # fixed, then back: said again
            if self.mail is not None:  # after the calendar writes: they never wait for it
                self.mail.place_drafts(plan, self.templates)
        return plan

    def _warn_once(self, plan: Plan, state: State) -> dict[str, str]:
        """An interview's warnings, and an event skipped, the first time, then again only
        when it changes: cron mails them once. Returns what to remember of the skipped."""
        import hashlib

        def digest(*parts: str) -> str:
            return hashlib.sha256("\0".join(parts).encode()).hexdigest()

        skipped = {}
        for problem in plan.problems:
            key = _SKIPPED + digest(problem.event)
            skipped[key] = digest(problem.event, problem.reason)
            if state.warned(key) == skipped[key] and not self.verbose:
                plan.said_before.append(problem)

        from relance_cal.display import finding_on

        for row in plan.rows:
            interview, warnings = row.assessment.interview, row.assessment.warnings
            said = hashlib.sha256(repr((interview, warnings)).encode()).hexdigest()
            if not warnings or state.warned(interview.key) == said:
                continue
            day, language = interview.start.date(), self.config.language
            for finding in warnings:
                self.warn(finding_on(interview.title, day, finding, language))
            state.remember_warned(interview.key, said)
        return skipped


_SKIPPED = "skipped:"  # the state's `warned` keys of skipped events, beside interview keys


def _check_export_target(config: Config, output: Path) -> None:
    from relance_cal.backends import ical

    target = output.resolve()
    for table, calendar in (("[source]", config.source), ("[reminders]", config.reminders)):
        if calendar.backend == "ics" and calendar.path and calendar.path.resolve() == target:
            raise ConfigError(
                f"{output}: this is the {table} calendar file; export to another file, "
                "or to - for the standard output"
            )
    try:
        data = output.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return  # files.write names what is wrong with the folder
    except OSError as e:
        raise ConfigError(f"{output}: cannot read it: {e.strerror}") from None
    if data.strip() and not ical.only_reminders(data):
        raise ConfigError(
            f"{output}: holds something else than relance-cal reminders; it is left as it "
            "is: export to a new file, or to - for the standard output"
        )
