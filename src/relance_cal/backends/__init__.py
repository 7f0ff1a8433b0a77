"""Calendar backends: one module each, all implementing `base.Backend`."""

from __future__ import annotations

from pathlib import Path

from relance_cal.backends.base import Backend
from relance_cal.config import CalendarConfig, Detection, config_dir


def open_backend(cfg: CalendarConfig, detection: Detection, *, role: str) -> Backend:
    """The backend for one `[source]` or `[reminders]` table (heavy modules load only here)."""
    if cfg.backend == "ics":
        from relance_cal.backends.ics import IcsBackend

        assert cfg.path is not None  # config validation requires it
        return IcsBackend(cfg.path, detection, role=role)
    if cfg.backend == "caldav":
        from relance_cal.backends.caldav import CalDAVBackend

        return CalDAVBackend(cfg, detection, role=role)
    from relance_cal.backends.google import GoogleBackend

    return GoogleBackend(cfg, detection, role=role, token_path=google_token_path(cfg))


def google_token_path(cfg: CalendarConfig) -> Path:
    return cfg.token or config_dir() / "google-token.json"


def google_credentials_path(cfg: CalendarConfig) -> Path:
    return cfg.credentials or config_dir() / "credentials.json"
