"""Google sign-in: the OAuth installed-app flow, and the token file it leaves behind."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relance_cal.errors import AuthError, ConfigError, UnreachableError

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

SCOPE_EVENTS = "https://www.googleapis.com/auth/calendar.events.owned"
SCOPE_APP_CALENDARS = "https://www.googleapis.com/auth/calendar.app.created"
SCOPE_SHARED_EVENTS = "https://www.googleapis.com/auth/calendar.events"
CLIENT_FILE = "credentials.json"
TOKEN_FILE = "google-token.json"
CONSENT_TIMEOUT = 600  # seconds the loopback server waits for the browser

_RUN_AUTH_AGAIN = (
    "run `relance-cal auth google` again. (An OAuth app left in 'Testing' publishing status "
    "gets sign-ins that expire after 7 days: set it to 'In production' in the Google Cloud "
    "console to stop this.)"
)
_PROMPT = "Open this address in a browser to let relance-cal reach your calendar:\n\n    {url}\n"
_SUCCESS = "relance-cal may now reach your calendar. You can close this window."


def scopes(*, create_calendar: bool = False, shared: bool = False) -> list[str]:
    """The least privilege: events of the calendars you own, plus calendars the tool creates.

    A calendar shared with you is not yours: reading or writing its events needs the
    wider `calendar.events` scope, asked only when the config says `shared = true`.
    """
    needed = [SCOPE_EVENTS]
    if create_calendar:
        needed.append(SCOPE_APP_CALENDARS)
    if shared:
        needed.append(SCOPE_SHARED_EVENTS)
    return needed


def token_uri(endpoint: str | None) -> str | None:
    """Where token requests go when `endpoint` replaces Google (None: Google's own)."""
    return f"{endpoint.rstrip('/')}/token" if endpoint else None


def authorize(
    client_file: Path,
    token_path: Path,
    scopes: Sequence[str],
    *,
    open_browser: bool,
    port: int,
    endpoint: str | None,
) -> None:
    """Run the consent flow on a loopback redirect (`port`, 0: any) and store the token."""
    from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error

    config = _client_config(client_file)
    if endpoint:
        config["installed"]["token_uri"] = token_uri(endpoint)
    flow = InstalledAppFlow.from_client_config(config, list(scopes))
    try:
        credentials = flow.run_local_server(
            host="localhost",
            port=port,
            open_browser=open_browser,
            authorization_prompt_message=_PROMPT,
            success_message=_SUCCESS,
            timeout_seconds=CONSENT_TIMEOUT,
            access_type="offline",
            prompt="consent",
        )
    except OSError as e:
        raise ConfigError(
            f"cannot listen on localhost port {port} for the sign-in ({e.strerror}); "
            "choose another with --port"
        ) from None
    except WSGITimeoutError:
        raise AuthError(
            f"no answer from the browser within {CONSENT_TIMEOUT // 60} minutes; "
            "run `relance-cal auth google` again"
        ) from None
    except (OAuth2Error, Warning) as e:
        # Warning: oauthlib's "Scope has changed", when the user unticked a permission.
        reason = getattr(e, "description", None) or getattr(e, "error", None) or "refused"
        raise AuthError(
            f"Google did not grant access ({reason}); run `relance-cal auth google` again "
            "and allow access to your calendar events"
        ) from None
    _check_scopes(credentials.granted_scopes or credentials.scopes or [], scopes)
    save_credentials(token_path, credentials)


def load_credentials(
    token_path: Path, scopes: Sequence[str], endpoint: str | None, *, http: Any = None
) -> Credentials:
    """The stored sign-in, refreshed when expired; AuthError (exit 3) when missing or refused.

    `http`: the httplib2.Http renewals go through (bounded in time and size by the caller).
    """
    from google.auth.exceptions import RefreshError, TransportError
    from google.oauth2.credentials import Credentials

    try:
        info = json.loads(token_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuthError(
            f"no Google sign-in at {token_path}; run `relance-cal auth google`"
        ) from None
    except (OSError, ValueError):
        raise AuthError(f"{token_path}: unreadable Google sign-in; {_RUN_AUTH_AGAIN}") from None
    granted = info.get("scopes") or []
    _check_scopes(granted.split() if isinstance(granted, str) else granted, scopes)
    try:
        credentials = Credentials.from_authorized_user_info(info)
    except (ValueError, KeyError):
        raise AuthError(f"{token_path}: incomplete Google sign-in; {_RUN_AUTH_AGAIN}") from None
    if endpoint:  # from_authorized_user_info points refreshes at Google; the copy loses expiry
        expiry = credentials.expiry
        credentials = credentials.with_token_uri(token_uri(endpoint))
        credentials.expiry = expiry
    if not credentials.valid:
        import google_auth_httplib2

        from relance_cal import network

        http = http or network.limited_http(network.DEFAULT_TIMEOUT, "Google")
        try:
            credentials.refresh(google_auth_httplib2.Request(http))
        except RefreshError:
            raise refused() from None
        except (TransportError, OSError) as e:
            raise UnreachableError(f"cannot reach Google to renew the sign-in: {_why(e)}") from None
        save_credentials(token_path, credentials)
    return credentials


def save_credentials(token_path: Path, credentials: Credentials) -> None:
    """Write the token atomically, readable by the user only (a new file 0600)."""
    write_private(token_path, credentials.to_json())


def write_private(path: Path, text: str) -> None:
    """Replace `path` by `text` atomically; a new file is 0600, in folders made 0700."""
    from relance_cal import files

    files.write(path, text.encode("utf-8"), private=True)


def refused() -> AuthError:
    """The error for a sign-in Google no longer accepts (RefreshError, invalid_grant)."""
    return AuthError(f"Google refused the saved sign-in; {_RUN_AUTH_AGAIN}")


# Where the OAuth client file comes from and what it holds: the error says it all, since a
# user who installed the package has no example file at hand.
_CLIENT_STEPS = """\
To get one, in the Google Cloud console (https://console.cloud.google.com/):
  1. create a project (or pick one);
  2. APIs & Services > Library: enable the "Google Calendar API";
  3. Google Auth Platform (or APIs & Services > OAuth consent screen): audience "External",
     add your address as a test user, then publish the app ("In production");
  4. Clients (or APIs & Services > Credentials > Create credentials > OAuth client ID):
     application type "Desktop app";
  5. download its JSON and save it as {path}
     (or give its path in the config: [source] credentials = "...").
The file looks like this (the keys under "installed" are required):
  {{"installed": {{"client_id": "1234-abc.apps.googleusercontent.com",
                 "client_secret": "GOCSPX-...",
                 "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                 "token_uri": "https://oauth2.googleapis.com/token",
                 "redirect_uris": ["http://localhost"]}}}}"""


def _client_config(client_file: Path) -> dict:
    steps = _CLIENT_STEPS.format(path=client_file)
    try:
        config = json.loads(client_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{client_file}: no OAuth client file.\n{steps}") from None
    except (OSError, ValueError) as e:
        raise ConfigError(f"{client_file}: unreadable OAuth client file ({e}).\n{steps}") from None
    installed = config.get("installed") if isinstance(config, dict) else None
    missing = [
        key
        for key in ("client_id", "client_secret", "auth_uri", "token_uri")
        if not isinstance(installed, dict) or not installed.get(key)
    ]
    if missing:
        kind = " (this one is a 'Web application' client)" if "web" in config else ""
        raise ConfigError(
            f"{client_file}: not a desktop-app OAuth client{kind}: "
            f"missing installed.{missing[0]}.\n{steps}"
        )
    return config


def _check_scopes(granted: Sequence[str], needed: Sequence[str]) -> None:
    lacking = sorted(set(needed) - set(granted))
    if lacking:
        raise AuthError(
            f"the Google sign-in lacks the permission {lacking[0].rsplit('/', 1)[-1]}; "
            "run `relance-cal auth google` again"
        )


def _why(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
