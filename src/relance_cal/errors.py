"""The errors a user may see: each carries an actionable message and an exit code."""

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
    """One event cannot be handled; it is skipped with a warning naming it (exit 1)."""

    def __init__(self, event: str, reason: str) -> None:
        super().__init__(f"{event}: {reason}")
        self.event = event
        self.reason = reason
