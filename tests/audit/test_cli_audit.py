"""The `dmguard audit` JSONL contract, through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard.cli import cli

LINES = [
    {"id": "m1", "text": "Dear valued customer, buy now!"},
    {"id": "m2", "text": "Are we still on for Thursday?",
     "recipient": {"id": "9", "name": "Amy Lee"}, "context": {"kind": "reply",
                                                             "user_dmed_first": True}},
]


def run(args: list[str], stdin: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(cli, ["audit", *args], input=stdin)
    return result.exit_code, [json.loads(line) for line in result.output.splitlines() if line]


def test_jsonl_output_follows_the_contract() -> None:
    code, out = run(["-", "--format", "jsonl"], "\n".join(json.dumps(x) for x in LINES))
    assert code == 0
    held, sent = out
    assert held["id"] == "m1" and held["verdict"] == "hold"
    assert set(held) >= {"id", "verdict", "score", "findings"}
    assert "labelled_text" not in held
    finding = held["findings"][0]
    assert set(finding) == {"rule", "name", "severity", "message", "span"}
    assert LINES[0]["text"][finding["span"][0]:finding["span"][1]].lower() in (
        "dear valued customer", "valued customer", "buy now")
    assert sent["verdict"] == "send" and "STOP" in sent["labelled_text"]


def test_bad_lines_become_error_objects_and_the_rest_still_run() -> None:
    stdin = "\n".join([
        "not json",
        json.dumps({"id": "x", "txt": "missing text"}),
        json.dumps({"id": "y", "text": 5}),
        json.dumps({"id": "z", "text": "a" * 1_000_001}),
        json.dumps({"id": "ok", "text": "See you at 8?"}),
        '{"id": "s", "text": "lone \\ud800 surrogate"}',
    ])
    code, out = run(["-", "--format", "jsonl"], stdin)
    assert code == 1
    assert [o.get("line") for o in out[:4]] == [1, 2, 3, 4]
    assert "not JSON: the line does not start with" in out[0]["error"]
    assert "text: required field is missing" in out[1]["error"]
    assert "longer than" in out[3]["error"]
    assert out[4]["verdict"] == "send"
    assert out[5]["verdict"] in ("send", "hold")


def test_text_format_names_rule_and_reason(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "m1", "text": "Hi {first_name}, welcome"}) + "\n")
    result = CliRunner().invoke(cli, ["audit", str(source)])
    assert "m1: BLOCK" in result.output
    assert "DG001 unfilled-placeholder [block]" in result.output


def test_audit_runs_without_nltk_corpora(tmp_path: Path) -> None:
    empty = tmp_path / "nltk_data"
    empty.mkdir()
    env = {**os.environ, "NLTK_DATA": str(empty)}
    code = ("from dmguard.tasks import priority_for; from dmguard.audit.engine import Auditor;"
            "from dmguard.audit.model import AuditInput; from dmguard.clock import SystemClock;"
            "print(Auditor(clock=SystemClock()).audit(AuditInput('Thanks for following!')).verdict,"
            " priority_for('reply', 'This is awful, I am angry!')[0])")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    verdict, priority = out.stdout.split()
    assert verdict == "hold"
    assert int(priority) > 50


def test_messages_without_a_platform_are_judged_by_x_rules() -> None:
    welcome = {"id": "w", "text": "Hi Amy! What brought you here?",
               "recipient": {"id": "1", "name": "Amy"},
               "context": {"kind": "welcome", "user_dmed_first": False}}
    code, out = run(["-", "--format", "jsonl"], json.dumps(welcome))
    assert code == 0 and out[0]["verdict"] == "block"
    assert "DG081" in {f["rule"] for f in out[0]["findings"]}
    code, out = run(["-", "--format", "jsonl"], json.dumps({**welcome, "platform": "sandbox"}))
    assert code == 0 and out[0]["verdict"] == "send"


QA_WELCOME = {"text": "Hi Amy! What brought you here?", "recipient": {"name": "Amy Lee"},
              "context": {"kind": "welcome", "user_dmed_first": False}}


@pytest.mark.parametrize(("platform", "verdict"), [("x", "block"), ("X", "block"),
                                                   ("sandbox", "send"), ("SandBox", "send")])
def test_a_platform_is_a_policy_pack_case_aside(platform: str, verdict: str) -> None:
    """QA 5: "X" was no pack, so X's rules were off (SEND where "x" gave BLOCK, DG081)."""
    code, out = run(["-", "--format", "jsonl"], json.dumps({**QA_WELCOME, "platform": platform}))
    assert code == 0 and out[0]["verdict"] == verdict
    assert ("DG081" in {f["rule"] for f in out[0]["findings"]}) is (verdict == "block")


