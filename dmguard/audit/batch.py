"""Auditing a stream of JSON Lines: what `dmguard audit` does, as a library.

A line that cannot be read is that line's error; the lines around it are still
audited. Nothing here prints: the caller decides how to show each outcome.

The lines of one batch are not each other's history (none of them was sent); the
one thing they tell each other is how many recipients got a similar text, which
the near-duplicate rule reads. So a large batch can be cut into chunks audited by
several processes (:func:`audit_in_parallel`): the near-duplicate counts are
counted first, in input order, by the calling process, and every chunk is
audited with them; the outcomes come back in input order, exactly as one process
would have produced them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import chain, islice
from typing import TYPE_CHECKING, NoReturn, TextIO, TypeVar

from dmguard.audit.engine import Auditor, UnknownPlatform
from dmguard.audit.history import BatchHistory, lines_of_this_input
from dmguard.audit.jsonl import (
    AUDIT_HINT,
    JSON_LINES_HINT,
    LineError,
    parse_line,
    read_input,
    starts_plain,
)
from dmguard.audit.label import DEFAULT_DISCLOSURE, DEFAULT_OPT_OUT, Labeller
from dmguard.audit.model import ANSWER_KINDS, AuditInput, AuditResult
from dmguard.audit.similarity import Signature
from dmguard.clock import Clock
from dmguard.policy_values import BUILT_IN_POLICIES

if TYPE_CHECKING:
    from dmguard.audit.jsonl_models import MessageIn
    from dmguard.audit.judge.learned import LearnedLayer
    from dmguard.config import Config

T = TypeVar("T")

#: A message that does not name its platform is judged by X's rules: the audit
#: exists for X, and the lenient sandbox pack is for the demo's own sends.
DEFAULT_PLATFORM = "x"

PARALLEL_FROM = 2000
"""Lines from which a batch is worth the start of a second process (see bench/audit.py)."""
CHUNK = 500
"""Lines per task handed to a worker process: small enough to balance, large enough
that handing it over costs little next to auditing it."""
LAST_CHUNK = 50
"""The smallest chunk: the end of a window is cut finer (see :func:`_chunk_sizes`)."""
WINDOW = 100 * CHUNK
"""Lines read ahead at most, so a huge file is not held in memory at once."""


@dataclass(frozen=True)
class LineOutcome:
    number: int
    result: AuditResult | None = None
    error: LineError | None = None


def standalone_auditor(config: Config | None, clock: Clock, *, account: str | None = None,
                       learned: LearnedLayer | None = None,
                       account_username: str | None = None) -> Auditor:
    """The auditor for text with no account behind it (no config: X's rules, defaults);
    with ``account``, that configured account's policy, what its people taught the
    judge (``learned``) and its username in the label (``account_username``, when known),
    as the daemon audits its drafts.

    Its history is the batch's own: the lines count as going out together (the same
    text to many people is held), but none of them was sent, so no line caps or
    repeats a later line to the same person.

    Without a config it is built from the defaults themselves (the built-in policy
    packs' values, the default label lines), not from a default :class:`Config`: the
    same auditor (a test pins it), without importing and running pydantic and every
    config section's checks on each start of ``dmguard audit``."""
    history = BatchHistory(sent=False)
    if config is not None:
        platform = config.account(account).policy_name if account else DEFAULT_PLATFORM
        return Auditor.from_config(config, platform=platform, clock=clock, history=history,
                                   learned=learned, account_username=account_username)
    policies = dict(BUILT_IN_POLICIES)
    return Auditor(
        policies=policies,
        default_platform=DEFAULT_PLATFORM,
        labeller=Labeller(DEFAULT_DISCLOSURE, DEFAULT_OPT_OUT,
                          policies[DEFAULT_PLATFORM].max_length),
        history=history,
        clock=clock,
    )


def parsed_lines(lines: Iterable[str], progress: Callable[[int], None] | None = None,
                 start: int = 1) -> Iterator[tuple[int, MessageIn | LineError]]:
    """(line number, the parsed message or the error naming its line) per non-blank line;
    the first line that cannot be a JSON object says what the input should be."""
    return _each_line(parse_line, lines, progress, start, JSON_LINES_HINT)


Reader = Callable[[str, int], AuditInput]
"""How a line becomes the message to audit: :func:`dmguard.audit.jsonl.read_input` (JSON
Lines) or :func:`dmguard.audit.jsonl.read_text_line` (a line of plain text)."""


def parsed_inputs(lines: Iterable[str], progress: Callable[[int], None] | None = None,
                  start: int = 1, hint: bool = True, read: Reader = read_input
                  ) -> Iterator[tuple[int, AuditInput | LineError]]:
    """(line number, the message to audit or the error naming its line) per non-blank line:
    :func:`parsed_lines` made into audit inputs (see :func:`dmguard.audit.jsonl.read_input`),
    or each line's text with :func:`~dmguard.audit.jsonl.read_text_line`. Without ``hint``
    (and for plain text), no line says what the input should be."""
    said = AUDIT_HINT if hint and read is read_input else None
    return _each_line(read, lines, progress, start, said)


def _each_line(read: Callable[[str, int], T], lines: Iterable[str],
               progress: Callable[[int], None] | None, start: int, hint: str | None
               ) -> Iterator[tuple[int, T | LineError]]:
    """Each non-blank line read; ``hint`` is added to the error of the first line that
    cannot be a JSON object (:func:`starts_plain`): plain text gives it once, not per line."""
    for number, raw in enumerate(lines, start=start):
        if progress is not None:
            progress(len(raw))
        if not raw.strip():
            continue
        try:
            yield number, read(raw, number)
        except LineError as error:
            if hint is not None and starts_plain(raw):
                error, hint = error.with_hint(hint), None
            yield number, error


def known_platform(auditor: Auditor, item: AuditInput, line: int) -> AuditInput:
    """``item`` with its ``platform`` as the auditor's policy pack spells it ("X" is ``x``),
    or the :class:`LineError` naming the line and the packs there are, as for an unknown
    ``context.kind``: a platform no pack is called would judge with no policy at all."""
    if item.platform is None or not auditor.policies:
        return item
    try:
        name = auditor.known_platform(item.platform)
    except UnknownPlatform as error:
        raise LineError(line, f"line {line}: platform: {error}", item.id) from None
    return item if name == item.platform else replace(item, platform=name)


def checked_inputs(auditor: Auditor, inputs: Iterable[tuple[int, AuditInput | LineError]]
                   ) -> Iterator[tuple[int, AuditInput | LineError]]:
    """:func:`parsed_inputs` with each message's platform checked (:func:`known_platform`)."""
    for number, item in inputs:
        if isinstance(item, LineError):
            yield number, item
            continue
        try:
            yield number, known_platform(auditor, item, number)
        except LineError as error:
            yield number, error


def _answer(item: AuditInput) -> bool:
    return item.context is not None and item.context.kind in ANSWER_KINDS


def judged(auditor: Auditor, item: AuditInput) -> AuditResult:
    """``auditor``'s result for ``item``; for a person's own reply or a STOP/START
    confirmation (context kind in :data:`~dmguard.audit.model.ANSWER_KINDS`), only the
    template-leftover check, as the daemon judges them (nor do they count as copies)."""
    if not _answer(item):
        return auditor.audit(item)
    from dmguard.audit.leftovers import leftover_auditor

    return leftover_auditor(auditor.clock).audit(item)


def audit_lines(auditor: Auditor, lines: Iterable[str],
                progress: Callable[[int], None] | None = None,
                read: Reader = read_input) -> Iterator[LineOutcome]:
    """Audit every line; ``progress`` is told how many characters were read."""
    for number, item in checked_inputs(auditor, parsed_inputs(lines, progress, read=read)):
        if isinstance(item, LineError):
            yield LineOutcome(number, error=item)
        else:
            yield LineOutcome(number, result=judged(auditor, item))


Render = Callable[[LineOutcome], str]
"""How a line's outcome is shown (the command line's text or JSON)."""


Rendered = tuple[str, str, int]
"""Outcomes rendered, one or more joined by newlines (empty for a chunk of blank lines);
the errors among them, when they are shown apart; how many lines could not be read."""


def audit_source(auditor: Auditor, handle: TextIO, render: Render,
                 progress: Callable[[int], None] | None = None, *,
                 errors_apart: bool = False, read: Reader = read_input) -> Iterator[Rendered]:
    """Audit what ``handle`` holds; yields its outcomes rendered, in input order (see
    :data:`Rendered`): with ``errors_apart``, the errors in a text of their own (for
    standard error, where the results are for people), otherwise in line among the results.
    ``read`` makes each line a message (JSON Lines unless told otherwise).

    A regular file of :data:`PARALLEL_FROM` lines or more is audited by as many
    processes as there are cores (:func:`audit_in_parallel`); anything else, a pipe
    above all, line by line as it arrives, each outcome yielded at once."""
    lines: Iterator[str] = iter(handle)
    workers = parallel_workers()
    if workers > 1 and _regular_file(handle):
        head = list(islice(lines, PARALLEL_FROM))
        lines = chain(head, lines)
        if len(head) == PARALLEL_FROM:
            yield from audit_in_parallel(auditor, lines, render, workers, progress,
                                         errors_apart=errors_apart, read=read)
            return
    for outcome in audit_lines(auditor, lines, progress, read):
        if outcome.error is None:
            yield render(outcome), "", 0
        else:
            yield ("", render(outcome), 1) if errors_apart else (render(outcome), "", 1)


def _regular_file(handle: TextIO) -> bool:
    try:
        return stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
    except (OSError, ValueError):
        return False


def parallel_workers() -> int:
    """How many processes a large batch can use here (1: audit it in this one)."""
    if not hasattr(os, "fork"):
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity
        cores = os.cpu_count() or 1
    return max(1, cores)


class CountedHistory:
    """A batch's history as a worker process sees it: the near-duplicate count of the
    line being audited, counted beforehand; nothing else (no line of a batch was sent)."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.line = 0

    def near_duplicates(self, sig: Signature | None) -> int:
        return self.counts.get(self.line, 0)

    def near_duplicates_were(self, count: int) -> str:
        return lines_of_this_input(count)

    def sent_to(self, recipient_key: str) -> list[tuple[datetime, str, Signature | None]]:
        return []

    def opted_out(self, recipient_key: str) -> bool:
        return False

    def record(self, recipient_key: str | None, at: datetime, text: str,
               sig: Signature | None) -> None:
        return None


def near_duplicate_counts(auditor: Auditor, history: BatchHistory, lines: list[str],
                          first: int, read: Reader = read_input) -> dict[int, int]:
    """The near-duplicate count each line of ``lines`` (numbered from ``first``) gets when
    the batch is audited in order, recording into ``history`` as :meth:`Auditor.audit` does.

    Only a line with a recipient id is compared or recorded; a line that holds neither
    ``recipient`` nor a ``\\u00`` escape cannot name one, and is not even parsed (JSON
    spells a letter of the key with ``\\u00..``; an emoji's ``\\ud83d`` cannot be one)."""
    counts: dict[int, int] = {}
    if not auditor.needs_signature or read is not read_input:
        return counts  # a line of plain text names no recipient
    for number, raw in enumerate(lines, start=first):
        if "recipient" not in raw and "\\u00" not in raw:
            continue
        if not raw.strip():
            continue
        try:
            item = known_platform(auditor, read_input(raw, number), number)
        except LineError:
            continue  # the line is an error, neither compared nor recorded
        if _answer(item):
            continue
        sig = auditor.signature_of(item)
        if sig is None:
            continue
        assert item.recipient is not None
        count = history.near_duplicates(sig)
        if count:
            counts[number] = count
        history.record(item.recipient.id, auditor.clock.now(), item.text, sig)
    return counts

_worker: tuple[Auditor, CountedHistory, Render, bool, Reader] | None = None
_window: list[str] = []
"""The window being audited: the workers are forked once it is read, so they hold it and a
task names its lines instead of carrying them."""


Task = tuple[int, int, dict[int, int], bool]
"""A chunk for a worker: its first line's number, how many lines it holds (from the start of
:data:`_window`, line ``_window_first``), their near-duplicate counts, and whether the hint of
:func:`parsed_inputs` is the chunk's to give."""
_window_first = 1


def _chunk_lines(task: Task) -> list[str]:
    first, size = task[0] - _window_first, task[1]
    return _window[first:first + size]


def _audit_chunk(task: Task) -> Rendered:
    """In a worker: audit one chunk; its outcomes rendered."""
    assert _worker is not None
    auditor, history, render, errors_apart, read = _worker
    first, _, counts, hint = task
    history.counts = counts
    out: list[str] = []
    errors = [] if errors_apart else out
    failed = 0
    for number, item in checked_inputs(auditor, parsed_inputs(_chunk_lines(task), start=first,
                                                              hint=hint, read=read)):
        if isinstance(item, LineError):
            failed += 1
            errors.append(render(LineOutcome(number, error=item)))
        else:
            history.line = number
            out.append(render(LineOutcome(number, result=judged(auditor, item))))
    shown_apart = "\n".join(errors) if errors_apart else ""
    return "\n".join(out), shown_apart, failed


def _load_before_fork() -> None:
    """Load what every audit reads once, here, so the workers share it instead of each
    loading its own: the judge's model and the phrase lists' anchor index."""
    from dmguard.audit.judge import model
    from dmguard.audit.text import ANCHORS

    model.active()
    ANCHORS.hits("")  # builds the automaton


def _counted_chunks(auditor: Auditor, history: BatchHistory, window: list[str], first: int,
                    hint: list[bool], read: Reader, workers: int) -> Iterator[Task]:
    """The tasks of a window (its lines numbered from ``first``): chunks of :data:`CHUNK`
    lines with their near-duplicate counts, counted a chunk at a time, in order, as the
    workers take the tasks. So the workers start on the first chunk while this process
    still counts the later ones, instead of waiting for the whole window: a batch with
    recipients is compared line by line, which takes a while.

    ``hint`` holds whether the hint is still to give: the chunk that holds the batch's
    first line that cannot be a JSON object gives it, as one process would."""
    start = 0
    for size in _chunk_sizes(len(window), workers):
        lines = window[start:start + size]
        gives = hint[0] and any(starts_plain(raw) and raw.strip() for raw in lines)
        if gives:
            hint[0] = False
        yield (first + start, size,
               near_duplicate_counts(auditor, history, lines, first + start, read), gives)
        start += size


def _chunk_sizes(lines: int, workers: int) -> Iterator[int]:
    """How a window of ``lines`` is cut: chunks of :data:`CHUNK` lines while plenty is left,
    then a quarter of each worker's share of the rest (down to :data:`LAST_CHUNK`). The
    workers finish together: with chunks of one size, one of them could still be auditing a
    whole chunk (about 90 ms on the bench's messages) while the others wait."""
    left = lines
    while left > 0:
        size = min(left, CHUNK, max(LAST_CHUNK, left // (4 * workers)))
        yield size
        left -= size


def audit_in_parallel(auditor: Auditor, lines: Iterable[str], render: Render, workers: int,
                      progress: Callable[[int], None] | None = None, *,
                      errors_apart: bool = False, read: Reader = read_input
                      ) -> Iterator[Rendered]:
    """Audit a batch in ``workers`` forked processes, chunk by chunk.

    Yields, in input order, each chunk's outcomes rendered as :func:`audit_source` does.
    ``auditor`` must be a :func:`standalone_auditor` (its history a batch's own, still
    empty)."""
    global _worker, _window, _window_first
    history = auditor.history
    if not isinstance(history, BatchHistory) or history.sent or history.index.size:
        raise ValueError("a parallel audit needs a fresh batch auditor")
    counted = CountedHistory()
    _worker = (auditor, counted, render, errors_apart, read)
    auditor.history = counted
    _load_before_fork()
    try:
        source = iter(lines)
        first = 1
        hint = [read is read_input]
        while True:
            _window, _window_first = list(islice(source, WINDOW)), first
            if not _window:
                break
            tasks = _counted_chunks(auditor, history, _window, first, hint, read, workers)
            first += len(_window)
            for task, rendered in forked_map(_audit_chunk, tasks, workers):
                if progress is not None:
                    progress(sum(map(len, _chunk_lines(task))))
                yield rendered
    finally:
        auditor.history = history
        _worker, _window = None, []


A = TypeVar("A")
_HEADER = 8


def forked_map(work: Callable[[A], T], tasks: Iterable[A], workers: int
               ) -> Iterator[tuple[A, T]]:
    """Each task with ``work(task)``, in task order, worked out by ``workers`` processes
    forked from this one: they hold all it held when called, so a task need only name
    its data. An exception ``work`` raises in a worker is raised here.

    Leaner than :mod:`multiprocessing`'s pool, whose import, threads and pickled task
    data cost ``dmguard audit`` tens of milliseconds: a pipe each way per worker, two
    tasks given to each at a time (it starts the next as soon as it finishes one, while
    this process reads the result and hands out the one after), and the workers end when
    their task pipe closes (terminated at once if the caller stops early)."""
    import pickle
    import selectors
    import signal

    pids: list[int] = []
    fds: list[int] = []
    to_worker: dict[int, int] = {}  # a worker's result pipe -> its task pipe
    given: dict[int, list[int]] = {}  # result pipe -> the indexes of its tasks, oldest first
    done = False
    try:
        for _ in range(workers):
            task_read, task_write = os.pipe()
            result_read, result_write = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the worker, which never returns
                _serve(work, task_read, result_write, (*fds, task_write, result_read))
            pids.append(pid)
            os.close(task_read)
            os.close(result_write)
            fds += [task_write, result_read]
            to_worker[result_read], given[result_read] = task_write, []
        pending = iter(tasks)
        handed: list[A] = []  # every task handed out, in task order
        results: dict[int, T] = {}  # task index -> its result, until its turn comes

        def give(pipe: int) -> None:
            """Hand the next task, if any is left, to the worker whose result pipe is ``pipe``."""
            for task in pending:
                given[pipe].append(len(handed))
                handed.append(task)
                _send(to_worker[pipe], pickle.dumps(task))
                break

        for _ in range(2):
            for pipe in given:
                give(pipe)
        with selectors.DefaultSelector() as selector:
            for pipe in given:
                selector.register(pipe, selectors.EVENT_READ)
            turn = 0
            while turn < len(handed):
                if turn in results:
                    yield handed[turn], results.pop(turn)
                    turn += 1
                    continue
                for key, _ in selector.select():
                    ok, value = pickle.loads(_receive(key.fd))
                    if not ok:
                        raise value
                    results[given[key.fd].pop(0)] = value
                    give(key.fd)
        done = True
    finally:
        for fd in fds:
            os.close(fd)
        for pid in pids:
            if not done:
                os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)


def _serve(work: Callable[[A], T], tasks: int, results: int, theirs: tuple[int, ...]
           ) -> NoReturn:
    """A worker's life: each task read from ``tasks``, its result written to ``results``,
    until the task pipe closes; then the process ends, as it does on any failure (it must
    never return into the code it was forked from). ``theirs``: the pipe ends of this
    process and of the other workers, inherited and closed here (a task pipe another
    worker holds open would never close)."""
    import pickle
    import traceback

    status = 0
    try:
        for fd in theirs:
            os.close(fd)
        while True:
            try:
                task = pickle.loads(_receive(tasks))
            except EOFError:
                break
            try:
                outcome: tuple[bool, object] = (True, work(task))
            except Exception as error:
                error.add_note(f"in a worker process:\n{traceback.format_exc().rstrip()}")
                outcome = (False, error)
            try:
                data = pickle.dumps(outcome)
            except Exception as error:
                data = pickle.dumps((False, RuntimeError(f"in a worker process: {error!r}")))
            _send(results, data)
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _send(fd: int, data: bytes) -> None:
    view = memoryview(len(data).to_bytes(_HEADER, "big") + data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int) -> bytes:
    """One message from ``fd``; EOFError when the pipe is closed before it."""
    size = int.from_bytes(_read_exactly(fd, _HEADER), "big")
    return _read_exactly(fd, size)


def _read_exactly(fd: int, size: int) -> bytes:
    parts: list[bytes] = []
    while size:
        part = os.read(fd, min(size, 1 << 20))
        if not part:
            raise EOFError("a worker process ended without a result")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)
