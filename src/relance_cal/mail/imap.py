"""The mailbox over IMAP4rev1, with the standard library's `imaplib`.

Why `imaplib` and not IMAPClient: no dependency to add for an optional feature, and full
control of every command sent, which the contract is about (docs/mailbox.md): only
`STATUS` when nothing is new, `EXAMINE` (never `SELECT`) to search, `BODY.PEEK` of named
header fields (never a body, `\\Seen` untouched), and a byte budget on what is read.
IMAPClient would parse more (and fetch `FLAGS` on its own); the few responses needed here
(`LIST`, `STATUS`, `SEARCH`, `FETCH`) are parsed below.

Folders are found by their RFC 6154 special use (`\\Sent`, `\\Drafts`, `\\All`,
`\\Archive`) in a plain `LIST "" "*"`, which every server supporting the extension
answers with the flags (Gmail's `[Gmail]/Sent Mail`, a localised `Éléments envoyés`); a
server without it is matched on well-known names. Names are kept as the server spells
them (modified UTF-7) and decoded only to be shown.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import ssl
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from relance_cal import network
from relance_cal.errors import AuthError, UnreachableError
from relance_cal.mail.base import (
    DRAFTS_ROLE,
    SENT_ROLE,
    Folder,
    FolderGone,
    Header,
    Scan,
    Target,
    is_automatic,
)
from relance_cal.text import fold

if TYPE_CHECKING:
    from relance_cal.config import MailConfig

# Header fields read, and nothing else (docs/mailbox.md).
FIELDS = (
    "FROM TO CC DATE MESSAGE-ID IN-REPLY-TO SUBJECT AUTO-SUBMITTED X-AUTOREPLY X-AUTORESPOND "
    "PRECEDENCE"
)
HEADER_CAP = 16 << 10  # bytes of those fields per message (a partial FETCH: the server cuts)
MAX_READ = 64 << 20  # bytes read on one connection: past it, the server is misbehaving
MAX_CANDIDATES = 2000  # messages read per folder and run (the newest); more is a warning
SEARCH_BATCH = 40  # addresses per SEARCH command (an OR chain the server parses)
FETCH_BATCH = 200  # messages per FETCH command

_ROLE_FLAGS = {"\\sent": SENT_ROLE, "\\drafts": DRAFTS_ROLE, "\\all": "all", "\\archive": "archive"}
# Without special use: the names servers and clients give these folders, folded.
_ROLE_NAMES = {
    SENT_ROLE: (
        "sent", "sent items", "sent messages", "sent mail", "envoyes", "elements envoyes",
        "messages envoyes",
    ),
    DRAFTS_ROLE: ("drafts", "draft", "brouillons"),
}  # fmt: skip
_LIST_LINE = re.compile(
    rb'^\((?P<flags>[^)]*)\) (?P<delimiter>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$'
)
_STATUS_ITEM = re.compile(rb"(UIDNEXT|UIDVALIDITY|HIGHESTMODSEQ) (\d+)")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def decode_name(name: str) -> str:
    """A folder name as the user reads it: modified UTF-7 (RFC 3501 5.1.3) decoded."""
    out, i = [], 0
    while i < len(name):
        if name[i] != "&":
            out.append(name[i])
            i += 1
            continue
        end = name.find("-", i)
        if end < 0:  # not modified UTF-7 after all: shown as it is
            out.append(name[i:])
            break
        chunk = name[i + 1 : end].replace(",", "/")
        if not chunk:
            out.append("&")
        else:
            try:
                out.append(base64.b64decode(chunk + "=" * (-len(chunk) % 4)).decode("utf-16-be"))
            except ValueError:
                out.append(name[i : end + 1])
        i = end + 1
    return "".join(out)


def encode_name(name: str) -> str:
    """A folder name in modified UTF-7, as IMAP commands spell it."""
    out, pending = [], ""

    def flush() -> None:
        if pending:
            raw = base64.b64encode(pending.encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + raw.replace("/", ",") + "-")

    for c in name:
        if 0x20 <= ord(c) <= 0x7E:
            flush()
            pending = ""
            out.append("&-" if c == "&" else c)
        else:
            pending += c
    flush()
    return "".join(out)


def quoted(text: str) -> str:
    """An IMAP quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_date(moment: datetime) -> str:
    return f"{moment.day}-{_MONTHS[moment.month - 1]}-{moment.year}"


class _Budget:
    """Counts what is read on the connection; refuses past MAX_READ, before reading a
    literal announced larger."""

    budget = MAX_READ

    def _spend(self, size: int) -> None:
        self.budget -= size
        if self.budget < 0:
            raise network.too_large("the mail server", MAX_READ)

    def read(self, size: int) -> bytes:
        self._spend(size)
        return super().read(size)  # type: ignore[misc]

    def readline(self) -> bytes:
        line = super().readline()  # type: ignore[misc]
        self._spend(len(line))
        return line


