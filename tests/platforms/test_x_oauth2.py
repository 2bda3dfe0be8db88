"""OAuth 2.0 done properly, end to end against the emulator's authorize and token
endpoints (fundamentals/authentication/oauth-2-0/authorization-code.mdx and
user-access-token.mdx), and check-config proving DM permission."""

from __future__ import annotations

import logging
import os
import socket
import stat
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from dmguard.clock import SimulatedClock
from dmguard.platforms.base import AuthBroken
from dmguard.platforms.sandbox.state import EmulatorOptions
from dmguard.platforms.x_oauth2 import (
    SCOPES,
    OAuth2App,
    OAuth2Tokens,
    TokenFile,
    authorize,
)
from tests.conftest import ROOT
from tests.platforms.helpers import adapter, strict_emulator


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def open_in_a_browser(url: str) -> None:
    """What the person does: open the URL; X (here the emulator) redirects to us."""
    threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 10},
                     daemon=True).start()


def authorized(clock: SimulatedClock, state, server, tmp_path: Path  # type: ignore[no-untyped-def]
               ) -> tuple[OAuth2App, TokenFile]:
    app = OAuth2App("client-1", f"http://127.0.0.1:{free_port()}/callback")
    state.register_oauth2_client(app.client_id, app.redirect_uri)
    file = TokenFile(tmp_path / "var" / "tokens.json")
    authorize(app, file, show=open_in_a_browser, now=clock.now, base_url=server.url, timeout=10)
    return app, file


