"""The daemon: APScheduler 3 runs the tick, the sender and the daily report.

Jobs are module-level functions that open their own store (a SQLite connection
belongs to the thread that opened it). SIGTERM or Ctrl-C lets the job in flight
finish and exits 0; a second signal exits at once.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from types import FrameType
from typing import Any

from dmguard import writer_lease
from dmguard.alerts import send_due_alerts
from dmguard.clock import Clock, local_date
from dmguard.config import Config, load_config, smtp_password
from dmguard.process import process_tag
from dmguard.store import Store
from dmguard.tick import AccountRuntime, TickSummary, build_runtime, run_send, run_tick

log = logging.getLogger("dmguard.daemon")
# The running scheduler, so a job can bring its own next run forward (jobs must be
# module-level functions with picklable arguments, so it cannot be passed in).
_scheduler: Any = None
#: Set by a signal, or by a job that found the writer lease taken by another daemon.
_stopping = threading.Event()
_lease_lost = threading.Event()


@dataclass(frozen=True)
class JobContext:
    config_path: str
    sandbox_urls: dict[str, str]
    clock: Clock
    #: Who holds the database's writer lease ("host:pid"); jobs renew it before writing.
    holder: str = ""


def _runtime(context: JobContext, account_name: str) -> AccountRuntime:
    config = load_config(context.config_path)
    account = config.account(account_name)
    store = Store.open(config.store.path, context.clock)
    try:
        return build_runtime(config, account, store,
                             sandbox_url=context.sandbox_urls.get(account_name))
    except BaseException:
        store.close()
        raise


def _still_ours(context: JobContext, store: Store) -> bool:
    """Renew the writer lease; if it was lost, stop the daemon rather than write beside
    another one."""
    if not context.holder or writer_lease.renew(store, context.holder):
        return True
    log.error("lost the database lease to another dmguard daemon; stopping",
              extra={"holder": context.holder})
    _lease_lost.set()
    _stopping.set()
    return False


def alerts_job(context: JobContext) -> None:
    """Tell people about tasks that became urgent or overdue (each once), after the ticks."""
    config = load_config(context.config_path)
    store = Store.open(config.store.path, context.clock)
    try:
        if _still_ours(context, store):
            send_due_alerts(store, config, context.clock, smtp_password=smtp_password())
    finally:
        store.close()


def heartbeat_job(context: JobContext) -> None:
    config = load_config(context.config_path)
    store = Store.open(config.store.path, context.clock)
    try:
        _still_ours(context, store)
    finally:
        store.close()


def tick_job(context: JobContext, account_name: str, send: bool = False) -> TickSummary | None:
    """Every stage but sending, which the sender job does alone so sends stay spaced.

    None when the writer lease was lost (nothing ran)."""
    runtime = _runtime(context, account_name)
    try:
        if not _still_ours(context, runtime.store):
            return None
        summary = run_tick(runtime, send=send)
    finally:
        runtime.store.close()
    if summary.retry_in is not None and _scheduler is not None:
        _bring_forward(f"tick-{account_name}", summary.retry_in, context.clock)
    return summary


def _bring_forward(job_id: str, seconds: float, clock: Clock) -> None:
    """Run a job again in ``seconds`` if that is sooner than its next turn."""
    job = _scheduler.get_job(job_id)
    if job is None or job.next_run_time is None:
        return
    soon = clock.now() + timedelta(seconds=seconds)
    if soon < job.next_run_time:
        job.modify(next_run_time=soon)
        log.warning("%s: platform trouble, trying again in %.0f s", job_id, seconds,
                    extra={"job": job_id, "retry_in": round(seconds)})


def send_job(context: JobContext, account_name: str) -> None:
    runtime = _runtime(context, account_name)
    try:
        if _still_ours(context, runtime.store):
            run_send(runtime)
    finally:
        runtime.store.close()


def report_job(context: JobContext, day: date | None = None, timeout: float = 600) -> bool:
    """Produce and deliver the daily report for ``day`` (default: yesterday, local time).

    It runs as a child process (`dmguard report --deliver`): drawing the chart loads
    matplotlib, which the long-lived daemon should not keep in memory, and a failure
    while rendering cannot take the daemon down.
    """
    config = load_config(context.config_path)
    day = day or local_date(context.clock, config.daemon.timezone, days_ago=1)
    command = [sys.executable, "-m", "dmguard", "report", "--deliver", "--config",
               context.config_path, "--date", day.isoformat()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        log.error("report day=%s: gave up after %.0f s", day.isoformat(), timeout,
                  extra={"job": "report", "day": day.isoformat()})
        return False
    if done.returncode == 0:
        log.info("report day=%s %s", day.isoformat(), done.stderr.strip().replace("\n", "; "),
                 extra={"job": "report", "day": day.isoformat()})
        return True
    log.error("report day=%s failed (exit %d): %s", day.isoformat(), done.returncode,
              done.stderr.strip()[-500:], extra={"job": "report", "day": day.isoformat()})
    return False


def _job_failed(event: Any) -> None:
    """A job that raised: logged at ERROR with its traceback; the scheduler keeps going."""
    log.error("job %s crashed: %r", event.job_id, event.exception,
              exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
              extra={"job": event.job_id})


def missed_report_day(config: Config, clock: Clock) -> date | None:
    """Yesterday's report, if the daemon was down when it was due and it was never written."""
    from dmguard.report.delivery import delivered

    yesterday = local_date(clock, config.daemon.timezone, days_ago=1)
    store = Store.open(config.store.path, clock)
    try:
        done = delivered(store, yesterday.isoformat())
    finally:
        store.close()
    return None if done else yesterday


