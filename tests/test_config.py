from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard.cli import cli
from dmguard.config import ConfigError, load_x_credentials, parse_config
from tests.conftest import ROOT

BASE = (ROOT / "config" / "dmguard.toml").read_text()


def test_default_config_is_valid_and_needs_no_secrets() -> None:
    config = parse_config(BASE, Path("config/dmguard.toml"))
    assert config.accounts[0].platform == "sandbox"
    assert config.sequences[0].name == "welcome"


@pytest.mark.parametrize(("change", "expected"), [
    (("hold_score = 50", "hold_score = 150"), "audit.hold_score = 150"),
    (("hold_score = 50", "hold_scor = 50"), "audit.hold_scor = 50: unknown key"),
    (("per_15min = 15", "per_15min = -1"), "limits.per_15min = -1"),
    (("per_15min = 15", 'per_15min = "lots"'), "limits.per_15min = 'lots'"),
    (('timezone = "UTC"', 'timezone = "Mars/Base"'), "unknown time zone 'Mars/Base'"),
    (('report_time = "08:00"', 'report_time = "25:00"'), "daemon.report_time = '25:00'"),
    (("[audit.rules.DG021]", "[audit.rules.DG999]"), "unknown rule id 'DG999'"),
    (("min_recipients = 3", "min_recipients = 'x'"), "rules.DG021.min_recipients = 'x'"),
    (('spacing = "60s"', 'spacing = "soon"'), "cannot read duration 'soon'"),
    (("{{ first_name }}!", "{{ first_name !"), "sequence 'welcome' step 1 line 1"),
    (("{{ first_name }}!", "{{ shoe_size }}!"), "unknown field 'shoe_size'"),
    (('platform = "sandbox" ', 'platform = "myspace" '), "accounts[0].platform = 'myspace'"),
])
def test_bad_values_are_named_with_file_key_and_value(change: tuple[str, str],
                                                      expected: str) -> None:
    old, new = change
    assert old in BASE
    with pytest.raises(ConfigError) as error:
        parse_config(BASE.replace(old, new, 1), Path("conf.toml"))
    assert str(error.value).startswith("conf.toml: ")
    assert expected in str(error.value)


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
    from dmguard.store import Store

    for name in ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET",
                 "BEARER_TOKEN"):
        monkeypatch.delenv(f"DMGUARD_X_{name}", raising=False)
    conf = tmp_path / "x.toml"
    conf.write_text(BASE.replace('platform = "sandbox" ', 'platform = "x" ', 1)
                    .replace('path = "var/dmguard.db"', f'path = "{tmp_path / "d.db"}"'))
    store = Store.open(tmp_path / "d.db", SystemClock())
    store.ensure_account("demo", "x")
    contact_id, _ = store.upsert_contact("demo", {"user_id": "1", "name": "Amy"})
    store.add_task({"account_id": "demo", "contact_id": contact_id, "kind": "reply",
                    "reason": "wrote", "priority": 50, "due_at": store.now()}, actor="test")
    store.close()
    result = CliRunner().invoke(cli, ["tasks", "reply", "1", "Hi Amy", "--config", str(conf)])
    assert result.exit_code == 2
    assert "DMGUARD_X_CONSUMER_KEY" in result.output
