"""The errors a user may see: each carries an actionable message and an exit code."""

import re

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_CONFIG = 2
EXIT_AUTH = 3
EXIT_UNREACHABLE = 4
EXIT_LOCKED = 75


class UserError(Exception):
    """An error meant for the user: `cli.py` prints its message on one line and exits."""

    exit_code = EXIT_CONFIG

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(UserError):
    """Usage or configuration error; the message names the file, key and fix."""

    exit_code = EXIT_CONFIG


class AuthError(UserError):
    """Authentication missing, expired or refused; the message names the command that fixes it."""

    exit_code = EXIT_AUTH


class UnreachableError(UserError):
    """The calendar server could not be reached, or kept failing after retries."""

    exit_code = EXIT_UNREACHABLE


class DiskFullError(UserError):
    """A file could not be written: the disk or the user's quota is full."""

    exit_code = EXIT_UNREACHABLE


class ChangedMeanwhileError(UserError):
    """A file kept changing under the run (another program writing it); nothing was lost."""

    exit_code = EXIT_PARTIAL


class LockedError(UserError):
    """Another sync holds the lock on the state."""

    exit_code = EXIT_LOCKED


class EventError(Exception):
    """One event cannot be handled; it is skipped with a warning naming it (exit 1).

    The warning is one line of bounded length, whatever the calendar or a library put in
    `event` and `reason`: the event's name on one line, the first line of the reason.
    """

    def __init__(self, event: str, reason: str) -> None:
        # Only line breaks go: other control characters are shown escaped (`display.escape`).
        event = shortened(_LINE_BREAKS.sub(" ", event), MAX_EVENT_NAME)
        reason = shortened(_LINE_BREAKS.split(reason.strip(), maxsplit=1)[0].strip(), MAX_REASON)
        super().__init__(f"{event}: {reason}")
        self.event = event
        self.reason = reason


_LINE_BREAKS = re.compile(r"[\r\n]+")
MAX_TITLE = 80  # characters of an event's title quoted in a message
MAX_EVENT_NAME = 400  # the whole name of an event in a message: title, UID, file, line
MAX_REASON = 200  # characters of why it was skipped (a library's message, first line)


def shortened(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis saying so."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def event_label(title: str, uid: str = "") -> str:
    """How a message names an event: `"Its title" (UID its-uid)`, the title on one line and
    cut to MAX_TITLE characters; words saying so when it has neither."""
    title = shortened(" ".join(title[: MAX_TITLE * 8].split()), MAX_TITLE)
    uid = shortened(uid, MAX_TITLE)
    if uid and title:
        return f'"{title}" (UID {uid})'
    if title:
        return f'"{title}"'
    return f"UID {uid}" if uid else "an event without UID or title"
