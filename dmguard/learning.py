"""The judge learns from the account's own people, like SpamAssassin's ``sa-learn``.

Every decision a person makes on the queue is a lesson about one text, kept per
account in the store:

* a held draft **released unchanged** teaches *acceptable*: a person read it and
  let it go, so the judge (rule looks-automated) lets this text pass from then on:
  at once, in the release's own re-audit, and on every later audit of the same text;
* a held draft **rewritten** (released with other text) or **dismissed** teaches
  *generic*, from the draft as it was; the rewrite itself is a text a person
  released, so it teaches *acceptable* as an unchanged release does;
* a release is a decision only when it goes through: the re-audit reads it
  (:func:`layer_for` with ``pending``), but it is recorded in the transaction that
  queues the draft, and a release the audit still refuses (another rule holds it)
  teaches nothing;
* a **personal reply** a person sends teaches *personal* (recorded as it is queued:
  the words are the person's whether or not the platform takes them at once).

The same decision about the same text again (a draft released again, a failed reply
sent again) is not a new lesson: only a different one is
(:meth:`~dmguard.store.lessons.Lessons.add`), so repeated clicks do not outvote.

The audit of an account (the daemon's, the review of what it sent, ``dmguard audit
--sent``, and ``dmguard audit FILE --account NAME``) reads its latest :data:`LIMIT`
lessons into a
:class:`~dmguard.audit.judge.learned.LearnedLayer` (how they weigh is explained
there). Only the judge reads it: learning never lifts a hold or block by any other
rule, nor the label. ``dmguard rules`` and the daily report say how much was learned;
``dmguard rules learned --reset --account NAME`` forgets an account's lessons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

from dmguard.audit.judge.learned import LearnedLayer
from dmguard.config import Config, ConfigError
from dmguard.store import Message, Store, Task

LIMIT = 1000
"""The most recent lessons per account an audit reads (older ones are kept, unread)."""


class LearningError(ValueError):
    """A request about learning that cannot be done; the message says what and where."""


def unchanged(message: Message, text: str | None) -> bool:
    """Whether a release keeps the draft's text: no text, or the same but for spacing and
    line breaks (a browser sends a form's text back with CR LF line breaks)."""
    return text is None or text.split() == message.text.split()


Decision = tuple[str, str, str]
"""A lesson to record: (text, label, decision)."""


def release_decisions(message: Message, text: str | None) -> list[Decision]:
    """What releasing ``message`` (with ``text``, None: unchanged) teaches, in the order
    it is recorded: unchanged, the draft is acceptable; rewritten, the draft as it was is
    generic and the rewrite acceptable."""
    if unchanged(message, text):
        return [(message.text, "acceptable", "released")]
    assert text is not None
    return [(message.text, "generic", "rewritten"), (text, "acceptable", "released")]


def learn_release(store: Store, message: Message, text: str | None, actor: str) -> str:
    """Record what releasing ``message`` (with ``text``, None: unchanged) taught; the label
    of the draft as it was. Call it only for a release that queues the draft."""
    decisions = release_decisions(message, text)
    for lesson_text, label, decision in decisions:
        store.lessons.add(message.account_id, lesson_text, label, decision, actor, message.id)
    return decisions[0][1]


def learn_dismissal(store: Store, task: Task, actor: str) -> bool:
    """A dismissed hold teaches that its held draft is generic; whether it taught."""
    if task.kind != "hold" or task.message_id is None:
        return False
    message = store.messages.get(task.message_id)
    if message is None or message.state != "held":
        return False
    store.lessons.add(message.account_id, message.text, "generic", "dismissed", actor,
                      message.id)
    return True


def learn_reply(store: Store, account_id: str, text: str, message_id: int, actor: str) -> None:
    """A personal reply a person wrote teaches what personal looks like."""
    store.lessons.add(account_id, text, "personal", "replied", actor, message_id)


def layer_for(store: Store, account_id: str, *,
              pending: Sequence[Decision] = ()) -> LearnedLayer | None:
    """The account's learned layer for the audit; None when it has learned nothing.

    ``pending``: decisions not recorded (yet), in the order they would be, read as the
    newest lessons (one the latest lesson about the same text already made is no new
    lesson, as :meth:`~dmguard.store.lessons.Lessons.add` has it): a release's re-audit
    hears its own decision before it is known whether the draft goes."""
    fresh = [(text, label) for text, label, _ in reversed(pending)
             if not store.lessons.repeats(account_id, text, label)]
    lessons = store.lessons.latest(account_id, LIMIT - len(fresh))
    if not lessons and not fresh:
        return None
    return LearnedLayer(chain(fresh, ((lesson.text, lesson.label) for lesson in lessons)))


@dataclass(frozen=True)
class Learned:
    """How much one account has learned: lessons by label."""

    account: str
    acceptable: int = 0
    generic: int = 0
    personal: int = 0

    @property
    def total(self) -> int:
        return self.acceptable + self.generic + self.personal

    def describe(self) -> str:
        if not self.total:
            return "nothing learned yet"
        return (f"{self.total} decision{'s' if self.total != 1 else ''}: "
                f"{self.acceptable} acceptable, {self.generic} generic, "
                f"{self.personal} personal")


def learned(store: Store, accounts: list[str], start: str | None = None,
            end: str | None = None) -> list[Learned]:
    """Per account (in the order given), the lessons learned (from ``start`` to ``end``)."""
    counts: dict[str, dict[str, int]] = {account: {} for account in accounts}
    for row in store.lessons.counts(accounts, start, end):
        counts[row.account_id][row.label] = row.count
    return [Learned(account, **by_label) for account, by_label in counts.items()]


def accounts(config: Config, account: str | None = None) -> list[str]:
    """The configured account named ``account`` (None: every account), by name."""
    if account is None:
        return [a.name for a in config.accounts]
    try:
        return [config.account(account).name]
    except ConfigError as error:
        raise LearningError(str(error)) from None


def reset(store: Store, config: Config, account: str) -> int:
    """Forget everything ``account`` learned; how many lessons there were."""
    [name] = accounts(config, account)
    with store.atomic():
        return store.lessons.reset(name)
