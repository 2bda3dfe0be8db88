import gc
from datetime import UTC, datetime

from dmguard.audit.history import BatchHistory
from dmguard.audit.similarity import signature

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
