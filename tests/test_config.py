from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard.cli import cli
from dmguard.config import ConfigError, load_x_credentials, parse_config
from dmguard.platforms.sandbox.server import SandboxServer
from tests.conftest import ROOT, config_file

BASE = (ROOT / "config" / "dmguard.toml").read_text()


def test_default_config_is_valid_and_needs_no_secrets() -> None:
    config = parse_config(BASE, Path("config/dmguard.toml"))
    assert config.accounts[0].platform == "sandbox"
    assert config.sequences[0].name == "welcome"


BAD_CONFIGS = [
    # wrong types
    (("per_15min = 15", 'per_15min = "lots"'), "limits.per_15min = 'lots'"),
    (("tick_minutes = 5", 'tick_minutes = "five"'), "daemon.tick_minutes = 'five'"),
    (("enabled = true", 'enabled = "yes please"'), "quiet_hours.enabled = 'yes please'"),
    (("min_recipients = 3", "min_recipients = 'x'"), "rules.DG021.min_recipients = 'x'"),
    # unknown keys
    (("hold_score = 50", "hold_scor = 50"), "audit.hold_scor = 50: unknown key"),
    (("[costs]", "[costz]"), "costz: unknown key"),
    (('name = "demo"', 'name = "demo"\nnickname = "x"'), "accounts[0].nickname = 'x': unknown key"),
    (("min_recipients = 3", "min_recipientz = 3"), "rules.DG021.min_recipientz = 3: unknown option"),
    # out of range
    (("hold_score = 50", "hold_score = 150"), "audit.hold_score = 150"),
    (("[audit.rules.DG021]", "[audit.rules.DG095]\nthreshold = 75\n[audit.rules.DG021]"),
     "rules.DG095.threshold = 75: must be above 0 and at most 1, like 0.73"),
    (("per_15min = 15", "per_15min = -1"), "limits.per_15min = -1"),
    # a count a rule compares with, below which it would find every message (new-user probe)
    (("min_recipients = 3", "min_recipients = 0"),
     "rules.DG021.min_recipients = 0: must be at least 1"),
    (("[audit.rules.DG021]", "[audit.rules.DG044]\nmin_words = 0\n[audit.rules.DG021]"),
     "rules.DG044.min_words = 0: must be at least 1"),
    (("[audit.rules.DG021]", "[audit.rules.DG101]\nburst = 1\n[audit.rules.DG021]"),
     "rules.DG101.burst = 1: must be at least 2"),
    (("min_recipients = 3", "min_recipients = -2"),
     "rules.DG021.min_recipients = -2: must be at least 1"),
    (("per_recipient_day = 1", "per_recipient_day = -3"), "caps.per_recipient_day = -3"),
    (("tick_minutes = 5", "tick_minutes = 0"), "daemon.tick_minutes = 0"),
    (("dm_sent = 0.015", "dm_sent = -1"), "costs.dm_sent = -1"),
    (("min_followers = 100000", "min_followers = -1"), "vip[0].min_followers = -1"),
    (("per_15min = 15", "per_15min = 5000"), "limits.per_15min cannot exceed limits.per_24h"),
    # time zones, clock times, durations
    (('timezone = "UTC"', 'timezone = "Mars/Base"'), "unknown time zone 'Mars/Base'"),
    (('report_time = "08:00"', 'report_time = "25:00"'), "daemon.report_time = '25:00'"),
    (('report_time = "08:00"', 'report_time = "8"'), "daemon.report_time = '8'"),
    (('start = "21:00"', 'start = "9pm"'), "quiet_hours.start = '9pm'"),
    (('spacing = "60s"', 'spacing = "soon"'), "cannot read duration 'soon'"),
    (('reply_target = "4h"', 'reply_target = "4 fortnights"'), "tasks.reply_target"),
    (('delay = "now"', 'delay = "-3 days"'), "sequences[0].steps[0].delay = '-3 days'"),
    # rule ids, choices, names
    (("[audit.rules.DG021]", "[audit.rules.DG999]"), "unknown rule id 'DG999'"),
    (('platform = "sandbox" ', 'platform = "myspace" '), "accounts[0].platform = 'myspace'"),
    (('welcome_dm = "send"', 'welcome_dm = "spam"'), "policies.sandbox.welcome_dm = 'spam'"),
    (('trigger = "follow"', 'trigger = "wave"'), "sequences[0].trigger = 'wave'"),
    (('name = "demo"', 'name = "demo"\npolicy = "lenient"'), "accounts[0].policy = 'lenient'"),
    (('[[accounts]]\nname = "demo"', '[[accounts]]\nname = "demo"\nplatform = "sandbox"\n'
      '[[accounts]]\nname = "demo"'), "accounts: names must be unique"),
    # templates and labels
    (("{{ first_name }}!", "{{ first_name !"), "sequence 'welcome' step 1 line 1"),
    (("{{ first_name }}!", "{{ shoe_size }}!"), "unknown field 'shoe_size'"),
    (("{{ first_name }}!", "{{ first_name | shout }}!"), "No filter named 'shout'"),
    (("@{account}]", "@{acount}]"), "label.disclosure = '[Automated message from @{acount}]'"),
    (('opt_out = "Reply STOP to stop automated messages."', 'opt_out = ""'), "label.opt_out = ''"),
    # files and syntax
    (('path = "var/dmguard.db"', 'path = ""'), "store.path = '': must name a database file"),
    (("hold_score = 50", "hold_score = = 50"), "not valid TOML: Invalid value (at line"),
    # found by probing (issue 15): each was a traceback, a leak or a failure at send time
    (("{{ first_name }}!", "{{ ''.__class__ }}!"),
     "sequence 'welcome' step 1 line 1: '__class__' reaches into Python's internals"),
    (("{{ first_name }}!", "{{ first_name.__class__.__mro__ }}!"), "Python's internals"),
    (("{{ first_name }}!", "{{ first_name * 300000000 }}!"),
     "sequence 'welcome' step 1 line 1: repeating text with '*'"),
    (("{{ first_name }}!", "{{ first_name|center(300000000) }}!"),
     "the number 300000000 is larger than a DM template needs"),
    (('dir = "var/reports"', 'dir = "var/reports"\n[report.email]\nhost = "smtp.example.com"\n'
      'security = "none"\nusername = "owner"\nsender = "a@example.com"\n'
      'recipients = ["b@example.com"]'),
     "report.email: security = 'none' with a username would send the password in clear"),
    (('path = "var/dmguard.db"', 'path = ":memory:"'),
     "store.path = ':memory:': must name a database file on disk"),
    (('path = "var/dmguard.db"', 'path = "/"'), "store.path = '/': is a folder"),
    (('dir = "var/reports"', 'dir = "/dev/null"'),
     "report.dir = '/dev/null': is a file; reports need a folder"),
    (('delay = "now"', 'delay = "99999999999999 days later"'),
     "sequences[0].steps[0].delay = '99999999999999 days later': duration"),
    (('reply_target = "4h"', 'reply_target = "1e308h"'), "tasks.reply_target = '1e308h'"),
    (("per_recipient_day = 1", "per_recipient_day = 5"),
     "caps: per_recipient_day = 5 exceeds per_recipient_week = 3"),
    (('end = "08:00"', 'end = "21:00"'), "quiet_hours: start and end are both '21:00'"),
    (('opt_out = "Reply STOP to stop automated messages."', 'opt_out = "   "'),
     "label.opt_out = '   ': is blank"),
    (('name = "demo"', 'name = "demo"\nsandbox_url = "file:///etc/passwd"'),
     "accounts[0].sandbox_url = 'file:///etc/passwd': must be an http:// or https:// URL"),
    # found by QA (finding 10): waitress's traceback at `dmguard web`
    (('bind = "127.0.0.1"', 'bind = "not an address"'),
     "web.bind = 'not an address': is not an address to listen on"),
    (('bind = "127.0.0.1"', 'bind = "999.1.1.1"'), "web.bind = '999.1.1.1': is not an address"),
    # found by QA (finding 17): values that cannot work, and errors in pydantic's words
    (('session_lifetime = "12h"', 'session_lifetime = "0s"'),
     "web.session_lifetime = '0s': a login would end before anyone could use it"),
    (('reply_target = "4h"', 'reply_target = "0s"'), "tasks.reply_target = '0s': must be longer "
                                                     "than 0"),
    (('name = "demo"', 'name = "my shop/../x"'), "accounts[0].name = 'my shop/../x': a name is "
                                                 "1-40 lowercase letters, digits, '-' or '_'"),
    (('trigger = "follow"', 'trigger = "follow"\nsegment = "vip-only"'),
     "sequences[0].segment = 'vip-only': must be a table of settings, e.g. { key = value, … }, "
     "not a single value (its keys: bio_keywords, min_followers"),
    (("tick_minutes = 5", "tick_minutes = 0"), "daemon.tick_minutes = 0: must be at least 1"),
    # a new user's probe: pydantic's own words, and its 0.0 for a bound the file writes 0
    (('disclosure = "[Automated message from @{account}]"', 'disclosure = ""'),
     "label.disclosure = '': must not be empty"),
    (("dm_sent = 0.015", "dm_sent = 0.015\ndaily_budget = -2"),
     "costs.daily_budget = -2: must be more than 0"),
    # found by QA (CLI finding 3): wrong types were coerced (true -> 1, "50" -> 50, 15.0 -> 15)
    (("hold_score = 50", "hold_score = true"), "audit.hold_score = true: must be a whole number"),
    (('report_time = "08:00"', "report_time = 08:00:00"),
     "daemon.report_time = 08:00:00: must be text in quotes"),
    (("tick_minutes = 5", "tick_minutes = true"),
     "daemon.tick_minutes = true: must be a whole number"),
    (("per_recipient_day = 1", "per_recipient_day = true"),
     "caps.per_recipient_day = true: must be a whole number"),
    (("per_15min = 15", 'per_15min = "50"'), "limits.per_15min = '50': must be a whole number"),
    (("per_15min = 15", "per_15min = 15.0"), "limits.per_15min = 15.0: must be a whole number"),
    (("enabled = true", 'enabled = "no"'), "quiet_hours.enabled = 'no': must be true or false"),
    (("enabled = true", "enabled = 1"), "quiet_hours.enabled = 1: must be true or false"),
    (("dm_sent = 0.015", "dm_sent = true"), "costs.dm_sent = true: must be a number"),
    (("dm_sent = 0.015", 'dm_sent = "0.015"'), "costs.dm_sent = '0.015': must be a number"),
    (('timezone = "UTC"', "timezone = 1"), "daemon.timezone = 1: must be text in quotes"),
    (("[audit.rules.DG021]", '[audit.rules.DG021]\nenabled = "no"'),
     "audit.rules.DG021.enabled = 'no': must be true or false"),
    (('path = "var/dmguard.db"', "path = 5"),
     "store.path = 5: must be a path in quotes, e.g. 'var/dmguard.db'"),
    (('dir = "var/reports"', 'dir = ""'),
     "report.dir = '': must name a folder for the reports, e.g. 'var/reports'"),
    (('dir = "var/reports"', "dir = 5"), "report.dir = 5: must be a path in quotes"),
    (('platform = "sandbox" ', "platform = 1 "), "accounts[0].platform = 1: must be 'sandbox' or 'x'"),
]


