"""Fit the judge and write ``model.json``: ``python -m dmguard.audit.judge.train --eval ../shared/eval``.

Reads the evaluation folders (the path is an argument; nothing from them is copied
into the project), keeps only the rows whose source's licence allows shipping a
model derived from them (see :data:`LICENCES`), adds the project-written seed
corpus (:mod:`.seed`) and fits an L2-regularised logistic regression with numpy.

Against memorising one source's wording:

- a feature is only learned when it occurs in at least two different source
  units (one bot's catch-phrase, seen in one repository, is not learned),
- every source unit weighs about the square root of its size, so five thousand
  SMS do not drown forty welcome messages, and both classes weigh the same.

Fitting is deterministic: no random numbers are drawn, and the same data gives
the same file byte for byte.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dmguard.audit.judge import seed
from dmguard.audit.judge.features import features
from dmguard.audit.judge.model import MODEL_PATH, Judge
from dmguard.audit.model import AuditInput

DEFAULT_EVAL = Path(__file__).resolve().parents[3].parent / "shared" / "eval"
SMS_UNIT = "sms_spam"
SEED_UNIT = "seed:dmguard"

# unit -> (licence, may a shipped model be derived from it)
LICENCES: dict[str, tuple[str, bool]] = {
    SEED_UNIT: ("MIT (written by the dmguard project)", True),
    SMS_UNIT: ("free for all purposes per its authors (readme_UCI.txt); UCI lists CC BY 4.0", True),
    "github:yjose/twitter-bot": ("MIT (LICENSE in the repository)", True),
    "github:nirholas/XActions": ("Apache-2.0", True),
    "github:josavagenawff/instabot": ("Apache-2.0 (fork of instagrambot/instabot)", True),
    "pypi:chitchat-dataset==0.9.0": ("MIT (BYU PCC Chit-Chat dataset)", True),
    "persuasionforgood": ("Apache-2.0", True),
    "topical_chat/valid_freq": ("CDLA-Sharing-1.0 (results such as a model are unrestricted)", True),
    "topical_chat/valid_rare": ("CDLA-Sharing-1.0 (results such as a model are unrestricted)", True),
    "youtube_spam_collection/01-Psy": ("CC BY 4.0 (UCI YouTube Spam Collection)", True),
    "youtube_spam_collection/02-KatyPerry": ("CC BY 4.0 (UCI YouTube Spam Collection)", True),
    "github:monalisapatra26/data_visualization": (
        "Customer Support on Twitter (Kaggle): CC BY-NC-SA 4.0, non-commercial", False),
    "github:AnimeKaizoku/SaitamaRobot": ("GPL-3.0", False),
    "github:DEKHTIARJonathan/twitterBots": ("GPL-3.0", False),
}
"""Every other unit (forks whose own licence file was not verified, repositories
without a licence, quoted blog posts) is not fitted on: unknown means no."""

ALLOWED_UNITS = frozenset(unit for unit, (_, allowed) in LICENCES.items() if allowed)


def licence(unit: str) -> tuple[str, bool]:
    return LICENCES.get(unit, ("no licence known to allow it", False))


@dataclass(frozen=True)
class Row:
    text: str
    automated: bool
    unit: str
    template: str = ""
    """The raw template of a rendered bot message (the eval rendered every name as "Alex")."""


RENDERED_NAME = "Alex"
"""The one name the eval folders rendered every template with: an artefact, not an idea."""
FIT_NAMES = ("Priya", "Tomasz", "Aiko", "Kwame", "Lucía", "Oskar", "Fatima", "Jonah", "Mei",
             "Rafael", "Ingrid", "Dev", "Chiara", "Youssef", "Hannah", "Bongani")
"""Names a fitting row's template is rendered with instead (one per row, by its text), so that
the model learns that a name stands there, never which name."""


def rendered(row: Row, names: Sequence[str]) -> Row:
    """``row`` with the rendered name replaced by one of ``names`` (chosen by its text), when
    the name came from its template's placeholder."""
    if not row.template or RENDERED_NAME not in row.text or RENDERED_NAME in row.template:
        return row
    name = names[zlib.crc32(row.text.encode("utf-8")) % len(names)]
    return Row(row.text.replace(RENDERED_NAME, name), row.automated, row.unit, row.template)


