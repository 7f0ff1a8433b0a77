"""What a terminal shows of the interviews: the `status` table, short ids, `draft`'s lookup.

Every piece of calendar text printed (titles, companies, positions, UIDs, warnings) goes
through `escape` first: an invitation from a stranger must not drive the terminal (set the
window title, write the clipboard) with escape sequences hidden in its title.
"""

from __future__ import annotations

import hashlib
import os
import textwrap
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TextIO

from relance_cal.errors import ConfigError
from relance_cal.text import fold

if TYPE_CHECKING:
    from relance_cal.engine import Row
    from relance_cal.model import Finding

ID_LENGTH = 6  # hex digits: one in 16 million that two interviews share an id
# Statuses written on (or said by) the interview: a follow-up moment means nothing for them.
OUTCOMES = frozenset({"rejected", "offer", "withdrawn", "followed_up", "cancelled", "answered"})
_GAP = "  "
_MIN_TEXT = 20  # columns for company + position below which a more compact layout is taken
# Bidirectional overrides reorder what a terminal shows: escaped like control characters.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# `due` is the one to act on; closed ones fade.
_STYLES: dict[str, dict[str, Any]] = {
    "due": {"fg": "yellow", "bold": True},
    "too_late": {"fg": "red"},
    "answered": {"fg": "green"},
    "offer": {"fg": "green"},
    **{
        closed: {"dim": True}
        for closed in ("past", "superseded", "cancelled", "dismissed", "rejected", "withdrawn")
    },
}

_TEXTS = {
    "en": {
        "headers": (
            "id", "interview", "company", "position", "follow up", "deadline", "status",
            "reminder",
        ),
        "empty": "No interview in the window (30 days back, 90 days ahead).",
        "empty_all": "No interview.",
        "beyond": "* later than the {days} days advised: the recruiter announced that date",
        "planned": "(…) not in your calendar yet: the next `relance-cal sync` writes it",
        "hint": "`relance-cal draft ID` prints the message for one interview.",
        "legend": {
            "scheduled": "the follow-up moment is ahead: its reminder will tell you",
            "due": "follow up now, before the deadline",
            "too_late": "the deadline passed before a reminder could be written",
            "past": "the reminder was written and its window is closed",
            "superseded": "a later round with the same company comes first",
            "answered": "the recruiter wrote to you after the interview",
            "cancelled": "the interview was cancelled, or you declined it",
            "dismissed": "you deleted the reminder: it will not come back",
            "followed_up": "you wrote on the event that you followed up",
            "rejected": "you wrote on the event that the answer was no: reply anyway",
            "offer": "you wrote on the event that you got an offer",
            "withdrawn": "you wrote on the event that you withdrew",
        },
        "no_match": "no interview matches {wanted}; `relance-cal status` lists them with their id",
        "several": "{wanted} matches {count} interviews; give its id:",
    },
    "fr": {
        "headers": (
            "id", "entretien", "entreprise", "poste", "relance", "limite", "statut", "rappel",
        ),
        "empty": "Aucun entretien dans la période (30 jours en arrière, 90 jours en avant).",
        "empty_all": "Aucun entretien.",
        "beyond": "* au-delà des {days} jours conseillés : la date annoncée par le recruteur",
        "planned": "(…) pas encore dans votre agenda : le prochain `relance-cal sync` l'écrira",
        "hint": "`relance-cal draft ID` affiche le message d'un entretien.",
        "legend": {
            "scheduled": "le moment de relancer est à venir : son rappel vous préviendra",
            "due": "relancez maintenant, avant la date limite",
            "too_late": "la date limite est passée avant qu'un rappel ait pu être écrit",
            "past": "le rappel a été écrit et sa période est close",
            "superseded": "un tour suivant avec la même entreprise passe avant",
            "answered": "le recruteur vous a écrit après l'entretien",
            "cancelled": "l'entretien a été annulé, ou vous l'avez décliné",
            "dismissed": "vous avez supprimé le rappel : il ne reviendra pas",
            "followed_up": "vous avez noté sur l'événement que vous avez relancé",
            "rejected": "vous avez noté un refus sur l'événement : répondez tout de même",
            "offer": "vous avez noté une offre sur l'événement",
            "withdrawn": "vous avez noté sur l'événement que vous vous êtes désisté",
        },
        "no_match": (
            "aucun entretien ne correspond à {wanted} ; `relance-cal status` les liste avec "
            "leur id"
        ),
        "several": "{wanted} correspond à {count} entretiens ; donnez son id :",
    },
}  # fmt: skip
# What a finding says, by language: the field's name and the values the tool reads.
_FINDINGS = {
    "en": {
        "not_understood": '{field} "{value}" not understood; expected {expected}',
        "no_company": 'company not found in the title; add "Entreprise : …" to the event',
        "announced_before": (
            "announced answer date {value} is before the interview ({interview_day}); ignored"
        ),
        "on": '"{title}" on {day}: {finding}',
        "fields": {
            "civility": ("civility", "Madame or Monsieur"),
            "language": ("language", "fr or en"),
            "size": ("company size", "grand groupe, PME, ETI or startup"),
            "urgency": ("urgency", "oui or non"),
            "status": ("status", "en attente, relancé, refusé, offre or abandon"),
            "announced": (
                "announced answer",
                "a date (2026-12-04, 04/12, 12 décembre, vendredi) "
                "or a delay (5 jours, 2 semaines, 1 mois)",
            ),
        },
    },
    "fr": {
        "not_understood": "{field} « {value} » non compris ; attendu : {expected}",
        "no_company": (
            "entreprise introuvable dans le titre ; ajoutez « Entreprise : … » à l'événement"
        ),
        "announced_before": (
            "date de réponse annoncée {value} antérieure à l'entretien ({interview_day}) ; ignorée"
        ),
        "on": "« {title} » du {day} : {finding}",
        "fields": {
            "civility": ("civilité", "Madame ou Monsieur"),
            "language": ("langue", "fr ou en"),
            "size": ("taille d'entreprise", "grand groupe, PME, ETI ou startup"),
            "urgency": ("urgence", "oui ou non"),
            "status": ("statut", "en attente, relancé, refusé, offre ou abandon"),
            "announced": (
                "réponse annoncée",
                "une date (2026-12-04, 04/12, 12 décembre, vendredi) "
                "ou un délai (5 jours, 2 semaines, 1 mois)",
            ),
        },
    },
}


