"""The TOML configuration, read into frozen dataclasses; all validation lives here."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shlex
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import platformdirs

from relance_cal.errors import ConfigError
from relance_cal.model import PublicHolidays
from relance_cal.text import fold

APP = "relance-cal"
BACKENDS = ("ics", "caldav", "google")
LANGUAGES = ("fr", "en")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ADVISED_MAX_DAYS = 10  # "later than ten days is usually too late" (docs/followup-policy.md)
# What a French or English speaker may write instead of a code: the code meant.
_LANGUAGE_NAMES = {"francais": "fr", "french": "fr", "english": "en", "anglais": "en"}
_FRENCH_WEEKDAYS = dict(
    zip(("lun", "mar", "mer", "jeu", "ven", "sam", "dim"), WEEKDAYS, strict=True)
)


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP))


def state_dir() -> Path:
    return Path(platformdirs.user_state_dir(APP))


def state_dir_of(config_path: Path) -> Path:
    """The state folder of one configuration file: each has its own state and lock.

    Named after the file (its real path, so that a link to it shares its state), under
    `configs/` in the state directory.
    """
    real = os.path.realpath(config_path)
    digest = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return state_dir() / "configs" / f"{Path(real).stem}-{digest}"


def single_state_file() -> Path:
    """Where the state of every configuration was kept before each had its own."""
    return state_dir() / "state.sqlite3"


def default_config_path() -> Path:
    env = os.environ.get("RELANCE_CAL_CONFIG")
    return Path(env).expanduser() if env else config_dir() / "config.toml"


@dataclass(frozen=True)
class PolicySettings:
    country: str = "FR"
    subdivision: str | None = None
    workdays: frozenset[int] = frozenset(range(5))  # Monday = 0
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    reminder_time: time = time(9, 30)
    work_end: time = time(18, 0)
    max_days: int = 10
    # Interviews whose deadline is older are out of view (docs/followup-policy.md): not a key of
    # the file; `status --all` widens it to show the history.
    keep_past_days: int = 30
    # The public holidays of `country` / `subdivision`, handed to the policy as a value (the
    # application gives those the state kept); a new, empty one by default.
    holidays: PublicHolidays = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        place = (self.country, self.subdivision)
        if self.holidays is None or (self.holidays.country, self.holidays.subdivision) != place:
            object.__setattr__(self, "holidays", PublicHolidays(*place))


@dataclass(frozen=True)
class CalendarConfig:
    """Where a calendar is: `[source]` or `[reminders]`."""

    backend: str = "ics"
    path: Path | None = None  # ics
    url: str | None = None  # caldav
    username: str | None = None
    password_env: str | None = None
    password_command: tuple[str, ...] | None = None
    password: str | None = None  # allowed only in a 0600 config file
    calendar: str | None = None  # caldav: display name or URL
    ca_bundle: Path | None = None
    calendar_id: str = "primary"  # google
    credentials: Path | None = None
    token: Path | None = None
    endpoint: str | None = None
    shared: bool = False  # google: a calendar shared with you, not yours (wider scope)
    create: bool = False  # reminders: create the calendar when missing
    timeout: float = 60.0  # caldav, google: seconds for one exchange with the server

    def same_calendar(self, other: CalendarConfig) -> bool:
        return (self.backend, self.path, self.url, self.calendar, self.calendar_id) == (
            other.backend,
            other.path,
            other.url,
            other.calendar,
            other.calendar_id,
        )


DEFAULT_EXCLUDE_KEYWORDS = (
    "annuel", "professionnel", "évaluation", "individuel", "préalable", "voiture", "véhicule",
    "pneus", "vidange", "révision", "chaudière", "jardin", "ménage",
)  # fmt: skip


@dataclass(frozen=True)
class Detection:
    """What makes an event an interview (docs/event-metadata.md)."""

    keywords: tuple[str, ...] = ("entretien", "interview", "entrevue")
    # The other meanings of "entretien" in French calendars (docs/event-metadata.md).
    exclude_keywords: tuple[str, ...] = DEFAULT_EXCLUDE_KEYWORDS
    interviews_only: bool = False
    me: str | None = None  # the user's address


@dataclass(frozen=True)
class DraftSettings:
    thank_you: bool = False
    ask_delay: bool = True


MAIL_SECURITY = ("tls", "starttls", "none")


@dataclass(frozen=True)
class MailConfig:
    """The `[mail]` table: the IMAP mailbox `sync` reads headers from (docs/mailbox.md)."""

    host: str
    username: str
    port: int = 993
    security: str = "tls"  # tls | starttls | none (loopback hosts only)
    password_env: str | None = None
    password_command: tuple[str, ...] | None = None
    password: str | None = None  # allowed only in a 0600 config file
    ca_bundle: Path | None = None
    drafts: bool = False  # put each follow-up (and reply) draft in the Drafts folder
    timeout: float = 60.0  # seconds for one exchange with the server


@dataclass(frozen=True)
class Config:
    path: Path
    source: CalendarConfig
    reminders: CalendarConfig
    detection: Detection = Detection()
    name: str | None = None
    language: str = "fr"
    alarm_minutes: tuple[int, ...] = (0,)
    drafts: DraftSettings = DraftSettings()
    policy: PolicySettings = PolicySettings()
    state_dir: Path = field(default_factory=state_dir)
    mail: MailConfig | None = None  # the optional [mail] table
    # Settings accepted but doubtful (max_days beyond the advice): the command line prints them.
    warnings: tuple[str, ...] = ()

    @property
    def templates_dir(self) -> Path:
        return self.path.parent / "templates"


# key -> (expected python type(s), description for messages)
_CALENDAR_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "backend": (str, "ics, caldav or google"),
    "path": (str, "a file path"),
    "url": (str, "a URL"),
    "username": (str, "a user name"),
    "password_env": (str, "the name of an environment variable"),
    "password_command": ((str, list), "a command, as a string or a list of strings"),
    "password": (str, "a password"),
    "calendar": (str, "a calendar display name or URL"),
    "ca_bundle": (str, "a file path"),
    "calendar_id": (str, "a Google calendar id"),
    "credentials": (str, "a file path"),
    "token": (str, "a file path"),
    "endpoint": (str, "a URL"),
    "shared": (bool, "true or false"),
    "timeout": ((int, float), "a number of seconds"),
}
_SECRET_KEYS = {"password", "password_command"}
_SOURCE_KEYS = {
    "keywords": (list, "a list of words"),
    "exclude_keywords": (list, "a list of words"),
    "interviews_only": (bool, "true or false"),
}
_REMINDER_KEYS = {
    "create": (bool, "true or false"),
    "alarm_minutes": (list, "a list of minutes, e.g. [0, 60]"),
}
_DRAFT_KEYS = {"thank_you": (bool, "true or false"), "ask_delay": (bool, "true or false")}
_POLICY_KEYS = {
    "country": (str, 'a country code, e.g. "FR"'),
    "subdivision": (str, 'a subdivision code, e.g. "57"'),
    "workdays": (list, 'a list of weekdays, e.g. ["mon", "tue", "wed", "thu", "fri"]'),
    "timezone": (str, 'a zone name, e.g. "Europe/Paris"'),
    "reminder_time": (str, 'a time "HH:MM"'),
    "work_end": (str, 'a time "HH:MM"'),
    "max_days": (int, "a number of days"),
}
_MAIL_KEYS = {
    "host": (str, "a host name"),
    "port": (int, "a port number"),
    "security": (str, "tls, starttls or none"),
    "username": (str, "a user name"),
    "password_env": (str, "the name of an environment variable"),
    "password_command": ((str, list), "a command, as a string or a list of strings"),
    "password": (str, "a password"),
    "ca_bundle": (str, "a file path"),
    "drafts": (bool, "true or false"),
    "timeout": ((int, float), "a number of seconds"),
}
_TOP_KEYS = {
    "me": (str, "your e-mail address"),
    "name": (str, "your name, to sign drafts"),
    "language": (str, "fr or en"),
    "source": (dict, "a [source] table"),
    "reminders": (dict, "a [reminders] table"),
    "drafts": (dict, "a [drafts] table"),
    "policy": (dict, "a [policy] table"),
    "mail": (dict, "a [mail] table"),
}


class _Reader:
    """Checks one table's keys and types; every message names the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {problem}")

    def check(self, table: dict[str, Any], allowed: dict, prefix: str = "") -> None:
        for key, value in table.items():
            name = f"{prefix}{key}"
            if key not in allowed:
                raise self.fail(name, _unknown_key(key, allowed, prefix))
            expected, what = allowed[key]
            # A secret is never echoed, even a mistyped one.
            got = f"a {type(value).__name__}" if key in _SECRET_KEYS else repr(value)
            if isinstance(value, bool) and expected is not bool and bool not in _as_tuple(expected):
                raise self.fail(name, f"expected {what}, got {got}")
            if not isinstance(value, expected):
                fix = "" if key in _SECRET_KEYS else _type_fix(key, value, expected)
                raise self.fail(name, f"expected {what}, got {got}{fix}")

    def str_list(self, values: list, name: str) -> tuple[str, ...]:
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise self.fail(name, "expected a list of non-empty strings")
        return tuple(v.strip() for v in values)

    def path_value(self, value: str | None) -> Path | None:
        if value is None:
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.path.parent / p)

    def time_value(self, value: str, name: str) -> time:
        try:
            hours, minutes = value.split(":")
            return time(int(hours), int(minutes))
        except ValueError:
            written = re.fullmatch(r"\s*(\d{1,2})\s*[hH:.]\s*(\d{2})?\s*", value)
            fix = ""
            if written and int(written.group(1)) < 24 and int(written.group(2) or 0) < 60:
                fix = f'; write it "{int(written.group(1)):02d}:{written.group(2) or "00"}"'
            raise self.fail(name, f'expected a time "HH:MM", got {value!r}{fix}') from None


