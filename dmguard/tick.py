"""One tick of the daemon for one account: sync → sequences → audit → send → inbox.

Plain functions over an :class:`AccountRuntime`; the daemon, ``dmguard demo`` and
the tests all call them, with whatever clock they were given. A failing account
does not stop the others: errors are recorded on the run and the tick ends.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, timedelta

from dmguard import inbox, outbox, sequences, tasks
from dmguard.audit import sent
from dmguard.audit.engine import Auditor
from dmguard.clock import parse_iso
from dmguard.config import AccountConfig, Config
from dmguard.identity import same_user
from dmguard.platforms.base import AccountProblem, Platform, PlatformError, Profile, RateLimited
from dmguard.platforms.factory import build_platform, live_check
from dmguard.store import Contact, Store

log = logging.getLogger("dmguard.tick")
RETRY_AFTER_TROUBLE = 30.0


@dataclass
class AccountRuntime:
    config: Config
    account: AccountConfig
    store: Store
    platform: Platform
    _auditor: Auditor | None = None

    @property
    def id(self) -> str:
        return self.account.name

    @property
    def auditor(self) -> Auditor:
        """Built on first use: it indexes the account's sent history, which sending alone
        (the sender job every minute) never needs."""
        if self._auditor is None:
            self._auditor = outbox.auditor_for(self.store, self.config, self.account)
        return self._auditor


def build_runtime(config: Config, account: AccountConfig, store: Store,
                  sandbox_url: str | None = None) -> AccountRuntime:
    """The account's runtime; time comes from the store's clock, so one clock rules a tick."""
    store.accounts.ensure(account.name, account.platform)
    return AccountRuntime(config, account, store,
                          build_platform(config, account, store, sandbox_url))


@dataclass
class TickSummary:
    account: str
    new_followers: int = 0
    reconciled: int = 0
    requeued: int = 0
    sequences: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    reviewed: int = 0
    inbox: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    #: Set when the daily budget stopped the optional reads this tick (why).
    budget: str | None = None
    #: Seconds after which a tick cut short by passing platform trouble is worth retrying.
    retry_in: float | None = None

    def counts(self) -> dict[str, int]:
        return {"new_followers": self.new_followers,
                "drafted": self.sequences.get("drafted", 0), "sent": self.sent,
                "deferred": self.deferred, "failed": self.failed,
                "received": self.inbox.get("received", 0),
                "opt_outs": self.inbox.get("opt_outs", 0), "tasks": self.inbox.get("tasks", 0)}

    def line(self) -> str:
        parts = [f"account={self.account}", f"new_followers={self.new_followers}",
                 f"drafted={self.sequences.get('drafted', 0)}",
                 f"personal_tasks={self.sequences.get('personal_tasks', 0)}",
                 f"sent={self.sent}", f"received={self.inbox.get('received', 0)}",
                 f"opt_outs={self.inbox.get('opt_outs', 0)}",
                 f"tasks={self.inbox.get('tasks', 0)}"]
        if self.error:
            parts.append(f"error={self.error!r}")
        return "tick " + " ".join(parts)


def sync_account(runtime: AccountRuntime) -> None:
    """Learn who we are on the platform (username for the label, user id)."""
    me = runtime.platform.whoami()
    same_user(runtime.store, runtime.id, me)
    runtime.store.accounts.set_identity(runtime.id, me.user_id, me.username, me.name)
    if runtime._auditor is not None:
        runtime._auditor.account_username = me.username


FULL_FOLLOWER_PASS = "followers_full"


def budget_reached(store: Store, config: Config, account_id: str) -> str | None:
    """Why optional reads stop today, or None: the UTC day's bill (what X bills, once
    per resource per UTC day: pricing.mdx) has reached ``[costs] daily_budget``."""
    budget = config.costs.daily_budget
    if budget is None:
        return None
    spent = store.billing.on_day(account_id, store.clock.now().astimezone(UTC).date().isoformat())
    if spent < budget:
        return None
    return (f"daily budget ${budget:.2f} reached (${spent:.2f} billed today, UTC): follower "
            "syncs and reviews of other tools' DMs wait for the next UTC day; the inbox is "
            "still read")


def full_follower_pass_due(store: Store, account_id: str) -> bool:
    """Whether today's (UTC) full follower pass is still to be done: once a day every
    follower is read, so a new follower hidden below a burst of re-follows is found
    within a day (owned reads are billed once per UTC day anyway, pricing.mdx)."""
    last = store.runs.last_of(FULL_FOLLOWER_PASS, account_id, status="ok")
    if last is None:
        return True
    return parse_iso(last.started_at).astimezone(UTC).date() != store.clock.now().astimezone(
        UTC).date()


def never_synced(store: Store, account_id: str) -> bool:
    """Whether this account (not just any account in the database) has never finished a
    tick or a follower pass: its first sync records the audience it already has."""
    return (store.runs.last_of("tick", account_id, status="ok") is None
            and store.runs.last_of(FULL_FOLLOWER_PASS, account_id, status="ok") is None)


def sync_followers(runtime: AccountRuntime, summary: TickSummary,
                   seq_report: sequences.SequenceReport) -> None:
    store = runtime.store
    known = store.people.known_follower_ids(runtime.id)
    first_sync = not known and never_synced(store, runtime.id)
    full = full_follower_pass_due(store, runtime.id)
    run_id = store.runs.start(FULL_FOLLOWER_PASS, runtime.id) if full else None
    try:
        profiles = runtime.platform.new_followers(known, full=full)
    except Exception as error:
        if run_id is not None:
            store.runs.finish(run_id, "error", error=str(error))
        raise
    for profile in reversed(profiles):
        contact_id, _ = store.people.upsert_contact(
            runtime.id, profile.user_id, username=profile.username, name=profile.name,
            bio=profile.bio, location=profile.location, lang=profile.lang,
            followers_count=profile.followers_count, verified=profile.verified,
            followed_at=store.now())
        summary.new_followers += 1
        if not first_sync:
            sequences.on_new_follower(store, runtime.config, runtime.id, contact_id, seq_report)
    if run_id is not None:
        store.runs.finish(run_id, "ok", json.dumps({"new": len(profiles)}))


def run_tick(runtime: AccountRuntime, *, send: bool = True) -> TickSummary:
    """Every stage once. On the very first sync, existing followers are stored, not welcomed."""
    store = runtime.store
    summary = TickSummary(runtime.id)
    run_id = store.runs.start("tick", runtime.id)
    seq_report = sequences.SequenceReport()
    try:
        account = store.accounts.get(runtime.id)
        if account and account.paused_reason and _still_paused(runtime, account.paused_reason,
                                                                account.last_check_at):
            raise StillPaused(account.paused_reason)
        sync_account(runtime)
        summary.reconciled, summary.requeued = outbox.reconcile(store, runtime.id,
                                                                runtime.platform)
        summary.budget = budget_reached(store, runtime.config, runtime.id)
        if summary.budget:
            log.warning("%s: %s", runtime.id, summary.budget,
                        extra={"account": runtime.id, "budget": summary.budget})
        else:
            sync_followers(runtime, summary, seq_report)
        # The inbox is never optional: it is where a STOP is heard.
        inbox_report = inbox.sync_inbox(store, runtime.config, runtime.id, runtime.platform)
        for contact_id in inbox_report.new_contact_ids:
            sequences.on_first_dm(store, runtime.config, runtime.id, contact_id, seq_report)
        summary.inbox = {k: v for k, v in asdict(inbox_report).items() if isinstance(v, int)}
        if inbox_report.other_tools and not summary.budget:
            since = store.clock.now() - timedelta(days=2)
            summary.reviewed = sum(1 for _ in sent.review(
                store, runtime.config, runtime.id, since, only_unreviewed=True))
        sequences.advance(store, runtime.config, runtime.auditor, runtime.id,
                          runtime.account.policy_name, runtime.config.policy_for(runtime.account),
                          _username(store, runtime.id),
                          seq_report)
        audit_drafts(runtime)
        tasks.settle_untasked_holds(store, runtime.config, runtime.id)
        if send:
            report = sender_for(runtime).send_due()
            summary.sent, summary.deferred, summary.failed = (report.sent, report.deferred,
                                                              report.failed)
        status = "ok"
    except StillPaused as error:
        summary.error, status = f"paused: {error}", "paused"
    except AccountProblem as error:
        outbox.pause_for(store, runtime.id, error)
        summary.error, status = str(error), "paused"
    except PlatformError as error:
        summary.error, status = str(error), "error"
        summary.retry_in = RETRY_AFTER_TROUBLE
        if isinstance(error, RateLimited) and error.reset_at:
            summary.retry_in = max(1.0, (error.reset_at - store.clock.now()).total_seconds() + 1)
    except Exception as error:
        # A bug is raised on (the scheduler logs it and keeps going), but the run is
        # closed as crashed first, so the report shows it instead of a run still going.
        with contextlib.suppress(Exception):
            store.runs.finish(run_id, "crashed", json.dumps(asdict(summary)), repr(error))
        raise
    summary.sequences = asdict(seq_report)
    store.runs.finish(run_id, status, json.dumps(asdict(summary)), summary.error)
    fields = {"account": runtime.id, "status": status, **summary.counts()}
    if status == "paused":
        log.error(summary.line(), extra=fields)
    elif summary.error:
        log.warning(summary.line(), extra=fields)
    else:
        log.info(summary.line(), extra=fields)
    return summary


def run_send(runtime: AccountRuntime) -> int:
    """The sender alone, called every ``limits.spacing`` so sends are spaced, not burst.

    A send whose answer was lost is settled here first rather than at the next tick.
    """
    try:
        if runtime.store.messages.in_state(runtime.id, "sending", limit=1):
            outbox.reconcile(runtime.store, runtime.id, runtime.platform)
        return sender_for(runtime).send_due().sent
    except AccountProblem as error:
        outbox.pause_for(runtime.store, runtime.id, error)
        return 0
    except PlatformError as error:
        log.warning("send: platform trouble, trying at the next turn: %s", error,
                    extra={"account": runtime.id, "error": str(error)})
        return 0


def sender_for(runtime: AccountRuntime) -> outbox.Sender:
    """The account's sender, which hears a person again before an automated DM to them."""
    def hear_first(contact: Contact) -> None:
        inbox.hear_from(runtime.store, runtime.config, runtime.id, runtime.platform, contact)

    return outbox.Sender(runtime.store, runtime.config, runtime.id, runtime.platform,
                         hear_first=hear_first)


