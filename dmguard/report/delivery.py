"""Getting the daily report to its owner: a file always, e-mail when configured.

The files are written first, so the report itself is never lost. An e-mail that
fails (SMTP down, login refused) is recorded as a ``delivery`` run with its error,
which the next report lists, and the day's delivery counts as failed, so it is tried
again after :data:`RETRY_AFTER`. A report folder that cannot be written is a
:class:`ReportWriteError` naming the folder, the file and why; nothing half-written
is left behind.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from dmguard.clock import iso
from dmguard.config import ReportConfig, SmtpConfig
from dmguard.report import render
from dmguard.report.data import DailyReport
from dmguard.store import Store


class ReportWriteError(Exception):
    """The report folder cannot take the report's files (one line: folder, file, why)."""


@dataclass
class Delivery:
    files: list[Path] = field(default_factory=list)
    emailed_to: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def write_files(report: DailyReport, folder: Path, images: dict[str, bytes]) -> list[Path]:
    """Write the md, html and json files: all three under temporary names first, then each
    renamed into place, so a full disk leaves the day's earlier files as they were and
    never an empty, half-written or lone new one."""
    stem = folder / f"dmguard-{report.day}"
    outputs = {".md": render.markdown(report), ".html": render.html(report, images),
               ".json": render.as_json(report)}
    written: list[tuple[Path, Path]] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for suffix, text in outputs.items():
            path = stem.with_suffix(suffix)
            partial = path.with_name(path.name + ".partial")
            written.append((partial, path))
            partial.write_text(text, encoding="utf-8")
        for partial, path in written:
            os.replace(partial, path)
    except OSError as error:
        for partial, _path in written:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
        name = written[-1][1].name if written else stem.with_suffix(".md").name
        raise ReportWriteError(f"report folder {folder}: cannot write {name} "
                               f"({error.strerror or error})") from None
    return [path for _partial, path in written]


def email_message(report: DailyReport, smtp: SmtpConfig, images: dict[str, bytes]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"dmguard daily summary {report.day}"
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message.set_content(render.markdown(report))
    message.add_alternative(render.html(report, images, for_email=True), subtype="html")
    html_part = message.get_payload()[1]  # type: ignore[index]
    for name, png in images.items():
        html_part.add_related(png, maintype="image", subtype="png",
                              cid=f"<{render.chart_cid(name)}>", filename=f"{name}.png")
    return message


def send_email(message: EmailMessage, smtp: SmtpConfig, password: str | None,
               timeout: float = 30.0) -> None:
    context = ssl.create_default_context()
    if smtp.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout,
                                                context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.username:
            client.login(smtp.username, password or "")
        client.send_message(message)


def deliver(store: Store, config: ReportConfig, report: DailyReport,
            password: str | None = None) -> Delivery:
    done = Delivery()
    images = render.charts(report)
    done.files = write_files(report, Path(config.dir), images)
    if config.email is not None:
        run_id = store.runs.start("delivery", None)
        try:
            send_email(email_message(report, config.email, images), config.email, password)
        except (OSError, smtplib.SMTPException) as error:
            problem = f"e-mail to {', '.join(config.email.recipients)} via {config.email.host}:" \
                      f"{config.email.port} failed: {error}"
            store.runs.finish(run_id, "error", None, problem)
            done.errors.append(problem)
        else:
            store.runs.finish(run_id, "ok", f"e-mailed report for {report.day}")
            done.emailed_to = list(config.email.recipients)
    return done


REPORT_JOB = "report"
#: A delivery still "running" after this long was cut short (the daemon gives a report
#: 10 minutes); a failed one is tried again after it.
RETRY_AFTER = timedelta(minutes=15)


def run_key(day: str) -> str:
    """The run summary that marks a day's report as delivered: the idempotency key."""
    return f"report for {day}"


def delivered(store: Store, day: str) -> bool:
    """Whether the report for ``day`` (YYYY-MM-DD) was already delivered."""
    return store.runs.done_with_summary(REPORT_JOB, run_key(day))


def deliver_once(store: Store, config: ReportConfig, report: DailyReport,
                 password: str | None = None, *, again: bool = False) -> Delivery | None:
    """Deliver a day's report unless it was delivered (or is being delivered) already:
    None then. The claim is taken in one transaction, so two callers never both send.
    ``again``: deliver it even if it was delivered (an owner's explicit resend), though
    never while another delivery of it is running."""
    key = run_key(report.day)
    with store.atomic():
        run_id = store.runs.claim(REPORT_JOB, key, iso(store.clock.now() - RETRY_AFTER),
                                  again=again)
    if run_id is None:
        return None
    try:
        done = deliver(store, config, report, password)
    except ReportWriteError as error:
        store.runs.finish(run_id, "error", key, str(error))
        raise
    except BaseException as error:
        store.runs.finish(run_id, "error", key, f"{type(error).__name__}: {error}")
        raise
    if done.errors:  # written, but not e-mailed: tried again after RETRY_AFTER
        store.runs.finish(run_id, "error", key, "; ".join(done.errors))
    else:
        store.runs.finish(run_id, "ok", key)
    return done


def record_failure(store: Store, day: str, problem: str) -> None:
    """A delivery of ``day`` that failed outside :func:`deliver_once` (the report process
    died or timed out): recorded so it is tried again after RETRY_AFTER."""
    run_id = store.runs.start(REPORT_JOB, None)
    store.runs.finish(run_id, "error", run_key(day), problem)