def test_the_pkce_flow_saves_tokens_in_a_private_file_and_logs_none(
        clock: SimulatedClock, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with strict_emulator(clock) as (state, server):
        _app, file = authorized(clock, state, server, tmp_path)
        tokens = file.load()
        assert tokens is not None and set(SCOPES) <= tokens.scopes
        assert tokens.expires_at == clock.now() + timedelta(hours=2)
        assert stat.S_IMODE(os.stat(file.path).st_mode) == 0o600
        assert [p.name for p in file.path.parent.iterdir() if p.suffix == ".tmp"] == []
        logged = caplog.text + repr(tokens)
        assert tokens.access_token not in logged and str(tokens.refresh_token) not in logged


def test_a_confidential_client_and_a_refused_authorization(clock: SimulatedClock,
                                                          tmp_path: Path) -> None:
    with strict_emulator(clock) as (state, server):
        app = OAuth2App("client-2", f"http://127.0.0.1:{free_port()}/callback", "secret")
        state.register_oauth2_client(app.client_id, app.redirect_uri, "secret")
        file = TokenFile(tmp_path / "t.json")
        authorize(app, file, show=open_in_a_browser, now=clock.now, base_url=server.url,
                  timeout=10)
        assert file.load() is not None
        state.problems.permission_lost = True  # X will not grant dm.* now
        with pytest.raises(AuthBroken, match=r"also needs dm\.read dm\.write"):
            authorize(app, TokenFile(tmp_path / "u.json"), show=open_in_a_browser,
                      now=clock.now, base_url=server.url, timeout=10)
        assert not (tmp_path / "u.json").exists(), "nothing saved"


def test_calls_refresh_before_expiry_and_the_rotated_token_is_saved(
        clock: SimulatedClock, tmp_path: Path) -> None:
    """Two hours pass; the next call refreshes first (offline.access), the file holds
    the new refresh token, and the old one is refused by X from then on."""
    with strict_emulator(clock) as (state, server):
        app, file = authorized(clock, state, server, tmp_path)
        first = file.load()
        assert first is not None
        x = adapter(server, tokens=OAuth2Tokens(app, file, now=clock.now, base_url=server.url))
        assert x.whoami().username == "acme"
        for hours in range(1, 7):
            clock.advance(timedelta(hours=2))
            x._me = None
            assert x.whoami().username == "acme", f"after {2 * hours} hours"
        latest = file.load()
        assert latest is not None and latest.refresh_token != first.refresh_token
        stale = requests.post(server.url + "/2/oauth2/token", data={
            "grant_type": "refresh_token", "refresh_token": first.refresh_token,
            "client_id": app.client_id}, timeout=5)
        assert stale.status_code == 400


def test_a_401_refreshes_once_and_a_refused_refresh_is_auth_broken(
        clock: SimulatedClock, tmp_path: Path) -> None:
    with strict_emulator(clock) as (state, server):
        app, file = authorized(clock, state, server, tmp_path)
        x = adapter(server, tokens=OAuth2Tokens(app, file, now=clock.now, base_url=server.url))
        state.expire_tokens()  # revoked early: the emulator answers 401
        assert x.whoami().username == "acme"
        state.refresh_tokens.clear()  # the refresh token was revoked too
        state.expire_tokens()
        x._me = None
        with pytest.raises(AuthBroken, match="dmguard auth x"):
            x.whoami()


def test_the_token_file_is_replaced_atomically(tmp_path: Path, clock: SimulatedClock,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash while saving leaves the old tokens whole (temporary file + os.replace)."""
    with strict_emulator(clock) as (state, server):
        _app, file = authorized(clock, state, server, tmp_path)
    before = file.path.read_text()
    old = file.load()
    assert old is not None

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        file.save(old)
    assert file.path.read_text() == before
    assert [p for p in file.path.parent.iterdir() if p.name.endswith(".tmp")] == []


def _x_config(tmp_path: Path, url: str, extra: str = "") -> Path:
    conf = tmp_path / "x.toml"
    text = (ROOT / "config" / "dmguard.toml").read_text()
    text = text.replace('path = "var/dmguard.db"', f'path = "{tmp_path / "d.db"}"')
    conf.write_text(text.replace('platform = "sandbox" ',
                                 f'platform = "x"\napi_url = "{url}"\n{extra}', 1))
    return conf


@pytest.mark.slow
def test_dmguard_auth_x_end_to_end(clock: SimulatedClock, tmp_path: Path) -> None:
    """The command prints the URL, waits for the redirect (bounded by --timeout), saves the
    tokens; check-config then proves DM permission from the granted scopes."""
    with strict_emulator(clock) as (state, server):
        redirect = f"http://127.0.0.1:{free_port()}/callback"
        state.register_oauth2_client("cli-client", redirect)
        token_file = tmp_path / "tok.json"
        conf = _x_config(tmp_path, server.url, f'auth = "oauth2"\ntoken_file = "{token_file}"\n'
                                               f'redirect_uri = "{redirect}"\n')
        env = {**os.environ, "DMGUARD_X_CLIENT_ID": "cli-client"}
        process = subprocess.Popen(
            [sys.executable, "-m", "dmguard", "auth", "x", "--config", str(conf),
             "--timeout", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env, cwd=tmp_path)
        assert process.stdout is not None
        url = ""
        for line in process.stdout:
            if line.strip().startswith("http"):
                url = line.strip()
                break
        assert url.startswith(server.url + "/i/oauth2/authorize?")
        requests.get(url, timeout=10)
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "tokens saved to" in out and stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
        tokens = TokenFile(token_file).load()
        assert tokens is not None and tokens.access_token not in out + err
        from dmguard.cli import cli

        result = CliRunner(env={"DMGUARD_X_CLIENT_ID": "cli-client"}).invoke(
            cli, ["check-config", "--config", str(conf)])
        assert result.exit_code == 0, result.output


def test_check_config_refuses_oauth1_tokens_without_dm_access(
        clock: SimulatedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """x-access-level (changelog.mdx, May 8 2017) must name direct messages: a
    read-write token answers /2/users/me but cannot send a DM."""
    from dmguard.cli import cli

    for name in ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET"):
        monkeypatch.setenv(f"DMGUARD_X_{name}", "v")
    with strict_emulator(clock, EmulatorOptions(oauth1_access_level="read-write")) as (_, server):
        result = CliRunner().invoke(cli, ["check-config", "--config",
                                          str(_x_config(tmp_path, server.url))])
    assert result.exit_code == 2
    assert "'read-write', without Direct Messages" in result.output
    assert "Read and write and Direct message" in result.output


def test_check_config_refuses_oauth2_tokens_without_dm_scopes(
        clock: SimulatedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dmguard.cli import cli

    monkeypatch.setenv("DMGUARD_X_CLIENT_ID", "client-1")
    with strict_emulator(clock) as (state, server):
        token_file = tmp_path / "tok.json"
        from dmguard.platforms.x_oauth2 import TokenSet

        state.register_oauth2_client("client-1", "http://127.0.0.1:8723/callback")

        answer = state.issue_tokens(frozenset({"users.read", "tweet.read", "offline.access"}))
        TokenFile(token_file).save(TokenSet.from_answer(answer, clock.now()))
        conf = _x_config(tmp_path, server.url, f'auth = "oauth2"\ntoken_file = "{token_file}"\n')
        result = CliRunner().invoke(cli, ["check-config", "--config", str(conf)])
    assert result.exit_code == 2, result.output
    assert "lacks the scopes dm.read dm.write follows.read" in result.output


def test_a_long_lived_process_picks_up_tokens_from_a_new_sign_in(
        clock: SimulatedClock, tmp_path: Path) -> None:
    """After `dmguard auth x` (run as another process) replaces the file, the daemon's
    next call uses the new tokens, not the ones it had read before."""
    with strict_emulator(clock) as (state, server):
        app, file = authorized(clock, state, server, tmp_path)
        tokens = OAuth2Tokens(app, file, now=clock.now, base_url=server.url)
        before = tokens.current()
        clock.advance(timedelta(seconds=1))
        authorize(app, file, show=open_in_a_browser, now=clock.now, base_url=server.url,
                  timeout=10)
        after = tokens.current()
        assert after.access_token != before.access_token
        assert after.access_token == (file.load() or before).access_token
