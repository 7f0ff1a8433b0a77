"""Calendar backends: one module each, all implementing `base.Backend`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from relance_cal.config import CalendarConfig, Detection, config_dir

if TYPE_CHECKING:
    from relance_cal.backends.base import Backend


def open_backend(
    cfg: CalendarConfig, detection: Detection, *, role: str, writable: bool = True
) -> Backend:
    """The backend for one `[source]` or `[reminders]` table (heavy modules load only here).

    Not `writable`: it creates nothing (not even the calendar to create) and refuses writes.
    """
    if cfg.backend == "ics":
        from relance_cal.backends.ics import IcsBackend

        assert cfg.path is not None  # config validation requires it
        return IcsBackend(cfg.path, detection, role=role, writable=writable)
    if cfg.backend == "caldav":
        from relance_cal.backends.caldav import CalDAVBackend

        return CalDAVBackend(cfg, detection, role=role, writable=writable)
    from relance_cal.backends.google import GoogleBackend

    token_path = google_token_path(cfg)
    return GoogleBackend(cfg, detection, role=role, token_path=token_path, writable=writable)


def google_token_path(cfg: CalendarConfig) -> Path:
    return cfg.token or config_dir() / "google-token.json"


def google_credentials_path(cfg: CalendarConfig) -> Path:
    return cfg.credentials or config_dir() / "credentials.json"