class _IMAP(_Budget, imaplib.IMAP4):
    pass


class _IMAPS(_Budget, imaplib.IMAP4_SSL):
    pass


class ImapMailbox:
    """One IMAP connection, opened on first use (`account` names it in the state)."""

    def __init__(self, cfg: MailConfig) -> None:
        self.cfg = cfg
        self.account = f"{cfg.username}@{cfg.host}:{cfg.port}"
        self.what = f"the mail server {cfg.host}"
        self._conn: imaplib.IMAP4 | None = None
        self.warnings: list[str] = []

    # -- connection --------------------------------------------------------------------------

    @property
    def conn(self) -> imaplib.IMAP4:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _connect(self) -> imaplib.IMAP4:
        cfg = self.cfg
        context = None
        if cfg.security != "none":  # loading the trusted authorities costs a fifth of a run
            context = ssl.create_default_context(
                cafile=str(cfg.ca_bundle) if cfg.ca_bundle is not None else None
            )
        conn: imaplib.IMAP4
        with self._errors("connecting"):
            if cfg.security == "tls":
                conn = _IMAPS(cfg.host, cfg.port, ssl_context=context, timeout=cfg.timeout)
            else:
                conn = _IMAP(cfg.host, cfg.port, timeout=cfg.timeout)
                if cfg.security == "starttls":
                    if "STARTTLS" not in conn.capabilities:
                        conn.shutdown()
                        raise UnreachableError(
                            f"{self.what} does not offer STARTTLS on port {cfg.port}; "
                            'use security = "tls" (port 993)'
                        )
                    conn.starttls(context)
        try:
            self._login(conn)
        except BaseException:
            with contextlib.suppress(OSError):
                conn.shutdown()
            raise
        return conn

    def _login(self, conn: imaplib.IMAP4) -> None:
        from relance_cal.network import resolve_password

        cfg = self.cfg
        password = resolve_password(cfg, "mail")
        if password is None:
            raise AuthError(
                f"{cfg.host}: [mail] gives no password; set password_env, password_command "
                "or password"
            )
        refused = AuthError(
            f"{self.what} refused the login of {cfg.username!r}: check the password given "
            "in [mail] (password_env / password_command; Gmail needs an app password)"
        )
        with self._errors("login"):
            try:
                if cfg.username.isascii() and password.isascii():
                    conn.login(cfg.username, password)
                else:  # LOGIN takes ASCII only: SASL PLAIN carries UTF-8
                    secret = f"\0{cfg.username}\0{password}".encode()
                    conn.authenticate("PLAIN", lambda _: secret)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                raise refused from None
            # What the server can do once logged in (UIDPLUS, CONDSTORE): said with the
            # login's answer by most servers, else asked.
            said = conn.untagged_responses.pop("CAPABILITY", None)
            if said:
                conn.capabilities = tuple(said[-1].decode("ascii", "replace").upper().split())
            else:
                conn.capabilities = tuple(
                    self._ok(conn.capability(), "CAPABILITY")[-1].decode().upper().split()
                )

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Network and protocol failures as the user's errors (UnreachableError, exit 4)."""
        try:
            yield
        except ssl.SSLCertVerificationError as e:
            raise UnreachableError(
                f"{self.what}: its certificate is not trusted ({e.verify_message}); if the "
                "server uses its own authority, give its certificate in [mail] ca_bundle"
            ) from None
        except TimeoutError:
            raise UnreachableError(
                f"{self.what} did not answer within {self.cfg.timeout:g} s ({doing})"
            ) from None
        except imaplib.IMAP4.abort as e:
            raise UnreachableError(f"{self.what} broke the connection ({doing}: {e})") from None
        except imaplib.IMAP4.error as e:
            raise UnreachableError(f"{self.what} refused {doing}: {str(e)[:200]}") from None
        except OSError as e:
            why = e.strerror or type(e).__name__
            raise UnreachableError(
                f"{self.what} (port {self.cfg.port}) could not be reached: {why}; check host, "
                "port and security in [mail]"
            ) from None

    def drop(self) -> None:
        """End the connection without a word (it failed, maybe in the middle of an answer)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.shutdown()

    def close(self) -> None:
        """LOGOUT (never CLOSE: that would expunge what the user marked deleted)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            with network.deadline(min(self.cfg.timeout, 10), self.what):
                conn.logout()
        except Exception:  # the work is done; a server gone by now changes nothing
            with contextlib.suppress(OSError):
                conn.shutdown()

    def _ok(self, answer: tuple[str, list[Any]], doing: str) -> list[Any]:
        typ, data = answer
        if typ != "OK":
            text = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            raise imaplib.IMAP4.error(f"{doing}: {text[:200]}")
        return data

    # -- folders -----------------------------------------------------------------------------

    def folders(self) -> list[Folder]:
        with self._errors("LIST"):
            data = self._ok(self.conn.list('""', '"*"'), "LIST")
        found: list[tuple[str, set[str]]] = []
        for item in data:
            line, literal = (item[0], item[1]) if isinstance(item, tuple) else (item, None)
            if not isinstance(line, bytes):
                continue
            match = _LIST_LINE.match(line.strip())
            if match is None:
                continue
            flags = {f.lower() for f in match["flags"].decode("ascii", "replace").split()}
            if "\\noselect" in flags or "\\nonexistent" in flags:
                continue
            raw = literal if literal is not None else match["name"]
            name = _unquote(raw.decode("utf-8", "replace").strip())
            found.append((name, flags))
        return _roles(found)

    # -- reading -----------------------------------------------------------------------------

    def scan(
        self,
        folders: Sequence[Folder],
        known: Mapping[str, Folder],
        targets: Sequence[Target],
        fresh: Sequence[Target],
    ) -> Scan:
        statuses = [self._status(folder) for folder in folders]
        headers: list[Header] = []
        for folder in statuses:
            old = known.get(folder.name)
            whole = old is None or old.uidvalidity != folder.uidvalidity or old.uidnext is None
            searches: list[tuple[int | None, Sequence[Target]]] = []
            if whole:
                searches.append((None, targets))
            else:
                assert old is not None and old.uidnext is not None
                if folder.uidnext is None or folder.uidnext > old.uidnext:
                    searches.append((old.uidnext, targets))
                searches.append((None, fresh))
            searches = [(start, wanted) for start, wanted in searches if wanted]
            if not searches:
                continue
            with self._errors(f"EXAMINE {decode_name(folder.name)}"):
                self._ok(self.conn.select(quoted(folder.name), readonly=True), "EXAMINE")
            uids: set[int] = set()
            for start, wanted in searches:
                uids |= self._search(folder, start, wanted)
            if len(uids) > MAX_CANDIDATES:
                self.warnings.append(
                    f"mail: {len(uids)} messages to read in {decode_name(folder.name)}; "
                    f"only the newest {MAX_CANDIDATES} were read this time"
                )
            chosen = sorted(uids)[-MAX_CANDIDATES:]
            headers += self._headers(folder, chosen)
        return Scan(tuple(statuses), tuple(headers))

    def _status(self, folder: Folder) -> Folder:
        items = "UIDNEXT UIDVALIDITY"
        if "CONDSTORE" in self.conn.capabilities:
            items += " HIGHESTMODSEQ"
        with self._errors(f"STATUS {decode_name(folder.name)}"):
            typ, data = self.conn.status(quoted(folder.name), f"({items})")
            if typ != "OK":
                raise FolderGone(folder.name)
        line = b" ".join(d if isinstance(d, bytes) else d[0] for d in data if d)
        values = {k.decode(): int(v) for k, v in _STATUS_ITEM.findall(line.rpartition(b"(")[2])}
        return Folder(
            folder.name,
            folder.role,
            values.get("UIDVALIDITY"),
            values.get("UIDNEXT"),
            values.get("HIGHESTMODSEQ"),
        )

    def _search(self, folder: Folder, start: int | None, wanted: Sequence[Target]) -> set[int]:
        """UIDs of the messages from (or, in Sent, to) the targets: among the UIDs from
        `start` on, or else since the earliest interview of the batch."""
        fields = ("TO", "CC") if folder.role == SENT_ROLE else ("FROM",)
        found: set[int] = set()
        for at in range(0, len(wanted), SEARCH_BATCH):
            batch = wanted[at : at + SEARCH_BATCH]
            keys = [f"{field} {quoted(t.needle)}" for t in batch for field in fields]
            criteria = "OR " * (len(keys) - 1) + " ".join(keys)
            if start is not None:
                where = f"UID {start}:*"
            else:
                earliest = min(t.end if folder.role == SENT_ROLE else t.start for t in batch)
                where = f"SINCE {imap_date(earliest - timedelta(days=1))}"
            with self._errors(f"SEARCH in {decode_name(folder.name)}"):
                data = self._ok(self.conn.uid("SEARCH", f"{where} ({criteria})"), "SEARCH")
            for line in data:
                if isinstance(line, bytes):
                    found.update(int(u) for u in line.split() if u.isdigit())
        if start is not None:  # `n:*` names the last message even when it is older than n
            found = {uid for uid in found if uid >= start}
        return found

    def _headers(self, folder: Folder, uids: Sequence[int]) -> list[Header]:
        found = []
        wanted = f"(UID INTERNALDATE BODY.PEEK[HEADER.FIELDS ({FIELDS})]<0.{HEADER_CAP}>)"
        for at in range(0, len(uids), FETCH_BATCH):
            chunk = ",".join(str(u) for u in uids[at : at + FETCH_BATCH])
            with self._errors(f"FETCH in {decode_name(folder.name)}"):
                data = self._ok(self.conn.uid("FETCH", chunk, wanted), "FETCH")
            for meta, raw in _fetched(data):
                header = _header(folder.role, meta, raw)
                if header is not None:
                    found.append(header)
        return found

    # -- drafts ------------------------------------------------------------------------------

    def append_draft(self, folder: Folder, message: bytes) -> int:
        with self._errors(f"APPEND to {decode_name(folder.name)}"):
            when = imaplib.Time2Internaldate(time.time())
            self._ok(self.conn.append(quoted(folder.name), "(\\Draft)", when, message), "APPEND")
        return len(message)

    def replace_draft(self, folder: Folder, old_id: str, old_size: int, message: bytes) -> bool:
        if "UIDPLUS" not in self.conn.capabilities:
            return False  # no way to remove one message alone: the draft stays as it is
        name = decode_name(folder.name)
        with self._errors(f"SELECT {name}"):
            self._ok(self.conn.select(quoted(folder.name)), "SELECT")
            data = self._ok(
                self.conn.uid("SEARCH", f"HEADER Message-ID {quoted(old_id)}"), "SEARCH"
            )
            uids = [u for line in data if isinstance(line, bytes) for u in line.split()]
            if len(uids) != 1:
                return False
            uid = uids[0].decode()
            data = self._ok(self.conn.uid("FETCH", uid, "(RFC822.SIZE)"), "FETCH")
            sizes = re.findall(rb"RFC822\.SIZE (\d+)", b" ".join(_flat(data)))
            if [int(s) for s in sizes] != [old_size]:
                return False
        self.append_draft(folder, message)
        with self._errors(f"removing the former draft in {name}"):
            self._ok(self.conn.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)"), "STORE")
            self._ok(self.conn.uid("EXPUNGE", uid), "UID EXPUNGE")
        return True


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return re.sub(r"\\(.)", r"\1", name[1:-1])
    return name


