"""The mailbox seen from the rest of the tool: what a backend reads and writes, and the pure
rules that turn message headers into what the policy is told (docs/mailbox.md).

A backend (`imap.py`; a Gmail API one could come later) implements `Mailbox`: it lists its
folders, reports the header fields of the messages a search finds, and places drafts. It
decides nothing: which message is an answer, and to which interview, is decided here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from relance_cal.interviews import PUBLIC_MAIL_DOMAINS
from relance_cal.model import MailFact
from relance_cal.text import fold

if TYPE_CHECKING:
    from relance_cal.interviews import Interview

# Where answers are looked for, and where the user's own messages are (RFC 6154 roles).
ANSWER_ROLES = ("inbox", "all", "archive")
SENT_ROLE = "sent"
DRAFTS_ROLE = "drafts"
SCANNED_ROLES = (*ANSWER_ROLES, SENT_ROLE)

# Senders that are a system, not a person (docs/mailbox.md).
NO_REPLY_LOCAL_PARTS = frozenset({"noreply", "no-reply", "notifications", "jobs"})
# Subjects of automatic replies, folded (accents and case ignored).
AUTO_REPLY_SUBJECTS = ("reponse automatique", "absence", "out of office", "automatic reply")


@dataclass(frozen=True)
class Folder:
    """One mailbox folder: its name as the server spells it, its role, and what its STATUS
    said (None: not asked yet)."""

    name: str
    role: str  # inbox | all | archive | sent | drafts
    uidvalidity: int | None = None
    uidnext: int | None = None
    highestmodseq: int | None = None


@dataclass(frozen=True)
class Target:
    """What to look for about one interview: the recruiter's own address, or, without one,
    the company's domain (any sender there counts)."""

    key: str  # the interview's key
    address: str | None
    domain: str | None
    start: datetime  # an answer counts from here
    end: datetime  # a follow-up sent counts from here
    searched: str  # digest of all the above: a change means searching its past again

    @property
    def needle(self) -> str:
        """The text an IMAP search looks for in From / To / Cc (a substring: checked after)."""
        return self.address or self.domain or ""


@dataclass(frozen=True)
class Header:
    """The header fields read of one message (never its body)."""

    role: str  # of the folder it was found in
    sender: str  # From's address, lower case
    recipients: tuple[str, ...]  # To and Cc addresses, lower case
    date: datetime  # Date, else INTERNALDATE; aware
    message_id: str
    automatic: bool  # an automatic reply (out of office): never an answer


@dataclass(frozen=True)
class Scan:
    """What one run read: the folders' new STATUS and the headers of candidate messages."""

    folders: tuple[Folder, ...]
    headers: tuple[Header, ...]


@dataclass(frozen=True)
class StoredFact:
    """What the state keeps per interview: dates and a hash of the Message-ID only."""

    answered_at: datetime | None = None
    answered_id: str | None = None  # sha256 of the Message-ID, shortened
    followed_up_at: datetime | None = None
    followed_up_id: str | None = None
    searched: str = ""  # Target.searched when its past was last searched


@dataclass(frozen=True)
class PlacedDraft:
    """A draft put in the Drafts folder: `placed` while the tool may still replace it,
    `left` once the user edited, sent or deleted it (never touched again)."""

    source_key: str
    kind: str
    message_id: str
    size: int
    inputs: str  # the reminder's inputs when placed: a change means the interview moved
    fate: str = "placed"


class FolderGone(Exception):
    """A folder remembered is no longer on the server (renamed, deleted): list them again."""


class Mailbox(Protocol):
    """One connection to a mailbox; every method may raise a UserError."""

    account: str  # who and where, naming the folder states in the state database
    warnings: list[str]  # what the server answered that the user should hear of

    def folders(self) -> list[Folder]:
        """Every folder with a role, found by its special use (or a well-known name)."""
        ...

    def scan(
        self,
        folders: Sequence[Folder],
        known: Mapping[str, Folder],
        targets: Sequence[Target],
        fresh: Sequence[Target],
    ) -> Scan:
        """STATUS each folder; search only the UIDs that are new since `known` (all of the
        window when its UIDVALIDITY changed), and the whole window for the `fresh` targets
        (never searched, or whose interview moved); read the headers of what was found.

        A folder the server no longer has raises FolderGone."""
        ...

    def append_draft(self, folder: Folder, message: bytes) -> int:
        """Put `message` in `folder` with the \\Draft flag; returns its size as stored."""
        ...

    def replace_draft(self, folder: Folder, old_id: str, old_size: int, message: bytes) -> bool:
        """Put `message` in place of the tool's own draft `old_id` when it is there once,
        still of `old_size` bytes; False (nothing done) when it is not: the user's now."""
        ...

    def close(self) -> None: ...

    def drop(self) -> None:
        """Close the connection without a goodbye (it may be in the middle of an answer)."""
        ...


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _split(address: str) -> tuple[str, str]:
    local, _, domain = address.strip().lower().rpartition("@")
    return local, domain