def _did_you_mean(wanted: str, choices: Iterable[str], quote: str = "`") -> str:
    """A "did you mean" suffix naming the closest of `choices`; "" when none is close."""
    by_fold = {fold(c): c for c in choices}
    close = difflib.get_close_matches(fold(wanted), list(by_fold), n=1, cutoff=0.6)
    return f"; did you mean {quote}{by_fold[close[0]]}{quote}?" if close else ""


def _unknown_key(key: str, allowed: dict, prefix: str) -> str:
    """The message for an unknown key: the table it belongs to, or a close match."""
    tables = {
        "": _TOP_KEYS,
        "source.": {**_CALENDAR_KEYS, **_SOURCE_KEYS},
        "reminders.": {**_CALENDAR_KEYS, **_REMINDER_KEYS},
        "drafts.": _DRAFT_KEYS,
        "policy.": _POLICY_KEYS,
        "mail.": _MAIL_KEYS,
    }
    for table, keys in tables.items():
        if table != prefix and key in keys:
            if not table:  # TOML puts every key after a [table] line into that table
                where = f"[{prefix[:-1]}]"
                return f"unknown key in {where}; move `{key} = ...` above the first [table] line"
            return f"unknown key here; it belongs in the [{table[:-1]}] table"
    close = _did_you_mean(key, allowed)
    if close:
        return f"unknown key{close}"
    return f"unknown key (known keys: {', '.join(sorted(allowed))})"


