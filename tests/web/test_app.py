"""The queue's web page over real HTTP, and once end to end in headless Chromium."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from dmguard import tasks
from dmguard.clock import SimulatedClock
from dmguard.config import Config
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.store import NewMessage, Origin, Store
from dmguard.web.app import QueueServer, csrf_token
from tests.conftest import make_config

SECRET = "s3cret-token"


@pytest.fixture
def world(tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
          sandbox: SandboxServer) -> Iterator[tuple[Config, QueueServer, dict[str, int]]]:
    config = make_config(tmp_path, extra="")
    config = config.model_copy(update={"accounts": [config.accounts[0].model_copy(
        update={"sandbox_url": sandbox.url})]})
    store = Store.open(config.store.path, clock)
    store.accounts.ensure("demo", "sandbox")
    ids = {}
    for name, text in (("<script>alert(1)</script>", "Why was I charged twice??"),
                       ("Amy Lee", "Do you ship to Lisbon?")):
        user = sandbox_state.add_user(username=f"u{len(ids)}", name=name)
        contact_id, _ = store.people.upsert_contact("demo", user.id, name=name,
                                                    username=user.username)
        store.messages.add(NewMessage(account_id="demo", contact_id=contact_id, direction="in",
                                      origin=Origin.PERSON, kind="inbound", text=text,
                                      state="received", sent_at=store.now()), actor="test")
        ids[name] = tasks.open_task(store, config, "demo", contact_id, "reply",
                                    "wrote to the account", text=text) or 0
    store.close()
    server = QueueServer(config, 0, SECRET, "sam", clock)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield config, server, ids
    server.shutdown()
    server.server_close()


def session(server: QueueServer) -> requests.Session:
    browser = requests.Session()
    first = browser.get(f"{server.url}/?token={SECRET}", allow_redirects=False, timeout=5)
    assert first.status_code == 303
    assert "HttpOnly" in first.headers["set-cookie"]
    assert "SameSite=Strict" in first.headers["set-cookie"]
    return browser


def test_the_page_needs_the_token(world: tuple) -> None:  # type: ignore[type-arg]
    _, server, _ = world
    assert requests.get(f"{server.url}/", timeout=5).status_code == 403
    assert requests.get(f"{server.url}/?token=nope", timeout=5).status_code == 403


def test_queue_is_sorted_and_escaped(world: tuple) -> None:  # type: ignore[type-arg]
    _, server, ids = world
    page = session(server).get(f"{server.url}/", timeout=5).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    complaint = page.index(f'/tasks/{ids["<script>alert(1)</script>"]}"')
    question = page.index(f'/tasks/{ids["Amy Lee"]}"')
    assert complaint < question, "the negative, urgent message comes first"


def test_forms_need_the_csrf_token_and_the_same_origin(world: tuple) -> None:  # type: ignore[type-arg]
    _, server, ids = world
    browser = session(server)
    url = f"{server.url}/tasks/{ids['Amy Lee']}/dismiss"
    assert browser.post(url, data={}, timeout=5).status_code == 403
    assert browser.post(url, data={"csrf": csrf_token(SECRET)},
                        headers={"Origin": "http://evil.example"}, timeout=5).status_code == 403
    assert requests.post(url, data={"csrf": csrf_token(SECRET)}, timeout=5).status_code == 403
    done = browser.post(url, data={"csrf": csrf_token(SECRET)}, timeout=5)
    assert done.status_code == 200 and "Task closed." in done.text
    again = browser.post(url, data={"csrf": csrf_token(SECRET)}, timeout=5)
    assert again.status_code == 409 and "already dismissed" in again.text


def test_reply_sends_once_and_refuses_template_leftovers(
        world: tuple, sandbox_state: SandboxState) -> None:  # type: ignore[type-arg]
    _, server, ids = world
    browser = session(server)
    url = f"{server.url}/tasks/{ids['Amy Lee']}/reply"
    form = {"csrf": csrf_token(SECRET)}
    empty = browser.post(url, data={**form, "text": "  "}, timeout=5)
    assert empty.status_code == 409 and "empty" in empty.text
    leftover = browser.post(url, data={**form, "text": "Hi {first_name}, yes!"}, timeout=5)
    assert leftover.status_code == 409 and "template leftovers" in leftover.text
    sent = browser.post(url, data={**form, "text": "Hi Amy, Sam here: yes, we ship to Lisbon."},
                        timeout=5)
    assert sent.status_code == 200 and "Sent (message" in sent.text
    twice = browser.post(url, data={**form, "text": "again"}, timeout=5)
    assert twice.status_code == 409
    dms = [e.text for e in sandbox_state.sent_by_account()]
    assert dms == ["Hi Amy, Sam here: yes, we ship to Lisbon."]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                             "(make test installs it when it runs as root)")
def test_reply_end_to_end_in_headless_chromium(world: tuple,  # type: ignore[type-arg]
                                               sandbox_state: SandboxState) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    _, server, ids = world
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/?token={SECRET}")
            page.click(f'a[href="/tasks/{ids["Amy Lee"]}"]')
            assert page.inner_text("#person").startswith("Amy Lee")
            page.fill("textarea[name=text]", "Hi Amy, Sam from the team: yes, Lisbon is fine!")
            page.click("#send")
            assert "Sent (message" in page.inner_text("#notice")
        finally:
            browser.close()
    received = [e.text for e in sandbox_state.sent_by_account()]
    assert received == ["Hi Amy, Sam from the team: yes, Lisbon is fine!"]


def test_release_an_edited_hold_from_the_page(world: tuple) -> None:  # type: ignore[type-arg]
    from dmguard.submit import submit_messages

    config, server, _ = world
    (held,) = submit_messages(config, [{"id": "h", "text": "Dear valued customer, hi!",
                                        "recipient": {"username": "u1"}}])
    store = Store.open(config.store.path, SimulatedClock(datetime.now(UTC)))
    task_id = next(t.id for t in store.tasks.listing() if t.kind == "hold")
    store.close()
    browser = session(server)
    page = browser.get(f"{server.url}/tasks/{task_id}", timeout=5).text
    assert f'action="/tasks/{task_id}/release"' in page
    url = f"{server.url}/tasks/{task_id}/release"
    form = {"csrf": csrf_token(SECRET)}
    still = browser.post(url, data={**form, "text": "Dear valued customer, hi again"}, timeout=5)
    assert still.status_code == 409 and "still held" in still.text
    done = browser.post(url, data={**form, "text": "Amy, Lisbon pop-up on Friday: want to come?"},
                        timeout=5)
    assert done.status_code == 200 and "queued to send" in done.text
    assert held["state"] == "held"
