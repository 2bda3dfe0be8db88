"""Every SQL statement dmguard (and its benchmarks) runs lives in dmguard/store/.

The check reads string literals with ``tokenize``, so comments never count, and it
flags only strings that look like statements (``SELECT … FROM``, ``INSERT INTO``,
``UPDATE … SET``, ``DELETE FROM``, ``CREATE TABLE``…), so prose in docstrings that
mentions a word like "select" does not. Tests may inspect the database through
``store.connection``; nothing else may.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "dmguard" / "store"
STATEMENT = re.compile(
    r"\b(?:SELECT\b[\s\S]*?\bFROM|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+[\w{}.]+\s+SET"
    r"|DELETE\s+FROM|CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX)|ALTER\s+TABLE|DROP\s+TABLE"
    r"|PRAGMA\s+\w+)\b",
)


def checked_files() -> list[Path]:
    files = [*sorted((ROOT / "dmguard").rglob("*.py")), *sorted((ROOT / "bench").rglob("*.py"))]
    return [path for path in files if STORE not in path.parents]


def sql_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of string literals that look like SQL statements.

    Adjacent literals (implicit concatenation) are joined first, since statements are
    usually split over several lines; f-strings count by their literal parts.
    """
    found: list[tuple[int, str]] = []
    pieces: list[str] = []
    start = 0

    def flush() -> None:
        text = " ".join(pieces)
        if pieces and STATEMENT.search(text):
            found.append((start, text[:80]))
        pieces.clear()

    # Python 3.12 splits f-strings into START / MIDDLE / END tokens (and the placeholders'
    # own tokens); 3.11 gives one STRING token. Both read as one literal here.
    text_kinds = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)}
    skip = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT,
            getattr(tokenize, "FSTRING_START", -1), getattr(tokenize, "FSTRING_END", -1)}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in text_kinds:
            if not pieces:
                start = token.start[0]
            pieces.append(token.string)
        elif token.type in skip:
            continue
        else:
            flush()
    flush()
    return found


def test_the_detector_finds_statements_and_ignores_prose() -> None:
    code = (
        'QUERY = ("SELECT id FROM messages "\n'
        '         "WHERE state = ?")\n'
        'x = f"UPDATE {table} SET a = 1"\n'
        'def f():\n'
        '    """Select the messages from a list; update the set of tasks."""\n'
        '# SELECT * FROM comments is fine\n'
        'y = "delete from the queue when done"\n'
        'z = "INSERT OR IGNORE INTO enrolments (a) VALUES (?)"\n'
    )
    lines = [line for line, _ in sql_strings(code)]
    assert lines == [1, 3, 8]


def test_no_sql_outside_the_store() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{line}: {text}"
                 for path in checked_files()
                 for line, text in sql_strings(path.read_text(encoding="utf-8"))]
    assert offenders == [], "SQL belongs in dmguard/store/:\n" + "\n".join(offenders)


def test_no_database_handle_outside_the_store() -> None:
    """Callers use the aggregates; sqlite3, sqlite_utils and the raw connection stay inside."""
    pattern = re.compile(r"^\s*(?:import|from)\s+(?:sqlite3|sqlite_utils)\b|store\.connection\b",
                         re.MULTILINE)
    offenders = [str(path.relative_to(ROOT)) for path in checked_files()
                 if pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
