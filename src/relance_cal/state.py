"""SQLite state: sync tokens, cached calendar items, reminders written, tombstones, holidays.

The state is what lets a run be incremental (tokens and cached items) and what
tells a reminder the user deleted (we wrote it, it is gone) from one we never
wrote. One file, one transaction per run, committed at the end, so a crash
leaves the previous state; a run about to remove reminders commits that first.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from relance_cal.backends.base import RawItem, SourceChanges
from relance_cal.errors import ConfigError, LockedError, UserError
from relance_cal.files import make_folders
from relance_cal.mail.base import Folder, PlacedDraft, StoredFact

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (calendar TEXT PRIMARY KEY, token TEXT);
CREATE TABLE IF NOT EXISTS items (
    calendar TEXT NOT NULL, item_id TEXT NOT NULL, text TEXT NOT NULL, etag TEXT,
    PRIMARY KEY (calendar, item_id)
);
CREATE TABLE IF NOT EXISTS reminders (
    calendar TEXT NOT NULL,
    uid TEXT NOT NULL,
    source_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    inputs TEXT NOT NULL,
    start TEXT NOT NULL,
    -- live: written and believed present; removed: deleted by us; dismissed: deleted by the user
    fate TEXT NOT NULL CHECK (fate IN ('live', 'removed', 'dismissed')),
    PRIMARY KEY (calendar, uid)
);
-- the warnings `sync` printed about an interview, as a digest: said again only on a change
CREATE TABLE IF NOT EXISTS warned (
    source_key TEXT PRIMARY KEY, digest TEXT NOT NULL
);
-- the mailbox (docs/mailbox.md): each folder's STATUS at the last run, per account
CREATE TABLE IF NOT EXISTS mail_folders (
    account TEXT NOT NULL,
    name TEXT NOT NULL,  -- as the server spells it (modified UTF-7)
    role TEXT NOT NULL,
    uidvalidity INTEGER,
    uidnext INTEGER,
    highestmodseq INTEGER,
    PRIMARY KEY (account, name)
);
-- per interview, only the dates found and a hash of the Message-ID
CREATE TABLE IF NOT EXISTS mail_facts (
    source_key TEXT PRIMARY KEY,
    answered_at TEXT,
    answered_id TEXT,
    followed_up_at TEXT,
    followed_up_id TEXT,
    searched TEXT NOT NULL
);
-- the drafts put in the Drafts folder: placed (ours still), left (the user's now)
CREATE TABLE IF NOT EXISTS mail_drafts (
    source_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    message_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    inputs TEXT NOT NULL,
    fate TEXT NOT NULL CHECK (fate IN ('placed', 'left')),
    PRIMARY KEY (source_key, kind)
);
CREATE TABLE IF NOT EXISTS holidays (
    country TEXT NOT NULL,
    subdivision TEXT NOT NULL,  -- '' for none
    year INTEGER NOT NULL,
    days TEXT NOT NULL,  -- JSON list of ISO dates
    PRIMARY KEY (country, subdivision, year)
);
"""
_HOLIDAYS_STAMP = "holidays_stamp"  # meta key: the holidays library the kept days come from


@dataclass(frozen=True)
class WrittenReminder:
    uid: str
    source_key: str
    kind: str
    inputs: str
    start: str
    fate: str


