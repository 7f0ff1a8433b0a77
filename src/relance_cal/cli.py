"""The command line: parses, calls the library, prints. The only place that prints or exits."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from relance_cal import __version__
from relance_cal.app import Session
from relance_cal.errors import EXIT_OK, EXIT_PARTIAL, ConfigError, UserError

if TYPE_CHECKING:
    from relance_cal.config import Config
    from relance_cal.engine import Change, Plan, Row


def warn(message: str) -> None:
    from relance_cal.display import escape_lines  # a warning may quote an invitation's text

    click.echo(f"relance-cal: {escape_lines(message)}", err=True)


def _warn_all(warnings: Iterable[str]) -> None:
    for warning in warnings:
        warn(warning)


def _show_backend_warnings() -> None:
    """Print what the backends log as warnings (a server answer ignored), as our warnings.

    Only the tool's own loggers: a library's log lines may carry what must not be shown.
    """
    import logging

    class _Warn(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warn(record.getMessage())

    logger = logging.getLogger("relance_cal")
    if not any(h.name == "warn" for h in logger.handlers):
        handler = _Warn(logging.WARNING)
        handler.name = "warn"
        logger.addHandler(handler)
        logger.propagate = False


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
    _show_backend_warnings()
    ctx.obj = Session(config_path.expanduser(), now_text, verbose, quiet, warn)


pass_session = click.make_pass_decorator(Session)


@cli.command()
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@pass_session
def sync(session: Session, dry_run: bool) -> int:
    """Read interviews; write, update or remove reminders."""
    from relance_cal.display import escape_lines

    config = session.identity()
    if sys.stderr.isatty():  # not from cron: a doubtful setting would be mailed every run
        _warn_all(config.warnings)
    if dry_run:
        plan = session.plan()
        for change in plan.changes:
            if not session.quiet:
                click.echo(escape_lines(f"would {_describe(change, config)}"))
        return _report_problems(plan)

    def done(change: Change) -> None:  # told once the change is in the calendar
        if not session.quiet:
            click.echo(escape_lines(_describe(change, config, past=True)))

    plan = session.sync(done)
    if session.verbose:
        for uid in plan.dismissed:
            click.echo(escape_lines(f"noticed reminder {uid} was deleted: it will not come back"))
    return _with_mail(session, _report_problems(plan))


def _with_mail(session: Session, code: int) -> int:
    """A mailbox that failed (said as a warning) is exit 1, or 3 when it refused the
    password; the calendar work was done (docs/mailbox.md)."""
    from relance_cal.errors import EXIT_AUTH, AuthError

    error = session.mail.error if session.mail is not None else None
    if error is None:
        return code
    return EXIT_AUTH if isinstance(error, AuthError) else max(code, EXIT_PARTIAL)


_VERBS = {
    "create": ("create", "created"),
    "update": ("update", "updated"),
    "delete": ("remove", "removed"),
}


def _describe(change: Change, config: Config, *, past: bool = False) -> str:
    """One change line; it names the interview by the reminder's title (company or title)."""
    verb = _VERBS[change.action][1 if past else 0]
    when = change.start.astimezone(config.policy.timezone).strftime("%Y-%m-%d %H:%M")
    if change.reminder is not None:
        what = change.reminder.title
    else:
        what = change.existing.title or "(a reminder without title)"  # type: ignore[union-attr]
    return f"{verb} {change.kind} reminder {when}  {what}"


def _report_problems(plan: Plan) -> int:
    for problem in plan.problems:
        if not any(problem is said for said in plan.said_before):
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

        click.echo(
            json.dumps(
                [_row_json(row, session.config.language) for row in rows],
                ensure_ascii=False,
                indent=2,
            )
        )
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


def _row_json(row: Row, language: str) -> dict[str, Any]:
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
        "warnings": [display.say(finding, "en") for finding in a.warnings],
        "answered_at": a.answered_at.isoformat() if a.answered_at else None,
        "id": display.short_id(i.key),
        "language": i.language or language,
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

    config = session.identity()
    row = display.find_interview(session.plan().rows, interview, config.language)
    a = row.assessment
    kind = kind or ("reply" if a.status == "rejected" else "followup")
    language = a.interview.language or config.language  # the draft's: `Langue`
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
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="A regular file (default, or -: stdout).",
)
@pass_session
def export(session: Session, output: Path | None) -> int:
    """The reminders as an iCalendar file."""
    from relance_cal.backends import ical

    session.identity()
    if output is None or str(output) == "-":
        plan = session.plan()
        data = ical.reminder_calendar(plan.reminders, session.now).to_ical()
        click.echo(data.decode("utf-8"), nl=False)
    else:
        plan = session.export(output)
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
        text = starter.config_text(calendar_path=calendar.name, example=True)
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
    from relance_cal.backends import google_auth, google_credentials_path, google_token_path

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
