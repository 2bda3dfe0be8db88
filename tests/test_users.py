"""The team: removing someone hands back what they held."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard import actions, tasks
from dmguard.cli import cli
from dmguard.config import Config
from dmguard.store import NewMessage, Origin, Store
from dmguard.users import UserError, add_user, remove_user
from tests.conftest import config_file

PASSWORD = "correct horse battery"


def _person(store: Store, config: Config, name: str) -> int:
    """``name`` wrote to the account and has a held automated draft: their reply task."""
    store.accounts.ensure("demo", "sandbox")
    contact, _ = store.people.upsert_contact("demo", name.lower(), name=name)
    draft = store.messages.add(NewMessage(
        account_id="demo", contact_id=contact, direction="out", origin=Origin.SEQUENCE,
        kind="welcome", text=f"Hi {name}, welcome!", state="held", verdict="hold"), actor="t")
    assert tasks.open_task(store, config, "demo", contact, "hold", "held", message_id=draft)
    task = tasks.open_task(store, config, "demo", contact, "reply", "wrote", text="Hello?")
    assert task
    return task


def test_removing_someone_unassigns_what_they_held_in_the_same_transaction(
        store: Store, config: Config) -> None:
    """QA 3 (queue 2): carol claimed task 25 and was removed; the task stayed hers, the
    page said "with carol", and the bot stayed quiet with that person for ever."""
    for name in ("alice", "carol"):
        add_user(store, name, "admin" if name == "alice" else "agent", PASSWORD)
    claimed, assigned, alices = (_person(store, config, n) for n in ("Tom", "Amy", "Ivo"))
    actions.take(store, claimed, "carol")
    actions.assign(store, assigned, "alice", "carol")
    actions.take(store, alices, "alice")
    assert remove_user(store, config, "carol", "alice") == 2, "two conversations"
    for task_id in (claimed, assigned):
        task = store.tasks.get(task_id)
        assert task is not None
        for each in store.tasks.for_contact(task.contact_id, open_only=True):
            assert (each.state, each.claimed_by) == ("open", None)
        last = store.tasks.actions(task_id)[-1]
        assert (last.action, last.actor, last.note) == (
            "unassigned", "alice", "was carol, who was removed from the team")
    kept = store.tasks.get(alices)
    assert kept is not None and kept.claimed_by == "alice", "others' work is left alone"
    assert store.users.named("carol") is None


def test_a_refused_removal_unassigns_nothing(store: Store, config: Config) -> None:
    add_user(store, "carol", "admin", PASSWORD)
    add_user(store, "dan", "agent", PASSWORD)
    task_id = _person(store, config, "Tom")
    actions.take(store, task_id, "carol")
    with pytest.raises(UserError, match="last admin"):
        remove_user(store, config, "carol", "dan")
    task = store.tasks.get(task_id)
    assert task is not None and task.claimed_by == "carol"


def test_cli_users_remove_says_how_many_conversations_are_unassigned(
        tmp_path: Path, store: Store, config: Config) -> None:
    for name in ("alice", "carol"):
        add_user(store, name, "admin" if name == "alice" else "agent", PASSWORD)
    for name in ("Tom", "Amy"):
        actions.take(store, _person(store, config, name), "carol")
    conf = config_file(tmp_path, db=config.store.path)
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "remove", "carol", "--config", str(conf)])
    assert result.exit_code == 0, result.output
    assert result.output == "removed carol; the 2 conversations carol held are unassigned again\n"
    add_user(store, "carol", "agent", PASSWORD)
    again = runner.invoke(cli, ["users", "remove", "carol", "--config", str(conf)])
    assert again.output == "removed carol\n"
