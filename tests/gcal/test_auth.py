"""`relance-cal auth google`: the consent flow on a loopback redirect, and the token file."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from relance_cal.backends import google_auth
from relance_cal.backends.google import GoogleBackend
from relance_cal.config import CalendarConfig, Detection
from relance_cal.errors import AuthError, ConfigError

from .conftest import WINDOW

EXAMPLE = Path(__file__).parents[2] / "credentials.example.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.fixture
def client_file(emulator, tmp_path: Path) -> Path:
    """The OAuth client, shaped like credentials.example.json, pointing at the emulator's
    consent page; its token_uri stays Google's: the config `endpoint` must replace it."""
    client = json.loads(EXAMPLE.read_text())
    client["installed"].update(
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        auth_uri=f"{emulator.url}o/oauth2/auth",
    )
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(client))
    return path


@pytest.fixture
def consent(emulator, client_file, tmp_path, capsys, monkeypatch):
    """Run `authorize --no-browser` in a thread; return (the printed URL, the page the
    browser shows after the loopback redirect, the token path)."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the emulator speaks plain http

    def run(scopes: list[str]) -> tuple[str, str, Path]:
        token_path = tmp_path / "config" / "relance-cal" / "google-token.json"
        port = free_port()
        failures: list[BaseException] = []

        def sign_in() -> None:
            try:
                google_auth.authorize(
                    client_file,
                    token_path,
                    scopes,
                    open_browser=False,
                    port=port,
                    endpoint=emulator.url,
                )
            except BaseException as e:  # reported by the test thread
                failures.append(e)

        thread = threading.Thread(target=sign_in)
        thread.start()
        url = wait_for_url(capsys)
        try:  # the test plays the browser: consent page, then the loopback redirect
            with urllib.request.urlopen(url, timeout=10) as page:
                shown = page.read().decode()
        except urllib.error.URLError as e:
            shown = str(e)
        thread.join(timeout=10)
        if failures:
            raise failures[0]
        assert f"redirect_uri=http%3A%2F%2Flocalhost%3A{port}%2F" in url
        return url, shown, token_path

    return run


def wait_for_url(capsys) -> str:
    printed = ""
    for _ in range(200):
        printed += capsys.readouterr().out
        for word in printed.split():
            if word.startswith("http"):
                return word
        time.sleep(0.05)
    raise AssertionError(f"no URL printed: {printed!r}")


def test_the_consent_flow_stores_a_private_token_that_works(emulator, consent):
    url, shown, token_path = consent(google_auth.scopes())

    assert "relance-cal may now reach your calendar" in shown
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query["scope"] == "https://www.googleapis.com/auth/calendar.events.owned"
    assert query["access_type"] == "offline"
    assert query["code_challenge_method"] == "S256"
    assert emulator.calls == ["token"]  # the code went to <endpoint>token, not to Google

    saved = json.loads(token_path.read_text())
    assert saved["refresh_token"] and saved["token"]
    assert saved["scopes"] == [google_auth.SCOPE_EVENTS]
    assert token_path.stat().st_mode & 0o777 == 0o600
    assert token_path.parent.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in token_path.parent.iterdir()] == ["google-token.json"]

    cfg = CalendarConfig(backend="google", endpoint=emulator.url)
    backend = GoogleBackend(cfg, Detection(), role="source", token_path=token_path)
    assert backend.changes(None, WINDOW).full
    backend.close()


def test_a_calendar_the_tool_creates_adds_only_the_app_calendars_scope(consent):
    url, _, token_path = consent(google_auth.scopes(create_calendar=True))

    scopes = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["scope"].split()
    assert sorted(scopes) == sorted([google_auth.SCOPE_EVENTS, google_auth.SCOPE_APP_CALENDARS])
    assert sorted(json.loads(token_path.read_text())["scopes"]) == sorted(scopes)


def test_a_refused_consent_is_exit_3(emulator, consent):
    emulator.deny_consent = True

    with pytest.raises(AuthError, match="Google did not grant access") as raised:
        consent(google_auth.scopes())
    assert raised.value.exit_code == 3


def test_a_missing_or_wrong_client_file_names_the_fix(tmp_path):
    missing = tmp_path / "credentials.json"
    with pytest.raises(ConfigError, match=r"no OAuth client file") as raised:
        google_auth.authorize(
            missing, tmp_path / "t.json", [], open_browser=False, port=0, endpoint=None
        )
    # Where to get it and its shape, in the message: a pip install has no example file.
    message = raised.value.message
    assert "console.cloud.google.com" in message and "Desktop app" in message
    assert "Google Calendar API" in message and f"save it as {missing}" in message
    shape = message[message.index("{") :].replace("GOCSPX-...", "s").replace("1234-abc", "a")
    assert set(json.loads(shape)["installed"]) >= {"client_id", "client_secret", "token_uri"}
    assert "example.json" not in message
    missing.write_text(json.dumps({"web": {"client_id": "x"}}))
    with pytest.raises(ConfigError, match=r"'Web application' client.*installed\.client_id"):
        google_auth.authorize(
            missing, tmp_path / "t.json", [], open_browser=False, port=0, endpoint=None
        )


def test_a_busy_port_names_the_option(client_file, tmp_path):
    with socket.socket() as busy:
        busy.bind(("localhost", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"port {port}.*--port"):
            google_auth.authorize(
                client_file, tmp_path / "t.json", [], open_browser=False, port=port, endpoint=None
            )


def test_the_example_client_file_has_the_shape_google_gives(tmp_path):
    installed = json.loads(EXAMPLE.read_text())["installed"]

    assert sorted(installed) == sorted(
        [
            "client_id",
            "project_id",
            "auth_uri",
            "token_uri",
            "auth_provider_x509_cert_url",
            "client_secret",
            "redirect_uris",
        ]
    )
    assert installed["redirect_uris"] == ["http://localhost"]


def test_an_unreadable_token_file_is_exit_3(tmp_path):
    token = tmp_path / "google-token.json"
    token.write_text("{not json")

    with pytest.raises(AuthError, match="run `relance-cal auth google` again"):
        google_auth.load_credentials(token, google_auth.scopes(), None)


def test_scopes_widen_only_when_asked():
    assert google_auth.scopes() == [google_auth.SCOPE_EVENTS]
    assert google_auth.SCOPE_APP_CALENDARS in google_auth.scopes(create_calendar=True)
    shared = google_auth.scopes(shared=True)
    assert google_auth.SCOPE_SHARED_EVENTS in shared
    assert google_auth.SCOPE_APP_CALENDARS not in shared
