"""Auditing a stream of JSON Lines: what `dmguard audit` does, as a library.

A line that cannot be read is that line's error; the lines around it are still
audited. Nothing here prints: the caller decides how to show each outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from dmguard.audit.engine import Auditor
from dmguard.audit.history import BatchHistory
from dmguard.audit.jsonl import LineError, MessageIn, parse_line, to_input
from dmguard.audit.model import AuditResult
from dmguard.clock import Clock
from dmguard.config import Config

#: A message that does not name its platform is judged by X's rules: the audit
#: exists for X, and the lenient sandbox pack is for the demo's own sends.
DEFAULT_PLATFORM = "x"


@dataclass(frozen=True)
class LineOutcome:
    number: int
    result: AuditResult | None = None
    error: LineError | None = None


def standalone_auditor(config: Config | None, clock: Clock) -> Auditor:
    """The auditor for text with no account behind it (no config: X's rules, defaults).

    Its history is the batch's own: the lines count as going out together (the same
    text to many people is held), but none of them was sent, so no line caps or
    repeats a later line to the same person."""
    if config is None:
        config = Config.model_validate({"accounts": [{"name": "default", "platform": "x"}]})
    return Auditor.from_config(config, platform=DEFAULT_PLATFORM, clock=clock,
                               history=BatchHistory(sent=False))


def parsed_lines(lines: Iterable[str], progress: Callable[[int], None] | None = None
                 ) -> Iterator[tuple[int, MessageIn | LineError]]:
    """(line number, the parsed message or the error naming its line) per non-blank line."""
    for number, raw in enumerate(lines, start=1):
        if progress is not None:
            progress(len(raw))
        if not raw.strip():
            continue
        try:
            yield number, parse_line(raw, number)
        except LineError as error:
            yield number, error


def audit_lines(auditor: Auditor, lines: Iterable[str],
                progress: Callable[[int], None] | None = None) -> Iterator[LineOutcome]:
    """Audit every line; ``progress`` is told how many characters were read."""
    for number, item in parsed_lines(lines, progress):
        if isinstance(item, LineError):
            yield LineOutcome(number, error=item)
        else:
            yield LineOutcome(number, result=auditor.audit(to_input(item)))
