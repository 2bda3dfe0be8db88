"""Urgent work reaches people: an e-mail and/or a webhook when a task is urgent or overdue.

:func:`send_due_alerts` is meant to run on every daemon tick (it is cheap when there
is nothing new). For each channel configured in ``[web.alerts]`` it finds open,
un-snoozed tasks that became urgent (priority at least ``urgent_priority``) or
overdue and were not announced there yet, takes each one's row in the store
(``alerts``, unique per task, reason and channel), sends one message listing them
all, and marks them sent. So each task is announced at most once per reason and
channel: a second tick, a second daemon or a restart finds the rows taken. A send
that fails is marked ``failed`` and retried by the next call; a process killed
between taking and sending leaves the rows ``sending`` and they are not re-sent
(at most once, never twice).

E-mail uses ``[report.email]``'s SMTP settings (password from DMGUARD_SMTP_PASSWORD);
the webhook gets a JSON POST ``{"text": ..., "alerts": [...]}`` (the ``text`` field
is what Slack- and Mattermost-style incoming webhooks show).
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from typing import Any

from dmguard.clock import Clock, iso, parse_iso
from dmguard.config import Config, SmtpConfig
from dmguard.queue_words import holder
from dmguard.store import AlertCandidate, Store

log = logging.getLogger("dmguard.alerts")

REASONS = ("urgent", "overdue")

Mailer = Callable[[EmailMessage, SmtpConfig, str | None], None]
Poster = Callable[[str, bytes], None]


@dataclass
class AlertReport:
    emailed: list[tuple[int, str]] = field(default_factory=list)
    posted: list[tuple[int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _smtp_send(message: EmailMessage, smtp: SmtpConfig, password: str | None) -> None:
    from dmguard.report.delivery import send_email

    send_email(message, smtp, password, timeout=15.0)


def _post_json(url: str, body: bytes) -> None:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "dmguard-alerts"})
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status >= 300:
            raise OSError(f"HTTP {response.status}")


def describe(item: AlertCandidate, reason: str, now: str, link: str | None) -> str:
    who = item.contact_name or (f"@{item.username}" if item.username else f"#{item.contact_id}")
    if reason == "overdue":
        late = parse_iso(now) - parse_iso(item.due_at)
        when = f"overdue {int(late.total_seconds() // 60)} min"
    else:
        when = f"urgent (priority {item.priority})"
    owner = f", {holder(item.claimed_by)}"
    where = f" {link}/people/{item.contact_id}" if link else ""
    return f"{who} [{item.kind}] {when}{owner}: {item.reason}{where}"


def _payload(items: list[tuple[AlertCandidate, str]], now: str,
             link: str | None) -> dict[str, Any]:
    lines = [describe(item, reason, now, link) for item, reason in items]
    return {"text": f"dmguard: {len(items)} task(s) need a person now\n" + "\n".join(lines),
            "alerts": [{**asdict(item), "alert": reason} for item, reason in items]}


def _take(store: Store, config: Config, channel: str, now: str) -> list[tuple[AlertCandidate,
                                                                              str]]:
    alerts = config.web.alerts
    taken: list[tuple[AlertCandidate, str]] = []
    for reason in REASONS:
        room = alerts.batch - len(taken)
        if room <= 0:
            break
        for item in store.alerts.candidates(reason, channel, min_priority=alerts.urgent_priority,
                                            now=now, limit=room):
            if store.alerts.take(item.task_id, reason, channel):
                taken.append((item, reason))
    return taken


def _settled(store: Store, channel: str, keys: list[tuple[int, str]], report: AlertReport,
             what: str, send: Callable[[], object]) -> bool:
    """Send once on a channel and record the outcome of every alert in it; True if sent."""
    try:
        send()
    except (OSError, smtplib.SMTPException, urllib.error.URLError, ValueError) as error:
        problem = f"{what} failed: {error}"
        log.warning(problem)
        store.alerts.settle(keys, channel, problem)
        report.errors.append(problem)
        return False
    store.alerts.settle(keys, channel, None)
    return True


def send_due_alerts(store: Store, config: Config, clock: Clock, *,
                    smtp_password: str | None = None, mailer: Mailer | None = None,
                    poster: Poster | None = None) -> AlertReport:
    """Announce newly urgent or overdue tasks on the configured channels, once each.

    ``clock`` decides what "overdue" means (the daemon's clock); ``mailer`` and
    ``poster`` replace SMTP and HTTP in tests.
    """
    report = AlertReport()
    alerts = config.web.alerts
    now = iso(clock.now())
    link = config.web.public_url.rstrip("/") if config.web.public_url else None
    if alerts.email and config.report.email is not None:
        smtp = config.report.email
        taken = _take(store, config, "email", now)
        if taken:
            payload = _payload(taken, now, link)
            message = EmailMessage()
            message["Subject"] = f"dmguard: {len(taken)} task(s) need a person now"
            message["From"] = smtp.sender
            message["To"] = ", ".join(smtp.recipients)
            message.set_content(payload["text"])
            keys = [(item.task_id, reason) for item, reason in taken]
            if _settled(store, "email", keys, report, f"alert e-mail via {smtp.host}:{smtp.port}",
                        lambda: (mailer or _smtp_send)(message, smtp, smtp_password)):
                report.emailed = keys
    if alerts.webhook_url:
        taken = _take(store, config, "webhook", now)
        if taken:
            body = json.dumps(_payload(taken, now, link)).encode()
            keys = [(item.task_id, reason) for item, reason in taken]
            url = alerts.webhook_url
            if _settled(store, "webhook", keys, report, "alert webhook",
                        lambda: (poster or _post_json)(url, body)):
                report.posted = keys
    return report
