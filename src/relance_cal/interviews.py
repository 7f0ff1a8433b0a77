"""Calendar event -> Interview: detection, metadata lines, fallbacks (event-metadata.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from relance_cal.backends.base import SourceEvent
from relance_cal.config import Detection

Urgency = Literal["urgent", "normal"]
CompanySize = Literal["large", "sme", "startup", "unknown"]
Outcome = Literal["followed_up", "rejected", "offer", "withdrawn"]


@dataclass(frozen=True)
class Announced:
    """The answer delay the recruiter announced: a date, or an amount of a unit."""

    on: date | None = None
    amount: int | None = None
    unit: Literal["days", "business_days", "weeks"] | None = None


@dataclass(frozen=True)
class Interview:
    key: str  # SourceEvent.key: uid, or uid@occurrence-start
    uid: str
    title: str
    start: datetime  # aware, in the user's zone; all-day: 00:00 of the first day
    end: datetime  # aware, in the user's zone; all-day: 00:00 of the day after the last
    all_day: bool = False
    company: str | None = None
    position: str | None = None
    recruiter_name: str | None = None
    recruiter_email: str | None = None
    urgency: Urgency = "normal"
    company_size: CompanySize = "unknown"
    announced: Announced | None = None
    points: tuple[str, ...] = ()
    outcome: Outcome | None = None
    cancelled: bool = False  # STATUS:CANCELLED, or declined by the user
    warnings: tuple[str, ...] = ()
