"""The inbox over HTTP: logins, sessions, CSRF, the list, a person's page and the actions."""

from __future__ import annotations

import html
import re
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from dmguard import actions
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.store import NewMessage, Origin
from tests.conftest import config_file, make_config
from tests.web.conftest import PASSWORD, Inbox, csrf_of, log_in, post_form, seen_of

Client = tuple[FlaskClient, str]


# --- who ------------------------------------------------------------------------------


def test_pages_need_a_login_and_a_wrong_password_is_refused(inbox: Inbox) -> None:
    client = inbox.app.test_client()
    assert client.get("/").status_code == 302
    assert client.get(f"/people/{inbox.people['amy']}").headers["Location"].startswith("/login")
    form = client.get("/login").text
    wrong = client.post("/login", data={"csrf": csrf_of(form), "name": "alice",
                                        "password": "not it at all"})
    assert wrong.status_code == 401 and "do not match" in wrong.text
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_strict_and_stored_hashed(inbox: Inbox) -> None:
    client = inbox.app.test_client()
    form = client.get("/login").text
    answer = client.post("/login", data={"csrf": csrf_of(form), "name": "alice",
                                         "password": PASSWORD})
    cookie = next(c for c in answer.headers.getlist("Set-Cookie")
                  if c.startswith("dmguard_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    token = cookie.split("=", 1)[1].split(";", 1)[0]
    store = inbox.store()
    rows = store.connection.all("SELECT id FROM sessions")
    store.close()
    assert rows and all(row["id"] != token for row in rows), "only the token's hash is stored"


def test_secure_cookies_behind_https(inbox: Inbox) -> None:
    from dmguard.web.app import create_app

    web = inbox.config.web.model_copy(update={"public_url": "https://queue.example.org"})
    app = create_app(inbox.config.model_copy(update={"web": web}), inbox.clock)
    client = app.test_client()
    form = client.get("/login", base_url="https://queue.example.org").text
    answer = client.post("/login", base_url="https://queue.example.org", data={
        "csrf": csrf_of(form), "name": "alice", "password": PASSWORD})
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if "dmguard_session" in c)
    assert cookie.startswith("__Host-dmguard_session=") and "Secure" in cookie


def test_an_expired_session_is_refused(inbox: Inbox, alice: Client) -> None:
    client, csrf = alice
    assert client.get("/").status_code == 200
    inbox.clock.advance(timedelta(hours=12, minutes=1))
    assert client.get("/").headers["Location"] == "/login"
    refused = client.post(f"/people/{inbox.people['amy']}/claim", data={"csrf": csrf})
    assert refused.status_code == 403 and "session has ended" in refused.text


def test_forged_forms_are_refused(inbox: Inbox, alice: Client) -> None:
    client, csrf = alice
    url = f"/people/{inbox.people['amy']}/dismiss"
    assert client.post(url, data={}).status_code == 403
    assert client.post(url, data={"csrf": "forged"}).status_code == 403
    other = client.post(url, data={"csrf": csrf}, headers={"Origin": "http://evil.example"})
    assert other.status_code == 403 and "another site" in other.text
    store = inbox.store()
    assert store.tasks.get(inbox.tasks["amy"]).state == "open"  # type: ignore[union-attr]
    store.close()
    assert post_form(client, url, {"csrf": csrf}).status_code == 302


def test_login_form_needs_its_own_token(inbox: Inbox) -> None:
    client = inbox.app.test_client()
    client.get("/login")
    forged = client.post("/login", data={"csrf": "x", "name": "alice", "password": PASSWORD})
    assert forged.status_code == 403


def test_logins_are_rate_limited_per_user(inbox: Inbox) -> None:
    client = inbox.app.test_client()
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        client.post("/login", data={"csrf": token, "name": "bob", "password": "wrong one!!"})
    blocked = client.post("/login", data={"csrf": token, "name": "bob", "password": PASSWORD})
    # rate limited, not a wrong password: 429 and when to come back (a new user's probe)
    assert blocked.status_code == 429 and "Too many failed logins" in blocked.text
    assert blocked.headers["Retry-After"] == "900"
    inbox.clock.advance(timedelta(minutes=16))
    log_in(client, "bob")


def test_agents_cannot_manage_the_team_admins_can(inbox: Inbox, alice: Client) -> None:
    bob = inbox.app.test_client()
    bob_csrf = log_in(bob, "bob")
    assert bob.get("/team").status_code == 403
    assert bob.post("/team", data={"csrf": bob_csrf, "name": "eve", "role": "admin",
                                   "password": PASSWORD}).status_code == 403
    client, csrf = alice
    added = client.post("/team", data={"csrf": csrf, "name": "carol", "role": "agent",
                                       "password": PASSWORD, "accounts": "demo"})
    assert added.status_code == 302
    assert "carol" in client.get("/team").text
    client.post("/team/bob/remove", data={"csrf": csrf})
    assert bob.get("/").status_code == 302, "a removed user's session ends"


def test_the_team_form_refuses_an_unknown_account_instead_of_giving_all(
        inbox: Inbox, alice: Client) -> None:
    client, csrf = alice
    refused = client.post("/team", data={"csrf": csrf, "name": "carl", "role": "agent",
                                         "password": PASSWORD, "accounts": ["demo", "nosuch"]})
    assert refused.status_code == 400
    assert "No account named &#39;nosuch&#39; in the configuration (known: demo)." in refused.text
    store = inbox.store()
    assert store.users.named("carl") is None, "nobody was added, least of all with every account"
    store.close()


# --- the list --------------------------------------------------------------------------


def test_one_row_per_person_with_preview_due_owner_escaped(inbox: Inbox, alice: Client) -> None:
    client, _ = alice
    page = client.get("/").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count(f'href="/people/{inbox.people["tom"]}"') == 1, "Tom's two tasks: one row"
    assert "Do you ship to Pune?" in page, "what they last wrote"
    assert re.search(r"overdue 1 h", page), "relative due time"
    assert "2 tasks" in page and "nobody" in page
    evil = page.index(f'/people/{inbox.people["evil"]}"')
    amy = page.index(f'/people/{inbox.people["amy"]}"')
    assert evil < amy, "the negative, urgent message comes first"


def test_filters_search_and_counts(inbox: Inbox, alice: Client) -> None:
    client, csrf = alice
    post_form(client, f"/people/{inbox.people['amy']}/assign", {"csrf": csrf, "to": "alice"})
    mine = client.get("/?view=mine").text
    assert f'/people/{inbox.people["amy"]}"' in mine
    assert f'/people/{inbox.people["tom"]}"' not in mine
    assert re.search(r'id="view-mine"[^>]*>Mine <span class="count">1<', mine)
    assert re.search(r'id="view-unassigned"[^>]*>Unassigned <span class="count">3<', mine)
    found = client.get("/?q=lisbon").text
    assert f'/people/{inbox.people["amy"]}"' in found
    assert f'/people/{inbox.people["tom"]}"' not in found
    held = client.get("/?kind=hold").text
    assert f'/people/{inbox.people["tom"]}"' in held
    assert f'/people/{inbox.people["amy"]}"' not in held
    fragment = client.get("/list?view=overdue", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    version = re.search(r"v=([0-9.T:-]+)", fragment.text)
    assert version
    unchanged = client.get(f"/list?view=overdue&v={version.group(1)}",
                           headers={"HX-Request": "true"})
    assert unchanged.status_code == 204, "polling answers 'nothing new' without a body"


def test_the_list_refreshes_when_the_daemon_adds_work(inbox: Inbox, alice: Client) -> None:
    from dmguard import tasks

    client, _ = alice
    fragment = client.get("/list", headers={"HX-Request": "true"}).text
    version = re.search(r"v=([0-9.T:-]+)", fragment)
    assert version
    store = inbox.store()
    contact, _ = store.people.upsert_contact("demo", "999", name="New Person", username="newp")
    tasks.open_task(store, inbox.config, "demo", contact, "human", "asked for a person")
    store.close()
    fresh = client.get(f"/list?v={version.group(1)}", headers={"HX-Request": "true"})
    assert fresh.status_code == 200 and "New Person" in fresh.text


# --- a person and the actions -----------------------------------------------------------


def test_person_page_thread_tasks_notes_history_and_an_empty_composer(
        inbox: Inbox, alice: Client) -> None:
    client, csrf = alice
    tom = inbox.people["tom"]
    client.post(f"/people/{tom}/note", data={"csrf": csrf, "note": "Asked about Pune <b>x</b>"})
    page = client.get(f"/people/{tom}").text
    assert "Do you ship to Pune?" in page
    assert "Dear valued customer, our winter sale is on!" in page, "the held draft, for reference"
    composer = re.search(r'<textarea id="reply"[^>]*>(.*?)</textarea>', page, re.S)
    assert composer and composer.group(1) == "", "the reply box starts empty"
    assert f"#{inbox.tasks['tom']}" in page and f"#{inbox.tasks['tom-hold']}" in page
    assert "Asked about Pune &lt;b&gt;x&lt;/b&gt;" in page
    assert "opened" in page and "Pune" in page  # history and profile
    assert 'data-canned="Hi Tom, thanks for writing!"' in page, "canned replies filled"


def test_malformed_and_unknown_ids_are_404(alice: Client) -> None:
    client, csrf = alice
    for path in ("/people/abc", "/people/-1", "/people/1.5", "/people/99999",
                 "/people/99999999999999999999999", "/tasks/x", "/nowhere"):
        assert client.get(path).status_code == 404, path
    assert client.post("/people/99999/claim", data={"csrf": csrf}).status_code == 404
    assert client.post("/people/1/explode", data={"csrf": csrf}).status_code in (404, 405)


def test_agents_see_only_their_accounts(inbox: Inbox) -> None:
    from dmguard.users import add_user

    store = inbox.store()
    add_user(store, "dora", "agent", PASSWORD, ("other",))
    store.close()
    client = inbox.app.test_client()
    log_in(client, "dora")
    assert "Nothing waiting here" in client.get("/").text
    assert client.get(f"/people/{inbox.people['amy']}").status_code == 404


def test_claim_assign_unassign_snooze_and_next(inbox: Inbox, alice: Client) -> None:
    client, csrf = alice
    tom = inbox.people["tom"]
    assert post_form(client, f"/people/{tom}/claim", {"csrf": csrf}).status_code == 302
    store = inbox.store()
    assert {t.claimed_by for t in store.tasks.for_contact(tom, open_only=True)} == {"alice"}
    store.close()
    assigned = post_form(client, f"/people/{tom}/assign", {"csrf": csrf, "to": "bob"})
    assert assigned.status_code == 302 and assigned.headers["Location"].startswith("/people/")
    nobody = post_form(client, f"/people/{tom}/assign", {"csrf": csrf, "to": "zed"})
    assert nobody.status_code == 400 and "no teammate named" in nobody.text
    post_form(client, f"/people/{tom}/unassign", {"csrf": csrf})
    snoozed = post_form(client, f"/people/{tom}/snooze", {"csrf": csrf, "for": "4h"})
    assert snoozed.status_code == 302
    assert f'/people/{tom}"' not in client.get("/").text
    assert f'/people/{tom}"' in client.get("/?view=snoozed").text
    inbox.clock.advance(timedelta(hours=4, minutes=1))
    assert f'/people/{tom}"' in client.get("/").text, "back after the snooze"
    done = post_form(client, f"/people/{tom}/done", {"csrf": csrf})
    assert done.status_code == 302 and done.headers["Location"] != f"/people/{tom}"
    assert "Closed 2 tasks." in client.get(done.headers["Location"]).text


def test_reply_sends_once_resolves_the_person_and_goes_next(
        inbox: Inbox, alice: Client, sandbox_state: SandboxState) -> None:
    client, csrf = alice
    tom = inbox.people["tom"]
    sent = post_form(client, f"/people/{tom}/reply", {"csrf": csrf,
                                                     "text": "Hi Tom, yes: Pune in 5 days."})
    assert sent.status_code == 302 and sent.headers["Location"] != f"/people/{tom}"
    assert [e.text for e in sandbox_state.sent_by_account()] == ["Hi Tom, yes: Pune in 5 days."]
    store = inbox.store()
    reply, hold = store.tasks.get(inbox.tasks["tom"]), store.tasks.get(inbox.tasks["tom-hold"])
    assert reply and hold and reply.state == "done" and hold.state == "done"
    draft = store.messages.get(hold.message_id or 0)
    assert draft and draft.state == "cancelled", "the held automated draft is not sent after"
    store.close()
    again = post_form(client, f"/people/{tom}/reply", {"csrf": csrf, "text": "again"})
    assert again.status_code == 409 and "closed already" in again.text
    assert len(sandbox_state.sent_by_account()) == 1


def test_a_failed_reply_keeps_the_text_and_says_what_to_do(inbox: Inbox, alice: Client) -> None:
    client, csrf = alice
    leftover = post_form(client, f"/people/{inbox.people['amy']}/reply",
                         {"csrf": csrf, "text": "Hi {first_name}, yes!"})
    assert leftover.status_code == 400
    assert "template leftovers" in leftover.text and "Hi {first_name}, yes!</textarea>" in \
        leftover.text
    refused = post_form(client, f"/people/{inbox.people['closed']}/reply",
                        {"csrf": csrf, "text": "Sure, what number?"})
    assert refused.status_code == 502
    assert "The reply was not sent" in refused.text and "Sure, what number?</textarea>" in \
        refused.text
    assert "dmguard tasks" not in refused.text and "`" not in refused.text


# --- the server -------------------------------------------------------------------------


def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        conn.settimeout(10)
        return conn.recv(4096)


def test_bodies_are_bounded(served: str) -> None:
    huge = _raw(served, b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n"
                        b"Content-Type: application/x-www-form-urlencoded\r\n\r\nname=a")
    assert huge.split(b" ")[1] in (b"413", b"400")
    negative = _raw(served, b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n"
                            b"Content-Type: application/x-www-form-urlencoded\r\n\r\nname=a")
    assert negative.split(b" ")[1] == b"400"
    chunked = _raw(served, b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                           b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                           + b"10000\r\n" + b"a" * 65536 + b"\r\n" + b"10000\r\n"
                           + b"a" * 65536 + b"\r\n0\r\n\r\n")
    assert chunked.split(b" ")[1] in (b"413", b"400")
    ok = _raw(served, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert ok.startswith(b"HTTP/1.1 200")


def test_security_headers(served: str) -> None:
    answer = _raw(served, b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"script-src 'self'" in answer and b"X-Frame-Options: DENY" in answer


# --- no back door through the queue ------------------------------------------------------


def _composer(page: str) -> str:
    match = re.search(r'<textarea id="reply"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "the page has the reply composer"
    return match.group(1)


def test_the_held_draft_is_refused_as_a_reply_in_one_line_and_the_text_is_kept(
        inbox: Inbox, alice: Client, sandbox_state: SandboxState) -> None:
    client, csrf = alice
    tom = inbox.people["tom"]
    pasted = "dear valued customer,   our winter sale is on!"
    refused = post_form(client, f"/people/{tom}/reply", {"csrf": csrf, "text": pasted})
    assert refused.status_code == 400
    error = re.search(r'<p class="error" id="error" role="alert">(.*?)</p>', refused.text, re.S)
    assert error and "\n" not in error.group(1)
    assert "automated draft held for this person" in error.group(1)
    assert "write to the person yourself" in error.group(1)
    assert _composer(refused.text) == pasted, "what was typed is kept"
    assert sandbox_state.sent_by_account() == [], "nothing went out"


def test_the_draft_is_shown_read_only_and_never_fills_the_composer(
        inbox: Inbox, alice: Client) -> None:
    client, csrf = alice
    tom = inbox.people["tom"]
    page = client.get(f"/people/{tom}").text
    reference = re.search(r'<section class="draft".*?</section>', page, re.S)
    assert reference and "for reference" in reference.group(0)
    assert "Dear valued customer" in reference.group(0) and _composer(page) == ""
    # A release the audit still holds keeps the edit in the release box, not the reply box.
    held = client.post(f"/people/{tom}/release",
                       data={"csrf": csrf, "task": str(inbox.tasks["tom-hold"]),
                             "text": "Dear valued customer, our winter sale is on now!"})
    assert held.status_code == 400 and "The edited draft is still held" in held.text
    assert _composer(held.text) == "", "the edited draft is not put into the personal reply"
    unchanged = client.post(f"/people/{tom}/release",
                            data={"csrf": csrf, "task": str(inbox.tasks["tom-hold"])})
    assert "The draft is still held" in unchanged.text, "nothing was edited, and it says so"
    release = re.search(r'<textarea id="release-\d+"[^>]*>(.*?)</textarea>', held.text, re.S)
    assert release and release.group(1) == "Dear valued customer, our winter sale is on now!"


# --- a form acts only on what its page showed --------------------------------------------


def test_a_form_from_before_a_new_message_does_nothing_and_shows_it(
        inbox: Inbox, alice: Client) -> None:
    """QA finding 13: Dismiss closed an urgent message that came after the page was shown."""
    from dmguard import inbox as inbound
    from dmguard.platforms.base import DmEventData

    client, csrf = alice
    amy = inbox.people["amy"]
    shown = seen_of(client.get(f"/people/{amy}").text)
    store = inbox.store()
    contact = store.people.contact(amy)
    assert contact is not None
    inbound.handle_inbound(store, inbox.config, "demo", DmEventData(
        "urgent-1", "URGENT: I was charged twice, please help", contact.user_id, None,
        inbox.clock.now()), inbound.InboxReport())
    before = {t.id: t.state for t in store.tasks.for_contact(amy)}
    store.close()
    for action, fields in (("dismiss", {}), ("done", {}), ("claim", {}),
                           ("reply", {"text": "Hi Amy, yes, we ship to Lisbon."})):
        stale = client.post(f"/people/{amy}/{action}", data={"csrf": csrf, "seen": shown,
                                                             **fields})
        assert stale.status_code == 409, action
        assert "wrote again since this page was shown" in stale.text
        assert "charged twice" in stale.text, "the page shows what is new"
    store = inbox.store()
    assert {t.id: t.state for t in store.tasks.for_contact(amy)} == before, "nothing changed"
    assert store.lessons.latest("demo", 10) == []
    store.close()
    assert client.post(f"/people/{amy}/dismiss",
                       data={"csrf": csrf}).status_code == 409, "a form must say what it saw"
    assert post_form(client, f"/people/{amy}/dismiss", {"csrf": csrf}).status_code == 302


def test_take_it_refuses_a_teammates_conversation_unless_taken_over(
        inbox: Inbox, alice: Client) -> None:
    client, csrf = alice
    tom = inbox.people["tom"]
    store = inbox.store()
    actions.take(store, inbox.tasks["tom"], "bob")
    store.close()
    page = client.get(f"/people/{tom}").text
    assert 'id="claim"' not in page and "Take it over from bob" in page
    refused = post_form(client, f"/people/{tom}/claim", {"csrf": csrf})
    assert refused.status_code == 409 and "Bob has this conversation" in refused.text
    store = inbox.store()
    assert {t.claimed_by for t in store.tasks.for_contact(tom, open_only=True)} == {"bob"}
    store.close()
    taken = post_form(client, f"/people/{tom}/claim", {"csrf": csrf, "take_over": "1"})
    assert taken.status_code == 302
    store = inbox.store()
    assert {t.claimed_by for t in store.tasks.for_contact(tom, open_only=True)} == {"alice"}
    store.close()


def test_done_dismiss_and_release_refuse_a_teammates_conversation_until_taken_over(
        inbox: Inbox, alice: Client) -> None:
    """QA 2: alice claimed Tom; bob's claim and reply were refused (409) but his Done closed
    the conversation (200, "Closed 1 task"). Now every closing form is refused the same way,
    for an admin too, until it is taken over."""
    client, csrf = alice
    tom, amy = inbox.people["tom"], inbox.people["amy"]
    hold = str(inbox.tasks["tom-hold"])
    assert post_form(client, f"/people/{tom}/claim", {"csrf": csrf}).status_code == 302
    bob = inbox.app.test_client()
    bob_csrf = log_in(bob, "bob")
    for action, fields in (("done", {}), ("dismiss", {}), ("dismiss", {"task": hold}),
                           ("release", {"task": hold, "text": "Hi Tom, our winter sale is on."}),
                           ("claim", {}),
                           ("reply", {"text": "Hi Tom, yes, we ship to Pune."})):
        refused = post_form(bob, f"/people/{tom}/{action}", {"csrf": bob_csrf, **fields})
        assert refused.status_code == 409, (action, fields)
        assert "Alice has this conversation; take it over first." in refused.text
        assert "dmguard tasks" not in refused.text, "a page names no command"
    store = inbox.store()
    assert {(t.state, t.claimed_by) for t in store.tasks.for_contact(tom)} == {("claimed", "alice")}
    assert store.lessons.latest("demo", 10) == []
    actions.take(store, inbox.tasks["amy"], "bob")
    store.close()
    admin = post_form(client, f"/people/{amy}/done", {"csrf": csrf})
    assert admin.status_code == 409 and "Bob has this conversation" in admin.text, \
        "an admin takes it over too, as for claim and reply"
    taken = post_form(bob, f"/people/{tom}/claim", {"csrf": bob_csrf, "take_over": "1"})
    assert taken.status_code == 302
    closed = post_form(bob, f"/people/{tom}/done", {"csrf": bob_csrf})
    assert closed.status_code == 302
    store = inbox.store()
    assert {(t.state, t.closed_by) for t in store.tasks.for_contact(tom)} == {("done", "bob")}
    store.close()


def test_one_held_draft_is_dismissed_alone(inbox: Inbox, alice: Client) -> None:
    client, csrf = alice
    hold = inbox.tasks["tom-hold"]
    dismissed = client.post(f"/people/{inbox.people['tom']}/dismiss",
                            data={"csrf": csrf, "task": str(hold)})
    assert dismissed.status_code == 302
    store = inbox.store()
    task, reply = store.tasks.get(hold), store.tasks.get(inbox.tasks["tom"])
    assert task and reply and task.state == "dismissed" and reply.state == "open"
    assert store.messages.get(task.message_id or 0).state == "cancelled"  # type: ignore[union-attr]
    store.close()


def test_a_canned_reply_from_its_button_goes_out_however_often_it_was_sent(
        inbox: Inbox, alice: Client, sandbox_state: SandboxState) -> None:
    """QA 2 (queue 2): the shipped "Looking into it" was refused as a form letter from its
    fourth use, and "send it labelled" cannot be done for a reply."""
    client, csrf = alice
    store = inbox.store()
    for index, first in enumerate(("Ann", "Bo", "Cyd")):
        contact, _ = store.people.upsert_contact("demo", f"c{index}", name=f"{first} Roe")
        store.messages.add(NewMessage(
            account_id="demo", contact_id=contact, direction="out", origin=Origin.HUMAN,
            kind="manual", text=f"Hi {first}, I'm looking into this now and will get back to "
                                "you today.", state="sent", sent_at=store.now()), actor="test")
    store.close()
    amy = inbox.people["amy"]
    page = client.get(f"/people/{amy}").text
    chip = re.search(r'data-canned="([^"]*)">Looking into it<', page)
    assert chip, "the page offers the canned reply filled in for Amy"
    text = html.unescape(chip.group(1))
    sent = post_form(client, f"/people/{amy}/reply", {"csrf": csrf, "text": text})
    assert sent.status_code == 302, sent.text
    assert [e.text for e in sandbox_state.sent_by_account()] == [
        "Hi Amy, I'm looking into this now and will get back to you today."]
    assert "canned reply" in client.get(f"/people/{amy}").text, "the history says so"


def test_removing_a_teammate_hands_their_conversations_back(inbox: Inbox,
                                                            alice: Client) -> None:
    """QA 3 (queue 2): the page said "with carol" after carol was removed."""
    client, csrf = alice
    bob = inbox.app.test_client()
    bob_csrf = log_in(bob, "bob")
    tom = inbox.people["tom"]
    assert post_form(bob, f"/people/{tom}/claim", {"csrf": bob_csrf}).status_code == 302
    assert '<strong id="owner">with bob</strong>' in client.get(f"/people/{tom}").text
    removed = client.post("/team/bob/remove", data={"csrf": csrf})
    assert removed.status_code == 302
    assert ("Removed bob; their sessions have ended; the conversation bob held is unassigned "
            "again.") in client.get("/team").text
    page = client.get(f"/people/{tom}").text
    assert '<span id="owner">nobody has it</span>' in page and "was bob, who was removed" in page


def test_a_refused_claim_does_not_say_a_text_is_kept(inbox: Inbox, alice: Client) -> None:
    """QA 6 (queue 2): "Your text is kept below." after a refused claim, or a claim with no
    ``seen`` field, which have no text; a failed reply still says it."""
    client, csrf = alice
    store = inbox.store()
    actions.take(store, inbox.tasks["amy"], "bob")
    store.close()
    amy = inbox.people["amy"]
    refused = post_form(client, f"/people/{amy}/claim", {"csrf": csrf})
    assert refused.status_code == 409 and "Bob has this conversation" in refused.text
    unseen = client.post(f"/people/{amy}/claim", data={"csrf": csrf})
    assert unseen.status_code == 409 and "out of date" in unseen.text
    for page in (refused.text, unseen.text):
        assert "kept below" not in page
    reply = post_form(client, f"/people/{amy}/reply", {"csrf": csrf, "text": "Hi Amy!"})
    assert "Bob has this conversation" in reply.text and "Your text is kept below." in reply.text


def test_port_0_announces_the_port_the_system_chose(tmp_path: Path) -> None:
    """A new user's probe: `dmguard web --port 0` said it was at http://127.0.0.1:0 while it
    listened on a port the system chose."""
    conf = config_file(tmp_path, created=True)
    process = subprocess.Popen([sys.executable, "-m", "dmguard", "web", "--port", "0",
                                "--config", str(conf)], stderr=subprocess.PIPE, text=True,
                               stdout=subprocess.DEVNULL, cwd=tmp_path)
    try:
        assert process.stderr is not None
        line = ""
        for _ in range(5):  # a note that nobody can log in yet comes first
            line = process.stderr.readline()
            if line.startswith("inbox at"):
                break
        found = re.match(r"inbox at http://127\.0\.0\.1:(\d+) \(listening on 127\.0\.0\.1:(\d+)\)",
                         line)
        assert found is not None, line
        port = int(found.group(1))
        assert port != 0 and found.group(2) == found.group(1)
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_an_address_of_another_machine_is_named_as_the_problem(tmp_path: Path) -> None:
    from dmguard.clock import SystemClock
    from dmguard.web.app import WebError, serve

    config = make_config(tmp_path)
    with pytest.raises(WebError, match=r"cannot listen on 192\.0\.2\.1:0 \(.*\): no such "
                                       r"address here; check --bind or \[web\] bind"):
        serve(config, 0, SystemClock(), announce=print, bind="192.0.2.1")


def test_a_reply_waiting_for_a_person_is_shown_and_settled_on_the_page(inbox: Inbox) -> None:
    """A new user's probe: a personal reply parked for a person showed on no page, and
    nothing could settle it."""
    from dmguard import outbox

    store = inbox.store()
    message_id = store.messages.add(
        NewMessage(account_id="demo", contact_id=inbox.people["amy"], direction="out",
                   origin=Origin.HUMAN, kind="manual", text="Hi Amy, yes: Lisbon in 3 days.",
                   state="queued", verdict="send"), actor="bob", reason="personal reply")
    store.tasks.set_reply(inbox.tasks["amy"], message_id)
    assert outbox.needs_attention(store, message_id, "reconcile", "history starts later")
    store.close()
    client = inbox.app.test_client()
    log_in(client, "bob")
    page = client.get(f"/people/{inbox.people['amy']}").text
    assert f"Personal reply {message_id} waits for a person" in page
    assert "Hi Amy, yes: Lisbon in 3 days." in page and "history starts later" in page
    wrong = post_form(client, f"/people/{inbox.people['tom']}/settle",
                      {"csrf": csrf_of(page), "message": str(message_id), "outcome": "arrived"})
    assert wrong.status_code == 409, "only a message of that person's"
    answer = post_form(client, f"/people/{inbox.people['amy']}/settle",
                       {"csrf": csrf_of(page), "message": str(message_id), "outcome": "arrived"})
    assert answer.status_code == 302
    store = inbox.store()
    try:
        assert store.messages.get(message_id).state == "sent"  # type: ignore[union-attr]
        assert store.tasks.get(inbox.tasks["amy"]).state == "done"  # type: ignore[union-attr]
    finally:
        store.close()
    assert "waits for a person" not in client.get(f"/people/{inbox.people['amy']}").text