def unit_of(item: dict[str, object]) -> str:
    """The source unit of an eval row: ``unit`` when given, else its repository or package."""
    unit = item.get("unit")
    if isinstance(unit, str) and unit:
        return unit
    source = str(item.get("source", ""))
    if source.startswith("github:"):
        return source.split("@", 1)[0]
    if source.startswith("pypi:"):
        return ":".join(source.split(":", 2)[:2])
    return source.split("#", 1)[0]


def read_jsonl(path: Path) -> list[Row]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            template = item.get("template")
            rows.append(Row(item["text"], item["kind"] == "automated", unit_of(item),
                            template if isinstance(template, str) else ""))
    return rows


def read_sms(path: Path) -> list[Row]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            label, _, text = line.rstrip("\n").partition("\t")
            if text:
                rows.append(Row(text, label == "spam", SMS_UNIT))
    return rows


def sms_fold(text: str, folds: int = 5) -> int:
    """The cross-validation fold of an SMS: by its text, so duplicates share a fold."""
    return zlib.crc32(text.encode("utf-8")) % folds


def eval_sets(path: Path) -> dict[str, list[Row]]:
    """The rows of ``path`` (``eval``), ``path/wider`` (``wider``) and the SMS collection."""
    sets: dict[str, list[Row]] = {}
    for name, folder in (("eval", path), ("wider", path / "wider")):
        rows: list[Row] = []
        for file in ("automated.jsonl", "personal.jsonl"):
            if (folder / file).exists():
                rows += read_jsonl(folder / file)
        if rows:
            sets[name] = rows
    sms = path / "sms_spam" / "SMSSpamCollection"
    if sms.exists():
        sets["sms"] = read_sms(sms)
    return sets


def seed_rows() -> list[Row]:
    return ([Row(text, True, SEED_UNIT) for text in seed.AUTOMATED]
            + [Row(text, False, SEED_UNIT) for text in seed.PERSONAL])


def fitting_rows(sets: dict[str, list[Row]]) -> list[Row]:
    """Every row a shipped model may be fitted on: allowed licences only, plus the seed."""
    rows = [rendered(row, FIT_NAMES) for rows in sets.values() for row in rows
            if licence(row.unit)[1]]
    return rows + seed_rows()


@dataclass(frozen=True)
class Params:
    l2: float = 1.0
    """L2 penalty on word, pair and piece weights (what one source's wording teaches)."""
    l2_shapes: float = 1.0
    """L2 penalty on shape and rule weights (the ideas, which carry across sources)."""
    iterations: int = 400
    learning_rate: float = 0.05
    min_units: int = 2
    min_rows: int = 3
    seed_weight: float = 1.0
    max_features: int = 6000
    min_weight: float = 0.01


_FEATURES: dict[str, list[str]] = {}


def rule_findings(text: str) -> list[str]:
    """The names of the rules that run before the judge and find something in ``text``
    judged alone (as ``dmguard audit`` judges a line with no recipient)."""
    global _ENGINE, _BEFORE
    if _ENGINE is None:
        from dmguard.audit.engine import Auditor
        from dmguard.audit.rules import catalogue
        from dmguard.audit.rules.judge import looks_automated
        from dmguard.clock import SystemClock
        from dmguard.config import RuleSetting
        from dmguard.policy import built_in_policies

        order = [r.id for r in catalogue()]
        _BEFORE = frozenset(order[:order.index(looks_automated.id)])
        _ENGINE = Auditor(policies=built_in_policies(), default_platform="x", record=False,
                          rules={looks_automated.id: RuleSetting(enabled=False)},
                          clock=SystemClock())
    return [f.name for f in _ENGINE.audit(AuditInput(text)).findings if f.rule in _BEFORE]


_ENGINE: Any = None
_BEFORE: frozenset[str] = frozenset()


def row_features(text: str) -> list[str]:
    """The judge's features of a fitting row, the other rules' findings included (cached:
    the leave-one-unit-out bench fits many times on the same rows)."""
    found = _FEATURES.get(text)
    if found is None:
        found = _FEATURES[text] = features(text, rule_findings(text))
    return found


