"""Welcome and drip sequences: enrol people on a trigger, render each step, hand it on.

Under a policy that forbids unsolicited automated DMs (X), a welcome for a
follower who has not written is never sent: it becomes a personal task with the
rendered draft as a starting point, or waits until they write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dmguard import outbox, step_templates, tasks
from dmguard.audit.engine import Auditor
from dmguard.clock import iso, parse_duration
from dmguard.config import Config, Segment, SequenceConfig, VipRule
from dmguard.policy import PolicyPack
from dmguard.store import Contact, Enrolment, Origin, Store


def _keywords_match(keywords: list[str], bio: str | None) -> bool:
    text = (bio or "").lower()
    return any(keyword.lower() in text for keyword in keywords)


def matches_segment(segment: Segment | None, contact: Contact) -> bool:
    if segment is None:
        return True
    followers = contact.followers_count or 0
    if segment.bio_keywords and not _keywords_match(segment.bio_keywords, contact.bio):
        return False
    if segment.min_followers is not None and followers < segment.min_followers:
        return False
    if segment.max_followers is not None and followers > segment.max_followers:
        return False
    if segment.verified is not None and bool(contact.verified) != segment.verified:
        return False
    return not (segment.lang and (contact.lang or "") not in segment.lang)


def is_vip(rules: list[VipRule], contact: Contact) -> str | None:
    """The reason a contact is a VIP, or None."""
    for rule in rules:
        if rule.usernames and (contact.username or "").lower() in {
                u.lower().lstrip("@") for u in rule.usernames}:
            return f"@{contact.username} is on the VIP list"
        if rule.min_followers is not None and (contact.followers_count or 0) >= rule.min_followers:
            return f"{contact.followers_count:,} followers (VIP from {rule.min_followers:,})"
        if rule.verified and contact.verified:
            return "verified account"
        if rule.bio_keywords and _keywords_match(rule.bio_keywords, contact.bio):
            return "bio matches a VIP keyword"
    return None


def profile_values(contact: Contact, account_username: str) -> dict[str, Any]:
    return {"name": contact.name or "", "username": contact.username or "",
            "bio": contact.bio or "", "location": contact.location or "",
            "lang": contact.lang or "", "followers_count": contact.followers_count,
            "verified": bool(contact.verified), "account": account_username}


@dataclass
class SequenceReport:
    enrolled: int = 0
    vip_tasks: int = 0
    drafted: int = 0
    personal_tasks: int = 0
    waiting: int = 0


def on_new_follower(store: Store, config: Config, account_id: str, contact_id: int,
                    report: SequenceReport) -> None:
    contact = store.people.contact(contact_id)
    assert contact is not None
    vip = is_vip(config.vip, contact)
    if vip:
        if tasks.open_task(store, config, account_id, contact_id, "vip",
                           f"new VIP follower @{contact.username}: {vip}; "
                           "welcome them personally"):
            report.vip_tasks += 1
        return
    _enrol_first_match(store, config, account_id, contact, "follow", report)


def on_first_dm(store: Store, config: Config, account_id: str, contact_id: int,
                report: SequenceReport) -> None:
    contact = store.people.contact(contact_id)
    assert contact is not None
    _enrol_first_match(store, config, account_id, contact, "first_dm", report)


def _enrol_first_match(store: Store, config: Config, account_id: str, contact: Contact,
                       trigger: str, report: SequenceReport) -> None:
    """Enrol the person in the first sequence with this trigger whose segment they are in."""
    for sequence in config.sequences:
        if sequence.trigger == trigger and matches_segment(sequence.segment, contact):
            first = parse_duration(sequence.steps[0].delay)
            if store.enrolments.enrol(account_id, contact.id, sequence.name,
                           iso(store.clock.now() + first)):
                report.enrolled += 1
            return


def advance(store: Store, config: Config, auditor: Auditor, account_id: str, platform: str,
            policy: PolicyPack, account_username: str, report: SequenceReport) -> None:
    by_name = {sequence.name: sequence for sequence in config.sequences}
    for enrolment in store.enrolments.due(account_id):
        sequence = by_name.get(enrolment.sequence)
        if sequence is None:
            store.enrolments.end(enrolment.id, "orphaned")
            continue
        # The step's draft (or task) and the enrolment's advance commit together, so a
        # crash in between cannot draft the same step twice.
        with store.atomic():
            _advance_one(store, config, auditor, account_id, platform, policy,
                         account_username, sequence, enrolment, report)


def _advance_one(store: Store, config: Config, auditor: Auditor, account_id: str, platform: str,
                 policy: PolicyPack, account_username: str, sequence: SequenceConfig,
                 enrolment: Enrolment, report: SequenceReport) -> None:
    contact = store.people.contact(enrolment.contact_id)
    assert contact is not None
    if store.people.is_opted_out(contact.id):
        store.enrolments.end(enrolment.id, "opted-out")
        return
    number = enrolment.next_step
    step = sequence.steps[number - 1]
    text = step_templates.render(step.template, profile_values(contact, account_username))
    wrote_first = store.messages.user_dmed_first(account_id, contact.id)
    unsolicited = policy.automated_requires_user_first and not wrote_first
    if unsolicited and policy.welcome_dm == "wait":
        store.enrolments.postpone(enrolment.id, iso(store.clock.now() + timedelta(hours=1)))
        report.waiting += 1
        return
    if unsolicited:
        tasks.open_task(
            store, config, account_id, contact.id, "welcome",
            f"welcome @{contact.username} yourself ({sequence.name} step {number}); "
            f"the platform does not allow this automatically. Draft: {text[:200]}",
        )
        store.enrolments.end(enrolment.id, "personal")
        report.personal_tasks += 1
        return
    outbox.submit(store, auditor, config, account_id, platform, contact, text,
                  origin=Origin.SEQUENCE, kind="welcome" if number == 1 else "campaign",
                  actor=f"sequence {sequence.name}", sequence=sequence.name, step=number)
    report.drafted += 1
    if number < len(sequence.steps):
        delay = parse_duration(sequence.steps[number].delay)
        store.enrolments.next_step(enrolment.id, number + 1, iso(store.clock.now() + delay))
    else:
        store.enrolments.complete(enrolment.id)