class StillPaused(Exception):
    """The account stays paused: the reason it was paused for."""


#: A paused account is checked live at most this often (each check is an API call).
RECHECK_PAUSED = timedelta(minutes=15)


def _still_paused(runtime: AccountRuntime, reason: str, last_check: str | None) -> bool:
    """Check a paused account live now and then; resume it when the check passes."""
    store = runtime.store
    if last_check and store.clock.now() - parse_iso(last_check) < RECHECK_PAUSED:
        return True
    store.accounts.note_check(runtime.id)
    try:
        same_user(store, runtime.id, live_check(runtime.platform))
    except PlatformError as error:
        log.warning("account still paused (%s): %s", reason, error,
                    extra={"account": runtime.id})
        return True
    store.accounts.resume(runtime.id)
    log.warning("account resumed: the live check passed (was paused: %s)", reason,
                extra={"account": runtime.id})
    return False


def resume(runtime: AccountRuntime) -> Profile:
    """`dmguard accounts resume`: check the account live, then lift its pause.

    PlatformError (saying what is still wrong) leaves it paused."""
    me = live_check(runtime.platform)
    same_user(runtime.store, runtime.id, me)
    with runtime.store.atomic():
        runtime.store.accounts.resume(runtime.id)
        runtime.store.accounts.note_check(runtime.id)
    return me


def _username(store: Store, account_id: str) -> str:
    account = store.accounts.get(account_id)
    return (account.username if account else None) or ""


def audit_drafts(runtime: AccountRuntime) -> int:
    """Audit drafts handed in by `dmguard submit` (or released holds) since the last tick."""
    count = 0
    for message in runtime.store.messages.in_state(runtime.id, "draft"):
        outbox.audit_message(runtime.store, runtime.auditor, runtime.config, runtime.id,
                             runtime.account.policy_name, message.id, actor="tick")
        count += 1
    return count