@pytest.mark.parametrize(("change", "expected"), BAD_CONFIGS,
                         ids=[expected[:40] for _, expected in BAD_CONFIGS])
def test_bad_values_are_named_with_file_key_and_value(change: tuple[str, str],
                                                      expected: str) -> None:
    old, new = change
    assert old in BASE
    with pytest.raises(ConfigError) as error:
        parse_config(BASE.replace(old, new, 1), Path("conf.toml"))
    assert str(error.value).startswith("conf.toml: ")
    assert expected in str(error.value)


@pytest.mark.parametrize(("change", "expected"), BAD_CONFIGS,
                         ids=[expected[:40] for _, expected in BAD_CONFIGS])
def test_every_bad_config_exits_2_from_the_cli_and_stores_nothing(
        change: tuple[str, str], expected: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    old, new = change
    conf = tmp_path / "bad.toml"
    conf.write_text(BASE.replace(old, new, 1))
    for command in (["check-config", "--offline"], ["run", "--once"]):
        result = CliRunner().invoke(cli, [*command, "--config", str(conf)])
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Traceback" not in result.output
    assert not (tmp_path / "var").exists(), "nothing is created from a config that was refused"


@pytest.mark.parametrize(("bind", "kept"), [
    ("0.0.0.0", "0.0.0.0"), ("::", "::"), ("[::1]", "::1"), ("localhost", "localhost"),
    ("queue.example.org", "queue.example.org"), ("10.0.0.7", "10.0.0.7")])
def test_web_bind_takes_addresses_and_host_names(bind: str, kept: str) -> None:
    config = parse_config(BASE.replace('bind = "127.0.0.1"', f'bind = "{bind}"', 1),
                          Path("c.toml"))
    assert config.web.bind == kept


def test_a_login_without_encryption_is_allowed_only_to_this_machine() -> None:
    email = ('dir = "var/reports"\n[report.email]\nhost = "{host}"\nsecurity = "none"\n'
             'username = "owner"\nsender = "a@example.com"\nrecipients = ["b@example.com"]')
    local = parse_config(BASE.replace('dir = "var/reports"', email.format(host="127.0.0.1")),
                         Path("c.toml"))
    assert local.report.email is not None and local.report.email.username == "owner"
    with pytest.raises(ConfigError, match="password in clear"):
        parse_config(BASE.replace('dir = "var/reports"', email.format(host="mail.example.com")),
                     Path("c.toml"))


def test_cli_exits_2_on_missing_or_bad_config(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["check-config", "--config", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2
    assert "config file not found" in missing.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[[accounts]]\nname = 'a'\nplatform = 'x'\n[store]\npath = 5\n")
    result = runner.invoke(cli, ["check-config", "--config", str(bad)])
    assert result.exit_code == 2
    assert "store.path = 5" in result.output


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "byte order mark"])
def test_a_byte_that_is_not_utf8_is_named_with_its_line_and_column(tmp_path: Path,
                                                                   bom: bytes) -> None:
    """A new user's probe: "'utf-8' codec can't decode byte 0xe9 in position 22"."""
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(bom + b'[[accounts]]\nname = "d\xe9mo"\nplatform = "sandbox"\n')
    result = CliRunner().invoke(cli, ["check-config", "--offline", "--config", str(bad)])
    assert (result.exit_code, result.output) == (
        2, f"dmguard: {bad}: line 2: byte 0xE9 at column 10 is not UTF-8: save the file as "
           "UTF-8\n")


def test_x_credentials_name_the_missing_variables() -> None:
    config = parse_config(BASE.replace('platform = "sandbox" ', 'platform = "x" ', 1),
                          Path("c.toml"))
    with pytest.raises(ConfigError, match="DMGUARD_X_ACCESS_TOKEN_SECRET"):
        load_x_credentials(config.accounts[0], {"DMGUARD_X_CONSUMER_KEY": "k",
                                                "DMGUARD_X_CONSUMER_SECRET": "s",
                                                "DMGUARD_X_ACCESS_TOKEN": "t"})
    assert load_x_credentials(config.accounts[0], {"DMGUARD_X_BEARER_TOKEN": "b"}).bearer_token


def test_check_config_masks_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "x.toml"
    conf.write_text(BASE.replace('platform = "sandbox" ', 'platform = "x" ', 1))
    for name in ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET"):
        monkeypatch.setenv(f"DMGUARD_X_{name}", f"supersecretvalue-{name}")
    result = CliRunner().invoke(cli, ["check-config", "--config", str(conf), "--offline"])
    assert result.exit_code == 0, result.output
    assert "supersecretvalue" not in result.output
    assert "DMGUARD_X_CONSUMER_KEY = ****EY" in result.output


def test_run_names_missing_credentials_before_anything_runs(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET",
                 "BEARER_TOKEN"):
        monkeypatch.delenv(f"DMGUARD_X_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    conf = tmp_path / "x.toml"
    conf.write_text(BASE.replace('platform = "sandbox" ', 'platform = "x" ', 1))
    result = CliRunner().invoke(cli, ["run", "--once", "--config", str(conf)])
    assert result.exit_code == 2
    assert "DMGUARD_X_CONSUMER_KEY" in result.output
    assert not (tmp_path / "var").exists(), "nothing may be created before the check"


def test_reply_for_an_x_account_without_credentials_is_a_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dmguard.clock import SystemClock
    from dmguard.store import NewTask, Store

    for name in ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET",
                 "BEARER_TOKEN"):
        monkeypatch.delenv(f"DMGUARD_X_{name}", raising=False)
    conf = tmp_path / "x.toml"
    conf.write_text(BASE.replace('platform = "sandbox" ', 'platform = "x" ', 1)
                    .replace('path = "var/dmguard.db"', f'path = "{tmp_path / "d.db"}"'))
    store = Store.open(tmp_path / "d.db", SystemClock())
    store.accounts.ensure("demo", "x")
    contact_id, _ = store.people.upsert_contact("demo", "1", name="Amy")
    store.tasks.add(NewTask(account_id="demo", contact_id=contact_id, kind="reply",
                            reason="wrote", priority=50, due_at=store.now()), actor="test")
    store.close()
    result = CliRunner().invoke(cli, ["tasks", "reply", "1", "Hi Amy", "--config", str(conf)])
    assert result.exit_code == 2
    assert "DMGUARD_X_CONSUMER_KEY" in result.output


def test_dotenv_is_read_from_the_working_directory_without_overriding(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dmguard.config import load_dotenv_once

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DMGUARD_TEST_FROM_DOTENV", raising=False)
    monkeypatch.setenv("DMGUARD_TEST_ALREADY_SET", "real")
    load_dotenv_once()  # no .env: nothing happens
    assert "DMGUARD_TEST_FROM_DOTENV" not in os.environ
    (tmp_path / ".env").write_text("DMGUARD_TEST_FROM_DOTENV=yes\n"
                                   "DMGUARD_TEST_ALREADY_SET=from-file\n", encoding="utf-8")
    load_dotenv_once()
    assert os.environ["DMGUARD_TEST_FROM_DOTENV"] == "yes"
    assert os.environ["DMGUARD_TEST_ALREADY_SET"] == "real"
    monkeypatch.delenv("DMGUARD_TEST_FROM_DOTENV")


def test_the_keys_the_readme_names_exist() -> None:
    """`[section] key` in the README is a key the config takes (QA finding 20: it named
    `[report] timezone`, which the config refuses)."""
    import re

    from dmguard.config import Config

    named = re.findall(r"`\[([a-z_.]+)\] ([a-z_]+)`", (ROOT / "README.md").read_text())
    assert named, "the README names some keys"
    for section, key in named:
        model: type = Config
        for part in section.split("."):
            model = model.model_fields[part].annotation  # type: ignore[attr-defined]
        assert key in model.model_fields, f"README names [{section}] {key}: no such key"


def test_a_utf8_byte_order_mark_is_accepted_and_a_utf16_one_named(tmp_path: Path) -> None:
    from dmguard.config import load_config

    marked = tmp_path / "bom.toml"
    marked.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_config(marked).accounts[0].name == "demo"
    wide = tmp_path / "wide.toml"
    wide.write_bytes(b"\xff\xfe" + BASE.encode())
    with pytest.raises(ConfigError) as error:
        load_config(wide)
    assert str(error.value) == (f"{wide}: starts with a UTF-16 byte order mark (bytes 0xFF "
                                "0xFE): save the file as UTF-8")


def test_check_config_warns_about_a_tick_that_eats_the_reads_and_caps_dg070_ignores(
        tmp_path: Path) -> None:
    assert parse_config(BASE, Path("c.toml")).warnings() == [], "the defaults agree"
    conf = tmp_path / "c.toml"
    conf.write_text(BASE.replace("tick_minutes = 5", "tick_minutes = 1")
                    .replace("per_recipient_day = 1", "per_recipient_day = 30")
                    .replace("per_recipient_week = 3", "per_recipient_week = 30"))
    result = CliRunner().invoke(cli, ["check-config", "--offline", "--config", str(conf)])
    assert result.exit_code == 0
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 3
    assert "tick_minutes = 1: every tick reads the account's DMs" in warnings[0]
    assert warnings[1] == ("warning: caps.per_recipient_day = 30, but rule DG070 holds a "
                           "person's next automated DM past per_day = 1: set "
                           "[audit.rules.DG070] per_day = 30 (or more) to match, or enabled = "
                           "false to leave it to [caps]")
    agreed = parse_config(conf.read_text() + "\n[audit.rules.DG070]\nper_day = 30\n"
                          "per_week = 30\n", conf)
    assert [line[:18] for line in agreed.warnings()] == ["daemon.tick_minute"]


def test_check_config_warns_about_an_smtp_login_without_its_password() -> None:
    """Before: the report's e-mail was tried with an empty password, and failed at 08:00."""
    text = BASE + ('\n[report.email]\nhost = "smtp.example.org"\nusername = "owner"\n'
                   'sender = "d@example.org"\nrecipients = ["o@example.org"]\n')
    config = parse_config(text, Path("c.toml"))
    [warning] = config.warnings(environ={})
    assert warning.startswith("report.email.username = 'owner' but DMGUARD_SMTP_PASSWORD is "
                              "not set")
    assert config.warnings(environ={"DMGUARD_SMTP_PASSWORD": "s3cret"}) == []


def test_the_caps_warning_is_silenced_by_the_dg070_limit_it_advises() -> None:
    """QA: [caps] per_recipient_day = 0 (no cap) warned even with DG070's per_day = 100000,
    as the warning advised ('a high number'); only enabled = false silenced it."""
    def warnings(caps: str, rule: str = "") -> list[str]:
        text = BASE.replace("per_recipient_day = 1", caps) + (
            f"\n[audit.rules.DG070]\n{rule}\n" if rule else "")
        return [line for line in parse_config(text, Path("c.toml")).warnings()
                if line.startswith("caps.")]

    uncapped = warnings("per_recipient_day = 0")
    assert uncapped == [
        "caps.per_recipient_day = 0 (no cap), but rule DG070 holds a person's next automated "
        "DM past per_day = 1: set [audit.rules.DG070] per_day = 3 or more "
        "(caps.per_recipient_week = 3: no one gets more automated DMs in 24 h), or enabled = "
        "false to leave it to [caps]"]
    assert warnings("per_recipient_day = 0", "per_day = 3") == [], "as advised"
    assert warnings("per_recipient_day = 0", "per_day = 100000") == [], "a high number"
    assert warnings("per_recipient_day = 0", "per_day = 2") == [
        uncapped[0].replace("per_day = 1:", "per_day = 2:")], "still below: still warned"
    text = (BASE.replace("per_recipient_day = 1", "per_recipient_day = 0")
            .replace("per_recipient_week = 3", "per_recipient_week = 0"))
    config = parse_config(text, Path("c.toml"))
    assert [line.split(": set ")[1] for line in config.warnings()] == [
        "[audit.rules.DG070] per_day = 1440 or more (limits.per_24h = 1440: no one gets more "
        "automated DMs in 24 h), or enabled = false to leave it to [caps]",
        "[audit.rules.DG070] per_week = 10080 or more (limits.per_24h = 1440 a day: no one "
        "gets more automated DMs in 7 days), or enabled = false to leave it to [caps]"]
    advised = parse_config(text + "\n[audit.rules.DG070]\nper_day = 1440\nper_week = 10080\n",
                           Path("c.toml"))
    assert advised.warnings() == []
    # A rule limit above the cap is never reached: the sender waits at the cap first.
    assert warnings("per_recipient_day = 1", "per_day = 100000\nper_week = 100000") == []
    # Below it, drafts the caps would send are held.
    assert len(warnings("per_recipient_day = 2", "per_day = 1")) == 1


def test_what_toml_gives_for_a_key_loads_a_whole_number_is_a_decimal_too() -> None:
    config = parse_config(BASE.replace("dm_sent = 0.015", "dm_sent = 1\ndaily_budget = 5")
                          + "\n[audit.rules.DG095]\nthreshold = 1\n", Path("c.toml"))
    assert config.costs.daily_budget == 5 and config.costs.dm_sent == 1
    assert config.store.path == Path("var/dmguard.db") and config.report.dir == Path("var/reports")


def test_the_readme_s_end_to_end_config_points_at_sandbox_serve_with_its_own_database() -> None:
    """The README makes trial.toml from the default config with sed; if the default's
    lines change, the recipe must still set sandbox_url and a database of its own."""
    import re

    readme = (ROOT / "README.md").read_text()
    line = next(line for line in readme.splitlines() if line.startswith("sed -e "))
    text = BASE
    for old, new in re.findall(r"'s\|([^|]*)\|([^|]*)\|'", line):
        changed = re.sub(old, new, text, flags=re.MULTILINE)
        assert changed != text, f"the README's sed 's|{old}|{new}|' changes nothing"
        text = changed
    config = parse_config(text, Path("trial.toml"))
    assert config.accounts[0].sandbox_url == "http://127.0.0.1:8765", "sandbox serve's default"
    assert config.store.path == Path("var/trial.db")


def test_a_config_without_accounts_says_which_section_is_missing(tmp_path: Path) -> None:
    """A new user's probe: an empty file said 'accounts: Field required'."""
    with pytest.raises(ConfigError) as error:
        parse_config("[daemon]\ntick_minutes = 5\n", Path("empty.toml"))
    assert str(error.value) == ("empty.toml: accounts: missing: at least one [[accounts]] "
                                "section, with name and platform (see config/dmguard.toml)")


def test_check_config_asks_the_emulator_it_names(tmp_path: Path, sandbox: SandboxServer) -> None:
    """A new user's probe: check-config said "valid" for a sandbox_url nothing listened on;
    it calls the platform to test an X account's credentials, and now asks the emulator."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    runner = CliRunner()
    for url, code, said in ((sandbox.url, 0, "  the emulator answers"),
                            (dead, 2, f"dmguard: account demo: the emulator at {dead} does not "
                                      "answer (nothing accepts a connection there); start it "
                                      "(`dmguard sandbox serve`), fix accounts.sandbox_url, or "
                                      "check with --offline")):
        conf = config_file(tmp_path, sandbox_url=url)
        result = runner.invoke(cli, ["check-config", "--config", str(conf)])
        assert result.exit_code == code, result.output
        assert said in result.output.splitlines()
        offline = runner.invoke(cli, ["check-config", "--offline", "--config", str(conf)])
        assert offline.exit_code == 0 and "the emulator answers" not in offline.output
