"""Urgent or overdue tasks reach people once per channel; failures are retried, never doubled."""

from __future__ import annotations

import json
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from dmguard import tasks
from dmguard.actions import snooze
from dmguard.alerts import send_due_alerts
from dmguard.clock import SimulatedClock
from dmguard.config import Config, SmtpConfig
from dmguard.store import Store
from tests.conftest import make_config

ALERTS = """
[report.email]
host = "127.0.0.1"
port = 2525
security = "none"
sender = "dmguard@example.org"
recipients = ["team@example.org"]
"""


def _config(tmp_path: Path) -> Config:
    config = make_config(tmp_path, extra=ALERTS)
    web = config.web.model_copy(update={"alerts": config.web.alerts.model_copy(update={
        "email": True, "webhook_url": "http://127.0.0.1:9/hook", "urgent_priority": 80})})
    return config.model_copy(update={"web": web})


def _person(store: Store, config: Config, name: str, kind: str, text: str) -> int:
    store.accounts.ensure("demo", "sandbox")
    contact, _ = store.people.upsert_contact("demo", name, name=name.title(), username=name)
    return tasks.open_task(store, config, "demo", contact, kind, "wrote", text=text) or 0


def test_each_task_is_announced_once_per_channel(tmp_path: Path, clock: SimulatedClock) -> None:
    config = _config(tmp_path)
    store = Store.open(config.store.path, clock)
    urgent = _person(store, config, "ann", "human", "I need a real person, urgent!")
    calm = _person(store, config, "ben", "reply", "What are your hours?")
    mails: list[EmailMessage] = []
    posts: list[dict] = []

    def mailer(message: EmailMessage, smtp: SmtpConfig, password: str | None) -> None:
        mails.append(message)

    def poster(url: str, body: bytes) -> None:
        posts.append(json.loads(body))

    first = send_due_alerts(store, config, clock, mailer=mailer, poster=poster)
    assert first.emailed == [(urgent, "urgent")] and first.posted == [(urgent, "urgent")]
    assert "Ann" in mails[0].get_content() and posts[0]["alerts"][0]["task_id"] == urgent
    assert "text" in posts[0]
    again = send_due_alerts(store, config, clock, mailer=mailer, poster=poster)
    assert again.emailed == [] and again.posted == [] and len(mails) == 1
    clock.advance(timedelta(hours=4, minutes=1))  # the reply target is 4 h: both overdue now
    late = send_due_alerts(store, config, clock, mailer=mailer, poster=poster)
    assert sorted(late.posted) == [(urgent, "overdue"), (calm, "overdue")]
    assert "overdue" in posts[-1]["text"]
    assert send_due_alerts(store, config, clock, mailer=mailer, poster=poster).posted == []
    store.close()


def test_a_failed_send_is_retried_and_snoozed_tasks_wait(tmp_path: Path,
                                                         clock: SimulatedClock) -> None:
    config = _config(tmp_path)
    store = Store.open(config.store.path, clock)
    urgent = _person(store, config, "ann", "human", "I need a real person")
    snoozed = _person(store, config, "cal", "vip", "hello")
    snooze(store, snoozed, "sam", clock.now() + timedelta(hours=1))

    def down(url: str, body: bytes) -> None:
        raise OSError("connection refused")

    failed = send_due_alerts(store, config, clock, mailer=lambda *a: None, poster=down)
    assert failed.posted == [] and "webhook failed" in failed.errors[0]
    posted: list[int] = []
    retried = send_due_alerts(store, config, clock, mailer=lambda *a: None,
                              poster=lambda url, body: posted.append(1))
    assert retried.posted == [(urgent, "urgent")] and retried.emailed == []
    assert store.alerts.sent([urgent])[-1][3] == "sent"
    store.close()


def test_nothing_is_sent_without_channels(tmp_path: Path, clock: SimulatedClock) -> None:
    config = make_config(tmp_path)
    store = Store.open(config.store.path, clock)
    _person(store, config, "ann", "human", "urgent!")
    report = send_due_alerts(store, config, clock, mailer=None, poster=None)
    assert report.emailed == report.posted == report.errors == []
    store.close()
