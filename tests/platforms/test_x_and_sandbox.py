"""tweepy against the emulator over real HTTP: shapes, pagination, errors, rate limits."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests

from dmguard.clock import SimulatedClock
from dmguard.config import XCredentials
from dmguard.platforms.base import AuthBroken, RateLimited, RecipientRefused
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.platforms.x import XPlatform
from tests.conftest import SHARED

CREDS = XCredentials(consumer_key="ck", consumer_secret="cs", access_token="at",
                     access_token_secret="ats")


def platform(server: SandboxServer, calls: list | None = None) -> XPlatform:
    """Retries wait in the emulator's simulated time, never in real time."""
    recorder = (lambda *call: calls.append(call)) if calls is not None else None
    return XPlatform(CREDS, base_url=server.url, recorder=recorder, timeout=5,
                     clock=server.state.clock)


def test_followers_paginate_newest_first_and_stop_at_known(
        sandbox: SandboxServer, sandbox_state: SandboxState) -> None:
    users = [sandbox_state.add_user(username=f"u{i}", name=f"User {i}", description=f"bio {i}")
             for i in range(1205)]
    for user in users:
        sandbox_state.follow(user.id)
    x = platform(sandbox)
    everyone = x.new_followers(set())
    assert len(everyone) == 1205
    assert everyone[0].username == "u1204" and everyone[0].bio == "bio 1204"
    known = {p.user_id for p in everyone}
    newcomer = sandbox_state.add_user(username="late", name="Late Comer")
    sandbox_state.follow(newcomer.id)
    assert [p.username for p in x.new_followers(known)] == ["late"]


def test_send_dm_and_read_it_back(sandbox: SandboxServer, sandbox_state: SandboxState) -> None:
    amy = sandbox_state.add_user(username="amy", name="Amy Lee")
    calls: list = []
    x = platform(sandbox, calls)
    sent = x.send_dm(amy.id, "Hello {{ not a template }} <b>")
    assert [e.text for e in sandbox_state.received_by(amy.id)] == ["Hello {{ not a template }} <b>"]
    events = x.conversation_events(amy.id)
    assert events[-1].id == sent.event_id and events[-1].sender_id == sandbox_state.me.id
    assert ("send_dm", "POST", 200, 1) in calls


def test_dm_events_are_incremental(sandbox: SandboxServer, sandbox_state: SandboxState) -> None:
    amy = sandbox_state.add_user(username="amy", name="Amy Lee")
    first = sandbox_state.user_writes(amy.id, "one")
    x = platform(sandbox)
    assert [e.text for e in x.dm_events(None)] == ["one"]
    for index in range(25):
        sandbox_state.user_writes(amy.id, f"m{index}")
    newer = x.dm_events(first.id)
    assert [e.text for e in newer] == [f"m{index}" for index in range(25)]


def test_403_for_a_user_who_does_not_accept_dms(sandbox: SandboxServer,
                                                 sandbox_state: SandboxState) -> None:
    closed = sandbox_state.add_user(username="closed", name="Closed", accepts_dms=False)
    with pytest.raises(RecipientRefused, match="not permitted"):
        platform(sandbox).send_dm(closed.id, "hi")


def test_401_without_or_with_wrong_credentials(sandbox: SandboxServer,
                                               sandbox_state: SandboxState) -> None:
    response = requests.get(f"{sandbox.url}/2/users/me", timeout=5)
    assert response.status_code == 401
    assert response.json() == {"title": "Unauthorized", "detail": "Unauthorized",
                               "type": "about:blank", "status": 401}
    sandbox_state.credentials = ("someone-else", "token")
    with pytest.raises(AuthBroken, match="401"):
        platform(sandbox).whoami()


def test_429_when_the_window_is_spent_then_reset(sandbox: SandboxServer,
                                                 sandbox_state: SandboxState,
                                                 clock: SimulatedClock) -> None:
    amy = sandbox_state.add_user(username="amy", name="Amy")
    x = platform(sandbox)
    for index in range(15):
        x.send_dm(amy.id, f"m{index}")
    with pytest.raises(RateLimited) as error:
        x.send_dm(amy.id, "one too many")
    assert error.value.reset_at is not None
    assert error.value.reset_at > clock.now()
    clock.advance(timedelta(minutes=15, seconds=1))
    x.send_dm(amy.id, "after the reset")


def test_injected_faults_are_retried(sandbox: SandboxServer, sandbox_state: SandboxState) -> None:
    requests.post(f"{sandbox.url}/_sandbox/faults",
                  json={"rate": 0.3, "kinds": ["500", "503", "drop", "slow"], "seed": 3},
                  timeout=5)
    x = platform(sandbox)
    before = sandbox_state.request_count
    for _ in range(10):
        assert x.whoami().username == "acme"
        x._me = None
    assert sandbox_state.request_count - before > 10, "some calls must have been retried"


