import gc
import random
from datetime import UTC, datetime, timedelta

import pytest

from dmguard.audit.history import SAME_TEXT, SHORT, BatchHistory
from dmguard.audit.similarity import NearDuplicateIndex, Signature, signature

AT = datetime(2026, 1, 5, 12, tzinfo=UTC)
TEXT = "Hi Amy, our spring sale is on: twenty percent off all mugs this week"


def test_sent_to_gives_back_what_was_recorded_in_order() -> None:
    history = BatchHistory()
    sig = signature(TEXT, ["Amy"])
    history.record("amy", AT, TEXT, sig)
    history.record("amy", AT, "ok", None)
    history.record("bob", AT, TEXT, sig)
    assert history.sent_to("amy") == [(AT, TEXT, sig), (AT, "ok", None)]
    assert history.sent_to("nobody") == []
    assert history.near_duplicates(sig) == 2


def test_the_recorded_messages_are_left_untracked_by_the_garbage_collector() -> None:
    history = BatchHistory()
    for index in range(50):
        text = f"{TEXT} number {index}"
        history.record(f"p{index % 7}", AT, text, signature(text))
    # each collection untracks one more level of tuples (a tuple holding a tracked one
    # stays tracked): the person's tuple, an entry, its shingles
    for _ in range(3):
        gc.collect()
    assert not any(gc.is_tracked(entries) for entries in history._sent.values())


def test_a_batch_line_to_the_same_person_again_is_indexed_once() -> None:
    history = BatchHistory(sent=False)
    sig = signature(TEXT, ["Amy"])
    other = signature("Completely different words about the kiln photos you shared last night")
    history.record("amy", AT, TEXT, sig)
    history.record("amy", AT, TEXT + "!", signature(TEXT + "!", ["Amy"]))
    history.record("amy", AT, "x", other)
    history.record("bob", AT, TEXT, sig)
    assert history.index.size == 3
    assert history.near_duplicates(sig) == 2
    assert history.sent_to("amy") == []


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """Signature.similarity as it was, building the union."""
    return len(a & b) / len(a | b) if a | b else 0.0


class _TupleHistory:
    """BatchHistory as it was before a person's entries could become a list (and before
    sent_to kept its last answer): the behaviour the faster paths must keep."""

    def __init__(self, *, sent: bool) -> None:
        self.sent = sent
        self.index = NearDuplicateIndex()
        self._sent: dict[str, tuple[tuple[datetime, str, tuple[int, ...] | None], ...]] = {}
        self._indexed: dict[str, tuple[frozenset[int], ...]] = {}

    def sent_to(self, key: str) -> list[tuple[datetime, str, Signature | None]]:
        return [(at, text, None if shingles is None else Signature(frozenset(shingles)))
                for at, text, shingles in self._sent.get(key, ())]

    def record(self, key: str | None, at: datetime, text: str, sig: Signature | None) -> None:
        if not key:
            return
        if self.sent:
            self.index.add(sig)
            entry = (at, text, None if sig is None else tuple(sig.shingles))
            self._sent[key] = (*self._sent.get(key, ()), entry)
            return
        if sig is None:
            return
        mine = self._indexed.get(key, ())
        if any(_jaccard(sig.shingles, other) >= SAME_TEXT for other in mine):
            return
        self._indexed[key] = (*mine, sig.shingles)
        self.index.add(sig)


