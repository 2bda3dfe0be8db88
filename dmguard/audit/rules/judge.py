"""The statistical judge as one rule: the message reads as automated as a whole."""

from __future__ import annotations

from collections.abc import Iterator

from dmguard.audit.judge import model
from dmguard.audit.judge.addressee import as_addressed
from dmguard.audit.rules.base import Hit, Subject, rule
from dmguard.audit.text import Prepared, blank

DEFAULT_THRESHOLD = 0.73
"""Chosen by the rule stated in ``dmguard/audit/judge/README.md``."""


@rule(
    "DG095",
    "looks-automated",
    family="form-letter",
    severity="hold",
    points=30,
    options={"threshold": DEFAULT_THRESHOLD, "reasons": 4},
    option_minimums={"reasons": 1},
    doc_values={"threshold": DEFAULT_THRESHOLD},
    fails=[
        "Hey! Thanks for following, check out my new channel and subscribe for daily videos!!",
        "We are a digital agency helping brands grow. Book a free strategy call today.",
        "Follow me and I will follow you back 💯",
        "Exclusive offer just for you: 50% off everything this weekend, shop now!",
    ],
    passes=[
        "Are we still on for lunch on Thursday?",
        "Congrats on the new job, you deserve it!",
        "Sorry I missed your call, the kids were in the bath. Free after 8?",
        "My order from last week still shows as pending, can you check it?",
    ],
)
def looks_automated(subject: Subject) -> Iterator[Hit]:
    """Holds a message that a statistical model fitted on real messages judges automated.

    Why: Phrase lists catch the bots they were written from and little else. A
    model over words, word pairs, pieces of words and the shape of a message
    (greeting + self-introduction + call to action, a generic second-person
    opening, nothing concrete about the reader, links, template holes) judges
    the idea of a form letter as a whole. It sits beside the named rules the way
    SpamAssassin's Bayes test (BAYES_99 and friends) sits beside its hand-written
    tests: one more finding with its own id, weight and switch. The finding names
    the words and shapes that weighed most, so a hold can be understood.
    The judge also learns from the account's own people, the way sa-learn does:
    a held draft they release unchanged is acceptable (this rule lets it and the
    same text pass from then on), one they rewrite or dismiss is generic (the
    rewrite they release is acceptable), their personal replies are personal;
    drafts like a taught one move with it.
    ``dmguard rules learned`` shows and resets what was learned; no other rule
    reads it, so labels, opt-outs and the template rules still apply.
    Source: SpamAssassin's Bayesian classifier (Mail::SpamAssassin::Plugin::Bayes,
    after Paul Graham's "A Plan for Spam" and Gary Robinson's combining); the
    model is dmguard's own logistic regression, fitted by ``make model`` on the
    sources listed in ``dmguard/audit/judge/README.md`` (permissively licensed
    data only, plus a project-written seed corpus); learning from an account's
    people after SpamAssassin's ``sa-learn``.
    Use instead: write to the person about something of theirs; drop the stock
    greeting, the self-introduction and the pitch.
    A message that mentions something from the recipient's own profile (bio,
    location, their last message) is specific to them by definition: the judge
    leaves it to the named rules (the wording of a template around a person's
    details is not held for the details it carries).
    The recipient's ``@handle``, username and name in lower case or capitals are read
    as their capitalised first name, the way the model was fitted: a template is judged
    the same whatever the platform puts in its slot.
    A finding another rule excused as an answer to someone who wrote first (a welcome
    or a pointer to one's channel in a reply) is not read: the model was fitted on
    messages without context, where those findings are strong signs of a form letter.
    Options: ``threshold`` (0-1, default {threshold}) is the probability from which a
    message is held; ``reasons`` is how many words or shapes the finding names.
    """
    if blank(subject.raw) or subject.personal_details:
        return
    judge = model.active()
    found = [finding.name for finding in subject.found]
    threshold = float(subject.options.get("threshold", DEFAULT_THRESHOLD))
    addressed = as_addressed(subject.raw, subject.input.recipient, subject.text.lower)
    text = subject.text if addressed is None else Prepared(addressed)
    # The reasons are only gathered for a message that is held.
    judgement = judge.judge(text, found, explain_from=threshold)
    probability, learned = judgement.probability, ""
    if subject.learned is not None:
        weighed = subject.learned.weigh(subject.raw, probability)
        probability, learned = weighed.probability, weighed.note()
        if probability >= threshold and not judgement.explained:
            judgement = judge.judge(text, found)
    if probability < threshold:
        return
    reasons = judgement.explain(int(subject.options.get("reasons", 4)))
    measured = f"p={judgement.probability:.2f}" + (f"; {learned}" if learned else "")
    yield Hit(None, f"reads as automated ({measured}): {reasons}")

RULES = (looks_automated,)
