"""The mailbox (docs/mailbox.md): whether the recruiter answered, whether the follow-up was
sent, and the drafts put in the Drafts folder.

`MailSession` is what the application uses: `facts` is handed to the engine (it reads the
mailbox during `sync`, and only the state otherwise); `place_drafts` runs after the calendar
writes. A mailbox that fails is a warning, never the end of the run: its error is kept in
`error` for the exit code. The backend is `imap.ImapMailbox` behind `base.Mailbox`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from relance_cal.errors import UserError
from relance_cal.mail.base import (
    DRAFTS_ROLE,
    SCANNED_ROLES,
    Folder,
    FolderGone,
    Mailbox,
    PlacedDraft,
    StoredFact,
    facts,
    policy_facts,
    targets,
)
from relance_cal.text import one_line

if TYPE_CHECKING:
    from relance_cal.config import Config, MailConfig
    from relance_cal.engine import Plan
    from relance_cal.interviews import Interview
    from relance_cal.model import MailFact, Reminder
    from relance_cal.policy import Assessment
    from relance_cal.state import State

__all__ = ["MailSession", "compose_draft", "open_mailbox"]

DRAFT_KINDS = ("followup", "reply")  # never `ask`, nor `thanks` (docs/mailbox.md)


def open_mailbox(cfg: MailConfig) -> Mailbox:
    """The mailbox of the [mail] table (connected on first use)."""
    from relance_cal.mail.imap import ImapMailbox

    return ImapMailbox(cfg)


class MailSession:
    """The mailbox for one run; read-only runs read what the last `sync` found."""

    def __init__(
        self,
        config: Config,
        state: State,
        warn: Callable[[str], None],
        *,
        read_only: bool,
        now: datetime,
    ) -> None:
        assert config.mail is not None
        self.config = config
        self.cfg: MailConfig = config.mail
        self.state = state
        self.warn = warn
        self.read_only = read_only
        self.now = now
        self.error: UserError | None = None
        self._mailbox: Mailbox | None = None

    @property
    def mailbox(self) -> Mailbox:
        if self._mailbox is None:
            self._mailbox = open_mailbox(self.cfg)
        return self._mailbox

    def _failed(self, error: UserError) -> None:
        """Told once; the connection is dropped (it may be in the middle of an answer)."""
        self.error = error
        self.warn(f"mail: {error.message}; the calendar reminders are written without it")
        mailbox, self._mailbox = self._mailbox, None
        if mailbox is not None:
            mailbox.drop()

    def facts(self, interviews: Sequence[Interview]) -> dict[str, MailFact]:
        """What the mailbox shows of each interview, by key (during `sync`, read now)."""
        from relance_cal import network

        stored = self.state.mail_facts()
        if self.read_only:
            return policy_facts(stored)
        try:
            with network.deadline(self.cfg.timeout, f"the mail server {self.cfg.host}"):
                kept = self._scan(interviews, stored)
        except UserError as e:
            self._failed(e)
            return policy_facts(stored)
        return policy_facts(kept)

    def _scan(
        self, interviews: Sequence[Interview], stored: dict[str, StoredFact]
    ) -> dict[str, StoredFact]:
        mailbox = self.mailbox
        me = self.config.detection.me
        wanted = targets(interviews, me, mailbox.account)
        fresh = [t for t in wanted if t.key not in stored or stored[t.key].searched != t.searched]
        known = self.state.mail_folders(mailbox.account)
        folders = list(known.values()) or mailbox.folders()
        try:
            scan = mailbox.scan(_scanned(folders), known, wanted, fresh)
        except FolderGone:  # renamed or deleted since: the folders are listed again
            folders = mailbox.folders()
            scan = mailbox.scan(_scanned(folders), known, wanted, fresh)
        for warning in mailbox.warnings:
            self.warn(warning)
        others = [f for f in folders if f.role not in SCANNED_ROLES]
        self.state.keep_mail_folders(mailbox.account, [*scan.folders, *others])
        kept = facts(wanted, scan.headers, stored, me)
        self.state.keep_mail_facts(kept)
        return kept

    def place_drafts(self, plan: Plan, templates: object) -> None:
        """With `drafts = true`: each follow-up or reply draft put once in the Drafts folder;
        replaced only when its reminder changed and the draft is still the tool's, as written.
        Nothing is sent to the server when nothing is to do."""
        from relance_cal import network

        if self.read_only or not self.cfg.drafts or self.error is not None:
            return
        placed = self.state.mail_drafts()
        todo = []
        for reminder in plan.reminders:
            if reminder.kind not in DRAFT_KINDS:
                continue
            record = placed.get((reminder.source_key, reminder.kind))
            if record is None or (record.fate == "placed" and record.inputs != reminder.inputs):
                todo.append((reminder, record))
        if not todo:
            return
        assessments = {row.assessment.interview.key: row.assessment for row in plan.rows}
        try:
            with network.deadline(self.cfg.timeout, f"the mail server {self.cfg.host}"):
                folder = self._drafts_folder()
                if folder is None:
                    self.warn(
                        "mail: no Drafts folder found on the server (no \\Drafts special use); "
                        "the drafts are in the reminders only"
                    )
                    return
                for reminder, record in todo:
                    assessment = assessments.get(reminder.source_key)
                    if assessment is not None:
                        self._place(folder, reminder, record, assessment, templates)
                        self.state.commit()  # durable at once: a crash must not place it twice
        except UserError as e:
            self._failed(e)

    def _place(
        self,
        folder: Folder,
        reminder: Reminder,
        record: PlacedDraft | None,
        assessment: Assessment,
        templates: object,
    ) -> None:
        message_id, message = compose_draft(
            reminder.kind, assessment, self.config, templates, self.now
        )
        if record is None:
            size = self.mailbox.append_draft(folder, message)
            key = reminder.source_key
            kept = PlacedDraft(key, reminder.kind, message_id, size, reminder.inputs)
        elif self.mailbox.replace_draft(folder, record.message_id, record.size, message):
            kept = replace(record, message_id=message_id, size=len(message), inputs=reminder.inputs)
        else:  # edited, sent or deleted by the user: theirs now, never touched again
            kept = replace(record, fate="left")
        self.state.keep_mail_draft(kept)

    def _drafts_folder(self) -> Folder | None:
        account = self.mailbox.account
        known = self.state.mail_folders(account)
        drafts = [f for f in known.values() if f.role == DRAFTS_ROLE]
        if not drafts:
            drafts = [f for f in self.mailbox.folders() if f.role == DRAFTS_ROLE]
        return drafts[0] if drafts else None

    def close(self) -> None:
        mailbox, self._mailbox = self._mailbox, None
        if mailbox is not None:
            mailbox.close()


def _scanned(folders: Sequence[Folder]) -> list[Folder]:
    """The folders searched: the inbox, All, Archive, and Sent."""
    return [f for f in folders if f.role in SCANNED_ROLES]


def compose_draft(
    kind: str, assessment: Assessment, config: Config, templates: object, now: datetime
) -> tuple[str, bytes]:
    """The draft as a message for the Drafts folder: its Message-ID and its bytes (CRLF).

    `From:` the user, `To:` the recruiter, the draft's subject and body, and
    `X-Relance-Cal-Source` naming the interview (docs/mailbox.md)."""
    import email.policy
    from email.message import EmailMessage
    from email.utils import format_datetime, formataddr, make_msgid

    from relance_cal import drafts

    interview = assessment.interview
    language = interview.language or config.language
    draft = drafts.render(
        kind,
        interview,
        assessment.followup,
        language=language,
        name=config.name,
        templates=templates,  # type: ignore[arg-type]
    )
    me = config.detection.me or ""
    message = EmailMessage(policy=email.policy.SMTPUTF8)
    message["From"] = formataddr((config.name or "", me)) if config.name else me
    if draft.to:
        message["To"] = draft.to
    message["Subject"] = one_line(draft.subject)
    message["Date"] = format_datetime(now)
    message_id = make_msgid(domain=me.rpartition("@")[2] or None)
    message["Message-ID"] = message_id
    message["X-Relance-Cal-Source"] = one_line(interview.key)
    message.set_content(draft.body, charset="utf-8")
    data = message.as_bytes(policy=email.policy.SMTP)
    return message_id, data