def _type_fix(key: str, value: Any, expected: type | tuple[type, ...]) -> str:
    """How to write `value` with the type `key` needs, when the intent is clear."""
    wanted = _as_tuple(expected)
    if list in wanted and isinstance(value, str):
        return f"; write it as a list: {key} = {json.dumps([value], ensure_ascii=False)}"
    if bool in wanted and isinstance(value, str) and fold(value) in ("true", "yes", "oui"):
        return f"; write it without quotes: {key} = true"
    if bool in wanted and isinstance(value, str) and fold(value) in ("false", "no", "non"):
        return f"; write it without quotes: {key} = false"
    if int in wanted and isinstance(value, str) and value.strip().isdigit():
        return f"; write it without quotes: {key} = {int(value)}"
    return ""


def _as_tuple(t: type | tuple[type, ...]) -> tuple[type, ...]:
    return t if isinstance(t, tuple) else (t,)


def load(path: Path) -> Config:
    """Read and validate the config file at `path`."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no configuration file; run `relance-cal init` to write one"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}{_not_a_config(path)}") from None
    return parse(raw, path)


def _not_a_config(path: Path) -> str:
    """A hint when the file given as the config is clearly something else."""
    head = path.read_text(encoding="utf-8", errors="replace")[:200].lstrip("\ufeff \t\r\n")
    if head.upper().startswith("BEGIN:VCALENDAR") or path.suffix.lower() in (".ics", ".ical"):
        return (
            "; this is a calendar file, not a relance-cal config: write one with "
            f'`relance-cal init` and give it in [source] path = "{path}"'
        )
    if head.startswith(("{", "[{")) or path.suffix.lower() == ".json":
        return (
            "; this is a JSON file (a Google OAuth client file?), not a relance-cal config: "
            "write one with `relance-cal init`; an OAuth client file goes in [source] credentials"
        )
    return ""


def parse(raw: dict[str, Any], path: Path) -> Config:
    """Validate an already-decoded TOML document."""
    r = _Reader(path)
    r.check(raw, _TOP_KEYS)
    if "source" not in raw:
        raise r.fail("source", "missing [source] table (where your interviews are)")
    source_raw = dict(raw["source"])
    r.check(source_raw, {**_CALENDAR_KEYS, **_SOURCE_KEYS}, "source.")
    reminders_raw = dict(raw.get("reminders", {}))
    r.check(reminders_raw, {**_CALENDAR_KEYS, **_REMINDER_KEYS}, "reminders.")

    source = _calendar(r, source_raw, "source.")
    alarm_minutes = reminders_raw.pop("alarm_minutes", [0])
    if not all(isinstance(m, int) and not isinstance(m, bool) and m >= 0 for m in alarm_minutes):
        raise r.fail("reminders.alarm_minutes", "expected a list of minutes >= 0, e.g. [0, 60]")
    if len(alarm_minutes) > 5:
        raise r.fail("reminders.alarm_minutes", "at most 5 alarms")
    create = reminders_raw.pop("create", False)
    if set(reminders_raw) & set(_CALENDAR_KEYS):
        reminders = _calendar(r, reminders_raw, "reminders.", create=create)
    else:
        reminders = CalendarConfig(**{**_fields_of(source), "create": create})

    detection = Detection(
        keywords=r.str_list(
            source_raw.get("keywords", list(Detection.keywords)), "source.keywords"
        ),
        exclude_keywords=r.str_list(
            source_raw.get("exclude_keywords", list(DEFAULT_EXCLUDE_KEYWORDS)),
            "source.exclude_keywords",
        ),
        interviews_only=source_raw.get("interviews_only", False),
        me=raw.get("me"),
    )
    if not detection.keywords and not detection.interviews_only:
        raise r.fail("source.keywords", "empty: no event could be an interview")

    language = raw.get("language", "fr")
    if language not in LANGUAGES:
        meant = _LANGUAGE_NAMES.get(fold(language), fold(language)[:2])
        fix = f'; did you mean "{meant}"?' if meant in LANGUAGES else ""
        raise r.fail("language", f"expected fr or en, got {language!r}{fix}")

    drafts_raw = raw.get("drafts", {})
    r.check(drafts_raw, _DRAFT_KEYS, "drafts.")
    policy = _policy(r, raw.get("policy", {}))
    mail = _mail(r, raw["mail"]) if "mail" in raw else None
    warnings = []
    if policy.max_days > ADVISED_MAX_DAYS:
        warnings.append(
            f"{path}: policy.max_days = {policy.max_days}: beyond the {ADVISED_MAX_DAYS} days "
            "advised (a follow-up later than that is usually too late); the default is "
            f"{ADVISED_MAX_DAYS}"
        )
    return Config(
        path=path,
        source=source,
        reminders=reminders,
        detection=detection,
        name=raw.get("name"),
        language=language,
        alarm_minutes=tuple(alarm_minutes),
        drafts=DraftSettings(**drafts_raw),
        policy=policy,
        warnings=tuple(warnings),
        state_dir=state_dir_of(path),
        mail=mail,
    )


def _fields_of(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _calendar(r: _Reader, t: dict[str, Any], prefix: str, create: bool = False) -> CalendarConfig:
    backend = t.get("backend", "ics")
    if backend not in BACKENDS:
        fix = _did_you_mean(backend, BACKENDS, quote='"')
        raise r.fail(f"{prefix}backend", f"expected ics, caldav or google, got {backend!r}{fix}")
    required = {"ics": ("path",), "caldav": ("url",), "google": ()}[backend]
    for key in required:
        if key not in t:
            raise r.fail(f"{prefix}{key}", f"missing (required with backend = {backend!r})")
    command = _password_command(r, t, prefix)
    if "url" in t:
        _check_url(r, t["url"], f"{prefix}url")
    timeout = t.get("timeout", CalendarConfig.timeout)
    if not 0 < timeout <= 3600:
        raise r.fail(f"{prefix}timeout", f"expected seconds above 0, at most 3600, got {timeout}")
    return CalendarConfig(
        backend=backend,
        path=r.path_value(t.get("path")),
        url=t.get("url"),
        username=t.get("username"),
        password_env=t.get("password_env"),
        password_command=command,
        password=t.get("password"),
        calendar=t.get("calendar"),
        ca_bundle=r.path_value(t.get("ca_bundle")),
        calendar_id=t.get("calendar_id", "primary"),
        credentials=r.path_value(t.get("credentials")),
        token=r.path_value(t.get("token")),
        endpoint=t.get("endpoint"),
        shared=t.get("shared", False),
        create=create,
        timeout=float(timeout),
    )


def _password_command(r: _Reader, t: dict[str, Any], prefix: str) -> tuple[str, ...] | None:
    """The table's password keys checked (one way to give it, a plain one in a private
    file); the command split into its words."""
    if "password_env" in t and "password_command" in t:
        raise r.fail(f"{prefix}password_command", "give password_env or password_command, not both")
    command = t.get("password_command")
    if isinstance(command, str):
        try:
            command = shlex.split(command)
        except ValueError as e:
            raise r.fail(f"{prefix}password_command", f"cannot split the command: {e}") from None
    if command is not None:
        command = r.str_list(command, f"{prefix}password_command")
        if not command:
            raise r.fail(f"{prefix}password_command", "empty command")
    if "password" in t:
        _check_private(r, f"{prefix}password")
    return command


def _mail(r: _Reader, t: dict[str, Any]) -> MailConfig:
    """The [mail] table (docs/mailbox.md)."""
    r.check(t, _MAIL_KEYS, "mail.")
    for key in ("host", "username"):
        if not str(t.get(key, "")).strip():
            raise r.fail(f"mail.{key}", "missing (required in a [mail] table)")
    host = t["host"].strip()
    if any(c in host for c in "/@ ") or host.count(":") == 1:
        raise r.fail("mail.host", f"expected a host name only, got {host!r}; give the port in port")
    security = t.get("security", "tls")
    if security not in MAIL_SECURITY:
        fix = _did_you_mean(security, MAIL_SECURITY, quote='"')
        raise r.fail("mail.security", f"expected tls, starttls or none, got {security!r}{fix}")
    if security == "none" and not is_loopback(host):
        raise r.fail(
            "mail.security",
            f'"none" sends the password in clear: allowed only to this machine (localhost, '
            f'127.0.0.1), not to {host!r}; use "tls" (port 993) or "starttls" (port 143)',
        )
    port = t.get("port", 993 if security == "tls" else 143)
    if not 0 < port < 65536:
        raise r.fail("mail.port", f"expected a port from 1 to 65535, got {port}")
    command = _password_command(r, t, "mail.")
    timeout = t.get("timeout", MailConfig.timeout)
    if not 0 < timeout <= 3600:
        raise r.fail("mail.timeout", f"expected seconds above 0, at most 3600, got {timeout}")
    return MailConfig(
        host=host,
        username=t["username"],
        port=port,
        security=security,
        password_env=t.get("password_env"),
        password_command=command,
        password=t.get("password"),
        ca_bundle=r.path_value(t.get("ca_bundle")),
        drafts=t.get("drafts", False),
        timeout=float(timeout),
    )


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (a plain-text login may go there only)."""
    import ipaddress

    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _check_private(r: _Reader, key: str) -> None:
    try:
        mode = r.path.stat().st_mode & 0o777
    except OSError:
        return
    if mode & 0o077:
        raise r.fail(
            key,
            f"a plain password needs a private file (mode is {mode:o}); "
            f"run `chmod 600 {r.path}` or use password_env / password_command",
        )


