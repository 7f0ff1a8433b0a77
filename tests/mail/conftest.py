"""A real Dovecot for the mailbox tests, and a relay in front of it that counts commands.

Dovecot (Debian's `dovecot-imapd`) runs session-wide with a configuration of its own in a
temporary folder: a passwd-file user database, maildirs, a free loopback port, no TLS
(plain login is allowed to loopback only), special-use folders with Gmail-like and
localised names. Each test gets a user of its own, so no test sees another's mail. A
missing Dovecot fails the tests (`.ci/run` installs it); set RELANCE_CAL_ALLOW_SKIP=1 to
skip them instead on a machine without it.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

from relance_cal.mail.imap import encode_name

PASSWORD = "correct horse battery staple"
PASSWORD_ENV = "RELANCE_CAL_TEST_MAIL_PASSWORD"
SENT = "Éléments envoyés"  # a localised name, found by its special use only
ALL = "[Gmail]/All Mail"
DRAFTS = "[Gmail]/Drafts"
ARCHIVE = "Archives"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


USERS = 400  # made when the server starts: Dovecot reads its passwd-file once in a while


@dataclass
class Dovecot:
    root: Path
    port: int
    users: list[str]

    def add_user(self) -> str:
        """A user of its own for a test, with an empty mailbox."""
        return self.users.pop()


def _users(root: Path, passwd: Path, account: pwd.struct_passwd) -> list[str]:
    users = [f"user{n}" for n in range(USERS)]
    a = account
    passwd.write_text(
        "".join(
            f"{user}:{{PLAIN}}{PASSWORD}:{a.pw_uid}:{a.pw_gid}::{root}/home/{user}::\n"
            for user in users
        )
    )
    return users


def _config(root: Path, port: int, passwd: Path, account: pwd.struct_passwd) -> str:
    as_root = os.geteuid() == 0
    users = (
        "default_login_user = dovenull\ndefault_internal_user = dovecot\n"
        if as_root
        else f"default_login_user = {account.pw_name}\ndefault_internal_user = {account.pw_name}\n"
    )
    return f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = relance-cal-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
{users}first_valid_uid = 1
first_valid_gid = 1
log_path = {root}/dovecot.log
mail_location = maildir:~/Maildir
mail_plugins = $mail_plugins
protocol imap {{
  imap_capability = +CONDSTORE
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {passwd}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0666
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "{SENT}" {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox "{ALL}" {{
    special_use = \\All
    auto = subscribe
  }}
  mailbox "{DRAFTS}" {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox "{ARCHIVE}" {{
    special_use = \\Archive
    auto = subscribe
  }}
}}
"""


@contextlib.contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        message = "dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)"
        if os.environ.get("RELANCE_CAL_ALLOW_SKIP"):
            pytest.skip(message)
        pytest.fail(message)
    # Not under pytest's 0700 folders: Dovecot's own users must reach the files.
    root = Path(tempfile.mkdtemp(prefix="relance-cal-dovecot-"))
    root.chmod(0o755)
    account = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    (root / "home").mkdir()
    os.chown(root / "home", account.pw_uid, account.pw_gid)
    passwd = root / "passwd"
    users = _users(root, passwd, account)
    passwd.chmod(0o644)
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port, passwd, account), encoding="utf-8")
    process = subprocess.Popen([binary, "-F", "-c", str(config)], stderr=subprocess.PIPE)
    try:
        _wait_until_listening(port, process, root / "dovecot.log")
        yield Dovecot(root, port, users)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"dovecot exited:\n{err}\n{log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("dovecot did not start")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


# -- a relay that counts commands -------------------------------------------------------------

_COMMAND = re.compile(rb"^[A-Za-z0-9]+ ((?:UID )?[A-Za-z]+)(.*)$")


@dataclass
class Relay:
    """A TCP relay to Dovecot that records every command line the client sends."""

    port: int
    target: int
    lines: list[bytes] = field(default_factory=list)

    @property
    def commands(self) -> list[str]:
        found = []
        for line in self.lines:
            match = _COMMAND.match(line)
            if match:
                found.append(match[1].decode().upper())
        return found

    def reset(self) -> None:
        self.lines.clear()