@pytest.mark.parametrize("platform", ["twitter", "Twitter", "", "x ", "sandbox2"])
def test_an_unknown_platform_is_the_lines_error_naming_the_packs(platform: str) -> None:
    lines = [json.dumps({**QA_WELCOME, "id": "w", "platform": platform}),
             json.dumps(LINES[1])]
    code, out = run(["-", "--format", "jsonl"], "\n".join(lines))
    assert code == 1
    assert out[0] == {"id": "w", "line": 1,
                      "error": "line 1: platform: must be 'sandbox' or 'x'"}
    assert out[1]["verdict"] == "send", "the other lines are still audited"
    text = CliRunner().invoke(cli, ["audit", "-"], input=lines[0])
    assert text.exit_code == 1 and text.stdout == ""
    assert text.stderr == "error: line 1: platform: must be 'sandbox' or 'x'\n"


def test_the_packs_a_config_defines_are_platforms_too(tmp_path: Path) -> None:
    from tests.conftest import config_file

    conf = config_file(tmp_path)
    conf.write_text(conf.read_text() + "\n[policies.shop]\nwelcome_dm = \"send\"\n")
    lines = "\n".join(json.dumps({**QA_WELCOME, "platform": name}) for name in ("Shop", "X2"))
    result = CliRunner().invoke(cli, ["audit", "-", "--format", "jsonl", "--config", str(conf)],
                                input=lines)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1 and "verdict" in out[0]
    assert out[1]["error"] == "line 2: platform: must be 'sandbox', 'shop' or 'x'"


def test_json_nested_too_deeply_is_that_lines_error_and_the_rest_are_audited() -> None:
    deep = '{"id": "deep", "text": "hi", "context": ' + "[" * 500 + "]" * 500 + "}"
    stdin = "\n".join([json.dumps(LINES[0]), deep, json.dumps(LINES[1])])
    code, out = run(["-", "--format", "jsonl"], stdin)
    assert code == 1
    first, error, last = out
    assert first["id"] == "m1" and last["id"] == "m2"
    assert error["line"] == 2 and "line 2" in error["error"]


# --- --account: audit as the daemon audits one account's drafts -------------------------

#: The judge alone holds this (tests/test_learning.py uses the same kind of text).
PITCH = "Hi Amy, we are a small studio helping local brands grow online. Book a free call with us today."


def _with_lesson(tmp_path: Path, label: str | None) -> Path:
    """A configuration whose database holds one lesson about :data:`PITCH` (or none)."""
    from dmguard.clock import SimulatedClock
    from dmguard.store import Store
    from tests.conftest import START, config_file

    conf = config_file(tmp_path, db=tmp_path / "t.db")
    store = Store.open(tmp_path / "t.db", SimulatedClock(START))
    store.accounts.ensure("demo", "sandbox")
    if label is not None:
        store.lessons.add("demo", PITCH, label, "released", "sam")
    store.close()
    return conf


def _judged(conf: Path, *args: str) -> set[str]:
    code, out = run(["-", "--format", "jsonl", "--config", str(conf), *args],
                    json.dumps({"id": "p", "text": PITCH}))
    assert code == 0
    return {f["rule"] for f in out[0]["findings"]}


def test_account_applies_what_its_people_taught_the_judge(tmp_path: Path) -> None:
    conf = _with_lesson(tmp_path, "acceptable")
    assert "DG095" in _judged(conf), "without --account no account's lessons apply"
    assert "DG095" not in _judged(conf, "--account", "demo")


def test_account_without_lessons_or_database_judges_as_before(tmp_path: Path) -> None:
    from tests.conftest import config_file

    assert "DG095" in _judged(_with_lesson(tmp_path, None), "--account", "demo")
    (tmp_path / "fresh").mkdir()
    missing = config_file(tmp_path / "fresh", db=tmp_path / "fresh" / "none.db")
    assert "DG095" in _judged(missing, "--account", "demo")
    assert not (tmp_path / "fresh" / "none.db").exists(), "no database is made to say so"


def test_account_labels_with_its_username_on_the_platform(tmp_path: Path) -> None:
    from dmguard.clock import SimulatedClock
    from dmguard.store import Store
    from tests.conftest import START

    conf = _with_lesson(tmp_path, None)
    store = Store.open(tmp_path / "t.db", SimulatedClock(START))
    store.accounts.set_identity("demo", "7001", "demo_shop", "Demo Shop")
    store.close()
    line = json.dumps({"id": "t", "text": "Hi Amy, your parcel left the warehouse today."})
    for args, named in (([], "this account"), (["--account", "demo"], "@demo_shop")):
        code, out = run(["-", "--format", "jsonl", "--config", str(conf), *args], line)
        assert code == 0 and out[0]["labelled_text"].startswith(
            f"[Automated message from {named}]"), out[0]