def holidays_stamp() -> str:
    """What tells one install of the `holidays` library from another, read without importing
    it (a quarter of a second): the holidays kept in the state are dropped when it changes."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return ""
    package = Path(spec.origin)
    # The release is in the name of its metadata folder; the time of the files tells a reinstall.
    releases = sorted(p.name for p in package.parent.parent.glob("holidays-*.*-info"))
    return f"{package} {package.stat().st_mtime_ns} {' '.join(releases)}"


def make_private(path: Path) -> str | None:
    """Take group and other access away from an existing file (0600) or folder (0700).

    Returns a warning saying so when it was open to them, None when it was private already.
    """
    mode = path.stat().st_mode & 0o777
    if not mode & 0o077:
        return None
    private = 0o700 if path.is_dir() else 0o600
    path.chmod(private)
    return f"{path} was open to other users (mode {mode:o}); changed it to {private:o}"


class State:
    """The state database of one config. Use as a context manager: commit on success."""

    def __init__(
        self, directory: Path, *, read_only: bool = False, takes_over: Path | None = None
    ) -> None:
        """`takes_over`: a state file of the former layout (one state for every
        configuration), moved here when this folder has none yet; a read-only use reads it
        where it is."""
        self.path = directory / "state.sqlite3"
        self.read_only = read_only
        self.warnings: list[str] = []  # folder or file found open to others, and fixed
        if takes_over is not None and not self.path.exists() and takes_over.exists():
            if read_only:
                self.path = takes_over
            else:
                _take_over(takes_over, self.path)
        try:
            if read_only:
                self.db = self._copy()
            else:
                make_folders(directory)
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
                fixed = (make_private(directory), make_private(self.path))
                self.warnings = [w for w in fixed if w is not None]
                self.db = sqlite3.connect(self.path)
                self._check_ours()
                self.db.executescript(_SCHEMA)
            version = self._meta("schema_version")
            if version is None:
                self.db.execute(
                    "INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
            elif int(version) > SCHEMA_VERSION:
                raise ConfigError(
                    f"{self.path}: written by a newer relance-cal (schema {version}); "
                    "upgrade relance-cal"
                )
        except sqlite3.DatabaseError as e:
            raise self.unusable(e) from None

    def _copy(self) -> sqlite3.Connection:
        """A private copy, in memory, of the state as it is now (read-only commands).

        Nothing is written, not even a table, and no lock is held past the copy: a sync
        running meanwhile is never kept from committing. A state of an earlier version is
        read as it is (what it lacks reads as empty), a missing one as a new one.
        """
        memory = sqlite3.connect(":memory:")
        if self.path.exists():
            source = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                source.backup(memory)
            finally:
                source.close()
        self.db = memory
        self._check_ours()
        memory.executescript(_SCHEMA)
        return memory

    def _check_ours(self) -> None:
        """ConfigError for a database of another program (its tables, none of ours)."""
        tables = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        if tables and not self._has_table("meta"):
            raise self.unusable(None)

    def unusable(self, error: sqlite3.DatabaseError | None) -> UserError:
        """The user's error for a state file that cannot be used: damaged, locked, foreign."""
        if error is not None and "locked" in str(error):
            return LockedError(f"{self.path} is in use by another relance-cal; try again later")
        what = f"damaged ({error})" if error is not None else "not a relance-cal state"
        return ConfigError(
            f"{self.path}: {what}; move it away and run `relance-cal sync` again: a new state is "
            "made from your calendars (reminders you had deleted may come back once)"
        )

    def _has_table(self, name: str) -> bool:
        found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return self.db.execute(found, (name,)).fetchone() is not None

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def __enter__(self) -> State:
        return self

    def commit(self) -> None:
        """Make what is recorded so far durable; the run goes on in a new transaction."""
        self.db.commit()

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None and not self.read_only:
            self.db.commit()
        else:
            self.db.rollback()
        self.db.close()

    # -- calendar cache --------------------------------------------------------

    def token(self, calendar: str) -> str | None:
        row = self.db.execute("SELECT token FROM tokens WHERE calendar = ?", (calendar,)).fetchone()
        return row[0] if row else None

    def etags(self, calendar: str) -> dict[str, str | None]:
        """The etag of each cached item of `calendar` (what a backend need not read again)."""
        rows = self.db.execute("SELECT item_id, etag FROM items WHERE calendar = ?", (calendar,))
        return dict(rows)

    def items(self, calendar: str) -> dict[str, RawItem]:
        rows = self.db.execute(
            "SELECT item_id, text, etag FROM items WHERE calendar = ?", (calendar,)
        )
        return {item_id: RawItem(text, etag) for item_id, text, etag in rows}

    def apply_changes(self, calendar: str, changes: SourceChanges) -> None:
        """Bring the cache of `calendar` up to date with what the backend reported."""
        if changes.unchanged:
            return
        if changes.full:
            self.db.execute("DELETE FROM items WHERE calendar = ?", (calendar,))
        else:
            self.db.executemany(
                "DELETE FROM items WHERE calendar = ? AND item_id = ?",
                [(calendar, i) for i in changes.removed],
            )
        for item_id, item in changes.items.items():
            self.put_item(calendar, item_id, item)
        self.db.execute("INSERT OR REPLACE INTO tokens VALUES (?, ?)", (calendar, changes.token))

    def put_item(self, calendar: str, item_id: str, item: RawItem) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?)",
            (calendar, item_id, item.text, item.etag),
        )

    def drop_item(self, calendar: str, item_id: str) -> None:
        self.db.execute("DELETE FROM items WHERE calendar = ? AND item_id = ?", (calendar, item_id))

    def forget_calendar(self, calendar: str) -> None:
        """Drop the cache and token of a calendar (the next run lists it in full)."""
        self.db.execute("DELETE FROM items WHERE calendar = ?", (calendar,))
        self.db.execute("DELETE FROM tokens WHERE calendar = ?", (calendar,))

    # -- reminders written -----------------------------------------------------

    def reminders(self, calendar: str) -> dict[str, WrittenReminder]:
        """What the tool wrote into `calendar`, by reminder uid."""
        rows = self.db.execute(
            "SELECT uid, source_key, kind, inputs, start, fate FROM reminders WHERE calendar = ?",
            (calendar,),
        )
        return {row[0]: WrittenReminder(*row) for row in rows}

    def record(self, calendar: str, written: WrittenReminder) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO reminders VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                calendar,
                written.uid,
                written.source_key,
                written.kind,
                written.inputs,
                written.start,
                written.fate,
            ),
        )

    def set_fate(self, calendar: str, uid: str, fate: str) -> None:
        self.db.execute(
            "UPDATE reminders SET fate = ? WHERE calendar = ? AND uid = ?", (fate, calendar, uid)
        )

    # -- warnings printed ------------------------------------------------------

    def warned(self, source_key: str) -> str | None:
        """The digest of what was last said about this interview, None when nothing was."""
        if not self._has_table("warned"):  # a state of an earlier version, read-only
            return None
        row = self.db.execute("SELECT digest FROM warned WHERE source_key = ?", (source_key,))
        found = row.fetchone()
        return found[0] if found else None

    def remember_warned(self, source_key: str, digest: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO warned VALUES (?, ?)", (source_key, digest))

    def forget_warned(self, prefix: str, *, keep: set[str]) -> None:
        """Forget what was said under keys starting with `prefix`, but for `keep`."""
        found = self.db.execute(
            "SELECT source_key FROM warned WHERE substr(source_key, 1, ?) = ?",
            (len(prefix), prefix),
        )
        gone = [(key,) for (key,) in found.fetchall() if key not in keep]
        self.db.executemany("DELETE FROM warned WHERE source_key = ?", gone)

    # -- the mailbox -----------------------------------------------------------

    def mail_folders(self, account: str) -> dict[str, Folder]:
        """The folders of `account` and their STATUS at the last run, by name."""
        if not self._has_table("mail_folders"):  # a state of an earlier version, read-only
            return {}
        rows = self.db.execute(
            "SELECT name, role, uidvalidity, uidnext, highestmodseq FROM mail_folders "
            "WHERE account = ?",
            (account,),
        )
        return {row[0]: Folder(*row) for row in rows}

    def keep_mail_folders(self, account: str, folders: Iterable[Folder]) -> None:
        """Replace what is kept of the mailbox's folders (another account's are dropped)."""
        self.db.execute("DELETE FROM mail_folders")
        self.db.executemany(
            "INSERT INTO mail_folders VALUES (?, ?, ?, ?, ?, ?)",
            [(account, f.name, f.role, f.uidvalidity, f.uidnext, f.highestmodseq) for f in folders],
        )

    def mail_facts(self) -> dict[str, StoredFact]:
        if not self._has_table("mail_facts"):
            return {}
        rows = self.db.execute("SELECT * FROM mail_facts")
        return {
            key: StoredFact(_moment(answered), answered_id, _moment(sent), sent_id, searched)
            for key, answered, answered_id, sent, sent_id, searched in rows
        }

    def keep_mail_facts(self, facts: Mapping[str, StoredFact]) -> None:
        """Replace the facts kept: those of the interviews in view."""
        self.db.execute("DELETE FROM mail_facts")
        self.db.executemany(
            "INSERT INTO mail_facts VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    key,
                    _iso(f.answered_at),
                    f.answered_id,
                    _iso(f.followed_up_at),
                    f.followed_up_id,
                    f.searched,
                )
                for key, f in facts.items()
            ],
        )

    def mail_drafts(self) -> dict[tuple[str, str], PlacedDraft]:
        """The drafts placed, by (interview key, kind)."""
        if not self._has_table("mail_drafts"):
            return {}
        rows = self.db.execute("SELECT * FROM mail_drafts")
        return {(row[0], row[1]): PlacedDraft(*row) for row in rows}

    def keep_mail_draft(self, draft: PlacedDraft) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO mail_drafts VALUES (?, ?, ?, ?, ?, ?)",
            (
                draft.source_key,
                draft.kind,
                draft.message_id,
                draft.size,
                draft.inputs,
                draft.fate,
            ),
        )

    # -- public holidays -------------------------------------------------------

    def holidays(
        self, country: str, subdivision: str | None, stamp: str
    ) -> dict[int, frozenset[date]]:
        """The public holidays kept by year; none when kept from another library (`stamp`)."""
        if self._meta(_HOLIDAYS_STAMP) != stamp or not self._has_table("holidays"):
            return {}
        rows = self.db.execute(
            "SELECT year, days FROM holidays WHERE country = ? AND subdivision = ?",
            (country, subdivision or ""),
        )
        return {year: frozenset(map(date.fromisoformat, json.loads(days))) for year, days in rows}

    def keep_holidays(
        self,
        country: str,
        subdivision: str | None,
        stamp: str,
        found: Mapping[int, frozenset[date]],
    ) -> None:
        """Keep public holidays looked up with the library `stamp`; forget all kept with another."""
        if self._meta(_HOLIDAYS_STAMP) != stamp:
            # Another version of the library may date some holidays differently.
            self.db.execute("DELETE FROM holidays")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (_HOLIDAYS_STAMP, stamp))
        self.db.executemany(
            "INSERT OR REPLACE INTO holidays VALUES (?, ?, ?, ?)",
            [
                (country, subdivision or "", year, json.dumps(sorted(d.isoformat() for d in days)))
                for year, days in found.items()
            ],
        )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _take_over(old: Path, new: Path) -> None:
    """Move a state file (and a journal left by a crash) to its new place, in one rename each;
    a configuration that took it first leaves none to take."""
    make_folders(new.parent)
    journal = old.with_name(old.name + "-journal")
    with contextlib.suppress(FileNotFoundError):
        os.rename(journal, new.with_name(new.name + "-journal"))
    with contextlib.suppress(FileNotFoundError):
        os.rename(old, new)


@contextlib.contextmanager
def lock(directory: Path) -> Iterator[None]:
    """Hold the sync lock of a state folder; LockedError (exit 75) when another run has it."""
    make_folders(directory)
    fd = os.open(directory / "sync.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"another relance-cal sync is running on {directory}; try again later"
            ) from None
        yield
    finally:
        os.close(fd)