def say(finding: Finding, language: str) -> str:
    """A finding in words (not escaped); in English, what `status --json` gives."""
    texts = _FINDINGS[language]
    field, expected = texts["fields"].get(finding.field, (finding.field, ""))
    return texts[finding.kind].format(
        field=field,
        expected=expected,
        value=finding.value,
        interview_day=finding.interview_day.isoformat() if finding.interview_day else "",
    )


def finding_on(title: str, day: date, finding: Finding, language: str) -> str:
    """A finding about one event, named by its title and day, as `sync` warns it."""
    return _FINDINGS[language]["on"].format(
        title=escape(title), day=day.isoformat(), finding=escape(say(finding, language))
    )


# The headers of a draft, as the reminder's description writes them (docs/reminder-events.md).
DRAFT_HEADERS = {"fr": ("À\u00a0:", "Objet\u00a0:"), "en": ("To:", "Subject:")}


def escape(text: str) -> str:
    """`text` with control characters shown as `\\x1b`, `\\u202e`: printed, it stays inert."""
    if all(c.isprintable() or c == " " for c in text):
        return text
    return "".join(_escaped(c) for c in text)


def escape_lines(text: str) -> str:
    """`escape` line by line: the line breaks of a message are kept, nothing else."""
    return "\n".join(escape(line) for line in text.split("\n"))


def _escaped(c: str) -> str:
    if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI:
        return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
    return c


