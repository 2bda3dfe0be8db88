"""The learned layer: the very text decides, texts like it move, others stay put."""

from __future__ import annotations

import pytest

from dmguard.audit.judge.learned import BOUND, NEAR, LearnedLayer

STUDIO = "Hi {}, we are a small studio helping local brands grow online. Book a free call with us today."
OTHER = "Are we still on for lunch on Thursday at the usual place near the station?"


def test_the_latest_decision_on_the_very_text_decides() -> None:
    layer = LearnedLayer([(STUDIO.format("Amy"), "acceptable"),
                          (STUDIO.format("Amy"), "generic")])  # newest first
    assert layer.weigh(STUDIO.format("Amy"), 0.97).probability == 0.0
    # Case, spacing and punctuation aside, it is the same text.
    assert layer.weigh("  HI AMY we are a small studio helping local brands grow online; book a "
                       "free call with us today", 0.97).exact == "acceptable"
    dismissed = LearnedLayer([(STUDIO.format("Amy"), "generic")]).weigh(STUDIO.format("Amy"), 0.1)
    assert dismissed.probability == 1.0 and "this very draft" in dismissed.note()


def test_a_personal_reply_never_whitelists_its_text() -> None:
    weighed = LearnedLayer([(STUDIO.format("Amy"), "personal")]).weigh(STUDIO.format("Amy"), 0.97)
    assert weighed.exact is None and 0.5 < weighed.probability < 0.97


@pytest.mark.parametrize(("label", "direction"), [("acceptable", -1), ("generic", 1),
                                                  ("personal", -1)])
def test_texts_like_a_lesson_move_its_way(label: str, direction: int) -> None:
    weighed = LearnedLayer([(STUDIO.format("Amy"), label)]).weigh(STUDIO.format("Bob"), 0.7)
    assert weighed.near == 1 and weighed.shift * direction > 0
    assert (weighed.probability - 0.7) * direction > 0


def test_unlike_texts_stay_where_the_model_put_them() -> None:
    layer = LearnedLayer([(STUDIO.format(name), "generic") for name in ("Amy", "Bob", "Cara")])
    assert layer.weigh(OTHER, 0.3).probability == 0.3
    half = " ".join(STUDIO.format("Amy").split()[:7]) + " and then something else entirely new"
    assert layer.weigh(half, 0.3).near == 0, f"less than {NEAR} alike"


def test_many_lessons_move_the_logit_at_most_the_bound() -> None:
    names = [f"Name{i}" for i in range(40)]
    layer = LearnedLayer([(STUDIO.format(name), "acceptable") for name in names])
    weighed = layer.weigh(STUDIO.format("Zed"), 0.5)
    assert weighed.near == 40 and weighed.shift == -BOUND


def test_opposite_lessons_cancel() -> None:
    layer = LearnedLayer([(STUDIO.format("Amy"), "acceptable"), (STUDIO.format("Bob"), "generic")])
    assert layer.weigh(STUDIO.format("Cara"), 0.6).probability == pytest.approx(0.6)
