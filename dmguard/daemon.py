"""The daemon: APScheduler 3 runs the tick, the sender and the daily report.

Jobs are module-level functions that open their own store (a SQLite connection
belongs to the thread that opened it). SIGTERM or Ctrl-C lets the job in flight
finish and exits 0; a second signal exits at once.

The config is read once, at start: every job runs on that config, whatever the file
says later. An edit is noticed and logged once ("restart to apply it"); it takes
effect when the daemon is restarted.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from dmguard import writer_lease
from dmguard.alerts import send_due_alerts
from dmguard.clock import Clock, iso
from dmguard.config import Config, smtp_password
from dmguard.process import process_tag
from dmguard.store import Store, StoreBusy
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
    #: The config as read at start, and its text (handed to the report process).
    config: Config
    config_text: str
    #: Who holds the database's writer lease ("host:pid"); jobs renew it before writing.
    holder: str = ""


def _runtime(context: JobContext, account_name: str) -> AccountRuntime:
    config = context.config
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
    config = context.config
    store = Store.open(config.store.path, context.clock)
    try:
        if _still_ours(context, store):
            send_due_alerts(store, config, context.clock, smtp_password=smtp_password())
    finally:
        store.close()


def heartbeat_job(context: JobContext) -> None:
    """Renew the writer lease; it needs nothing but the database the daemon started on."""
    store = Store.open(context.config.store.path, context.clock)
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


def report_job(context: JobContext, timeout: float = 600) -> bool:
    """Deliver the report of the oldest missed day that is due and not delivered yet (see
    :mod:`dmguard.report.schedule`); True when there was nothing to do or it went out.

    It runs as a child process (`dmguard report --deliver`): drawing the chart loads
    matplotlib, which the long-lived daemon should not keep in memory, and a failure
    while rendering cannot take the daemon down. The child is handed the config the
    daemon started with, not whatever the file says now.
    """
    day = _report_day(context)
    if day is None:
        return True
    command = [sys.executable, "-m", "dmguard", "report", "--deliver", "--config",
               context.config_path, "--config-stdin", "--date", day,
               "--now", iso(context.clock.now())]
    try:
        done = subprocess.run(command, input=context.config_text, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return _report_failed(context, day, f"gave up after {timeout:.0f} s")
    if done.returncode == 0:
        log.info("report day=%s %s", day, done.stderr.strip().replace("\n", "; "),
                 extra={"job": "report", "day": day})
        return True
    return _report_failed(context, day, f"exit {done.returncode}: {_problem_of(done.stderr)}")


def _problem_of(stderr: str) -> str:
    """The report process's own one-line errors ("dmguard: …"), or the last line it wrote
    (a traceback's exception): one log line, never a cut-off traceback."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    said = [line.removeprefix("dmguard: ") for line in lines if line.startswith("dmguard: ")]
    return "; ".join(said) if said else (lines[-1][-500:] if lines else "(no output)")


def _report_day(context: JobContext) -> str | None:
    from dmguard.report.schedule import day_to_deliver

    config = context.config
    store = Store.open(config.store.path, context.clock)
    try:
        day = day_to_deliver(store, config.daemon.timezone, config.daemon.report_time)
    finally:
        store.close()
    return None if day is None else day.isoformat()


def _report_failed(context: JobContext, day: str, problem: str) -> bool:
    """Log and record a failed delivery, so it is tried again later, not every minute."""
    from dmguard.report.delivery import record_failure

    log.error("report day=%s failed: %s", day, problem, extra={"job": "report", "day": day})
    store = Store.open(context.config.store.path, context.clock)
    try:
        record_failure(store, day, problem)
    finally:
        store.close()
    return False


def _job_failed(event: Any) -> None:
    """A job that raised: logged at ERROR with its traceback; the scheduler keeps going.

    A database another process kept locked past the busy timeout is not a crash: the
    job runs again at its next turn, and one warning line says so."""
    if isinstance(event.exception, StoreBusy):
        log.warning("job %s: %s; it runs again at its next turn", event.job_id,
                    event.exception, extra={"job": event.job_id})
        return
    log.error("job %s crashed: %r", event.job_id, event.exception,
              exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
              extra={"job": event.job_id})


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
    from dmguard.report.schedule import CATCH_UP_DAYS

    for _ in range(CATCH_UP_DAYS):  # every missed day's report, oldest first
        if _report_day(context) is None:  # a day that just failed waits for its retry
            break
        if not report_job(context) and "report" not in failed:
            failed.append("report")
    if failed:
        log.error("run --once: %s failed", ", ".join(failed), extra={"failed": failed})
        return 1
    return 0


def run_daemon(config_path: str, config: Config, sandbox_urls: dict[str, str], clock: Clock,
               once: bool = False, wait_for_lease: timedelta = timedelta(0),
               config_text: str | None = None) -> int:
    """Run the jobs (once, or on a schedule) holding the database's writer lease, on
    ``config`` (read from ``config_text``; by default the file's text now).

    Raises LeaseHeld when another daemon holds it (after ``wait_for_lease``)."""
    if config_text is None:
        config_text = Path(config_path).read_text(encoding="utf-8")
    for warning in config.warnings():  # what check-config warns about, said at every start
        log.warning("%s: %s", config_path, warning, extra={"config": config_path})
    context = JobContext(config_path, sandbox_urls, clock, config, config_text,
                         holder=process_tag())
    store = Store.open(config.store.path, clock)
    try:
        with _stopped_by_a_signal():
            writer_lease.take(store, context.holder, wait=wait_for_lease, waiting=log.info)
    except _Stopped:
        log.info("stopped while waiting for the writer lease; nothing was done")
        return 0
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


class _Stopped(Exception):
    """SIGTERM or Ctrl-C before the daemon holds the lease: nothing is in flight."""


@contextmanager
def _stopped_by_a_signal() -> Iterator[None]:
    """While the daemon waits for the lease (no job runs yet), SIGTERM or Ctrl-C stops it
    at once, as a clean exit (:class:`_Stopped`), not a kill."""
    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stopped(signum)

    if threading.current_thread() is not threading.main_thread():  # no signals there
        yield
        return
    before = signal.signal(signal.SIGTERM, stop), signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before[0])
        signal.signal(signal.SIGINT, before[1])


class ConfigWatch:
    """Notices an edit of the config file and says once per edit that it waits for a
    restart: the daemon keeps running on the config it started with."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def check(self) -> bool:
        """True (and one log line) when the file changed since the last look."""
        stamp = self._stamp()
        if stamp == self.seen:
            return False
        self.seen = stamp
        log.warning("%s changed; the daemon keeps running on the config it started with: "
                    "check the file (dmguard check-config) and restart the daemon to apply it",
                    self.path, extra={"config": str(self.path)})
        return True


def _run_scheduled(context: JobContext, config: Config) -> int:
    clock = context.clock

    from apscheduler.events import EVENT_JOB_ERROR
    from apscheduler.schedulers.background import BackgroundScheduler
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
    # Checked every minute (one query): it delivers when a day's report falls due, after
    # a restart that missed it, and again after a failure (not before RETRY_AFTER).
    scheduler.add_job(report_job, IntervalTrigger(minutes=1), args=[context],
                      id="daily-report", next_run_time=clock.now())

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
    watch = ConfigWatch(Path(context.config_path))
    while not stop.wait(1.0):
        watch.check()
    scheduler.shutdown(wait=True)
    log.info("daemon stopped")
    return 1 if _lease_lost.is_set() else 0
