"""Interview + settings -> follow-up moment, deadline and status (followup-policy.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from relance_cal.config import PolicySettings
from relance_cal.interviews import Interview

Rule = Literal["announced", "urgent_48h", "business_days_3", "business_days_4"]
Status = Literal[
    "scheduled", "due", "too_late", "past", "superseded", "cancelled", "dismissed",
    "followed_up", "rejected", "offer", "withdrawn",
]  # fmt: skip


@dataclass(frozen=True)
class FollowUp:
    at: datetime  # F, aware, in the user's zone
    deadline: date  # L
    rule: Rule
    beyond_max_days: bool = False
    announced_on: date | None = None  # D, when the rule is `announced`
    warnings: tuple[str, ...] = ()
