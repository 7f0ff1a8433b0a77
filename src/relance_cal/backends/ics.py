"""A local iCalendar file as source and / or home of the reminders.

The file is handled as text: events are located by their BEGIN/END lines and
only the marker events the tool owns are ever replaced or removed, so every
other byte of the file stays as the user's calendar app wrote it. Writes are
atomic (temp file, fsync, rename) and keep the file's mode.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from relance_cal.backends import ical
from relance_cal.backends.base import (
    MARKER_SOURCE,
    NOTHING_CACHED,
    Backend,
    ExistingReminder,
    RawItem,
    Reminder,
    SourceChanges,
    SourceEvent,
    Window,
)
from relance_cal.errors import ConfigError, EventError

if TYPE_CHECKING:
    from relance_cal.config import Detection

_VEVENT = re.compile(r"^BEGIN:VEVENT\r?\n.*?^END:VEVENT[^\S\n]*(?:\r?\n|\Z)", re.M | re.S | re.I)
_VTIMEZONE = re.compile(
    r"^BEGIN:VTIMEZONE\r?\n.*?^END:VTIMEZONE[^\S\n]*(?:\r?\n|\Z)", re.M | re.S | re.I
)
_TZID = re.compile(r"^TZID(?:;[^:\r\n]*)?:(.*?)\r?$", re.M | re.I)
_FOLD = re.compile(r"\r?\n[ \t]")
_SEARCHED_LINE = re.compile(r"^(?:SUMMARY|CATEGORIES)[;:].*$", re.M | re.I)
_END_CALENDAR = re.compile(r"^END:VCALENDAR", re.M | re.I)
_NOT_UTF8 = "not-utf-8"  # etag of an item whose bytes could not be decoded
_HEADER = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//relance-cal//relance-cal//EN\r\n"
_EMPTY_CALENDAR = _HEADER + "END:VCALENDAR\r\n"


def _fold_keyword(text: str) -> str:
    text = text.casefold()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _digest(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()


class IcsBackend(Backend):
    def __init__(
        self, path: Path, detection: Detection, *, role: str, writable: bool = True
    ) -> None:
        self.path = path
        self.role = role
        self.writable = writable
        self.identity = f"ics:{path.resolve()}"
        self._needles = tuple(_fold_keyword(k) for k in detection.keywords)
        self._everything = detection.interviews_only
        self._pending: dict[str, str | None] = {}  # uid -> new VEVENT text, None: delete
        self._zones: dict[str, str] = {}  # TZID -> VTIMEZONE text our reminders need

    # -- reading ---------------------------------------------------------------

    def _read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            if self.role == "source":
                raise ConfigError(
                    f"{self.path}: no such calendar file (check [source] path in the config)"
                ) from None
            return None
        except OSError as e:
            raise ConfigError(f"{self.path}: cannot read the calendar file: {e.strerror}") from None

    def changes(
        self, token: str | None, window: Window, cached: Mapping[str, str | None] = NOTHING_CACHED
    ) -> SourceChanges:
        data = self._read()
        digest = _digest(data or b"")
        if token == digest:
            return SourceChanges(token=digest, unchanged=True)
        text = (data or b"").decode("utf-8", "surrogateescape")
        del data  # one copy of a large file at a time
        zones = {m.group(0): _tzids(m.group(0)) for m in _VTIMEZONE.finditer(text)}
        blocks: dict[str, list[str]] = {}
        for n, match in enumerate(_VEVENT.finditer(text)):
            block = match.group(0)
            if not self._may_matter(block):
                continue
            uid = ical.uid_in(block) or f"(event {n + 1} without UID)"
            blocks.setdefault(uid, []).append(block)
        items = {}
        for uid, parts in blocks.items():
            body = "".join(parts)
            used = [z for z, ids in zones.items() if any(f"TZID={i}" in body for i in ids)]
            wrapped = _HEADER + "".join(used) + body + "END:VCALENDAR\r\n"
            try:
                wrapped.encode("utf-8")
            except UnicodeEncodeError:
                wrapped = wrapped.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                items[uid] = RawItem(wrapped, _NOT_UTF8)
                continue
            items[uid] = RawItem(wrapped, _digest(body))
        return SourceChanges(items=items, token=digest, full=True)

    def _may_matter(self, block: str) -> bool:
        """Cheap pre-filter: a keyword in a title or category (what detection reads), or ours."""
        if self._everything or MARKER_SOURCE in block:
            return True
        searched = _fold_keyword(" ".join(_SEARCHED_LINE.findall(_FOLD.sub("", block))))
        return any(needle in searched for needle in self._needles)

    def occurrences(self, item_id: str, item: RawItem, window: Window) -> list[SourceEvent]:
        if item.etag == _NOT_UTF8:
            raise EventError(f"{item_id} in {self.path}", "not valid UTF-8; event skipped")
        if item_id.startswith("(event "):
            title = ical.label_from_text(item.text)  # '"Its title"', or words saying it has none
            named = f"{title} {item_id}" if title.startswith('"') else item_id[1:-1]
            raise EventError(f"{named} in {self.path}", "no UID; event skipped")
        return ical.parse_item(item.text, window, calendar=str(self.path))

    def source_uid(self, item_id: str, item: RawItem) -> str | None:
        # Items are keyed by the UID of their events (`changes`), read from the raw block.
        return None if item_id.startswith("(event ") else item_id

    def existing_reminder(self, item_id: str, item: RawItem) -> ExistingReminder | None:
        if item.etag == _NOT_UTF8:
            return None
        return ical.reminder_in(item.text, item_id=item_id, etag=item.etag)

    def fetch(self, item_id: str) -> RawItem | None:
        return None  # flush rebases on the file as it is then: no conflict reaches the engine

    # -- writing ---------------------------------------------------------------

    def _put(self, reminder: Reminder) -> tuple[str, RawItem]:
        calendar = ical.reminder_calendar([reminder], datetime.now(UTC))
        for zone in calendar.walk("VTIMEZONE"):
            self._zones[str(zone["TZID"])] = zone.to_ical().decode()
        event = next(iter(calendar.walk("VEVENT")))
        text = event.to_ical().decode()
        self._pending[reminder.uid] = text
        return reminder.uid, RawItem(_HEADER + text + "END:VCALENDAR\r\n", _digest(text))

    def create(self, reminder: Reminder) -> tuple[str, RawItem]:
        return self._put(reminder)

    def update(self, existing: ExistingReminder, reminder: Reminder) -> tuple[str, RawItem]:
        return self._put(reminder)

    def delete(self, existing: ExistingReminder) -> None:
        self._pending[existing.uid] = None

    def flush(self) -> Mapping[str, Exception]:
        """Apply the buffered changes to the file as it is now, in one atomic write.

        The file is written out in pieces of its text, never copied whole: a 50,000-event
        calendar is tens of megabytes.
        """
        if not self._pending:
            return {}
        data = self._read()
        text = data.decode("utf-8", "surrogateescape") if data else _EMPTY_CALENDAR
        del data
        newline = "\r\n" if "\r\n" in text or not text else "\n"
        pending = dict(self._pending)
        pieces: list[tuple[int, int] | str] = []  # spans of `text` kept as they are, new text
        replaced: list[tuple[int, int]] = []
        kept = 0
        for match in _VEVENT.finditer(text):
            block = match.group(0)
            if MARKER_SOURCE not in block:
                continue  # not ours: never touched
            uid = ical.uid_in(block)
            if uid not in pending:
                continue
            new = pending.pop(uid)
            pieces.append((kept, match.start()))
            if new is not None:
                pieces.append(_newlines(new, newline))
            replaced.append((match.start(), match.end()))
            kept = match.end()
        pieces.append((kept, len(text)))

        def untouched(match: re.Match[str]) -> bool:
            return not any(start <= match.start() < end for start, end in replaced)

        additions = [_newlines(t, newline) for t in pending.values() if t is not None]
        present = {i for m in _VTIMEZONE.finditer(text) if untouched(m) for i in _tzids(m.group(0))}
        additions[:0] = [_newlines(t, newline) for z, t in self._zones.items() if z not in present]
        if additions:
            ends = [m for m in _END_CALENDAR.finditer(text) if untouched(m)]
            if not ends:
                raise ConfigError(f"{self.path}: not an iCalendar file (no END:VCALENDAR)")
            at = ends[-1].start()
            where = next(
                n for n, p in enumerate(pieces) if isinstance(p, tuple) and p[0] <= at <= p[1]
            )
            start, end = pieces[where]  # type: ignore[misc]
            pieces[where : where + 1] = [(start, at), "".join(additions), (at, end)]
        _atomic_write(self.path, _encoded(text, pieces))
        self._pending.clear()
        return {}


_CHUNK = 1 << 20  # characters encoded at a time


def _encoded(text: str, pieces: list[tuple[int, int] | str]) -> Iterator[bytes]:
    for piece in pieces:
        if isinstance(piece, str):
            yield piece.encode("utf-8", "surrogateescape")
            continue
        start, end = piece
        for at in range(start, end, _CHUNK):
            yield text[at : min(at + _CHUNK, end)].encode("utf-8", "surrogateescape")


def _tzids(vtimezone: str) -> list[str]:
    return [m.group(1).strip() for m in _TZID.finditer(vtimezone)]


def _newlines(text: str, newline: str) -> str:
    return text if newline == "\r\n" else text.replace("\r\n", "\n")


_ABANDONED_AFTER = 3600  # seconds: no write takes this long, its temporary file is left over


def _atomic_write(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace `path` by `data` in one step: readers see the old file or the new, never half."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    _remove_abandoned(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in [data] if isinstance(data, bytes) else data:
                f.write(chunk)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _remove_abandoned(path: Path) -> None:
    """Remove the temporary files of writes that never ended (a run killed, a power cut).

    Only names `mkstemp` gave ours (our prefix, 8 random characters), and only old ones: a
    write in progress elsewhere keeps its file.
    """
    limit = time.time() - _ABANDONED_AFTER
    ours = f"{glob.escape(_temporary_prefix(path))}{'[a-z0-9_]' * 8}.tmp"
    for leftover in path.parent.glob(ours):
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours to remove
            if leftover.stat().st_mtime < limit:
                leftover.unlink()


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}.relance-cal-"


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
