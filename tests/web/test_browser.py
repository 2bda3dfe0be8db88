"""End to end in headless Chromium against the sandbox emulator: two people work the inbox."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

from dmguard.platforms.sandbox.state import SandboxState
from tests.web.conftest import PASSWORD, Inbox

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                             "(make test installs it when it runs as root)")
def test_two_people_work_the_inbox(inbox: Inbox, served: str,
                                   sandbox_state: SandboxState) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            alice = browser.new_context().new_page()
            bob = browser.new_context().new_page()
            for page, name in ((alice, "alice"), (bob, "bob")):
                page.goto(f"{served}/")
                page.fill("#name", name)
                page.fill("#password", PASSWORD)
                page.click("#login")
                page.wait_for_selector(".convs")

            # Alice filters overdue (an htmx swap), opens Amy, takes her, replies with Ctrl+Enter.
            alice.click("#view-overdue")
            alice.wait_for_url("**/?view=overdue")
            assert alice.get_attribute("#view-overdue", "aria-current") == "page"
            alice.click(f'.conv[data-contact="{inbox.people["amy"]}"] a')
            assert alice.inner_text("#person").startswith("Amy Lee")
            alice.click("#claim")
            assert "It is yours" in alice.inner_text("#notice")
            assert alice.input_value("#reply") == "", "the composer starts empty"
            alice.keyboard.press("r")
            alice.keyboard.type("Hi Amy, Alice here: yes, we ship to Lisbon.")
            alice.keyboard.press("Control+Enter")
            alice.wait_for_selector("#notice")
            assert "Sent to Amy Lee" in alice.inner_text("#notice")
            received = [e.text for e in sandbox_state.sent_by_account()]
            assert received == ["Hi Amy, Alice here: yes, we ship to Lisbon."]

            # A reply the platform refuses keeps the text and says what to do.
            alice.goto(f"{served}/people/{inbox.people['closed']}")
            alice.fill("#reply", "Sure Cleo, what number should we call?")
            alice.focus("#reply")
            alice.keyboard.press("Control+Enter")
            alice.wait_for_selector("#error")
            assert "The reply was not sent" in alice.inner_text("#error")
            assert alice.input_value("#reply") == "Sure Cleo, what number should we call?"

            # Tom's held draft is shown for reference; pasted as a personal reply it is refused.
            alice.goto(f"{served}/people/{inbox.people['tom']}")
            draft = alice.inner_text(".draft .held")
            assert "winter sale" in draft and alice.input_value("#reply") == ""
            alice.fill("#reply", draft)
            alice.click("#send")
            alice.wait_for_selector("#error")
            assert "not a personal reply" in alice.inner_text("#error")
            assert alice.input_value("#reply") == draft, "the typed text is kept"
            assert len(sandbox_state.sent_by_account()) == 1

            # A forged form (a token this page did not make) is refused.
            alice.goto(f"{served}/people/{inbox.people['evil']}")
            alice.eval_on_selector("#dismiss", "b => b.form.querySelector('[name=csrf]')"
                                               ".value = 'forged'")
            alice.click("#dismiss")
            assert "refused" in alice.inner_text("#error")

            # Alice assigns Tom to Bob; Bob sees him under "mine".
            alice.goto(f"{served}/people/{inbox.people['tom']}")
            alice.select_option("#assign-to", "bob")
            alice.click("#assign")
            alice.wait_for_selector("#notice")
            assert "Assigned to bob" in alice.inner_text("#notice")
            bob.reload()
            bob.click("#view-mine")
            bob.wait_for_url("**/?view=mine")
            rows = bob.locator(".conv")
            assert rows.count() == 1
            assert rows.first.get_attribute("data-contact") == str(inbox.people["tom"])
            assert "bob" in rows.first.inner_text()

            # Keyboard: j/k move, Enter opens.
            bob.click("#view-all")
            bob.wait_for_url(f"{served}/")  # "All" is the plain address
            bob.keyboard.press("j")
            bob.keyboard.press("k")
            first = bob.locator(".conv.selected").get_attribute("data-contact")
            bob.keyboard.press("Enter")
            bob.wait_for_url(f"**/people/{first}")

            # Twelve hours on, Bob's session has expired: he is sent to log in again.
            inbox.clock.advance(timedelta(hours=12, minutes=1))
            bob.goto(f"{served}/")
            assert bob.url.startswith(f"{served}/login")
            assert bob.is_visible("#password")
        finally:
            browser.close()