def _serve(relay: Relay, listener: socket.socket) -> None:
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        server = socket.create_connection(("127.0.0.1", relay.target))
        threading.Thread(target=_pipe, args=(server, client, None), daemon=True).start()
        threading.Thread(target=_pipe, args=(client, server, relay), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket, relay: Relay | None) -> None:
    pending = b""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
            if relay is not None:
                pending += data
                *lines, pending = pending.split(b"\r\n")
                relay.lines.extend(lines)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture(scope="session")
def _relay_server(dovecot: Dovecot) -> Iterator[Relay]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    relay = Relay(listener.getsockname()[1], dovecot.port)
    threading.Thread(target=_serve, args=(relay, listener), daemon=True).start()
    yield relay
    listener.close()


@pytest.fixture
def relay(_relay_server: Relay) -> Relay:
    _relay_server.reset()
    return _relay_server


# -- the user's mailbox, as another mail client sees it ---------------------------------------


class Mailbox:
    """A mail client of the test's user: delivers mail, reads what is in the folders."""

    def __init__(self, port: int, user: str) -> None:
        self.port = port
        self.user = user

    @contextlib.contextmanager
    def client(self) -> Iterator[imaplib.IMAP4]:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(self.user, PASSWORD)
        try:
            yield conn
        finally:
            conn.logout()

    def deliver(
        self,
        folder: str = "INBOX",
        *,
        sender: str,
        to: str = "camille@example.org",
        date: str,
        subject: str = "Votre candidature",
        body: str = "Bonjour Camille, merci pour l'entretien.",
        headers: dict[str, str] | None = None,
        flags: str = "",
    ) -> str:
        """A message put in `folder` (dated `date`, ISO with offset); its Message-ID."""
        moment = datetime.fromisoformat(date)
        message = EmailMessage()
        message["From"] = sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(moment)
        message_id = make_msgid(domain="example.net")
        message["Message-ID"] = message_id
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body)
        with self.client() as conn:
            typ, data = conn.append(
                _q(folder), f"({flags})" if flags else None, moment, message.as_bytes()
            )
            assert typ == "OK", data
        return message_id

    def messages(self, folder: str) -> list[tuple[bytes, bytes]]:
        """(flags, whole message) of each message in `folder`, read without marking them."""
        with self.client() as conn:
            conn.select(_q(folder), readonly=True)
            _typ, data = conn.uid("SEARCH", "ALL")
            uids = data[0].split()
            found = []
            for uid in uids:
                _typ, data = conn.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                found.append((data[0][0], data[0][1]))
            return found

    def flags(self, folder: str) -> list[bytes]:
        return [re.search(rb"FLAGS \(([^)]*)\)", meta)[1] for meta, _ in self.messages(folder)]

    def remove_all(self, folder: str) -> None:
        with self.client() as conn:
            conn.select(_q(folder))
            conn.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
            conn.expunge()

    def replace_message(self, folder: str, raw: bytes, new: bytes) -> None:
        """The user edits a message: the old one goes, the new one comes (as mail apps save)."""
        with self.client() as conn:
            conn.select(_q(folder))
            _typ, data = conn.uid("SEARCH", "ALL")
            for uid in data[0].split():
                _typ, fetched = conn.uid("FETCH", uid, "(BODY.PEEK[])")
                if fetched[0][1] == raw:
                    conn.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)")
            conn.expunge()
            conn.append(_q(folder), "(\\Draft \\Seen)", time.time(), new)

    def recreate(self, folder: str) -> None:
        """The folder deleted and made again: a new UIDVALIDITY."""
        with self.client() as conn:
            assert conn.delete(_q(folder))[0] == "OK"
            assert conn.create(_q(folder))[0] == "OK"

    def status(self, folder: str) -> bytes:
        with self.client() as conn:
            return conn.status(_q(folder), "(UIDVALIDITY UIDNEXT)")[1][0]


def _q(folder: str) -> str:
    return '"' + encode_name(folder) + '"'


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    """A new, empty mailbox of its own for the test."""
    box = Mailbox(dovecot.port, dovecot.add_user())
    with box.client():  # the first login makes its folders
        pass
    return box


@pytest.fixture
def password_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return PASSWORD_ENV


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()
