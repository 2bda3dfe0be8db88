"""A small team, an emulator and an inbox: Tom (a question and a held draft, overdue), Amy
(a question), a person with a hostile name, and one who does not accept DMs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from dmguard import tasks
from dmguard.clock import SimulatedClock
from dmguard.config import Config
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.store import NewMessage, Origin, Store
from dmguard.users import add_user
from dmguard.web.app import create_app
from tests.conftest import make_config
from tests.web.serving import served_over_http

PASSWORD = "correct horse battery"


@dataclass
class Inbox:
    config: Config
    app: Flask
    clock: SimulatedClock
    people: dict[str, int]
    tasks: dict[str, int]

    def store(self) -> Store:
        return Store.open(self.config.store.path, self.clock)


def _inbound(store: Store, contact_id: int, text: str) -> None:
    store.messages.add(NewMessage(account_id="demo", contact_id=contact_id, direction="in",
                                  origin=Origin.PERSON, kind="inbound", text=text,
                                  state="received", sent_at=store.now()), actor="test")


@pytest.fixture
def inbox(tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
          sandbox: SandboxServer) -> Inbox:
    config = make_config(tmp_path)
    config = config.model_copy(update={"accounts": [config.accounts[0].model_copy(
        update={"sandbox_url": sandbox.url})]})
    store = Store.open(config.store.path, clock)
    store.accounts.ensure("demo", "sandbox")
    add_user(store, "alice", "admin", PASSWORD)
    add_user(store, "bob", "agent", PASSWORD)
    people, task_ids = {}, {}
    for key, name, text, accepts in (
            ("tom", "Tom Ruiz", "Do you ship to Pune? Couldn't find it on the site.", True),
            ("evil", "<script>alert(1)</script>", "Why was I charged twice?? refund now", True),
            ("amy", "Amy Lee", "Do you ship to Lisbon?", True),
            ("closed", "Cleo Shut", "Can you call me?", False)):
        user = sandbox_state.add_user(username=key, name=name)
        user.accepts_dms = accepts
        contact_id, _ = store.people.upsert_contact("demo", user.id, name=name, username=key,
                                                    location="Pune" if key == "tom" else None)
        _inbound(store, contact_id, text)
        people[key] = contact_id
        task_ids[key] = tasks.open_task(store, config, "demo", contact_id, "reply",
                                        "wrote to the account", text=text) or 0
    # Tom also has a held automated draft (a hold task), as in the demo.
    draft = store.messages.add(NewMessage(
        account_id="demo", contact_id=people["tom"], direction="out", origin=Origin.SUBMIT,
        kind="campaign", text="Dear valued customer, our winter sale is on!", state="held",
        verdict="hold"), actor="test")
    task_ids["tom-hold"] = tasks.open_task(store, config, "demo", people["tom"], "hold",
                                           "make this personal", message_id=draft) or 0
    store.close()
    clock.advance(timedelta(hours=5))  # the replies (due in 4 h) are overdue now
    return Inbox(config, create_app(config, clock), clock, people, task_ids)


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def seen_of(page: str) -> str:
    """What a person's page says it showed (its forms carry it back)."""
    match = re.search(r'name="seen" value="([^"]*)"', page)
    return match.group(1) if match else ""


def post_form(client: FlaskClient, url: str, data: dict[str, str]) -> TestResponse:
    """Post a person's form as their page would now: with what the page shows."""
    page = client.get(url.rsplit("/", 1)[0]).text
    return client.post(url, data={**data, "seen": seen_of(page)})


def log_in(client: FlaskClient, name: str, password: str = PASSWORD) -> str:
    """Log in; return the session's CSRF token (from the inbox page)."""
    form = client.get("/login").text
    answer = client.post("/login", data={"csrf": csrf_of(form), "name": name,
                                         "password": password})
    assert answer.status_code == 302, answer.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def alice(inbox: Inbox) -> tuple[FlaskClient, str]:
    client = inbox.app.test_client()
    return client, log_in(client, "alice")


@pytest.fixture
def served(inbox: Inbox) -> Iterator[str]:
    """The inbox over real HTTP (waitress), as `dmguard web` serves it."""
    with served_over_http(inbox.app, max_request_body_size=128 * 1024) as url:
        yield url
