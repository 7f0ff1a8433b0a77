"""A local iCalendar file as source and / or home of the reminders.

The file is handled as text: events are located by their BEGIN/END lines and
only the marker events the tool owns are ever replaced or removed, so every
other byte of the file stays as the user's calendar app wrote it. Writes go through
`files`: atomic, keeping the file's identity, and never over a save by another program.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from relance_cal import files
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
    WriteConflict,
)
from relance_cal.config import Detection
from relance_cal.errors import ChangedMeanwhileError, ConfigError, EventError
from relance_cal.interviews import KeywordFilter

if TYPE_CHECKING:
    from relance_cal.config import Detection

_NESTED_VEVENT = re.compile(r"^BEGIN:VEVENT\r?\n", re.M | re.I)  # searched from offset 1
_CALENDAR = re.compile(rb"(?:^|[\r\n])(?:\xef\xbb\xbf)?BEGIN:VCALENDAR", re.I)
_VISIBLE = re.compile(rb"\S")  # an empty file (only blanks) is an empty calendar
_BROKEN_KEPT = 100_000  # characters kept of an event without END:VEVENT: enough to name it
_TZID = re.compile(r"^TZID(?:;[^:\r\n]*)?:(.*?)\r?$", re.M | re.I)
_FOLD = re.compile(r"\r?\n[ \t]")
_SEARCHED_LINE = re.compile(r"^(?:SUMMARY|CATEGORIES)[;:].*$", re.M | re.I)
_END_CALENDAR = re.compile(r"^END:VCALENDAR", re.M | re.I)
_NOT_UTF8 = "not-utf-8"  # etag of an item whose bytes could not be decoded
_BROKEN = "broken:"  # etag of an event without END:VEVENT: "broken:LINE:unclosed|nested"
_WIDE_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
MAX_REREADS = 5  # a file saved by another program during as many writes in a row: give up
_HEADER = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//relance-cal//relance-cal//EN\r\n"
_EMPTY_CALENDAR = _HEADER + "END:VCALENDAR\r\n"


@dataclass(frozen=True)
class _Pending:
    """A buffered write: the event's new text (None: removed), and the etag its blocks must
    have in the file when it is written (None: no event may hold its UID yet)."""

    text: str | None
    etag: str | None


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
        self._filter = KeywordFilter(detection)
        self._pending: dict[str, _Pending] = {}  # by UID
        self._zones: dict[str, str] = {}  # TZID -> VTIMEZONE text our reminders need

    # -- reading ---------------------------------------------------------------

    def _read(self) -> tuple[bytes | None, files.Snapshot]:
        try:
            data, snapshot = files.read(self.path)
        except OSError as e:
            raise ConfigError(f"{self.path}: cannot read the calendar file: {e.strerror}") from None
        if data is None and self.role == "source":
            raise ConfigError(
                f"{self.path}: no such calendar file (check [source] path in the config)"
            )
        return data, snapshot

    def changes(
        self, token: str | None, window: Window, cached: Mapping[str, str | None] = NOTHING_CACHED
    ) -> SourceChanges:
        data, _ = self._read()
        if self.role == "source" and data:
            self._check_readable(data)  # before the token: also a file accepted by an old version
        digest = _digest(data or b"")
        if token == digest:
            return SourceChanges(token=digest, unchanged=True)
        text = (data or b"").decode("utf-8", "surrogateescape")
        del data  # one copy of a large file at a time
        if "\n" not in text:  # old Mac line ends (CR only), or one line
            text = text.replace("\r", "\r\n")
        zones = {(z := text[s:e]): _tzids(z) for s, e in ical.components(text, "VTIMEZONE")[0]}
        vevents, unclosed = ical.components(text, "VEVENT")
        lines = _Lines(text)
        blocks: dict[str, list[str]] = {}
        broken: dict[str, RawItem] = {}  # uid -> the text of an event without END:VEVENT

        def open_event(start: int, stop: int, why: str) -> None:
            block = text[start:stop]
            if self._may_matter(block):
                line = lines.at(start)
                uid = ical.uid_in(block) or f"(event at line {line} without UID)"
                blocks.setdefault(uid, [])
                broken.setdefault(uid, RawItem(block[:_BROKEN_KEPT], f"{_BROKEN}{line}:{why}"))

        for n, (start, end) in enumerate(vevents):
            # A BEGIN:VEVENT before this one's END: each event up to it lacks its END, the
            # last one is whole (the file's span stays one: see `_pieces`).
            for inner in _NESTED_VEVENT.finditer(text, start + 1, end):
                open_event(start, inner.start(), "nested")
                start = inner.start()
            block = text[start:end]
            if not self._may_matter(block):
                continue
            if MARKER_SOURCE in block and start != vevents[n].start:
                continue  # a reminder after an event without END: unreadable as ours, kept
            uid = ical.uid_in(block) or f"(event {n + 1} without UID)"
            blocks.setdefault(uid, []).append(block)
        if unclosed is not None:
            for inner in _NESTED_VEVENT.finditer(text, unclosed + 1):
                open_event(unclosed, inner.start(), "nested")
                unclosed = inner.start()
            open_event(unclosed, len(text), "unclosed")
        items = {uid: broken.get(uid) or _item(parts, zones) for uid, parts in blocks.items()}
        return SourceChanges(items=items, token=digest, full=True)

    def _check_readable(self, data: bytes) -> None:
        """Refuse a source file that is no iCalendar text a calendar app saved as UTF-8."""
        wide = next((name for bom, name in _WIDE_BOMS.items() if data.startswith(bom)), None)
        if wide is not None or b"\x00" in data:
            raise ConfigError(
                f"{self.path}: the calendar file is in {wide or 'UTF-16 (it holds NUL bytes)'}, "
                "which relance-cal does not read: save it as UTF-8"
            )
        if _CALENDAR.search(data) is None and _VISIBLE.search(data) is not None:
            raise ConfigError(
                f"{self.path}: not an iCalendar file (no BEGIN:VCALENDAR line): check "
                "[source] path in the config, or export the calendar again as .ics"
            )

    def _may_matter(self, block: str) -> bool:
        """Cheap pre-filter: a keyword in a title or category (what detection reads), or ours."""
        if MARKER_SOURCE in block:
            return True
        searched = " ".join(_SEARCHED_LINE.findall(_FOLD.sub("", block)))
        return self._filter.passes(searched, escaped=True)

    def occurrences(self, item_id: str, item: RawItem, window: Window) -> list[SourceEvent]:
        if item.etag == _NOT_UTF8:
            raise EventError(f"{item_id} in {self.path}", "not valid UTF-8; event skipped")
        if item.etag and item.etag.startswith(_BROKEN):
            _, line, what = item.etag.split(":")
            raise EventError(
                f"{ical.label_from_text(item.text)} in {self.path}, line {line}",
                "no END:VEVENT before the next BEGIN:VEVENT; event skipped"
                if what == "nested"
                else "no END:VEVENT (the file ends inside this event); event skipped",
            )
        if item_id.startswith("(event "):
            title = ical.label_from_text(item.text)  # '"Its title"', or words saying it has none
            named = f"{title} {item_id}" if title.startswith('"') else item_id[1:-1]
            raise EventError(f"{named} in {self.path}", "no UID; event skipped")
        return ical.parse_item(item.text, window, calendar=str(self.path))

    def source_uid(self, item_id: str, item: RawItem) -> str | None:
        # Items are keyed by the UID of their events (`changes`), read from the raw block.
        return None if item_id.startswith("(event ") else item_id

    def existing_reminder(self, item_id: str, item: RawItem) -> ExistingReminder | None:
        if item.etag == _NOT_UTF8 or (item.etag or "").startswith(_BROKEN):
            return None
        return ical.reminder_in(item.text, item_id=item_id, etag=item.etag)

    def fetch(self, item_id: str) -> RawItem | None:
        """The events holding UID `item_id` in the file as it is now (after a conflict)."""
        data, _ = self._read()
        text = (data or b"").decode("utf-8", "surrogateescape")
        del data
        events = (text[s:e] for s, e in ical.components(text, "VEVENT")[0])
        parts = [event for event in events if ical.uid_in(event) == item_id]
        if not parts:
            return None
        zones = {(z := text[s:e]): _tzids(z) for s, e in ical.components(text, "VTIMEZONE")[0]}
        return _item(parts, zones)

    # -- writing ---------------------------------------------------------------

    def _put(self, reminder: Reminder, expected: str | None) -> tuple[str, RawItem]:
        calendar = ical.reminder_calendar([reminder], datetime.now(UTC))
        for zone in calendar.walk("VTIMEZONE"):
            self._zones[str(zone["TZID"])] = zone.to_ical().decode()
        event = next(iter(calendar.walk("VEVENT")))
        text = event.to_ical().decode()
        self._pending[reminder.uid] = _Pending(text, expected)
        return reminder.uid, RawItem(_HEADER + text + "END:VCALENDAR\r\n", _digest(text))

    def create(self, reminder: Reminder) -> tuple[str, RawItem]:
        return self._put(reminder, None)

    def update(self, existing: ExistingReminder, reminder: Reminder) -> tuple[str, RawItem]:
        return self._put(reminder, existing.etag)

    def delete(self, existing: ExistingReminder) -> None:
        self._pending[existing.uid] = _Pending(None, existing.etag)

    def flush(self) -> Mapping[str, Exception]:
        """Apply the buffered changes to the file as it is now, in one atomic write.

        A file another program saved between the read and the write is read again and the
        changes applied to it, a bounded number of times. The file is written out in pieces
        of its text, never copied whole: a 50,000-event calendar is tens of megabytes.

        As on a server, a write goes in only over what was read: an event is replaced or
        removed only when its blocks are those read (same etag) and all carry our marker, and
        a reminder is added only when no event holds its UID. The others are WriteConflicts,
        for the engine to settle.
        """
        if not self._pending:
            return {}
        for _ in range(MAX_REREADS):
            data, snapshot = self._read()
            text = data.decode("utf-8", "surrogateescape") if data else _EMPTY_CALENDAR
            del data
            pieces, conflicts = self._pieces(text)
            if pieces is None:  # nothing left to write
                self._pending.clear()
                return conflicts
            try:
                files.write(
                    self.path,
                    _encoded(text, pieces),
                    unchanged_since=snapshot,
                    hint="set [reminders] path to a calendar file of your own",
                )
            except files.ChangedMeanwhile:
                continue
            self._pending.clear()
            return conflicts
        raise ChangedMeanwhileError(
            f"{self.path}: another program kept changing the file while relance-cal wrote "
            f"to it ({MAX_REREADS} tries); nothing was overwritten, the next sync tries again"
        )

    def _pieces(self, text: str) -> tuple[list[tuple[int, int] | str] | None, dict[str, Exception]]:
        """The new file (spans of `text` kept as they are, and new text; None when nothing
        changes), and the buffered writes that `text` does not allow, by UID."""
        newline = "\r\n" if "\r\n" in text or not text else "\n"
        spans: dict[str, list[tuple[int, int]]] = {}
        vevents, unclosed = ical.components(text, "VEVENT")
        for start, end in vevents:
            uid = ical.uid_in(text, start, end)
            if uid in self._pending:
                spans.setdefault(uid, []).append((start, end))
        conflicts: dict[str, Exception] = {}
        edits: list[tuple[int, int, str]] = []  # a span of `text` and what replaces it
        additions: list[str] = []
        for uid, pending in self._pending.items():
            blocks = [text[start:end] for start, end in spans.get(uid, ())]
            found = _digest("".join(blocks)) if blocks else None
            if found != pending.etag or any(MARKER_SOURCE not in b for b in blocks):
                conflicts[uid] = WriteConflict(uid)  # changed, gone, taken, or not ours
                continue
            new = _newlines(pending.text, newline) if pending.text is not None else ""
            if not blocks:
                additions.append(new)
                continue
            for n, (start, end) in enumerate(spans[uid]):
                edits.append((start, end, new if n == 0 else ""))
        edits.sort()
        pieces: list[tuple[int, int] | str] = []
        kept = 0
        for start, end, new in edits:
            pieces.extend([(kept, start), new])
            kept = end
        pieces.append((kept, len(text)))
        replaced = [(start, end) for start, end, _ in edits]

        def untouched(at: int) -> bool:
            return not any(start <= at < end for start, end in replaced)

        if not edits and not additions:
            return None, conflicts
        zones = ical.components(text, "VTIMEZONE")[0]
        present = {i for s, e in zones if untouched(s) for i in _tzids(text[s:e])}
        additions[:0] = [_newlines(t, newline) for z, t in self._zones.items() if z not in present]
        if additions:
            ends = [m for m in _END_CALENDAR.finditer(text) if untouched(m.start())]
            if not ends and "\r" in text and "\n" not in text:
                raise ConfigError(
                    f"{self.path}: the file has old Mac line ends (CR only), which relance-cal "
                    "reads but does not write: save it with LF or CRLF line ends, or set "
                    "[reminders] path to a calendar file of your own"
                )
            if not ends:
                raise ConfigError(f"{self.path}: not an iCalendar file (no END:VCALENDAR)")
            # Before an event left without END:VEVENT: ours must not become part of it.
            at = min(ends[-1].start(), len(text) if unclosed is None else unclosed)
            where = next(
                n for n, p in enumerate(pieces) if isinstance(p, tuple) and p[0] <= at <= p[1]
            )
            start, end = pieces[where]  # type: ignore[misc]
            pieces[where : where + 1] = [(start, at), "".join(additions), (at, end)]
        return pieces, conflicts


def _item(parts: list[str], zones: Mapping[str, list[str]]) -> RawItem:
    """The events of one UID as an item: a calendar with the time zones they use; its etag
    is the digest of their blocks as they stand in the file (what `flush` checks)."""
    body = "".join(parts)
    used = [z for z, ids in zones.items() if any(f"TZID={i}" in body for i in ids)]
    wrapped = _HEADER + "".join(used) + body + "END:VCALENDAR\r\n"
    try:
        wrapped.encode("utf-8")
    except UnicodeEncodeError:
        wrapped = wrapped.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return RawItem(wrapped, _NOT_UTF8)
    return RawItem(wrapped, _digest(body))


_CHUNK = 1 << 20  # characters encoded at a time


def _encoded(text: str, pieces: list[tuple[int, int] | str]) -> Iterator[bytes]:
    for piece in pieces:
        if isinstance(piece, str):
            yield piece.encode("utf-8", "surrogateescape")
            continue
        start, end = piece
        for at in range(start, end, _CHUNK):
            yield text[at : min(at + _CHUNK, end)].encode("utf-8", "surrogateescape")


class _Lines:
    """Line numbers of offsets of one text, asked in increasing order: one pass in all."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._at = 0
        self._line = 1

    def at(self, offset: int) -> int:
        self._line += self._text.count("\n", self._at, offset)
        self._at = offset
        return self._line


def _tzids(vtimezone: str) -> list[str]:
    return [m.group(1).strip() for m in _TZID.finditer(vtimezone)]


def _newlines(text: str, newline: str) -> str:
    return text if newline == "\r\n" else text.replace("\r\n", "\n")