def _check_url(r: _Reader, url: str, key: str) -> None:
    """A URL must not carry a password: messages and the state name the server by it."""
    try:
        password = urlsplit(url).password
    except ValueError:
        raise r.fail(key, "not a valid URL") from None
    if password is not None:
        raise r.fail(
            key,
            "holds a password (user:password@); remove it from the url and give it in "
            "password_env or password_command",
        )


def _policy(r: _Reader, t: dict[str, Any]) -> PolicySettings:
    r.check(t, _POLICY_KEYS, "policy.")
    defaults = PolicySettings()
    country = t.get("country", defaults.country).upper()
    subdivision = t.get("subdivision")
    # country and subdivision are checked by check_holidays: that imports the holidays library.
    try:
        zone = ZoneInfo(t.get("timezone", "Europe/Paris"))
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("policy.timezone", _unknown_zone(t["timezone"])) from None
    workdays = defaults.workdays
    if "workdays" in t:
        names = r.str_list(t["workdays"], "policy.workdays")
        bad = [n for n in names if n.lower()[:3] not in WEEKDAYS]
        if bad or not names:
            fix = ""
            if bad and fold(bad[0])[:3] in _FRENCH_WEEKDAYS:
                fix = f'; for {bad[0]!r} write "{_FRENCH_WEEKDAYS[fold(bad[0])[:3]]}"'
            raise r.fail("policy.workdays", f"expected weekdays among {', '.join(WEEKDAYS)}{fix}")
        workdays = frozenset(WEEKDAYS.index(n.lower()[:3]) for n in names)
    reminder_time = r.time_value(t.get("reminder_time", "09:30"), "policy.reminder_time")
    work_end = r.time_value(t.get("work_end", "18:00"), "policy.work_end")
    if reminder_time >= work_end:
        raise r.fail("policy.reminder_time", "must be before policy.work_end")
    max_days = t.get("max_days", defaults.max_days)
    if not 1 <= max_days <= 60:
        raise r.fail("policy.max_days", f"expected a number of days from 1 to 60, got {max_days}")
    return PolicySettings(
        country=country,
        subdivision=subdivision,
        workdays=workdays,
        timezone=zone,
        reminder_time=reminder_time,
        work_end=work_end,
        max_days=max_days,
    )