def test_an_unknown_account_is_one_line_and_exit_2(tmp_path: Path) -> None:
    conf = _with_lesson(tmp_path, None)
    result = CliRunner().invoke(cli, ["audit", "-", "--config", str(conf), "--account", "shop"],
                                input=json.dumps({"text": PITCH}))
    assert result.exit_code == 2
    assert result.output.strip() == ("dmguard: --account: no account named 'shop' in the "
                                     "configuration (accounts: demo)")


# --- what editors and other tools write -------------------------------------------------

BOM = b"\xef\xbb\xbf"


def test_a_byte_order_mark_at_the_start_of_stdin_or_a_file_is_read(tmp_path: Path) -> None:
    line = BOM + b'{"id": "bom", "text": "See you at 8?"}\n'
    result = CliRunner().invoke(cli, ["audit", "-", "--format", "jsonl"], input=line)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["id"] == "bom"
    source = tmp_path / "windows.jsonl"
    source.write_bytes(line)
    result = CliRunner().invoke(cli, ["audit", str(source), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["id"] == "bom"


def test_a_line_that_is_not_utf8_is_that_lines_error_naming_byte_and_column(
        tmp_path: Path) -> None:
    lines = (b'{"id": "a", "text": "See you at 8?"}\n'
             b'{"id": "b", "text": "caf\xe9 at \xff\xfe 8"}\n'
             b'{"id": 7, "text": "\xc3\x28"}\n'
             b'{"id": "c", "text": "Caf\xc3\xa9 at 8?"}\n')
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(lines)
    for args, stdin in ((["-"], lines), ([str(source)], None)):
        code, out = run([*args, "--format", "jsonl"], stdin)  # type: ignore[arg-type]
        assert code == 1
        assert [row["id"] for row in out] == ["a", "b", "7", "c"]
        assert out[0]["verdict"] == out[3]["verdict"] == "send"
        assert out[1] == {"id": "b", "line": 2, "error": "line 2: not UTF-8: byte 0xE9 at "
                          "column 25, bytes 0xFF 0xFE at column 30"}
        assert out[2]["error"] == "line 3: not UTF-8: byte 0xC3 at column 20"


def test_submit_names_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    from tests.conftest import config_file

    conf = config_file(tmp_path, db=tmp_path / "t.db")
    result = CliRunner().invoke(cli, ["submit", "-", "--config", str(conf)],
                                input=b'{"id": "b", "text": "caf\xe9", '
                                      b'"recipient": {"id": "1"}}\n')
    assert result.exit_code == 1
    assert "line 1: not UTF-8: byte 0xE9 at column 25" in result.output


# --- options that do not go together ----------------------------------------------------

@pytest.mark.parametrize(("args", "error"), [
    (["drafts.jsonl", "--sent"], "dmguard: --sent reviews the DMs the account sent and reads "
                                 "no input: leave out drafts.jsonl, or --sent to audit it"),
    (["--sent", "--input", "text"], "dmguard: --sent reviews the DMs the account sent and "
                                    "reads no input, so it takes no --input: leave it out, "
                                    "or --sent"),
    (["-", "--since", "2d"], "dmguard: --since is how far back --sent reviews sent DMs: add "
                             "--sent (e.g. dmguard audit --sent --since 7d) or leave out --since"),
    (["--sent", "--since", "banana"], "dmguard: --since: 'banana' is not a look-back window: "
                                      "give a number with h, d or w, e.g. 24h, 7d, 2w"),
    (["--sent", "--since", "3 days later"], "dmguard: --since: '3 days later' is not a "
                                            "look-back window: give a number with h, d or w, "
                                            "e.g. 24h, 7d, 2w"),
])
def test_options_that_would_be_ignored_are_one_line_errors(args: list[str], error: str) -> None:
    result = CliRunner().invoke(cli, ["audit", *args], input="")
    assert (result.exit_code, result.output.strip()) == (2, error)


def test_parse_window_reads_look_back_windows() -> None:
    from datetime import timedelta

    from dmguard.audit.sent import parse_window

    assert parse_window("24h") == timedelta(hours=24)
    assert parse_window(" 2 weeks") == timedelta(weeks=2)


def test_plain_text_is_told_once_that_the_input_is_json_lines() -> None:
    code, out = run(["-", "--format", "jsonl"], "Hi Amy, see you at 8\n\nThanks!\n")
    assert code == 1
    assert [row["error"] for row in out] == [
        'line 1: not JSON: the line does not start with "{"; the input is JSON Lines: '
        'one {"text": "..."} object per line (plain text, a message per line, is read with '
        '--input text)',
        'line 3: not JSON: the line does not start with "{"']


def test_text_format_prints_line_errors_on_stderr_apart_from_results() -> None:
    result = CliRunner().invoke(cli, ["audit", "-"], input='{"id": "m1", "text": "Hi"}\n'
                                                           '{"id": "m2"}\n')
    assert result.exit_code == 1
    assert result.stdout.startswith("m1: SEND") and "error" not in result.stdout
    assert result.stderr == "error: line 2: text: required field is missing\n"


def test_input_text_audits_each_non_blank_line_as_a_messages_text() -> None:
    stdin = b'Dear valued customer, buy now!\n\n{"text": "see"}\ncaf\xe9\nSee you at 8?\r\n'
    code, out = run(["-", "--input", "text", "--format", "jsonl"], stdin)  # type: ignore[arg-type]
    assert code == 1
    assert [row.get("verdict") or row["error"] for row in out] == [
        "hold", "send", "line 4: not UTF-8: byte 0xE9 at column 4", "send"]
    assert [row["id"] for row in out] == ["line 1", "line 3", None, "line 5"], "blank skipped"
    assert '{"text": "see"}' in out[1]["labelled_text"]
    assert "See you at 8?\n" in out[3]["labelled_text"]
    result = CliRunner().invoke(cli, ["audit", "-", "--input", "text"], input="Hi {name}\n")
    assert result.output.startswith("line 1: BLOCK")


# --- answers: a person's own reply and dmguard's STOP/START confirmation ----------------


def test_answers_are_judged_only_for_template_leftovers_as_the_daemon_judges_them() -> None:
    from dmguard.inbox import OPT_OUT_CONFIRMATION

    lines = [{"id": "stop", "text": OPT_OUT_CONFIRMATION},
             {"id": "reply", "text": "Dear valued customer, thanks for your message!"},
             {"id": "leftover", "text": "Hi {first_name}, sorry about the delay."}]
    automated = run(["-", "--format", "jsonl"], "\n".join(json.dumps(x) for x in lines))[1]
    assert [r["verdict"] for r in automated] == ["hold", "hold", "block"], \
        "as automated messages, the first two are held"
    answers = [{**line, "context": {"kind": kind}}
               for line, kind in zip(lines, ("confirmation", "manual", "manual"), strict=True)]
    code, out = run(["-", "--format", "jsonl"], "\n".join(json.dumps(x) for x in answers))
    assert code == 0
    assert [(r["id"], r["verdict"]) for r in out] == [
        ("stop", "send"), ("reply", "send"), ("leftover", "block")]
    assert {f["rule"] for f in out[2]["findings"]} == {"DG001"}


def test_the_audit_process_ends_with_its_whole_output_code_and_atexit_handlers(
        tmp_path: Path) -> None:
    """`dmguard audit` skips Python's shutdown once done (see dmguard.cli.main); what the
    shutdown would have done that anyone sees still happens."""
    source = tmp_path / "batch.jsonl"
    lines = [json.dumps({"id": str(n), "text": f"Are we still on for {n} o'clock?"})
             for n in range(2500)]
    source.write_text("\n".join([*lines, "not json"]) + "\n", encoding="utf-8")
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('atexit ran', file=sys.stderr))\n"
            f"sys.argv = ['dmguard', 'audit', {str(source)!r}, '--format', 'jsonl']\n"
            "from dmguard.cli import main\n"
            "main()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, check=False)
    assert out.returncode == 1
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r.get("id") for r in results[:-1]] == [str(n) for n in range(2500)]
    assert "error" in results[-1]
    assert out.stderr == "atexit ran\n"


def test_a_files_unreadable_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    """A new user's probe: 'error: line 2: …' did not say which file."""
    source = tmp_path / "drafts.jsonl"
    source.write_text('{"text": "Hi"}\n{"text": "Hi\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["audit", str(source)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {source}: line 2: not valid JSON")


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_an_input_with_no_message_says_so(tmp_path: Path, content: str) -> None:
    source = tmp_path / "empty.jsonl"
    source.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["audit", str(source)])
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == f"audit: {source}: no messages to audit (empty, or only blank lines)\n"
    piped = CliRunner().invoke(cli, ["audit", "-"], input=content)
    assert "audit: standard input: no messages to audit" in piped.stderr
