"""A batch audited by several processes says exactly what one process says, in order."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard.audit import batch
from dmguard.audit.batch import (
    LineOutcome,
    audit_in_parallel,
    audit_lines,
    parallel_workers,
    standalone_auditor,
)
from dmguard.audit.jsonl import dumps
from dmguard.cli import cli
from dmguard.clock import SimulatedClock

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
TEMPLATES = [
    "Hi {name}, we are launching our spring collection next week with new colours!",
    "Hey {name}, thanks for the follow! Check out our shop at https://shop.example.com",
    "{name}, our webinar on Thursday covers pricing for small teams, want a seat?",
]
NAMES = ["Amy Lee", "Bob Stone", "Carla Diaz", "Dev Patel", "Eve Moss"]


def batch_lines(count: int) -> list[str]:
    """Near-duplicates to distinct and repeated recipients, plain texts, and bad lines."""
    lines = []
    for index in range(count):
        name = NAMES[index % len(NAMES)]
        if index % 17 == 3:
            lines.append("{not json")
        elif index % 31 == 9:
            lines.append(f"Hi {name}, a line of plain text")
        elif index % 23 == 5:
            lines.append("")
        elif index % 29 == 7:
            lines.append(json.dumps({"id": index, "text": "hi", "context": {"step": -2}}))
        elif index % 19 == 2:
            # A platform no policy is called is the line's error in every process (and is
            # neither compared nor recorded); a policy's name in capitals is that policy.
            platform = "twitter" if index % 2 else "X"
            text = TEMPLATES[index % len(TEMPLATES)].format(name=name.split()[0])
            lines.append(json.dumps({"id": str(index), "text": text, "platform": platform,
                                     "recipient": {"id": str(index % 40), "name": name}}))
        elif index % 3:
            text = TEMPLATES[index % len(TEMPLATES)].format(name=name.split()[0])
            # \u-escaped keys still name a recipient
            line = json.dumps({"id": str(index), "text": text,
                               "recipient": {"id": str(index % 40), "name": name}},
                              ensure_ascii=index % 2 == 0)
            lines.append(line.replace('"recipient"', '"\\u0072ecipient"') if index % 11 == 1
                         else line)
        else:
            lines.append(json.dumps({"id": str(index), "text": f"Are we still on for lunch "
                                     f"at {index % 12} on Thursday, {name}?"}))
    return lines


def render(outcome: LineOutcome) -> str:
    return dumps(outcome.error.as_json() if outcome.error else outcome.result.as_json())


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_parallel_outcomes_are_the_sequential_ones_in_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "CHUNK", 7)
    monkeypatch.setattr(batch, "WINDOW", 50)  # several windows, the history carried across
    lines = batch_lines(300)
    one = [render(o) for o in audit_lines(standalone_auditor(None, SimulatedClock(START)),
                                          lines)]
    assert any('"DG021"' in line for line in one), "the sample must hold near-duplicates"
    assert any('"error"' in line for line in one)
    assert any("platform: must be 'sandbox' or 'x'" in line for line in one)
    read: list[int] = []
    chunks = list(audit_in_parallel(standalone_auditor(None, SimulatedClock(START)), lines,
                                    render, 2, read.append))
    assert [line for text, _, _ in chunks for line in text.split("\n") if text] == one
    assert all(not apart for _, apart, _ in chunks)
    hinted = [line for line in one if "JSON Lines" in line]
    assert len(hinted) == 1 and '"line": 10,' in hinted[0], "plain text is told once, first"
    assert sum(failed for _, _, failed in chunks) == sum('"error"' in line for line in one)
    assert sum(read) == sum(map(len, lines))


def test_a_used_auditor_is_refused() -> None:
    auditor = standalone_auditor(None, SimulatedClock(START))
    list(audit_lines(auditor, batch_lines(30)))
    with pytest.raises(ValueError, match="fresh batch auditor"):
        list(audit_in_parallel(auditor, batch_lines(30), render, 2))


def test_parallel_workers_is_at_least_one() -> None:
    assert parallel_workers() >= 1


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_a_large_file_prints_what_a_pipe_prints(tmp_path: Path, fmt: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "PARALLEL_FROM", 40)
    monkeypatch.setattr(batch, "CHUNK", 9)
    monkeypatch.setattr(batch, "parallel_workers", lambda: 2)
    calls: list[int] = []
    real = batch.audit_in_parallel

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "audit_in_parallel", counted)
    source = tmp_path / "batch.jsonl"
    lines = [line.encode() for line in batch_lines(200)]
    lines[120] = b'{"id": "latin-1", "text": "caf\xe9"}'
    source.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    runner = CliRunner()
    piped = runner.invoke(cli, ["audit", "-", "--format", fmt], input=source.read_bytes())
    from_file = runner.invoke(cli, ["audit", str(source), "--format", fmt])
    assert from_file.exit_code == piped.exit_code == 1
    assert from_file.stdout == piped.stdout
    if fmt == "text":
        assert "error: " not in from_file.stdout
        assert all(line.startswith("error: line ") for line in piped.stderr.splitlines())
        assert from_file.stderr == piped.stderr.replace("error: ", f"error: {source}: ")
    else:
        assert from_file.stderr == piped.stderr
    assert "line 121: not UTF-8: byte 0xE9 at column 31" in from_file.output
    assert "platform: must be 'sandbox' or 'x'" in from_file.output
    assert from_file.output.count("\n") >= 150
    assert calls == [1], "the file goes through the parallel path, the pipe does not"


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_a_large_text_file_prints_what_a_pipe_prints(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "PARALLEL_FROM", 40)
    monkeypatch.setattr(batch, "CHUNK", 9)
    monkeypatch.setattr(batch, "parallel_workers", lambda: 2)
    source = tmp_path / "batch.txt"
    source.write_text("\n".join(batch_lines(100)) + "\n", encoding="utf-8")
    runner = CliRunner()
    args = ["audit", "--input", "text", "--format", "jsonl"]
    piped = runner.invoke(cli, [*args, "-"], input=source.read_text())
    from_file = runner.invoke(cli, [*args, str(source)])
    assert from_file.exit_code == piped.exit_code == 0
    assert from_file.output == piped.output
    assert from_file.output.count("\n") == sum(1 for line in batch_lines(100) if line)
    assert '"DG021"' not in from_file.output, "a line of text names no recipient"


def test_the_auditor_without_a_config_is_the_default_configs() -> None:
    """standalone_auditor(None) is built from the defaults directly (no pydantic); it must
    be the auditor a default Config gives, setting by setting."""
    from dmguard.audit.engine import Auditor
    from dmguard.config import Config

    clock = SimulatedClock(START)
    plain = standalone_auditor(None, clock)
    config = Config.model_validate({"accounts": [{"name": "default", "platform": "x"}]})
    full = Auditor.from_config(config, platform=batch.DEFAULT_PLATFORM, clock=clock)

    def settings(auditor: Auditor) -> dict[str, object]:
        return {
            "rules": [(a.rule.id, a.severity, a.severity_overridden, a.options)
                      for a in (*auditor.draft_rules, *auditor.score_rules,
                                *auditor.final_rules)],
            "hold": auditor.hold_score, "platform": auditor.default_platform,
            "labeller": auditor.labeller, "account": auditor.account_username,
            "record": auditor.record, "learned": auditor.learned,
            "policies": {name: {field: getattr(policy, field) for field in (
                "automated_requires_user_first", "welcome_dm", "require_disclosure",
                "require_opt_out", "max_length")} for name, policy in auditor.policies.items()},
        }

    assert settings(plain) == settings(full)
    assert settings(plain)["labeller"] is not None


def test_auditing_plain_lines_without_a_config_does_not_import_pydantic() -> None:
    """The start-up `dmguard audit` saves: no config and plainly valid lines need neither
    pydantic nor the config schema (a line that is wrong still gets its error)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from dmguard.audit.batch import audit_lines, standalone_auditor\n"
        "from dmguard.clock import SystemClock\n"
        "lines = ['{\"id\": 1, \"text\": \"Hi Amy, thanks for the follow!\", '\n"
        "         '\"recipient\": {\"id\": \"4\", \"name\": \"Amy\"}, \"context\": {\"step\": 1}}']\n"
        "outcomes = list(audit_lines(standalone_auditor(None, SystemClock()), lines))\n"
        "assert outcomes[0].result is not None\n"
        "assert not [m for m in sys.modules if m.startswith(('pydantic', 'dmguard.config'))]\n"
        "outcomes = list(audit_lines(standalone_auditor(None, SystemClock()), ['{\"id\": 2}']))\n"
        "assert 'required field is missing' in str(outcomes[0].error)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _slow_square(value: int) -> int:
    """Later tasks finish first (the results must still come back in task order)."""
    import time

    time.sleep(0.002 * (10 - value))
    return value * value


def _children() -> set[str]:
    """This process's child processes, reaped or not (Linux's /proc; empty elsewhere)."""
    return {pid for task in Path("/proc/self/task").glob("*")
            for pid in (task / "children").read_text().split()}


def _fails_on_three(value: int) -> int:
    if value == 3:
        raise ValueError("three is refused")
    return value


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_forked_map_answers_in_task_order() -> None:
    assert list(batch.forked_map(_slow_square, range(10), 3)) == [(n, n * n) for n in range(10)]
    assert list(batch.forked_map(_slow_square, [], 2)) == []


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_forked_map_raises_a_workers_error_and_leaves_no_process() -> None:
    before = _children()
    with pytest.raises(ValueError, match="three is refused") as raised:
        list(batch.forked_map(_fails_on_three, range(8), 2))
    assert any("in a worker process" in note for note in raised.value.__notes__)
    assert _children() == before, "every worker was waited for"


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_forked_map_stopped_early_ends_its_workers() -> None:
    before = _children()
    answers = batch.forked_map(_slow_square, range(100), 2)
    assert next(answers) == (0, 0)
    assert len(_children() - before) == 2
    answers.close()
    assert _children() == before
