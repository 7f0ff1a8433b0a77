"""What the mailbox adds to a `sync` (docs/mailbox.md), against a real Dovecot.

    python benchmarks/mailbox.py [--write]

A mailbox of 20,000 messages (19,000 in the inbox over the last year, 1,000 in Sent; 2 %
from or to the recruiters of the calendar's interviews), a calendar of 40 interviews. Each
measured process is a whole `relance-cal sync` (spawn to exit), as cron runs it:

- first run: no state (every interview's past searched once);
- no new mail: paired, run for run, with a bare imaplib script doing the same LOGIN, one
  STATUS per folder and LOGOUT, and with the same sync without [mail];
- one new message: one message from a recruiter arrives before each run.

`--write` puts the results in docs/benchmarks.md (its "Mailbox" section).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

from run import machine  # noqa: E402  (the machine lines every section shows)

MESSAGES = 20_000
SENT_SHARE = 1_000
INTERVIEWS = 40
NOW = "2026-03-02T10:00"
PAIRS = 9
SECTION = "## Mailbox, 20,000 messages (issue 19)"

BARE = textwrap.dedent(
    """\
    import imaplib, os, sys
    conn = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
    conn.login(sys.argv[2], os.environ["BENCH_MAIL_PASSWORD"])
    for name in sys.argv[3:]:
        conn.status(name, "(UIDNEXT UIDVALIDITY HIGHESTMODSEQ)")
    conn.logout()
    """
)


def _dovecot():
    spec = importlib.util.spec_from_file_location(
        "mail_conftest", ROOT / "tests" / "mail" / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["mail_conftest"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _message(n: int, sender: str, to: str, moment: datetime) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Message {n}\r\n"
        f"Date: {moment.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        f"Message-ID: <{n}.bench@example.net>\r\n\r\n" + "Bonjour,\r\n" * 40
    ).encode()


def fill(server, user: str) -> None:
    """The messages written straight into the maildirs (as Dovecot's user), the way a
    mailbox of years looks; Dovecot indexes them on the first access."""
    home = server.root / "home" / user / "Maildir"
    account = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    sent = next(p for p in home.iterdir() if p.name.startswith(".&AMk-l"))
    end = datetime(2026, 3, 2, tzinfo=UTC)
    for n in range(MESSAGES):
        moment = end - timedelta(minutes=26 * (MESSAGES - n))
        in_sent = n % (MESSAGES // SENT_SHARE) == 0
        recruiter = f"recruiter{n % INTERVIEWS}@company{n % INTERVIEWS}.example"
        wanted = n % 50 == 0  # 2 % from or to a recruiter
        other = f"someone{n}@lists.example"
        if in_sent:
            data = _message(n, "camille@example.org", recruiter if wanted else other, moment)
            folder = sent
        else:
            data = _message(n, recruiter if wanted else other, "camille@example.org", moment)
            folder = home
        path = folder / "cur" / f"{int(moment.timestamp())}.M{n}P1.bench:2,S"
        path.write_bytes(data)
        os.utime(path, (moment.timestamp(), moment.timestamp()))
    for folder in (home, sent):
        for path in (folder, *folder.rglob("*")):
            os.chown(path, account.pw_uid, account.pw_gid)


def calendar(path: Path) -> None:
    events = []
    start = datetime(2026, 2, 2, 14)
    for n in range(INTERVIEWS):
        day = start + timedelta(days=n % 28)
        events.append(
            f"BEGIN:VEVENT\r\nUID:bench-{n}@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART;TZID=Europe/Paris:{day:%Y%m%dT%H%M%S}\r\n"
            f"DTEND;TZID=Europe/Paris:{day + timedelta(hours=1):%Y%m%dT%H%M%S}\r\n"
            f"SUMMARY:Entretien - Company{n} - Data\r\n"
            f"DESCRIPTION:Recruteur: Sam <recruiter{n}@company{n}.example>\r\nEND:VEVENT\r\n"
        )
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n"
    )


def config(folder: Path, port: int, user: str, mail: bool) -> Path:
    path = folder / ("config.toml" if mail else "config-nomail.toml")
    text = (
        'me = "camille@example.org"\nname = "Camille Martin"\n'
        f'[source]\npath = "{folder / "cal.ics"}"\n'
        f'[reminders]\nbackend = "ics"\npath = "{folder / ("rem.ics" if mail else "rem2.ics")}"\n'
    )
    if mail:
        text += (
            f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            f'username = "{user}"\npassword_env = "BENCH_MAIL_PASSWORD"\n'
        )
    path.write_text(text)
    return path


def timed(args: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def main() -> None:
    conf = _dovecot()
    with conf.running_dovecot() as server, tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        user = server.add_user()
        box = conf.Mailbox(server.port, user)
        for where in ("INBOX", conf.SENT):  # the maildirs made by the server
            box.deliver(where, sender="camille@example.org", date="2025-01-02T10:00:00+00:00")
        began = time.perf_counter()
        fill(server, user)
        filled = time.perf_counter() - began
        calendar(folder / "cal.ics")
        env = {
            **os.environ,
            "BENCH_MAIL_PASSWORD": conf.PASSWORD,
            "PYTHONPATH": str(ROOT / "src"),
            "XDG_STATE_HOME": str(folder / "state"),
            "XDG_CONFIG_HOME": str(folder / "config"),
            "RELANCE_CAL_NOW": NOW,
        }
        cli = [sys.executable, "-m", "relance_cal"]
        with_mail = [*cli, "--config", str(config(folder, server.port, user, True)), "sync"]
        without = [*cli, "--config", str(config(folder, server.port, user, False)), "sync"]
        folders = ["INBOX", '"[Gmail]/All Mail"', "Archives", '"&AMk-l&AOk-ments envoy&AOk-s"']
        bare = [sys.executable, "-c", BARE, str(server.port), user, *folders]
        nothing = [sys.executable, "-c", "pass"]

        cold = timed(with_mail, env)  # Dovecot indexes the 20,000 messages here
        firsts = []
        for n in range(3):
            env_n = {**env, "XDG_STATE_HOME": str(folder / f"state{n}")}
            firsts.append(timed(with_mail, env_n))
        timed(without, env)
        pairs: dict[str, list[float]] = {"sync": [], "bare": [], "nomail": [], "python": []}
        for _ in range(PAIRS):
            pairs["sync"].append(timed(with_mail, env))
            pairs["bare"].append(timed(bare, env))
            pairs["nomail"].append(timed(without, env))
            pairs["python"].append(timed(nothing, env))
        one_new = []
        for n in range(5):
            box.deliver(
                sender=f"recruiter{n}@company{n}.example",
                date="2026-03-02T09:00:00+01:00",
                subject="Suite à votre entretien",
            )
            one_new.append(timed(with_mail, env))
        median = {key: statistics.median(values) for key, values in pairs.items()}
        mine = median["sync"] - median["nomail"]
        theirs = median["bare"] - median["python"]
        lines = [
            SECTION,
            "",
            "Reproduce with `python benchmarks/mailbox.py --write` (Dovecot 2.3 on 127.0.0.1,",
            f"plain login; {MESSAGES:,} messages, {SENT_SHARE:,} of them in Sent, 2 % from or to",
            f"the recruiters of {INTERVIEWS} interviews; written as maildir files in "
            f"{filled:.1f} s).",
            "Whole processes, spawn to exit; medians. The no-new-mail rows are paired run for",
            f"run ({PAIRS} pairs).",
            "",
            *machine(),
            "",
            "| run | wall time |",
            "|---|---:|",
            f"| first sync ever (Dovecot indexes the mailbox meanwhile) | {cold:.2f} s |",
            f"| first sync, server index warm (median of 3) | {statistics.median(firsts):.2f} s |",
            f"| sync, no new mail | {median['sync']:.2f} s |",
            f"| bare imaplib: LOGIN, 4 STATUS, LOGOUT | {median['bare']:.2f} s |",
            f"| the same sync without [mail] | {median['nomail']:.2f} s |",
            f"| `python -c pass` | {median['python']:.2f} s |",
            f"| sync, one new message from a recruiter: its follow-up reminder removed "
            f"(median of 5) | {statistics.median(one_new):.2f} s |",
            "",
            f"No new mail: the sync costs {median['sync'] / median['bare']:.2f}x the bare script "
            f"as a whole process; the mailbox's own share (sync with [mail] minus without, "
            f"{mine * 1000:.0f} ms) against the bare script's (minus a bare interpreter, "
            f"{theirs * 1000:.0f} ms: importing imaplib and the exchange) is {mine / theirs:.2f}x. "
            "The run sends LOGIN, four STATUS and LOGOUT, nothing else (tests/mail checks it).",
        ]
        text = "\n".join(lines) + "\n"
        print(text)
        if "--write" in sys.argv:
            doc = ROOT / "docs" / "benchmarks.md"
            current = doc.read_text(encoding="utf-8")
            if SECTION in current:
                head, _, rest = current.partition(SECTION)
                after = rest.find("\n## ")
                current = head + text + (rest[after + 1 :] if after >= 0 else "")
            else:
                current = current.rstrip("\n") + "\n\n" + text
            doc.write_text(current, encoding="utf-8")


if __name__ == "__main__":
    main()