def _messages(count: int) -> list[tuple[str, datetime, str, Signature | None]]:
    """Texts to a few people, one sent far more than SHORT, one fewer: repeats, small
    edits, new texts and texts too short to have a signature."""
    rng = random.Random(3)
    people = ["amy"] * 6 + ["bob", ""]
    rows = []
    earlier: list[str] = []
    for index in range(count):
        kind = rng.random()
        if kind < 0.3:
            text = TEXT
        elif kind < 0.5:
            text = TEXT.replace("mugs", rng.choice(["cups", "bowls", "plates"]))
        elif kind < 0.75 or not earlier:
            text = " ".join(rng.choice(["kiln", "glaze", "clay", "wheel", "fire", "blue", "red",
                                        "tall", "vase", "bowl", "shelf", "oven"])
                            for _ in range(rng.randint(6, 14)))
            earlier.append(text)
        elif kind < 0.9:  # one of the last few new texts again, the same or one word longer
            text = rng.choice(earlier[-5:]) + rng.choice(["", " soon"])
        else:
            text = "ok thanks"
        rows.append(("cy" if index % 40 == 0 else rng.choice(people), AT + timedelta(minutes=index), text,
                     signature(text, ["Amy"])))
    return rows


@pytest.mark.parametrize("sent", [True, False])
def test_many_messages_to_one_person_give_what_the_tuples_gave(sent: bool) -> None:
    history, reference = BatchHistory(sent=sent), _TupleHistory(sent=sent)
    rng = random.Random(5)
    for count, (key, at, text, sig) in enumerate(_messages(320), start=1):
        assert history.near_duplicates(sig) == reference.index.count(sig)
        asked = rng.choice(["amy", "bob", "cy", "nobody"])
        got = history.sent_to(asked)
        assert got == reference.sent_to(asked)
        got.clear()  # the caller's copy: changing it changes nothing kept
        history.record(key, at, text, sig)
        reference.record(key, at, text, sig)
        if count % 7 == 0:
            for person in ("amy", "bob", "cy", "nobody"):
                assert history.sent_to(person) == reference.sent_to(person)
    assert history.index.size == reference.index.size
    assert history.index._counts == reference.index._counts
    kept = history._sent if sent else history._indexed
    assert isinstance(kept["amy"], list) and len(kept["amy"]) >= SHORT  # past the switch
    assert isinstance(kept["cy"], tuple) and len(kept["cy"]) < SHORT
    if sent:
        assert [e[2] for e in history.sent_to("amy")] == [
            sig for key, _, _, sig in _messages(320) if key == "amy"]


def test_sent_to_a_person_asked_before_sees_what_was_recorded_since() -> None:
    history = BatchHistory()
    sig = signature(TEXT, ["Amy"])
    for index in range(SHORT + 2):
        assert len(history.sent_to("amy")) == index
        assert history.sent_to("bob") == []
        history.record("amy", AT + timedelta(hours=index), f"{TEXT} {index}", sig)
    history.record("bob", AT, TEXT, None)
    assert history.sent_to("bob") == [(AT, TEXT, None)]
    assert history.sent_to("amy")[-1] == (AT + timedelta(hours=SHORT + 1), f"{TEXT} {SHORT + 1}",
                                          sig)


def test_a_person_past_the_switch_keeps_untracked_entries() -> None:
    history = BatchHistory()
    for index in range(3 * SHORT):
        text = f"{TEXT} number {index}"
        history.record("amy", AT, text, signature(text))
    history.sent_to("bob")
    for _ in range(3):
        gc.collect()
    assert not any(gc.is_tracked(entry) for entry in history._sent["amy"])


def test_similarity_to_shingles_is_the_jaccard_similarity() -> None:
    rng = random.Random(9)
    for _ in range(500):
        a = frozenset(rng.sample(range(40), rng.randint(0, 20)))
        b = frozenset(rng.sample(range(40), rng.randint(0, 20)))
        union = len(a | b)
        expected = len(a & b) / union if union else 0.0
        assert Signature(a).similarity(Signature(b)) == expected
        assert Signature(a).similarity_to(tuple(b)) == expected


def test_a_batch_line_again_after_many_to_the_same_person_is_indexed_once() -> None:
    history = BatchHistory(sent=False)
    texts = [" ".join(f"w{index}x{word}" for word in range(8)) for index in range(2 * SHORT)]
    for text in texts + texts[::-1]:  # every one again, the last first
        history.record("amy", AT, text, signature(text))
    assert history.index.size == 2 * SHORT
