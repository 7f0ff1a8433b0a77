"""The command line: parses, calls the library, prints. The only place that prints or exits."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from relance_cal import __version__
from relance_cal.errors import EXIT_OK, EXIT_PARTIAL, ConfigError, UserError

if TYPE_CHECKING:
    from relance_cal.config import Config
    from relance_cal.engine import Calendars, Plan, Row
    from relance_cal.state import State


class Session:
    """What the global options say; the config and `now` are resolved on first use."""

    # A plain class: `dataclasses` would add a fifth to the start-up of `relance-cal --help`.
    def __init__(self, config_path: Path, now_text: str | None, verbose: bool, quiet: bool) -> None:
        self.config_path = config_path
        self.now_text = now_text
        self.verbose = verbose
        self.quiet = quiet

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
            warn(message)
        return templates

    @cached_property
    def crash_switch(self) -> _CrashAfterWrites | None:
        value = os.environ.get(CRASH_AFTER_WRITES)
        return _CrashAfterWrites(int(value)) if value else None

    def calendars(self) -> Calendars:
        from relance_cal.backends import open_backend
        from relance_cal.engine import Calendars

        config = self.config
        source = self._watched(open_backend(config.source, config.detection, role="source"))
        if config.reminders.same_calendar(config.source):
            return Calendars(source, source)
        reminders = open_backend(config.reminders, config.detection, role="reminders")
        return Calendars(source, self._watched(reminders))

    def _watched(self, target: Any) -> Any:
        return target if self.crash_switch is None else _CountedWrites(target, self.crash_switch)

    def _make_tokens_private(self) -> None:
        """A Google token file 0600 in a 0700 folder, fixed with a warning when found looser."""
        from relance_cal.backends import google_token_path
        from relance_cal.state import make_private

        for cfg in (self.config.source, self.config.reminders):
            if cfg.backend != "google":
                continue
            token = google_token_path(cfg)
            for path in (token.parent, token):
                warning = make_private(path) if path.exists() else None
                if warning:
                    warn(warning)

    @contextlib.contextmanager
    def opened(self, *, read_only: bool) -> Iterator[tuple[Calendars, State, Plan]]:
        """Read the calendars and plan; the state is committed at the end unless read-only."""
        from relance_cal import engine, policy
        from relance_cal.backends.base import Window
        from relance_cal.state import State, holidays_stamp

        if not read_only:
            self._make_tokens_private()
        calendars = self.calendars()
        try:
            with State(self.config.state_dir, read_only=read_only) as state:
                for warning in state.warnings:
                    warn(warning)
                stamp = holidays_stamp()
                self._learn_holidays(state, stamp)
                state = self._watched(state)
                window = Window(*policy.window(self.now, self.config.policy))
                plan = engine.run(calendars, state, self.config, self.now, self.templates, window)
                yield calendars, state, plan
                if not read_only:
                    settings = self.config.policy
                    found = policy.looked_up_holidays(settings.country, settings.subdivision)
                    state.keep_holidays(settings.country, settings.subdivision, stamp, found)
            if self.crash_switch is not None and not read_only:
                self.crash_switch.wrote()  # the state commit
        finally:
            calendars.source.close()
            calendars.reminders.close()

    def _learn_holidays(self, state: State, stamp: str) -> None:
        """Give the policy the holidays the state kept: the run need not import the library.

        With none kept (first run, new country, library upgraded), check country and subdivision.
        """
        from relance_cal import config, policy

        country, subdivision = self.config.policy.country, self.config.policy.subdivision
        kept = state.holidays(country, subdivision, stamp)
        if kept:
            policy.learn_holidays(country, subdivision, kept)
        else:
            config.check_holidays(self.config)
            # The library is loaded now: this year's are kept even when no interview needs them.
            policy.public_holidays(country, subdivision, self.now.year)

    def plan(self) -> Plan:
        """Read the calendars and plan, leaving every calendar and the state as they were."""
        with self.opened(read_only=True) as (_, _, plan):
            return plan


CRASH_AFTER_WRITES = "RELANCE_CAL_CRASH_AFTER_WRITES"
CRASHED = 137  # what a shell reports for a killed process


class _CrashAfterWrites:
    """Test only (docs/reliability.md): with RELANCE_CAL_CRASH_AFTER_WRITES=N, the process
    dies right after its N-th write, as a power cut would stop it.

    Counted writes: each create, update, delete and flush on a calendar, each state commit.
    """

    def __init__(self, after: int) -> None:
        self.left = after

    def wrote(self) -> None:
        self.left -= 1
        if self.left == 0:
            os._exit(CRASHED)


class _CountedWrites:
    """A backend or the state, whose writes count towards the crash switch."""

    WRITES = frozenset({"create", "update", "delete", "flush", "commit"})

    def __init__(self, target: Any, switch: _CrashAfterWrites) -> None:
        self._target = target
        self._switch = switch

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if name not in self.WRITES:
            return attribute

        def counted(*args: Any) -> Any:
            result = attribute(*args)
            self._switch.wrote()
            return result

        return counted


def warn(message: str) -> None:
    from relance_cal.display import escape_lines  # a warning may quote an invitation's text

    click.echo(f"relance-cal: {escape_lines(message)}", err=True)


def _warn_all(warnings: Iterable[str]) -> None:
    for warning in warnings:
        warn(warning)


_verbose = False  # read by main() to decide whether a traceback is shown


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: $RELANCE_CAL_CONFIG, else the user config dir).",
)
@click.option(
    "--now",
    "now_text",
    envvar="RELANCE_CAL_NOW",
    metavar="ISO-DATETIME",
    help="Take this moment as now (also $RELANCE_CAL_NOW).",
)
@click.option("-v", "--verbose", is_flag=True, help="Say more (a traceback on errors).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.version_option(__version__, prog_name="relance-cal")
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path | None, now_text: str | None, verbose: bool, quiet: bool
) -> None:
    """Follow up on job interviews at the right moment, from your calendar."""
    global _verbose
    _verbose = verbose
    if verbose and quiet:
        raise click.UsageError("-v and -q exclude each other")
    if config_path is None:
        from relance_cal.config import default_config_path

        config_path = default_config_path()
    ctx.obj = Session(config_path.expanduser(), now_text, verbose, quiet)


pass_session = click.make_pass_decorator(Session)


@cli.command()
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@pass_session
def sync(session: Session, dry_run: bool) -> int:
    """Read interviews; write, update or remove reminders."""
    from relance_cal import engine
    from relance_cal.display import escape_lines
    from relance_cal.state import lock

    config = session.config
    if sys.stderr.isatty():  # not from cron: a doubtful setting would be mailed every run
        _warn_all(config.warnings)
    if dry_run:
        plan = session.plan()
        for change in plan.changes:
            if not session.quiet:
                click.echo(escape_lines(f"would {_describe(change, config)}"))
        return _report_problems(plan)
    with lock(config.state_dir), session.opened(read_only=False) as (calendars, state, plan):
        if session.verbose:
            for uid in plan.dismissed:
                click.echo(
                    escape_lines(f"noticed reminder {uid} was deleted: it will not come back")
                )

        def done(change: engine.Change) -> None:
            if not session.quiet:
                click.echo(escape_lines(_describe(change, config, past=True)))

        engine.apply(plan, calendars.reminders, state, done)
    return _report_problems(plan)


_VERBS = {
    "create": ("create", "created"),
    "update": ("move", "updated"),
    "delete": ("remove", "removed"),
}


def _describe(change: Any, config: Config, *, past: bool = False) -> str:
    verb = _VERBS[change.action][1 if past else 0]
    when = change.start.astimezone(config.policy.timezone).strftime("%Y-%m-%d %H:%M")
    what = change.reminder.title if change.reminder else f"for {change.existing.source_key}"
    return f"{verb} {change.kind} reminder {when}  {what}"


def _report_problems(plan: Plan) -> int:
    for problem in plan.problems:
        warn(f"skipped {problem.event}: {problem.reason}")
    return EXIT_PARTIAL if plan.problems else EXIT_OK


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--all", "everything", is_flag=True, help="Also the interviews of the last two years."
)
@pass_session
def status(session: Session, as_json: bool, everything: bool) -> int:
    """One row per interview: follow-up moment, deadline, status, reminder."""
    from relance_cal import display

    _warn_all(session.config.warnings)
    plan = session.plan()
    rows = plan.rows
    if everything:
        rows = _with_history(session, rows)
    if as_json:
        import json  # only here: every import delays `relance-cal --help`

        click.echo(json.dumps([_row_json(row) for row in rows], ensure_ascii=False, indent=2))
    else:
        table = display.status_table(
            rows,
            now=session.now,
            language=session.config.language,
            max_days=session.config.policy.max_days,
            width=display.terminal_width(sys.stdout),
            colour=display.wants_colour(sys.stdout),
            everything=everything,
        )
        click.echo(table, color=display.wants_colour(sys.stdout))
    return _report_problems(plan)


HISTORY_DAYS = 730  # `status --all`: interviews whose deadline is up to two years old


def _with_history(session: Session, rows: list[Row]) -> list[Row]:
    """`rows` and the interviews beyond the 30-day rule, read again with a wider window.

    An interview out of view gets no reminder from `sync`: one planned for it is not shown.
    """
    import dataclasses

    from relance_cal.engine import Row

    config = session.config
    wider = dataclasses.replace(config.policy, keep_past_days=HISTORY_DAYS)
    session.config = dataclasses.replace(config, policy=wider)
    try:
        history = session.plan()
    finally:
        session.config = config
    shown = {row.assessment.interview.key for row in rows}
    planned = {c.reminder.source_key for c in history.changes if c.reminder is not None}
    older = [
        Row(r.assessment, None if r.assessment.interview.key in planned else r.reminder_at)
        for r in history.rows
        if r.assessment.interview.key not in shown
    ]
    return sorted(
        [*rows, *older], key=lambda r: (r.assessment.interview.start, r.assessment.interview.key)
    )


def _row_json(row: Row) -> dict[str, Any]:
    from relance_cal import display

    a = row.assessment
    i, f = a.interview, a.followup
    return {
        "uid": i.key,
        "title": i.title,
        "start": i.start.isoformat(),
        "end": i.end.isoformat(),
        "company": i.company,
        "position": i.position,
        "recruiter_name": i.recruiter_name,
        "recruiter_email": i.recruiter_email,
        "urgency": i.urgency,
        "company_size": i.company_size,
        "announced": f.announced_on.isoformat() if f.announced_on else None,
        "followup_at": f.at.isoformat(),
        "deadline": f.deadline.isoformat(),
        "rule": f.rule,
        "beyond_max_days": f.beyond_max_days,
        "status": a.status,
        "reminder_at": row.reminder_at.isoformat() if row.reminder_at else None,
        "warnings": list(a.warnings),
        "id": display.short_id(i.key),
    }


@cli.command()
@click.argument("interview")
@click.option(
    "--kind",
    type=click.Choice(["followup", "reply", "thanks"]),
    help="Which message (default: the reply after a rejection, else the follow-up).",
)
@pass_session
def draft(session: Session, interview: str, kind: str | None) -> int:
    """Print the drafted message for one interview (its id, uid, company, position or title)."""
    from relance_cal import display, drafts

    row = display.find_interview(session.plan().rows, interview, session.config.language)
    a = row.assessment
    kind = kind or ("reply" if a.status == "rejected" else "followup")
    language = a.interview.language or session.config.language  # the draft's: `Langue`
    message = drafts.render(
        kind,
        a.interview,
        a.followup,
        language=language,
        name=session.config.name,
        templates=session.templates,
    )
    to, subject = display.DRAFT_HEADERS[language]
    if message.to:
        click.echo(display.escape_lines(f"{to} {message.to}"))
    click.echo(display.escape_lines(f"{subject} {message.subject}\n\n{message.body}"))
    return EXIT_OK


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File (default: stdout).",
)
@pass_session
def export(session: Session, output: Path | None) -> int:
    """The reminders as an iCalendar file."""
    from relance_cal import ical

    plan = session.plan()
    data = ical.reminder_calendar(plan.reminders, session.now).to_ical()
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        from relance_cal.backends.ics import _atomic_write

        _atomic_write(output, data)
    return _report_problems(plan)


@cli.command(name="check-draft")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--language", type=click.Choice(["fr", "en"]), help="Default: guessed.")
def check_draft(file: Any, language: str | None) -> int:
    """Check a draft or template for impatient or pushy wording (exit 1 on findings)."""
    from relance_cal import courtesy

    findings = courtesy.check(file.read(), language)
    for f in findings:
        where = f"line {f.line}: {f.text!r}" if f.line else "whole text"
        click.echo(f"{where}: {f.problem}\n  better: {f.suggestion}")
    return EXIT_PARTIAL if findings else EXIT_OK


@cli.command()
@click.option(
    "--example",
    "example_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write an example calendar with interviews around today into this folder, "
    "and the config there.",
)
@pass_session
def init(session: Session, example_dir: Path | None) -> int:
    """Write a commented starter config (never overwrites)."""
    from relance_cal import starter

    path = session.config_path
    if example_dir is not None:
        path = example_dir / "config.toml"
        calendar = starter.write_example_calendar(example_dir / "calendar.ics", datetime.now())
        text = starter.config_text(calendar_path=calendar.name)
    else:
        text = starter.config_text(calendar_path="~/calendars/perso.ics")
    starter.write_new(path, text)
    click.echo(f"wrote {path}")
    if example_dir is not None:
        click.echo(f"try: relance-cal --config {path} sync")
    return EXIT_OK


@cli.group()
def auth() -> None:
    """Sign in to a calendar service."""


@auth.command("google")
@click.option(
    "--no-browser", is_flag=True, help="Print the sign-in address instead of opening a browser."
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8085,
    show_default=True,
    help="Local port Google sends the browser back to (forward it over SSH on a server).",
)
@pass_session
def auth_google(session: Session, no_browser: bool, port: int) -> int:
    """Sign in to Google Calendar; the token is kept in the config directory."""
    from relance_cal import google_auth
    from relance_cal.backends import google_credentials_path, google_token_path

    config = session.config
    calendars = [c for c in (config.source, config.reminders) if c.backend == "google"]
    if not calendars:
        raise ConfigError(f'{config.path}: no calendar has backend = "google"')
    cfg = calendars[0]
    token_path = google_token_path(cfg)
    google_auth.authorize(
        google_credentials_path(cfg),
        token_path,
        google_auth.scopes(
            create_calendar=any(c.create for c in calendars),
            shared=any(c.shared for c in calendars),
        ),
        open_browser=not no_browser,
        port=port,
        endpoint=cfg.endpoint,
    )
    click.echo(f"Signed in to Google Calendar; the token is in {token_path}")
    return EXIT_OK


def main() -> None:
    """Entry point: one error boundary, one line on stderr, the documented exit codes."""
    try:
        code = cli.main(prog_name="relance-cal", standalone_mode=False)
    except click.exceptions.Exit as e:
        code = e.exit_code
    except click.ClickException as e:
        e.show()
        code = e.exit_code
    except click.Abort:
        warn("aborted")
        code = 130
    except UserError as e:
        if _verbose:
            _print_traceback()
        warn(e.message)
        code = e.exit_code
    except KeyboardInterrupt:
        code = 130
    except Exception as e:  # the boundary: no traceback reaches a user unless -v
        if _verbose:
            _print_traceback()
        warn(f"unexpected error: {type(e).__name__}; run with -v for details")
        code = 70
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _print_traceback() -> None:
    import traceback  # only on errors with -v: every import delays `relance-cal --help`

    traceback.print_exc()