@pytest.mark.skipif(not (SHARED / "fixtures" / "x-api").is_dir(), reason="../shared absent")
def test_emulator_answers_in_the_recorded_shapes(sandbox: SandboxServer,
                                                 sandbox_state: SandboxState) -> None:
    """Same keys as X's recorded responses for each call dmguard makes."""
    recorded = [json.loads(line) for line in
                (SHARED / "fixtures" / "x-api" / "interactions.jsonl").read_text().splitlines()]
    other = sandbox_state.add_user(username="other", name="Other")
    sandbox_state.follow(other.id)
    sandbox_state.user_writes(other.id, "hello")
    x = platform(sandbox)
    session = x.client.session
    token = sandbox_state.issue_tokens(frozenset({"dm.read", "dm.write", "users.read",
                                                  "tweet.read", "follows.read"}))
    auth_header = {"Authorization": f"Bearer {token['access_token']}"}

    def ours(method: str, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
        response = session.request(method, "https://api.twitter.com" + path, json=body,
                                   headers=auth_header)
        return response.status_code, response.json(), dict(response.headers)

    def keys(value: object) -> object:
        if isinstance(value, dict):
            return {k: keys(v) for k, v in value.items() if k != "previous_token"}
        if isinstance(value, list) and value:
            return [keys(value[0])]
        return type(value).__name__

    me = sandbox_state.me.id
    checked = 0
    for real in recorded:
        path = urlsplit(real["uri"]).path
        if path == "/2/users/me":
            mine = ours("GET", path)
        elif path.endswith("/followers"):
            mine = ours("GET", f"/2/users/{me}/followers")
        elif path.startswith("/2/dm_conversations/with/") and real["method"] == "POST":
            mine = ours("POST", f"/2/dm_conversations/with/{other.id}/messages", {"text": "x"})
        elif path.startswith("/2/dm_conversations/with/") and path.endswith("/dm_events"):
            mine = ours("GET", f"/2/dm_conversations/with/{other.id}/dm_events?max_results=1")
        else:
            continue
        status, body, headers = mine
        assert status == real["status"], path
        real_shape, our_shape = keys(real["response_json"]), keys(body)
        if isinstance(real_shape, dict) and "meta" in real_shape:
            real_shape["meta"].pop("next_token", None)
            our_shape["meta"].pop("next_token", None)  # type: ignore[index]
        assert our_shape == real_shape, path
        assert set(real["rate_limit"]) <= {k.lower() for k in headers}
        checked += 1
    assert checked >= 4


def test_check_config_proves_credentials_with_users_me(
        sandbox: SandboxServer, sandbox_state: SandboxState, tmp_path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from dmguard.cli import cli
    from tests.conftest import ROOT

    sandbox_state.credentials = ("right-key", "")
    conf = tmp_path / "x.toml"
    conf.write_text((ROOT / "config" / "dmguard.toml").read_text().replace(
        'platform = "sandbox" ', f'platform = "x"\napi_url = "{sandbox.url}" ', 1))
    for name, value in (("CONSUMER_KEY", "right-key"), ("CONSUMER_SECRET", "s"),
                        ("ACCESS_TOKEN", "t"), ("ACCESS_TOKEN_SECRET", "ts")):
        monkeypatch.setenv(f"DMGUARD_X_{name}", value)
    good = CliRunner().invoke(cli, ["check-config", "--config", str(conf)])
    assert good.exit_code == 0, good.output
    assert "credentials work: GET /2/users/me is @acme" in good.output
    monkeypatch.setenv("DMGUARD_X_CONSUMER_KEY", "wrong-key")
    bad = CliRunner().invoke(cli, ["check-config", "--config", str(conf)])
    assert bad.exit_code == 2
    assert "credentials check failed" in bad.output and "401" in bad.output


@pytest.mark.skipif(not (SHARED / "fixtures" / "x-api").is_dir(), reason="../shared absent")
def test_an_empty_dm_events_answer_and_the_send_answer_match_the_recording(
        clock: SimulatedClock) -> None:
    """interactions.jsonl: GET /2/dm_events with nothing to list is {"meta":
    {"result_count": 0}}; the strict emulator answers the same, with the recorded
    rate-limit headers, and the adapter parses the recorded send answer's keys."""
    from tests.platforms.helpers import adapter, get, strict_emulator

    recorded = [json.loads(line) for line in
                (SHARED / "fixtures" / "x-api" / "interactions.jsonl").read_text().splitlines()]
    (empty,) = [r for r in recorded if urlsplit(r["uri"]).path == "/2/dm_events"]
    sends = [r for r in recorded if r["method"] == "POST" and "/with/" in r["uri"]]
    with strict_emulator(clock) as (state, server):
        answer = get(server, "/2/dm_events")
        assert answer.status_code == empty["status"]
        assert answer.json() == empty["response_json"]
        assert set(empty["rate_limit"]) <= set(answer.headers.keys()) | {
            k.lower() for k in answer.headers}
        amy = state.add_user(username="amy", name="Amy")
        sent = adapter(server).send_dm(amy.id, "hi")
        assert set(sends[0]["response_json"]["data"]) == {"dm_conversation_id", "dm_event_id"}
        assert sent.conversation_id.count("-") == sends[0]["response_json"]["data"][
            "dm_conversation_id"].count("-") == 1
