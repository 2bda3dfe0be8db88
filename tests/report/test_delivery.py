"""The daily report: data, renderers, chart, and delivery to a real local SMTP server."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from dmguard.config import ReportConfig, SmtpConfig
from dmguard.report import render
from dmguard.report.data import build_report
from dmguard.report.delivery import deliver
from dmguard.store import NewMessage, Origin, Store
from tests.conftest import START


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def refuse(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    return AuthResult(success=False, handled=False)


def some_activity(store: Store) -> None:
    store.accounts.ensure("demo", "sandbox")
    contact_id, _ = store.people.upsert_contact("demo", "1", name="Amy <b>Lee</b>")
    for state in ("queued", "held"):
        message_id = store.messages.add(
            NewMessage(account_id="demo", contact_id=contact_id, direction="out",
                       origin=Origin.SUBMIT, kind="campaign", text="Dear valued customer",
                       state="audited"), actor="test")
        store.messages.transition(message_id, ("audited",), state, "audit")
        if state == "queued":
            store.messages.transition(message_id, ("queued",), "sending", "sender")
            store.messages.transition(message_id, ("sending",), "sent", "sender",
                                      sent_at=store.now(), labelled_text="[Automated] x")


def config_for(tmp_path: Path, port: int, **smtp: Any) -> ReportConfig:
    return ReportConfig(dir=tmp_path / "reports", email=SmtpConfig(
        host="127.0.0.1", port=port, security="none", sender="dmguard@example.org",
        recipients=["owner@example.org"], **smtp))


def test_report_is_emailed_with_html_and_chart(store: Store, tmp_path: Path,
                                                smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    some_activity(store)
    report = build_report(store, ["demo"], START.date())
    done = deliver(store, config_for(tmp_path, port), report)
    assert done.errors == [] and done.emailed_to == ["owner@example.org"]
    (message,) = inbox.messages
    assert message["Subject"] == f"dmguard daily summary {START.date()}"
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "automated messages inspected" in parts["text/plain"].get_payload(decode=True).decode()
    html = parts["text/html"].get_payload(decode=True).decode()
    assert 'src="cid:chart-demo"' in html
    image = parts["image/png"]
    assert image["Content-ID"] == "<chart-demo>"
    assert image.get_payload(decode=True).startswith(b"\x89PNG")
    assert {p.suffix for p in done.files} == {".md", ".html", ".json"}


def test_smtp_down_still_writes_the_file_and_the_next_report_says_so(
        store: Store, tmp_path: Path) -> None:
    some_activity(store)
    report = build_report(store, ["demo"], START.date())
    done = deliver(store, config_for(tmp_path, free_port()), report)
    assert done.files and all(path.exists() for path in done.files)
    assert done.errors and "failed" in done.errors[0]
    store.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    tomorrow = build_report(store, ["demo"], START.date() + timedelta(days=1))
    assert any("report delivery failed" in line for line in tomorrow.accounts[0].attention)


def test_the_same_failure_again_and_again_is_one_line_in_the_next_report(
        store: Store, tmp_path: Path) -> None:
    report = build_report(store, ["demo"], START.date())
    config = config_for(tmp_path, free_port())
    for _ in range(3):
        deliver(store, config, report)
        store.clock.advance(timedelta(minutes=15))  # type: ignore[attr-defined]
    tomorrow = build_report(store, ["demo"], START.date() + timedelta(days=1))
    [line] = [line for line in tomorrow.accounts[0].attention if "delivery failed" in line]
    assert line.startswith("report delivery failed 3 times from 2026-11-23T09:00 to "
                           "2026-11-23T09:30: e-mail to owner@example.org")


def test_refused_login_is_recorded(store: Store, tmp_path: Path) -> None:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=refuse,
                            auth_require_tls=False)
    controller.start()
    try:
        report = build_report(store, ["demo"], START.date())
        done = deliver(store, config_for(tmp_path, port, username="owner"), report, "wrong")
    finally:
        controller.stop()
    assert inbox.messages == []
    assert done.errors and "535" in done.errors[0]


def test_a_quiet_day_is_a_short_report_not_an_error(store: Store) -> None:
    store.accounts.ensure("demo", "sandbox")
    report = build_report(store, ["demo"], START.date())
    assert report.quiet
    text = render.markdown(report)
    assert "Nothing happened on this day" in text and "A quiet day" in text


def test_html_escapes_profile_text_and_embeds_the_chart(store: Store) -> None:
    some_activity(store)
    report = build_report(store, ["demo"], START.date())
    page = render.html(report)
    assert "data:image/png;base64," in page
    assert "<b>Lee</b>" not in page
    week = report.accounts[0].last_7_days
    assert len(week) == 7 and week[-1].sent == 1 and week[-1].held == 1


def test_a_failed_e_mail_counts_as_a_failed_delivery_and_is_tried_again(
        store: Store, tmp_path: Path) -> None:
    """Before: the day counted as delivered, so a two-minute SMTP outage at report time
    lost that day's e-mail for good."""
    from dmguard.report.delivery import RETRY_AFTER, deliver_once
    from dmguard.report.schedule import day_to_deliver

    store.clock.set(START.replace(day=24, hour=8, minute=1))  # type: ignore[attr-defined]
    day = day_to_deliver(store, "UTC", "08:00")
    assert day == START.date()
    config = config_for(tmp_path, free_port())
    done = deliver_once(store, config, build_report(store, ["demo"], day))
    assert done is not None and done.files and done.errors
    assert day_to_deliver(store, "UTC", "08:00") is None, "not every minute"
    store.clock.advance(RETRY_AFTER)  # type: ignore[attr-defined]
    assert day_to_deliver(store, "UTC", "08:00") == day


def test_a_report_folder_that_cannot_be_written_is_one_error_and_leaves_no_file(
        store: Store, tmp_path: Path) -> None:
    from dmguard.report.delivery import ReportWriteError, deliver_once

    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    report = build_report(store, ["demo"], START.date())
    with pytest.raises(ReportWriteError, match=r"report folder .*afile/reports: cannot write "
                                               r"dmguard-2026-11-23\.md \(Not a directory\)"):
        deliver_once(store, ReportConfig(dir=blocker / "reports"), report)
    [run] = store.runs.of_job("report")
    assert run.status == "error"


def test_a_write_that_fails_half_way_leaves_no_half_written_report(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All three files or none: before, a full disk on the html left a new md beside the
    day's old html and json."""
    from dmguard.report import delivery

    folder = tmp_path / "reports"
    report = build_report(store, ["demo"], START.date())
    delivery.write_files(report, folder, {})
    before = {path.name: path.read_text() for path in folder.iterdir()}
    store.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    later = build_report(store, ["demo"], START.date())
    real_write = Path.write_text

    def disk_full_on_the_json(path: Path, text: str, *args: Any, **kwargs: Any) -> int:
        if path.name.endswith(".json.partial"):
            raise OSError(28, "No space left on device")
        return real_write(path, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", disk_full_on_the_json)
    with pytest.raises(delivery.ReportWriteError, match="No space left on device"):
        delivery.write_files(later, folder, {})
    assert {path.name: path.read_text() for path in folder.iterdir()} == before
