"""The fitted judge: a logistic regression over the features of :mod:`.features`.

Loaded once from ``model.json`` beside this file (weights for a few thousand
feature strings, a bias, and metadata saying what it was fitted on). Judging a
message is a dictionary look-up per feature and one ``exp``: pure Python, no
numpy at run time.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dmguard.audit.judge.features import features

MODEL_PATH = Path(__file__).with_name("model.json")
WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

SHAPES = {
    "s:greeting": "opens with a greeting",
    "s:welcome": "welcome/thanks-for-following",
    "s:self-intro": "introduces the sender",
    "s:call-to-action": "call to action",
    "s:greeting+cta": "greeting + call to action",
    "s:greeting+intro": "greeting + self-introduction",
    "s:intro+cta": "self-introduction + call to action",
    "s:greeting+intro+cta": "greeting + self-introduction + call to action",
    "s:generic-you-opening": "generic second-person opening",
    "s:template-hole": "template hole",
    "s:no-referent": "no question and nothing concrete",
    "s:no-referent+cta": "a pitch with nothing concrete",
    "s:link": "a link",
    "s:links": "several links",
    "s:money": "money or prizes",
    "s:exclaims": "several exclamation marks",
    "s:shouting": "mostly capitals",
    "s:emoji3": "many emoji",
    "s:corporate-we": "speaks as 'we'",
    "s:you-heavy-statement": "addresses 'you' without asking anything",
    "s:multiline": "laid out on several lines",
}


def describe(feature: str, text: str = "") -> str:
    """A feature as a reader would name it: a word in quotes, or a shape in words.

    A piece of a word is named by the first word of ``text`` that holds it."""
    kind, _, body = feature.partition(":")
    if kind == "s":
        return SHAPES.get(feature, body.replace("-", " "))
    if kind == "c":
        piece = body.strip("^$")
        for word in WORDS.findall(text.lower()):
            if piece in word:
                return repr(word)
        return f"'…{piece}…'"
    return repr(body.replace("<start> ", "").strip())


@dataclass(frozen=True)
class Judgement:
    probability: float
    reasons: list[tuple[str, float]] = field(default_factory=list)
    """The features that pushed most towards "automated", strongest first."""
    text: str = ""

    def explain(self, count: int = 4) -> str:
        names: list[str] = []
        for feature, _ in self.reasons:
            if feature.startswith("s:len"):
                continue
            name = describe(feature, self.text)
            if name not in names:
                names.append(name)
            if len(names) == count:
                break
        return ", ".join(names)


class Judge:
    """Weights by feature string; ``probability`` is the logistic of their sum plus bias."""

    def __init__(self, weights: dict[str, float], bias: float, meta: dict[str, Any] | None = None
                 ) -> None:
        self.weights = weights
        self.bias = bias
        self.meta = dict(meta or {})

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Judge:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["weights"], float(data["bias"]), data.get("meta", {}))

    def logit(self, text: str) -> float:
        get = self.weights.get
        return self.bias + sum(get(f, 0.0) for f in features(text))

    def judge(self, text: str) -> Judgement:
        weights = self.weights
        scored = [(f, weights[f]) for f in features(text) if f in weights]
        total = self.bias + sum(w for _, w in scored)
        probability = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, total))))
        reasons = sorted((item for item in scored if item[1] > 0), key=lambda item: -item[1])
        return Judgement(probability, reasons, text)


_active: Judge | None = None
_override: Judge | None = None


def active() -> Judge:
    """The judge in use: the shipped model, loaded on first use, unless overridden."""
    global _active
    if _override is not None:
        return _override
    if _active is None:
        _active = Judge.load()
    return _active


@contextmanager
def overridden(judge: Judge) -> Iterator[Judge]:
    """Use another judge for a while (the leave-one-unit-out bench, tests)."""
    global _override
    previous, _override = _override, judge
    try:
        yield judge
    finally:
        _override = previous