def is_no_reply(address: str) -> bool:
    """A system sender (`noreply@`, `jobs@`...), not a person one can answer."""
    local = _split(address)[0].split("+")[0]
    return local in NO_REPLY_LOCAL_PARTS or local.startswith(("noreply", "no-reply", "donotreply"))


def _public(domain: str) -> bool:
    labels = domain.split(".")
    # acme.co.uk: the label before the public suffix.
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in ("co", "com", "org", "net"):
        labels = labels[:-1]
    return len(labels) < 2 or labels[-2] in PUBLIC_MAIL_DOMAINS


def targets(interviews: Iterable[Interview], me: str | None, account: str) -> list[Target]:
    """What to look for per interview: the recruiter's address; for an invitation from a
    no-reply address (an applicant tracking system), the company's domain, unless public."""
    mine = (me or "").strip().lower()
    found = []
    for interview in interviews:
        email = (interview.recruiter_email or "").strip().lower()
        local, domain = _split(email)
        if not local or not domain or email == mine or not _safe(email):
            continue
        if is_no_reply(email):
            if _public(domain):
                continue
            address, company = None, domain
        else:
            address, company = email, None
        searched = digest(
            f"{account}|{address}|{company}|{interview.start.isoformat()}|"
            f"{interview.end.isoformat()}"
        )
        found.append(
            Target(interview.key, address, company, interview.start, interview.end, searched)
        )
    return found


def _safe(address: str) -> bool:
    """An address that can go in an IMAP search as a quoted string."""
    return address.isascii() and all(c.isalnum() or c in "@.-_+'=" for c in address)


def _matches(address: str, target: Target) -> bool:
    if target.address is not None:
        return address == target.address
    assert target.domain is not None
    domain = _split(address)[1]
    return domain == target.domain or domain.endswith("." + target.domain)


def is_automatic(subject: str, fields: Mapping[str, str]) -> bool:
    """An automatic reply, by its headers (RFC 3834 and common ones) or its subject.

    `fields`: header names in lower case. `Auto-Submitted: auto-generated` is not one: a
    rejection sent by an applicant tracking system is an answer."""
    if fold(fields.get("auto-submitted", "")).startswith("auto-replied"):
        return True
    if "x-autoreply" in fields or "x-autorespond" in fields:
        return True
    if fold(fields.get("precedence", "")) == "auto_reply":
        return True
    return fold(subject).lstrip().startswith(AUTO_REPLY_SUBJECTS)


def facts(
    wanted: Sequence[Target],
    headers: Iterable[Header],
    stored: Mapping[str, StoredFact],
    me: str | None,
) -> dict[str, StoredFact]:
    """The facts to keep after a complete scan: each target's stored fact (reset when its
    past was searched again) with the first answer and follow-up among `headers`."""
    mine = (me or "").strip().lower()
    result: dict[str, StoredFact] = {}
    for target in wanted:
        fact = stored.get(target.key)
        if fact is None or fact.searched != target.searched:
            fact = StoredFact(searched=target.searched)
        result[target.key] = fact
    headers = list(headers)
    for target in wanted:
        fact = result[target.key]
        for h in headers:
            if h.role == SENT_ROLE:
                if (
                    h.date >= target.end
                    and any(_matches(a, target) for a in h.recipients)
                    and (fact.followed_up_at is None or h.date < fact.followed_up_at)
                ):
                    fact = replace(fact, followed_up_at=h.date, followed_up_id=digest(h.message_id))
            elif (
                h.date >= target.start
                and not h.automatic
                and h.sender != mine
                and _matches(h.sender, target)
                and (fact.answered_at is None or h.date < fact.answered_at)
            ):
                fact = replace(fact, answered_at=h.date, answered_id=digest(h.message_id))
        result[target.key] = fact
    return result


def policy_facts(stored: Mapping[str, StoredFact]) -> dict[str, MailFact]:
    """What the policy is told, by interview key."""
    return {
        key: MailFact(fact.answered_at, fact.followed_up_at)
        for key, fact in stored.items()
        if fact.answered_at is not None or fact.followed_up_at is not None
    }