def fit(rows: Sequence[Row], params: Params = Params()) -> Judge:
    """Fit weights on ``rows``; deterministic for the same rows in the same order."""
    feats = [row_features(row.text) for row in rows]
    units_of: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for row, found in zip(rows, feats, strict=True):
        for feature in found:
            units_of.setdefault(feature, set()).add(row.unit)
            counts[feature] = counts.get(feature, 0) + 1
    vocab = sorted(f for f, units in units_of.items()
                   if f.startswith("s:") or (len(units) >= params.min_units
                                             and counts[f] >= params.min_rows))
    index = {f: i for i, f in enumerate(vocab)}
    row_ids: list[int] = []
    col_ids: list[int] = []
    for number, found in enumerate(feats):
        for feature in found:
            column = index.get(feature)
            if column is not None:
                row_ids.append(number)
                col_ids.append(column)
    r = np.asarray(row_ids, dtype=np.int64)
    c = np.asarray(col_ids, dtype=np.int64)
    y = np.asarray([1.0 if row.automated else 0.0 for row in rows])
    sample = _weights(rows, params)
    n, d = len(rows), len(vocab)

    penalty = np.asarray([params.l2_shapes if f[0] in "sr" else params.l2 for f in vocab])
    w = np.zeros(d)
    b = 0.0
    m_w, v_w = np.zeros(d), np.zeros(d)
    m_b = v_b = 0.0
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    total = sample.sum()
    for step in range(1, params.iterations + 1):
        z = np.bincount(r, weights=w[c], minlength=n) + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        residual = (p - y) * sample / total
        g_w = np.bincount(c, weights=residual[r], minlength=d) + penalty * w / total
        g_b = float(residual.sum())
        m_w = beta1 * m_w + (1 - beta1) * g_w
        v_w = beta2 * v_w + (1 - beta2) * g_w * g_w
        m_b = beta1 * m_b + (1 - beta1) * g_b
        v_b = beta2 * v_b + (1 - beta2) * g_b * g_b
        correction = math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
        w -= params.learning_rate * correction * m_w / (np.sqrt(v_w) + eps)
        b -= params.learning_rate * correction * m_b / (math.sqrt(v_b) + eps)

    order = sorted(range(d), key=lambda i: (-abs(w[i]), vocab[i]))[: params.max_features]
    weights = {vocab[i]: round(float(w[i]), 4) for i in sorted(order)
               if abs(w[i]) >= params.min_weight}
    fitted = sorted({row.unit for row in rows})
    meta = {
        "fitted_on": [{"unit": unit, "licence": licence(unit)[0],
                       "rows": sum(1 for row in rows if row.unit == unit)} for unit in fitted],
        "rows": n,
        "features_considered": d,
        "params": params.__dict__,
    }
    return Judge(dict(sorted(weights.items())), round(b, 4), meta)


def _weights(rows: Sequence[Row], params: Params) -> np.ndarray:
    """Each (unit, class) group weighs the square root of its size; both classes weigh the same."""
    sizes: dict[tuple[str, bool], int] = {}
    for row in rows:
        sizes[(row.unit, row.automated)] = sizes.get((row.unit, row.automated), 0) + 1
    raw = np.asarray([
        params.seed_weight if row.unit == SEED_UNIT
        else 1.0 / math.sqrt(sizes[(row.unit, row.automated)]) for row in rows])
    positive = np.asarray([row.automated for row in rows])
    if positive.any() and (~positive).any():
        raw[positive] *= raw[~positive].sum() / raw[positive].sum()
    return raw


def dump(judge: Judge) -> str:
    return json.dumps({"format": 1, "bias": judge.bias, "meta": judge.meta,
                       "weights": judge.weights}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")) + "\n"


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="the eval folder")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not args.eval.is_dir():
        print(f"skipped: no eval corpus at {args.eval}; {args.out} left as it is")
        return 0
    rows = fitting_rows(eval_sets(args.eval))
    judge = fit(rows)
    args.out.write_text(dump(judge), encoding="utf-8")
    print(f"wrote {args.out}: {len(judge.weights)} weights from {len(rows)} rows of "
          f"{len(judge.meta['fitted_on'])} units")
    for item in judge.meta["fitted_on"]:
        print(f"  {item['rows']:5} {item['unit']}  [{item['licence']}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