def _roles(found: Sequence[tuple[str, set[str]]]) -> list[Folder]:
    """The folders with a role: INBOX, and those of a special use (else of a known name)."""
    folders = []
    taken = set()
    for name, flags in found:
        role = "inbox" if name.upper() == "INBOX" else None
        for flag, flagged in _ROLE_FLAGS.items():
            if flag in flags:
                role = flagged
        if role is not None:
            folders.append(Folder(name, role))
            taken.add(role)
    for role, names in _ROLE_NAMES.items():
        if role in taken:
            continue
        for name, _ in found:
            last = decode_name(name).replace("\\", "/").rpartition("/")[2]
            if fold(last) in names or fold(decode_name(name)) in names:
                folders.append(Folder(name, role))
                break
    return folders


def _flat(data: Sequence[Any]) -> list[bytes]:
    out = []
    for item in data:
        if isinstance(item, tuple):
            out.extend(i for i in item if isinstance(i, bytes))
        elif isinstance(item, bytes):
            out.append(item)
    return out


def _fetched(data: Sequence[Any]) -> list[tuple[bytes, bytes]]:
    """(the response's own text, the header literal) per message of a FETCH answer."""
    messages: list[list[bytes]] = []
    for item in data:
        if isinstance(item, tuple):
            messages.append([item[0], item[1]])
        elif isinstance(item, bytes) and messages:
            messages[-1][0] += b" " + item  # `UID n)` may follow the literal
    return [(meta, raw) for meta, raw in messages]