def short_id(key: str) -> str:
    """The id `status` shows and `draft` accepts: stable, derived from the interview's key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:ID_LENGTH]


def terminal_width(stream: TextIO) -> int | None:
    """Columns of the terminal `stream` writes to ($COLUMNS first); None: not a terminal."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns if stream.isatty() else None
    except (OSError, ValueError, AttributeError):  # a captured or closed stream
        return None


def wants_colour(stream: TextIO) -> bool:
    """Colours on a terminal only, and never when NO_COLOR is set (https://no-color.org)."""
    try:
        tty = stream.isatty()
    except (ValueError, AttributeError):
        tty = False
    return tty and not os.environ.get("NO_COLOR")


@dataclass(frozen=True)
class _Layout:
    years: bool  # dates with their year (else only those of another year than now's)
    interview_column: bool


# From the widest to the most compact; the first that leaves room for the text wins.
_LAYOUTS = (_Layout(True, True), _Layout(False, True), _Layout(False, False))


def status_table(
    rows: Sequence[Row],
    *,
    now: datetime,
    language: str,
    max_days: int,
    width: int | None,
    colour: bool,
    everything: bool = False,
) -> str:
    """The interviews as a table that fits in `width` columns (None: any width).

    Company and position are shortened with "…" to fit, never wrapped; the dates lose
    their year (and the interview column goes) before they do. Below it: each row's
    warnings, and a legend of the statuses shown.
    """
    texts = _TEXTS[language]
    if not rows:
        return texts["empty_all" if everything else "empty"]
    zone = now.tzinfo
    cells: list[list[str]] = []
    for layout in _LAYOUTS:
        cells = [_cells(row, layout, now, zone) for row in rows]
        headers = list(texts["headers"])
        if not layout.interview_column:
            del headers[1]
        table = [headers, *cells]
        widths = [max(_width(line[c]) for line in table) for c in range(len(headers))]
        text_at = 2 if layout.interview_column else 1
        fixed = sum(widths) - widths[text_at] - widths[text_at + 1] + len(_GAP) * (len(widths) - 1)
        room = None if width is None else width - fixed
        wanted = widths[text_at] + widths[text_at + 1]
        if room is None or room >= min(wanted, _MIN_TEXT):
            break
    if room is not None and room < wanted:
        company, position = widths[text_at], widths[text_at + 1]
        widths[text_at] = max(1, min(company, max(room - position, room // 2)))
        widths[text_at + 1] = max(1, room - widths[text_at])
    lines = [_line(headers, widths, None, width)]
    for row, row_cells in zip(rows, cells, strict=True):
        style = _STYLES.get(row.assessment.status) if colour else None
        lines.append(_line(row_cells, widths, style, width, status_at=len(widths) - 2))
        for finding in row.assessment.warnings:
            lines.extend(_wrapped(f"! {escape(say(finding, language))}", width, indent="  "))
    lines.append("")
    if any(r.assessment.followup.beyond_max_days for r in rows):
        lines.extend(_wrapped(texts["beyond"].format(days=max_days), width))
    legend = texts["legend"]
    shown = {r.assessment.status for r in rows}
    name_width = max(len(s) for s in shown)
    for status in legend:
        if status in shown:
            lines.extend(_wrapped(f"{status:<{name_width}}  {legend[status]}", width))
    if any(r.reminder_at and not r.in_calendar for r in rows):
        lines.extend(_wrapped(texts["planned"], width))
    lines.extend(_wrapped(texts["hint"], width))
    return "\n".join(lines)


def _cells(row: Row, layout: _Layout, now: datetime, zone: object) -> list[str]:
    a = row.assessment
    i, f = a.interview, a.followup
    outcome = a.status in OUTCOMES

    def moment(at: datetime) -> str:
        local = at.astimezone(zone)  # type: ignore[arg-type]
        if layout.years:
            return local.strftime("%Y-%m-%d %H:%M")
        # A moment of another year keeps its year and loses its time (history, mostly).
        return local.strftime("%m-%d %H:%M" if local.year == now.year else "%Y-%m-%d")

    def day(d: date) -> str:
        return d.strftime("%Y-%m-%d" if layout.years or d.year != now.year else "%m-%d")

    deadline = day(f.deadline) + ("*" if f.beyond_max_days else "")
    cells = [
        short_id(i.key),
        moment(i.start) if layout.years else day(i.start.astimezone(zone).date()),  # type: ignore[arg-type]
        escape(i.company or "?"),
        escape(i.position or "-"),
        "-" if outcome else moment(f.at),
        "-" if outcome else deadline,
        # The day the recruiter answered, found in the mailbox (docs/mailbox.md).
        f"{a.status} {day(a.answered_at.astimezone(zone).date())}"  # type: ignore[arg-type]
        if a.status == "answered" and a.answered_at
        else a.status,
        "-"
        if not row.reminder_at
        else moment(row.reminder_at)
        if row.in_calendar
        else f"({moment(row.reminder_at)})",
    ]
    if not layout.interview_column:
        del cells[1]
    return cells


def _line(
    cells: Sequence[str],
    widths: Sequence[int],
    style: dict[str, Any] | None,
    width: int | None,
    *,
    status_at: int = -1,
) -> str:
    import click

    texts = [shorten(cell, size) for cell, size in zip(cells, widths, strict=True)]
    padding = [" " * (size - _width(t)) for t, size in zip(texts, widths, strict=True)]
    plain = _GAP.join(t + pad for t, pad in zip(texts, padding, strict=True)).rstrip()
    if width is not None and _width(plain) > width:  # a terminal too narrow for any layout
        return shorten(plain, width)
    if style and status_at >= 0:
        texts[status_at] = click.style(texts[status_at], **style)
    return _GAP.join(t + pad for t, pad in zip(texts, padding, strict=True)).rstrip()


def _wrapped(text: str, width: int | None, indent: str = "") -> list[str]:
    if width is None:
        return [indent + text]
    lines = textwrap.wrap(
        text,
        max(width - len(indent), 10),
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_on_hyphens=False,
    )
    return [shorten(line, width) for line in lines]


def shorten(text: str, size: int) -> str:
    """`text` in at most `size` terminal columns, ending with "…" when cut."""
    if _width(text) <= size:
        return text
    kept, used = [], 0
    for c in text:
        w = _char_width(c)
        if used + w > size - 1:
            break
        kept.append(c)
        used += w
    return "".join(kept).rstrip() + "…"


def _width(text: str) -> int:
    return sum(_char_width(c) for c in text)


def _char_width(c: str) -> int:
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def find_interview(rows: Sequence[Row], wanted: str, language: str) -> Row:
    """The one interview `wanted` names: its short id, uid, company, position or title.

    An exact match wins; then one ignoring case and accents; then a part of one of them
    (`draft qonto` for "Entretien Qonto - Data"). Several at the same step: a ConfigError
    listing each with its id, to give instead.
    """
    texts = _TEXTS[language]

    def names(row: Row) -> list[str]:
        i = row.assessment.interview
        return [n for n in (i.company, i.position, i.title) if n]

    steps: list[Callable[[Row], bool]] = [
        lambda r: (
            wanted in (short_id(r.assessment.interview.key), r.assessment.interview.key)
            or wanted == r.assessment.interview.uid
        ),
        lambda r: wanted in names(r),
        lambda r: fold(wanted) in map(fold, names(r)),
        lambda r: any(fold(wanted) in fold(n) for n in names(r)),
    ]
    for matches in steps:
        found = [r for r in rows if matches(r)]
        if len(found) == 1:
            return found[0]
        if found:
            lines = [texts["several"].format(wanted=repr(escape(wanted)), count=len(found))]
            lines += [f"  {_candidate(r)}" for r in found]
            raise ConfigError("\n".join(lines))
    raise ConfigError(texts["no_match"].format(wanted=repr(escape(wanted))))


def _candidate(row: Row) -> str:
    i = row.assessment.interview
    start = i.start.strftime("%Y-%m-%d %H:%M")
    return f"{short_id(i.key)}  {start}  {shorten(escape(i.title), 60)}"