def run_once(context: JobContext, config: Config) -> int:
    """Every job once, for cron: exit 1 if any of them failed, so cron notices."""
    failed = []
    for account in config.accounts:
        try:
            summary = tick_job(context, account.name, send=True)
        except Exception:
            log.exception("tick account=%s crashed", account.name,
                          extra={"job": "tick", "account": account.name})
            failed.append(f"tick {account.name}")
            continue
        if summary is None or summary.error:
            failed.append(f"tick {account.name}")
    try:
        alerts_job(context)
    except Exception:
        log.exception("alerts crashed", extra={"job": "alerts"})
        failed.append("alerts")
    if not report_job(context, local_date(context.clock, config.daemon.timezone)):
        failed.append("report")
    if failed:
        log.error("run --once: %s failed", ", ".join(failed), extra={"failed": failed})
        return 1
    return 0


def run_daemon(config_path: str, config: Config, sandbox_urls: dict[str, str], clock: Clock,
               once: bool = False, wait_for_lease: timedelta = timedelta(0)) -> int:
    """Run the jobs (once, or on a schedule) holding the database's writer lease.

    Raises LeaseHeld when another daemon holds it (after ``wait_for_lease``)."""
    context = JobContext(config_path, sandbox_urls, clock, holder=process_tag())
    store = Store.open(config.store.path, clock)
    try:
        writer_lease.take(store, context.holder, wait=wait_for_lease)
    finally:
        store.close()
    try:
        return run_once(context, config) if once else _run_scheduled(context, config)
    finally:
        store = Store.open(config.store.path, clock)
        try:
            writer_lease.release(store, context.holder)
        finally:
            store.close()


def _run_scheduled(context: JobContext, config: Config) -> int:
    clock = context.clock

    from apscheduler.events import EVENT_JOB_ERROR
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from dmguard.clock import parse_duration

    scheduler = BackgroundScheduler(timezone=config.daemon.timezone,
                                    job_defaults={"coalesce": True, "max_instances": 1,
                                                  "misfire_grace_time": 300})
    spacing = max(1.0, parse_duration(config.limits.spacing).total_seconds())
    for account in config.accounts:
        scheduler.add_job(tick_job, IntervalTrigger(minutes=config.daemon.tick_minutes),
                          args=[context, account.name], id=f"tick-{account.name}",
                          next_run_time=clock.now())
        scheduler.add_job(send_job, IntervalTrigger(seconds=spacing),
                          args=[context, account.name], id=f"send-{account.name}")
    hour, minute = (int(part) for part in config.daemon.report_time.split(":"))
    scheduler.add_job(report_job, CronTrigger(hour=hour, minute=minute), args=[context],
                      id="daily-report")
    missed = missed_report_day(config, clock)
    if missed:
        scheduler.add_job(report_job, args=[context, missed], id="missed-report")

    scheduler.add_job(alerts_job, IntervalTrigger(minutes=config.daemon.tick_minutes),
                      args=[context], id="alerts")
    scheduler.add_job(heartbeat_job, IntervalTrigger(
        seconds=writer_lease.HEARTBEAT.total_seconds()), args=[context], id="lease-heartbeat")
    scheduler.add_listener(_job_failed, EVENT_JOB_ERROR)
    stop = _stopping
    stop.clear()
    _lease_lost.clear()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            log.warning("second signal: exiting at once")
            os._exit(1)
        log.info("signal %s: finishing the job in flight, then exiting", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    global _scheduler
    _scheduler = scheduler
    scheduler.start()
    log.info("daemon started: %d account(s), tick every %d min, report at %s %s",
             len(config.accounts), config.daemon.tick_minutes, config.daemon.report_time,
             config.daemon.timezone)
    while not stop.wait(1.0):
        pass
    scheduler.shutdown(wait=True)
    log.info("daemon stopped")
    return 1 if _lease_lost.is_set() else 0