def _header(role: str, meta: bytes, raw: bytes) -> Header | None:
    """The header fields of one message; None when it has no sender to match."""
    import email
    import email.policy
    from email.utils import getaddresses

    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    fields = {k.lower(): _text(v) for k, v in message.items()}
    senders = getaddresses(message.get_all("from", []))
    recipients = getaddresses(message.get_all("to", []) + message.get_all("cc", []))
    sender = senders[0][1].strip().lower() if senders else ""
    date = _date(fields.get("date"), meta)
    if date is None:
        return None
    return Header(
        role=role,
        sender=sender,
        recipients=tuple(a.strip().lower() for _, a in recipients if a),
        date=date,
        message_id=fields.get("message-id", "").strip(),
        automatic=is_automatic(fields.get("subject", ""), fields),
    )


def _text(value: Any) -> str:
    from email.header import decode_header, make_header

    try:
        return str(make_header(decode_header(str(value))))
    except (ValueError, LookupError, UnicodeError):
        return str(value)


def _date(value: str | None, meta: bytes) -> datetime | None:
    from email.utils import parsedate_to_datetime

    if value:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            moment = None
        if moment is not None:
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    internal = imaplib.Internaldate2tuple(meta)
    if internal is None:
        return None
    return datetime.fromtimestamp(time.mktime(internal), UTC)