def require_identity(config: Config) -> None:
    """ConfigError unless `me` and `name` are set: a draft is never signed with an example's
    name, nor addressed to the user's own address."""
    r = _Reader(config.path)
    if not config.detection.me:
        raise r.fail("me", 'missing; set it to your e-mail address, e.g. me = "you@example.org"')
    if not config.name:
        raise r.fail(
            "name", 'missing; set it to the name that signs your drafts, e.g. name = "Your Name"'
        )


def _unknown_zone(name: str) -> str:
    """The message for a zone name the zone database lacks, with the zone meant if clear."""
    zones = available_timezones()
    wanted = fold(name.strip().replace(" ", "_"))
    same = sorted(z for z in zones if fold(z) == wanted or fold(z).endswith(f"/{wanted}"))
    meant = f'; did you mean "{same[0]}"?' if same else _did_you_mean(name, zones, quote='"')
    return f'unknown time zone {name!r}{meant} (a zone name, e.g. "Europe/Paris")'


def _country_fix(written: str) -> str:
    """The code of the country `written` names (`FRANCE`, `FRA` → `FR`), as a suggestion."""
    from holidays.registry import COUNTRIES

    wanted = fold(written).replace(" ", "_").replace("-", "_")
    for module, (class_name, code, alpha3, *_) in COUNTRIES.items():
        if wanted in (module, fold(class_name), fold(alpha3)):
            return f'; did you mean "{code}"?'
    names = {fold(class_name): code for class_name, code, *_ in COUNTRIES.values()}
    close = difflib.get_close_matches(wanted.replace("_", ""), list(names), n=1, cutoff=0.75)
    return f'; did you mean "{names[close[0]]}"?' if close else ""


def check_holidays(config: Config) -> None:
    """ConfigError unless the `holidays` library knows the policy's country and subdivision.

    Apart from load(): importing the library takes a tenth of a second, which a run whose
    holidays are already known does not pay.
    """
    import holidays
    from holidays.registry import EntityLoader

    r = _Reader(config.path)
    country, subdivision = config.policy.country, config.policy.subdivision
    # The registry names every country without importing its module (listing them all
    # with list_supported_countries() costs a third of a second per run).
    if country not in set(EntityLoader.get_country_codes()):
        raise r.fail(
            "policy.country",
            f"unknown country code {country!r}{_country_fix(country)} "
            '(a two-letter code, e.g. "FR")',
        )
    subdivisions = list(getattr(holidays, country).subdivisions)
    if subdivision is not None and subdivision not in subdivisions:
        known = ", ".join(subdivisions) or "none"
        raise r.fail(
            "policy.subdivision", f"unknown for {country}: {subdivision!r} (known: {known})"
        )
