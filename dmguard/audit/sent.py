"""Review DMs that already left the account: the audit after the fact.

Other tools (auto-DM services, CRM integrations, scripts) send from the account
without dmguard. Each sync records their DMs; this module judges them with the
same rules plus what only history shows (timing after a follow, bursts, machine-
like intervals, automation without a disclosure) and stores the verdict and
findings on the message, so the daily report can say what those tools did.

Two kinds of sent DM are not judged as automated messages, since they are not
form letters: a personal reply a person wrote in the human queue (``human``) and
the fixed confirmation dmguard sends when someone writes STOP or START
(``system``). Those only get the template-leftover check that gated them (see
:mod:`dmguard.audit.leftovers`), and they do not count as earlier copies when
later DMs are compared. Inbound DMs are never part of the review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dmguard.audit.engine import Auditor
from dmguard.audit.history import BatchHistory
from dmguard.audit.leftovers import leftover_auditor
from dmguard.audit.model import AuditInput, AuditResult, Context, Recipient, SentFacts
from dmguard.clock import parse_duration, parse_iso
from dmguard.config import Config
from dmguard.learning import layer_for
from dmguard.store import Judgement, Origin, SentMessage, Store

BURST_WINDOW = timedelta(seconds=30)
SAVE_BATCH = 1000
REGULAR_SPREAD = 0.3
#: Sent DMs that answer a person rather than campaign: judged for template leftovers only.
ANSWERS: frozenset[Origin] = frozenset({Origin.HUMAN, Origin.SYSTEM})


def parse_window(text: str) -> timedelta:
    """How far back a review looks (``--since``): a number with m, h, d or w, e.g. 24h."""
    cleaned = text.strip().lower()
    bad = ValueError(f"{text!r} is not a look-back window: give a number with h, d or w, "
                     "e.g. 24h, 7d, 2w")
    if not cleaned[:1].isdigit() or cleaned.endswith("later"):
        raise bad
    try:
        window = parse_duration(cleaned)
    except ValueError as error:
        raise error if "longer than" in str(error) else bad from None
    if not window:
        raise bad
    return window


def timing_facts(times: list[datetime]) -> list[tuple[int, int]]:
    """For each send (sorted times): (sends within ±30 s, length of its regular run).

    A regular run is a stretch of consecutive sends whose gaps all lie within 30% of
    their mean of each other: a script working through a list with a fixed sleep.
    """
    count = len(times)
    bursts = []
    low = high = 0
    for moment in times:
        while times[low] < moment - BURST_WINDOW:
            low += 1
        while high < count and times[high] <= moment + BURST_WINDOW:
            high += 1
        bursts.append(high - low)
    runs = [0] * count
    gaps = [(times[i + 1] - times[i]).total_seconds() for i in range(count - 1)]
    start = 0
    while start < len(gaps):
        smallest = largest = total = gaps[start]
        end = start + 1
        while end < len(gaps):
            low_gap, high_gap = min(smallest, gaps[end]), max(largest, gaps[end])
            mean = (total + gaps[end]) / (end - start + 1)
            if mean <= 0 or high_gap - low_gap > REGULAR_SPREAD * mean:
                break
            smallest, largest, total = low_gap, high_gap, total + gaps[end]
            end += 1
        sends = end - start + 1
        if sends >= 3:
            for index in range(start, end + 1):
                runs[index] = max(runs[index], sends)
        start = end
    return list(zip(bursts, runs, strict=True))


@dataclass
class Reviewed:
    message: SentMessage
    contact: dict[str, Any]
    result: AuditResult

    @property
    def looks_automated(self) -> bool:
        return self.result.verdict != "send"

    def as_json(self) -> dict[str, Any]:
        return {**self.result.as_json(), "sent_at": self.message.sent_at,
                "recipient": {"id": self.contact.get("user_id"),
                              "username": self.contact.get("username"),
                              "name": self.contact.get("name")},
                "sent_by": "other" if self.message.origin == Origin.OTHER else "dmguard"}


def _own(auditor: Auditor, row: SentMessage, recipient: Recipient,
         sent_at: datetime) -> AuditResult:
    """A campaign DM dmguard sent: its draft as audited, and what went out checked as
    final text."""
    result = auditor.audit(AuditInput(row.text, str(row.id), None, recipient,
                                      Context(kind=row.kind)), now=sent_at)
    final = auditor.check_final(AuditInput(row.labelled_text or row.text,
                                           str(row.id), None, recipient), now=sent_at)
    result.findings.extend(final)
    if final:
        result.verdict = "block"
    return result


def review(store: Store, config: Config, account_id: str, since: datetime, *,
           only_unreviewed: bool = False, persist: bool = True,
           progress: Callable[[int], None] | None = None) -> Iterator[Reviewed]:
    """Judge every DM the account sent since ``since``, oldest first.

    DMs from other tools get the timing signals of their own send series; DMs dmguard
    sent are judged as drafts plus the final-text checks on what went out (their
    timing follows the configured policy and limits); personal replies and dmguard's
    STOP/START confirmations only for template leftovers. The judge reads what the
    account's people taught it (:mod:`dmguard.learning`), as the daemon's audit does: a
    text they released as acceptable is not reported as generic when another tool sends
    it. Verdicts and findings of DMs sent by other tools are stored on them when
    ``persist`` is true.
    """
    rows = store.messages.sent_since(account_id, since)
    others = [row for row in rows if row.origin == Origin.OTHER]
    facts = dict(zip((row.id for row in others),
                     timing_facts([parse_iso(row.sent_at) for row in others]), strict=True))
    auditor = Auditor.from_config(config, platform=config.account(account_id).policy_name,
                                  history=BatchHistory(), clock=store.clock, label=False,
                                  learned=layer_for(store, account_id))
    answers = leftover_auditor(store.clock)
    pending: list[Judgement] = []
    for row in rows:
        if only_unreviewed and (row.origin != Origin.OTHER or row.verdict is not None):
            if progress:
                progress(1)
            continue
        sent_at = parse_iso(row.sent_at)
        recipient = Recipient(id=str(row.contact_id), username=row.username,
                              name=row.contact_name, bio=row.bio, location=row.location)
        if row.origin == Origin.OTHER:
            followed = parse_iso(row.followed_at) if row.followed_at else None
            burst, run = facts[row.id]
            item = AuditInput(row.text, str(row.id), None, recipient, None, SentFacts(
                seconds_after_follow=(sent_at - followed).total_seconds() if followed else None,
                burst=burst, regular_run=run))
            result = auditor.audit(item, now=sent_at)
        elif row.origin in ANSWERS:
            result = answers.audit(AuditInput(row.text, str(row.id), None, recipient),
                                   now=sent_at)
        else:
            result = _own(auditor, row, recipient, sent_at)
        if persist and row.origin == Origin.OTHER:
            pending.append(Judgement(row.id, result.verdict, result.score, tuple(result.findings),
                                     again=row.verdict is not None))
            if len(pending) >= SAVE_BATCH:
                store.messages.save_verdicts(pending)
                pending.clear()
        contact = {"user_id": row.user_id, "username": row.username,
                   "name": row.contact_name}
        if progress:
            progress(1)
        yield Reviewed(row, contact, result)
    if pending:
        store.messages.save_verdicts(pending)


def refresh_sent_history(store: Store, config: Config, account_name: str) -> str | None:
    """Fetch DM events not stored yet, so a review sees what other tools sent lately.

    Returns why that was not possible (the review then covers stored history only).
    """
    from dmguard.config import ConfigError
    from dmguard.identity import same_user
    from dmguard.inbox import sync_inbox
    from dmguard.platforms.base import PlatformError
    from dmguard.platforms.factory import build_platform

    account = config.account(account_name)
    row = store.accounts.ensure(account.name, account.platform)
    if row.paused_reason:  # as the daemon: a paused account reads nothing from the platform
        return f"the account is paused ({row.paused_reason})"
    try:
        platform = build_platform(config, account, store)
        same_user(store, account.name, platform.whoami())
        sync_inbox(store, config, account.name, platform)
    except (ValueError, ConfigError, PlatformError) as error:
        return str(error)
    return None
