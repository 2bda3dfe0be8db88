"""X keys from the environment never reach a log line, a report or the database.

The account is a real "x" account pointed at the emulator (``api_url``), so the keys
are loaded and every request is signed with them: the path a real deployment takes.
A second run with a wrong key goes through the refused-credentials path too.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from dmguard.clock import SystemClock
from dmguard.platforms.sandbox.scenario import seed_population
from dmguard.platforms.sandbox.server import running
from dmguard.platforms.sandbox.state import SandboxState
from tests.conftest import config_file

SECRETS = {f"DMGUARD_X_{name}": f"topsecret-{name.lower()}-7c1e" for name in
           ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET")}
SECRETS["DMGUARD_SMTP_PASSWORD"] = "topsecret-smtp-7c1e"


def everything_written(folder: Path) -> str:
    """Every file the runs left behind (database and its WAL, reports, logs), as text."""
    return "".join(path.read_bytes().decode("utf-8", "replace")
                   for path in folder.rglob("*") if path.is_file())


@pytest.mark.slow
def test_x_keys_appear_in_no_log_report_or_row(tmp_path: Path) -> None:
    state = SandboxState(SystemClock(), account_username="acme",
                         credentials=(SECRETS["DMGUARD_X_CONSUMER_KEY"],
                                      SECRETS["DMGUARD_X_ACCESS_TOKEN"]))
    seed_population(state, followers=6, conversations=2)
    out = tmp_path / "out"
    out.mkdir()
    with running(state, lifetime=120) as server:
        conf = config_file(out)
        text = conf.read_text().replace(
            'platform = "sandbox" ', f'platform = "x"\napi_url = "{server.url}"\n#', 1)
        conf.write_text(text)
        logs = []
        for environment, exit_code in ((SECRETS, 0),
                                       ({**SECRETS, "DMGUARD_X_CONSUMER_KEY": "wrong-key"}, 1)):
            done = subprocess.run(
                [sys.executable, "-m", "dmguard", "run", "--once", "--log-format", "json",
                 "--config", str(conf)], capture_output=True, text=True, timeout=120,
                cwd=out, env={**os.environ, **environment})
            assert done.returncode == exit_code, done.stderr[-2000:]
            logs.append(done.stdout + done.stderr)
        assert state.request_count > 0
    runs = sqlite3.connect(out / "d.db").execute(
        "SELECT status FROM runs WHERE job = 'tick' ORDER BY id").fetchall()
    assert runs == [("ok",), ("paused",)], "the first run worked, the wrong key was refused"
    assert sqlite3.connect(out / "d.db").execute("SELECT COUNT(*) FROM contacts").fetchone()[0]
    written = everything_written(out) + "".join(logs)
    for name, value in SECRETS.items():
        assert value not in written, f"{name} leaked"
