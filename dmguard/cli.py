"""The command line: parse, call the library, print. Heavy imports stay inside commands."""

from __future__ import annotations

import atexit
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

if TYPE_CHECKING:
    from dmguard.audit.judge.learned import LearnedLayer
    from dmguard.clock import Clock
    from dmguard.config import AccountConfig, Config
    from dmguard.store import Store

DEFAULT_CONFIG = "config/dmguard.toml"


class UsageProblem(click.ClickException):
    """Bad input or environment: one line saying what to do, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"dmguard: {self.format_message()}", err=True)


def utf8(text: str, what: str) -> str:
    """``text`` when it is UTF-8; else UsageProblem naming ``what`` and the bytes that are
    not (Python keeps such bytes of a command line or a pipe as U+DC80..U+DCFF, which
    nothing can store or send)."""
    from dmguard.utf8 import bad_bytes

    found = bad_bytes(text)
    if found:
        raise UsageProblem(f"{what} is not UTF-8 text ({found})")
    return text


class Utf8Text(click.ParamType):
    """Free text from the command line (or an environment variable): a reply, a note, a
    name. Bytes that are not UTF-8 are one line naming the option (or ``what``) and them."""

    name = "text"

    def __init__(self, what: str | None = None) -> None:
        self.what = what

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            named = self.what or (param.opts[0] if param is not None and param.opts
                                  else "a value")
            utf8(value, named)
        return value


#: Free text (options say their name when it is not UTF-8).
TEXT = Utf8Text()


class Share(click.FloatRange):
    """A share from 0 to 1. click's range lets NaN through (no comparison with it is true)."""

    def __init__(self) -> None:
        super().__init__(0, 1)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        number = super().convert(value, param, ctx)
        if number != number:  # NaN
            self.fail(f"{value!r} is not a number from 0 to 1", param, ctx)
        return number


#: A task's or a message's id: what SQLite can hold (a larger number is an error naming the
#: range, not an OverflowError from the database).
ROW_ID = click.IntRange(min=1, max=2**63 - 1)


def config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--config", "config_path", default=DEFAULT_CONFIG, show_default=True,
                        type=click.Path(dir_okay=False),
                        help="The configuration file.")(func)


def load(config_path: str) -> Config:
    return load_with_text(config_path)[0]


def load_with_text(config_path: str, text: str | None = None) -> tuple[Config, str]:
    """The config and its text: read from the file, or parsed from ``text`` (the daemon
    hands its report process the config it started with)."""
    from dmguard.config import ConfigError, load_config_text, load_dotenv_once, parse_config

    load_dotenv_once()
    try:
        if text is not None:
            return parse_config(text, Path(config_path)), text
        return load_config_text(config_path)
    except ConfigError as error:
        raise UsageProblem(str(error)) from None


@contextmanager
def opened_store(config: Config, *, existing: bool = False,
                 clock: Clock | None = None) -> Iterator[Store]:
    """The configured database, opened and migrated. ``existing``: the command only makes
    sense on the daemon's database (it reads it, or acts on a task or user there), so it
    refuses a database that does not exist instead of creating an empty one (a mistyped
    ``store.path`` would otherwise look like "no tick yet" or "no task 3").
    ``clock``: the store's clock (the system's by default)."""
    from dmguard.clock import SystemClock
    from dmguard.store import Store, StoreError

    if existing:
        existing_database(config)
    try:
        store = Store.open(config.store.path, clock or SystemClock())
    except StoreError as error:
        raise UsageProblem(str(error)) from None
    try:
        yield store
    except StoreError as error:
        raise UsageProblem(str(error)) from None
    finally:
        store.close()


def existing_database(config: Config) -> None:
    path = config.store.path
    if not path.exists():
        command = click.get_current_context().command_path.split(" ", 1)[-1]
        raise UsageProblem(f"store.path = '{path}': no database there; `dmguard {command}` works on "
                           "the daemon's database and creates none (check [store] path, or "
                           "start the daemon with `dmguard run` to create it)")


OUTPUT_CLOSED = 141
"""The exit code when whatever read the output stopped early (``dmguard audit … | head``):
128 + SIGPIPE, what a shell reports for a command the closed pipe ended. Click's own
answer, 1, would read as "a line could not be read"."""


class _Commands(click.Group):
    """The command group; a command whose standard output was closed under it ends quietly
    with :data:`OUTPUT_CLOSED`."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as error:
            if not _stdout_closed():  # a connection broke, no reader went away: say so
                raise click.ClickException(f"a connection broke: {error}") from error
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # what is still buffered goes nowhere
            os.close(devnull)
            ctx.exit(OUTPUT_CLOSED)


def _stdout_closed() -> bool:
    """Whether nothing reads standard output any more (a pipe whose reader is gone)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll here, or no real stdout
        return False


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dmguard")
def cli() -> None:
    """dmguard inspects automated X direct messages before they are sent.

    It labels the ones that go out as automated, holds back the generic ones, and
    queues whatever deserves a personal answer for a person.

    Example:

    \b
        dmguard demo
    """


@cli.command()
@config_option
@click.option("--seed", default=7, show_default=True, help="Seed of the simulated population.")
def demo(config_path: str, seed: int) -> None:
    """Run a simulated day against the built-in sandbox and print the daily summary.

    The database is left at the configured path, so `dmguard report`, `dmguard
    tasks` and `dmguard web` show what happened.

    Example:

    \b
        dmguard demo
    """
    from dmguard.clock import SystemClock
    from dmguard.demo import DemoError, run_demo
    from dmguard.store import StoreError

    config = load(config_path)
    try:
        result = run_demo(config, SystemClock().now(), seed=seed,
                          progress=lambda line: click.echo(line, err=True))
    except (DemoError, StoreError) as error:
        raise UsageProblem(str(error)) from None
    click.echo(result.markdown)
    click.echo(f"HTML summary: {result.html_path}", err=True)
    kept = f"; the one before it is kept as {result.backup}" if result.backup else ""
    click.echo(f"Database: {result.db_path}{kept}", err=True)
    me = _invoked_as()
    click.echo(f"Next: `{me} tasks list` (the human queue), `{me} report --date "
               f"{result.report.day}` (this day in [daemon] timezone), "
               f"`{me} web` (the inbox)", err=True)


def _invoked_as() -> str:
    """How to write this program in a command to copy: ``dmguard`` if that is on the PATH,
    otherwise the path it was run by (``.venv/bin/dmguard`` after `make demo`)."""
    import shutil

    program = Path(sys.argv[0])
    if program.name == "__main__.py":
        return "python -m dmguard"
    found = shutil.which(program.name)
    if found and Path(found).resolve() == program.resolve():
        return program.name
    try:
        return str(program.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(program)


@cli.command()
@config_option
@click.option("--once", is_flag=True, help="Run every job once and exit (cron, tests).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Log line format.")
@click.option("--wait-for-lease", default="0s", show_default=True, type=TEXT,
              help="If another daemon holds the database, wait this long for it (a redeploy).")
def run(config_path: str, once: bool, log_format: str, wait_for_lease: str) -> None:
    """Run the daemon: the tick, the sender and the daily report on a schedule.

    SIGTERM or Ctrl-C finishes the job in flight and exits 0.

    Example:

    \b
        dmguard run --config config/dmguard.toml
    """
    from dmguard.clock import SystemClock, parse_duration
    from dmguard.daemon import run_daemon
    from dmguard.logs import setup_logging
    from dmguard.platforms.sandbox.launch import embedded_sandboxes, worlds_made
    from dmguard.store import StoreError
    from dmguard.writer_lease import LeaseHeld

    setup_logging(log_format)
    config, text = load_with_text(config_path)
    check_credentials(config)
    try:
        wait = parse_duration(wait_for_lease)
    except ValueError as error:
        raise UsageProblem(f"--wait-for-lease: {error}") from None
    with opened_store(config) as store:
        made = worlds_made(store, config)  # a restart seeds the same people and DMs
    clock = SystemClock()
    with embedded_sandboxes(config, clock, made) as urls:
        try:
            sys.exit(run_daemon(config_path, config, urls, clock, once=once,
                                wait_for_lease=wait, config_text=text))
        except (LeaseHeld, StoreError) as error:
            # StoreError: the database cannot be written (read-only, a full disk) or is
            # busy; taking the lease is the daemon's first write, so nothing has run yet.
            raise UsageProblem(str(error)) from None


def check_credentials(config: Config) -> None:
    """Name a missing credential variable before anything runs."""
    from dmguard.config import ConfigError, load_x_credentials

    for account in config.accounts:
        if account.platform == "x":
            try:
                load_x_credentials(account)
            except ConfigError as error:
                raise UsageProblem(str(error)) from None


def _open_input(source: str) -> TextIO:
    from dmguard.audit.jsonl import open_lines

    try:
        return open_lines(source)
    except OSError as error:
        raise UsageProblem(f"{source}: cannot read ({error.strerror})") from None


@cli.command()
@click.argument("source", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text",
              show_default=True, help="Human-readable text, or the JSONL contract.")
@click.option("--input", "input_format", type=click.Choice(["jsonl", "text"]), default="jsonl",
              show_default=True,
              help="JSON Lines, or plain text: each non-blank line is one message's text.")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False),
              help="Configuration (rule settings, hold score, label); defaults apply without.")
@click.option("--sent", is_flag=True,
              help="Review the DMs the account already sent (by dmguard or other tools).")
@click.option("--since", default="7d", show_default=True, type=TEXT,
              help="With --sent: how far back, e.g. 24h, 7d.")
@click.option("--account", default=None, type=TEXT,
              help="Audit as this configured account does: its policy, and what its people "
                   "taught the judge (with --sent: review only this account).")
def audit(source: str | None, fmt: str, input_format: str, config_path: str | None,
          sent: bool, since: str, account: str | None) -> None:
    """Audit messages (JSON Lines) without sending anything.

    Each input line is {"text": ..., "platform": ..., "recipient": {...}, "context":
    {...}}; every field but text is optional; platform names a policy pack (x,
    sandbox or one the config defines; case aside). With --input text, each non-blank line is one
    message's text (results in input order; in text format named by line). Exit
    code 1 if any line could not be read; in text format such lines are reported
    on standard error. With --sent, the account's sent DMs are reviewed instead
    (fetching what is missing first); JSONL lines then also carry sent_at,
    recipient and sent_by.

    Example:

    \b
        echo '{"id": "m1", "text": "Dear valued customer"}' | dmguard audit - --format jsonl
        dmguard audit drafts.jsonl --account shop
        dmguard audit drafts.txt --input text
        dmguard audit --sent --since 7d --format jsonl
    """
    from dmguard.audit.batch import standalone_auditor
    from dmguard.clock import SystemClock

    if sent and _given("input_format"):
        raise UsageProblem("--sent reviews the DMs the account sent and reads no input, so "
                           "it takes no --input: leave it out, or --sent")
    if sent and source is not None:
        raise UsageProblem(f"--sent reviews the DMs the account sent and reads no input: "
                           f"leave out {source}, or --sent to audit it")
    if not sent and _given("since"):
        raise UsageProblem("--since is how far back --sent reviews sent DMs: add --sent "
                           "(e.g. dmguard audit --sent --since 7d) or leave out --since")
    window = _window(since) if sent else None
    source = source or "-"
    if config_path is None and (account or Path(DEFAULT_CONFIG).exists()):
        config_path = DEFAULT_CONFIG
    config = load(config_path) if config_path else None
    if account is not None:
        assert config is not None
        account = _configured_account(config, account)
    if window is not None:
        review_sent(config or load(DEFAULT_CONFIG), window, fmt, account)
        return
    learned, username = _account_as_stored(config, account)
    auditor = standalone_auditor(config, SystemClock(), account=account, learned=learned,
                                 account_username=username)
    if source == "-" and sys.stdin.isatty():
        click.echo("audit: reading messages from the terminal, one per line (JSON Lines, or "
                   "--input text); end with Ctrl-D. To audit a file: dmguard audit FILE",
                   err=True)
    with _progress(source) as bar:
        failed = _audit_batch(auditor, _open_input(source), fmt, input_format, bar, source)
    global _quick_exit
    _quick_exit = True
    sys.exit(1 if failed else 0)


def _given(option: str) -> bool:
    """Whether the command line set ``option`` (its value is not the default)."""
    from click.core import ParameterSource

    source = click.get_current_context().get_parameter_source(option)
    return source is not ParameterSource.DEFAULT


def _renderer(fmt: str, source: str = "-") -> Callable[[Any], str]:
    """How ``dmguard audit`` shows one line's outcome (an error or a result); as text, a line
    of a named file that cannot be read is named by file and line."""
    from dmguard.audit.jsonl import dumps

    where = "" if source == "-" else f"{source}: "

    def render(outcome: Any) -> str:
        if outcome.error is not None:
            return (dumps(outcome.error.as_json()) if fmt == "jsonl"
                    else f"error: {where}{outcome.error}")
        return (dumps(outcome.result.as_json()) if fmt == "jsonl"
                else _format_result(outcome.result, outcome.number))

    return render


def _audit_batch(auditor: Any, handle: TextIO, fmt: str, input_format: str,
                 bar: Callable[[int], None], source: str = "-") -> int:
    """Print every line's outcome in input order, as text the errors on standard error;
    how many lines could not be read. An input with no message says so on standard error."""
    from dmguard.audit.batch import audit_source
    from dmguard.audit.jsonl import read_input, read_text_line

    read = read_text_line if input_format == "text" else read_input
    failed = 0
    said = False
    for text, errors, count in audit_source(auditor, handle, _renderer(fmt, source), bar,
                                            errors_apart=fmt == "text", read=read):
        failed += count
        said = said or bool(text or errors)
        if text:
            click.echo(text)
        if errors:
            click.echo(errors, err=True)
    if not said:
        name = "standard input" if source == "-" else source
        click.echo(f"audit: {name}: no messages to audit (empty, or only blank lines)", err=True)
    return failed


def _configured_account(config: Config, account: str) -> str:
    from dmguard.learning import LearningError, accounts

    try:
        [name] = accounts(config, account)
    except LearningError as error:
        raise UsageProblem(f"--account: {error}") from None
    return name


def _account_as_stored(config: Config | None, account: str | None
                       ) -> tuple[LearnedLayer | None, str | None]:
    """What ``account``'s people taught the judge, and its username on the platform (what
    its automated label names); (None, None) without an account or database."""
    if config is None or account is None or not Path(config.store.path).exists():
        return None, None  # no database yet: nothing learned, and none is made to say so
    from dmguard.learning import layer_for

    with opened_store(config) as store:
        row = store.accounts.get(account)
        return layer_for(store, account), row.username if row else None


def _window(since: str) -> timedelta:
    from dmguard.audit.sent import parse_window

    try:
        return parse_window(since)
    except ValueError as error:
        raise UsageProblem(f"--since: {error}") from None


def review_sent(config: Config, window: timedelta, fmt: str, only: str | None = None) -> None:
    from dmguard.audit.jsonl import dumps
    from dmguard.audit.sent import refresh_sent_history, review
    from dmguard.store import Origin

    with opened_store(config) as store:
        start = store.clock.now() - window
        for account in config.accounts:
            if only is not None and account.name != only:
                continue
            problem = refresh_sent_history(store, config, account.name)
            if problem:
                click.echo(f"note: {account.name}: reviewing stored history only, could not "
                           f"fetch new DM events ({problem})", err=True)
            total = len(store.messages.sent_since(account.name, start))
            with _bar(total, f"reviewing {account.name}") as bar:
                for item in review(store, config, account.name, start, progress=bar):
                    if fmt == "jsonl":
                        click.echo(dumps(item.as_json()))
                    else:
                        who = "other" if item.message.origin == Origin.OTHER else "dmguard"
                        click.echo(_format_result(item.result, 0).replace(
                            f"{item.result.id}:", f"{item.message.sent_at[:16]} to "
                            f"@{item.contact['username'] or item.contact['user_id']} "
                            f"(sent by {who}):", 1))


@contextmanager
def _bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal's stderr for long reviews (never in a log file)."""
    if total < 2000 or not sys.stderr.isatty():
        yield lambda _: None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="DM", file=sys.stderr, desc=label) as bar:
        yield bar.update


@contextmanager
def _progress(source: str, doing: str = "auditing",
              from_size: int = 1_000_000) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal's stderr for inputs of ``from_size`` bytes or more
    (never in a log file)."""
    size = Path(source).stat().st_size if source != "-" and Path(source).exists() else 0
    if size < from_size or not sys.stderr.isatty():
        yield lambda _: None
        return
    from tqdm import tqdm

    with tqdm(total=size, unit="B", unit_scale=True, file=sys.stderr, desc=doing) as bar:
        yield bar.update


def _format_result(result: Any, number: int) -> str:
    head = f"{result.id or f'line {number}'}: {result.verdict.upper()} (score {result.score})"
    lines = [head]
    for finding in result.findings:
        lines.append(f"  {finding.rule} {finding.name} [{finding.severity}] {finding.message}")
    if result.labelled_text:
        lines.append("  labelled: " + result.labelled_text.replace("\n", " ⏎ "))
    return "\n".join(lines)


@cli.command()
@click.argument("source", default="-")
@config_option
@click.option("--account", default=None, type=TEXT,
              help="Account name (default: the first).")
def submit(source: str, config_path: str, account: str | None) -> None:
    """Put automated messages (same JSONL as audit) into the outbox.

    recipient.id is the platform user id (or give recipient.username); each message
    is audited now and sent by the daemon if it passes. Unknown recipients are
    reported per line and the rest are accepted. A line whose id was already
    submitted to that recipient (or, without an id, whose text is still waiting to
    go to that recipient) is a duplicate: reported, not queued again. A summary
    goes to standard error; the exit code is 1 when any line was skipped.

    Example:

    \b
        dmguard submit campaign.jsonl
    """
    from dmguard.audit.batch import parsed_lines
    from dmguard.audit.jsonl import dumps
    from dmguard.submit import submit_lines

    config = load(config_path)
    if account is not None:  # named before the database is opened (or created)
        account = _configured_account(config, account)
    tally: Counter[str] = Counter()
    # Each line is audited against the account's history and stored in a transaction
    # of its own (a few ms): a file of 100 KB (some 500 lines) already takes seconds.
    with opened_store(config) as store, _progress(source, "submitting", 100_000) as bar:
        for result in submit_lines(store, config, parsed_lines(_open_input(source), bar),
                                   account=account):
            tally[_submit_outcome(result)] += 1
            click.echo(dumps(result))
    click.echo(_submit_summary(tally), err=True)
    sys.exit(1 if tally["duplicate"] or tally["error"] else 0)


def _submit_outcome(result: dict[str, Any]) -> str:
    if "duplicate_of" in result:
        return "duplicate"
    return "error" if "error" in result else str(result["state"])


def _submit_summary(tally: Counter[str]) -> str:
    """``submit: 5 lines: 3 queued, 1 held, 1 duplicate (not queued again)``."""
    order = ["queued", "held", "blocked", "duplicate", "error"]
    parts = [f"{tally[key]} {key}" + (" (not queued again)" if key == "duplicate" else "")
             for key in order + sorted(set(tally) - set(order)) if tally[key]]
    total = sum(tally.values())
    return f"submit: {total} line{'s' * (total != 1)}: " + (", ".join(parts) or "nothing to do")


@cli.group()
def auth() -> None:
    """Sign an account in to a platform (X: OAuth 2.0 with PKCE).

    Example:

    \b
        dmguard auth x --account shop
    """


@auth.command("x")
@config_option
@click.option("--account", default=None, type=TEXT,
              help="Account name (default: the first).")
@click.option("--timeout", default=300.0, show_default=True,
              help="Seconds to wait for X to redirect back.")
def auth_x(config_path: str, account: str | None, timeout: float) -> None:
    """Authorize dmguard on X: prints a URL to open, waits for the redirect, saves the tokens.

    The tokens go to the account's token_file (0600), never to the config or the log.

    Example:

    \b
        dmguard auth x --account shop --timeout 600
    """
    from dmguard.clock import SystemClock
    from dmguard.config import ConfigError
    from dmguard.platforms.base import PlatformError
    from dmguard.platforms.x_oauth2 import authorize_account

    config = load(config_path)

    def show(url: str) -> None:
        click.echo(f"Open this URL in a browser signed in to the X account:\n\n  {url}\n")
        click.echo(f"Waiting up to {timeout:.0f} s for X to redirect to this machine...")

    try:
        chosen = config.account(account)
        tokens, path = authorize_account(chosen, show=show, now=SystemClock().now,
                                         timeout=timeout)
    except (ConfigError, PlatformError) as error:
        raise UsageProblem(f"auth x: {error}") from None
    click.echo(f"authorized: scopes {' '.join(sorted(tokens.scopes))}; tokens saved to {path} "
               f"(refreshed automatically from now on)")


@cli.group()
def tasks() -> None:
    """The human queue: list, show, claim, assign, snooze, notes, reply, release, done, dismiss.

    Example:

    \b
        dmguard tasks list
    """


def _who(who: str | None) -> str:
    """The name given with --who, or the login name."""
    import getpass

    return who or getpass.getuser()


def _actor(store: Store, who: str | None) -> str:
    """Who acts on the queue: --who, or the login name; a teammate, when the team has users
    (with none at all, any name goes: one person working from the command line)."""
    from dmguard.tasks import TaskError, require_teammate

    name = _who(who)
    try:
        require_teammate(store, name)
    except TaskError as error:
        if who:
            raise UsageProblem(f"--who: {error}") from None
        raise UsageProblem(f"--who: {error}; without --who you act as your login name, "
                           f"{name!r}: give --who NAME") from None
    return name


@tasks.command("list")
@config_option
@click.option("--all", "show_all", is_flag=True, help="Include closed tasks.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def tasks_list(config_path: str, show_all: bool, fmt: str) -> None:
    """List open tasks, most urgent first.

    Example:

    \b
        dmguard tasks list --format json
    """
    from dataclasses import asdict

    from dmguard.queue_words import holder, moment, snoozed_until

    config = load(config_path)
    with opened_store(config, existing=True) as store:
        states = ("open", "claimed", "done", "dismissed") if show_all else ("open", "claimed")
        rows = store.tasks.listing(states=states)
        now = store.now()
        if fmt == "json":
            click.echo(json.dumps([{**asdict(row), "overdue": row.state in ("open", "claimed")
                                    and row.due_at < now} for row in rows], indent=2))
            return
        if not rows:
            click.echo("No open tasks.")
        at = store.clock.now()
        for row in rows:
            who = holder(row.claimed_by) if row.is_open else row.state
            snoozed = snoozed_until(row.snoozed_until, at) if row.is_open else None
            flag = " OVERDUE" if row.is_open and row.due_at < now else ""
            when = f"snoozed until {snoozed}" if snoozed else f"due {moment(row.due_at)}{flag}"
            click.echo(f"#{row.id:<4} p{row.priority:<3} {row.kind:<8} "
                       f"@{row.username or row.contact_id:<18} {who:<15} {when}  "
                       f"{row.reason[:70]}")


@tasks.command("show")
@click.argument("task_id", type=ROW_ID)
@config_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def tasks_show(task_id: int, config_path: str, fmt: str) -> None:
    """Show a task with the person's profile, the conversation and the draft's findings.

    Example:

    \b
        dmguard tasks show 3
    """
    from dataclasses import asdict

    from dmguard.queue_words import OPTED_OUT, history, holder, moment, snoozed_until
    from dmguard.tasks import TaskError, view

    config = load(config_path)
    with opened_store(config, existing=True) as store:
        try:
            item = view(store, task_id)
        except TaskError as error:
            raise UsageProblem(str(error)) from None
        if fmt == "json":
            click.echo(json.dumps(asdict(item), indent=2, default=str))
            return
        task, contact = item.task, item.contact
        who = f", {holder(task.claimed_by)}" if task.is_open else ""
        click.echo(f"Task #{task.id} [{task.kind}] {task.state}{who}, priority "
                   f"{task.priority}, due {moment(task.due_at)} UTC"
                   f"{' (OVERDUE)' if item.overdue else ''}")
        snoozed = snoozed_until(task.snoozed_until, store.clock.now()) if task.is_open else None
        if snoozed:
            click.echo(f"Snoozed until {snoozed}")
        click.echo(f"Why: {task.reason}")
        click.echo(f"Person: {contact.name!r} @{contact.username} "
                   f"({contact.followers_count or 0} followers) {contact.location or ''}")
        if item.opted_out:
            click.echo(f"{OPTED_OUT[:1].upper()}{OPTED_OUT[1:]} (personal replies still go)")
        click.echo(f"Bio: {contact.bio or '(none)'}")
        if item.conversation:
            click.echo("Conversation:")
            for message in item.conversation:
                arrow = "→" if message.direction == "out" else "←"
                click.echo(f"  {arrow} {message.text}")
        reply = store.messages.get(task.reply_message_id) if task.reply_message_id else None
        if reply is not None and reply.state != "sent":
            settle = (f"; look on the platform, then `dmguard messages settle {reply.id} "
                      "--arrived` (or `--lost`)" if reply.state == "needs_attention" else "")
            click.echo(f"Reply {reply.id} ({reply.state.replace('_', ' ')}"
                       f"{': ' + reply.failure if reply.failure else ''}{settle}): {reply.text}")
        if item.draft:
            click.echo(f"Draft ({item.draft.state}): {item.draft.text}")
            for finding in item.findings:
                click.echo(f"  {finding.rule} {finding.name} [{finding.severity}] "
                           f"{finding.message}")
            for step in store.messages.transitions(item.draft.id):
                click.echo(f"  {step.at[:19]} {step.from_state or '-'} → "
                           f"{step.to_state} by {step.actor}: {step.reason or ''}")
        click.echo("History:")
        for action in item.actions:
            click.echo(f"  {moment(action.at)} {history(action.action, action.actor, action.note)}")


def _task_action(config_path: str, action: Callable[[Store], str]) -> None:
    _task_action_with(config_path, lambda store, _config: action(store))


def _task_action_with(config_path: str, action: Callable[[Store, Config], str]) -> None:
    from dmguard.tasks import TaskError

    config = load(config_path)
    with opened_store(config, existing=True) as store:
        try:
            click.echo(action(store, config))
        except TaskError as error:
            raise UsageProblem(str(error)) from None


@tasks.command("claim")
@click.argument("task_id", type=ROW_ID)
@click.option("--who", default=None, type=TEXT, help="Your name (default: your login).")
@click.option("--take-over", is_flag=True,
              help="Take the conversation from the teammate who has it (recorded).")
@config_option
def tasks_claim(task_id: int, who: str | None, take_over: bool, config_path: str) -> None:
    """Take the task's person (all their open tasks) so nobody else answers them; the bot
    stays quiet with that person. A teammate's conversation is refused unless --take-over
    (the inbox's Take it over): until then replying, releasing and closing are theirs.

    Example:

    \b
        dmguard tasks claim 3 --who sam
        dmguard tasks claim 3 --who sam --take-over
    """
    from dmguard.actions import take

    def act(store: Store) -> str:
        name = _actor(store, who)
        take(store, task_id, name, take_over=take_over)
        return f"task {task_id} claimed by {name}"

    _task_action(config_path, act)


@tasks.command("done")
@click.argument("task_id", type=ROW_ID)
@click.option("--who", default=None, type=TEXT,
              help="Who does it, as the task's history records (default: your login).")
@click.option("--note", default=None, type=TEXT)
@config_option
def tasks_done(task_id: int, who: str | None, note: str | None, config_path: str) -> None:
    """Close a task as handled (e.g. answered elsewhere).

    Example:

    \b
        dmguard tasks done 3 --note "called her"
    """
    _close_task(task_id, who, note, config_path, "done")


@tasks.command("dismiss")
@click.argument("task_id", type=ROW_ID)
@click.option("--who", default=None, type=TEXT,
              help="Who does it, as the task's history records (default: your login).")
@click.option("--note", default=None, type=TEXT)
@config_option
def tasks_dismiss(task_id: int, who: str | None, note: str | None, config_path: str) -> None:
    """Close a task without answering.

    Example:

    \b
        dmguard tasks dismiss 3 --note spam
    """
    _close_task(task_id, who, note, config_path, "dismissed")


def _close_task(task_id: int, who: str | None, note: str | None, config_path: str,
                state: str) -> None:
    from dmguard.actions import close

    def act(store: Store, config: Config) -> str:
        close(store, config, task_id, _actor(store, who), state, note)
        return f"task {task_id} {state}"

    _task_action_with(config_path, act)


@tasks.command("assign")
@click.argument("task_id", type=ROW_ID)
@click.option("--to", "to", required=True, type=TEXT,
              help="The teammate (a user of `dmguard users`).")
@click.option("--who", default=None, type=TEXT, help="Who assigns (default: your login).")
@config_option
def tasks_assign(task_id: int, to: str, who: str | None, config_path: str) -> None:
    """Give the task's person (all their open tasks) to a teammate.

    Example:

    \b
        dmguard tasks assign 3 --to amy
    """
    from dmguard.actions import assign

    def act(store: Store) -> str:
        changed = assign(store, task_id, _actor(store, who), to)
        return f"task {task_id}: the conversation is {to}'s ({changed} task(s) changed)"

    _task_action(config_path, act)


@tasks.command("unassign")
@click.argument("task_id", type=ROW_ID)
@click.option("--who", default=None, type=TEXT,
              help="Who does it, as the task's history records (default: your login).")
@config_option
def tasks_unassign(task_id: int, who: str | None, config_path: str) -> None:
    """Nobody has the task's person any more; their tasks are open again.

    Example:

    \b
        dmguard tasks unassign 3
    """
    from dmguard.actions import unassign

    def act(store: Store, config: Config) -> str:
        changed = unassign(store, config, task_id, _actor(store, who))
        return f"task {task_id}: un-assigned ({changed} task(s) changed)"

    _task_action_with(config_path, act)


@tasks.command("snooze")
@click.argument("task_id", type=ROW_ID)
@click.option("--for", "duration", required=True, type=TEXT, help="How long, e.g. 2h, 1d.")
@click.option("--who", default=None, type=TEXT,
              help="Who does it, as the task's history records (default: your login).")
@config_option
def tasks_snooze(task_id: int, duration: str, who: str | None, config_path: str) -> None:
    """Hide the task's person from the inbox (and alerts) for a while.

    Example:

    \b
        dmguard tasks snooze 3 --for 4h
    """
    from dmguard.actions import snooze
    from dmguard.clock import iso, parse_duration
    from dmguard.queue_words import moment

    try:
        delta = parse_duration(duration)
    except ValueError:
        delta = None
    if not delta:
        raise UsageProblem(f"--for {duration!r}: how long to snooze, a number with m, h, d or "
                           "w (e.g. 4h, 2d, 1w)")

    def act(store: Store) -> str:
        until = store.clock.now() + delta
        changed = snooze(store, task_id, _actor(store, who), until)
        return f"task {task_id}: snoozed until {moment(iso(until))} UTC ({changed} task(s))"

    _task_action(config_path, act)


@tasks.command("notes")
@click.argument("task_id", type=ROW_ID)
@click.option("--add", "text", default=None, type=TEXT,
              help="Add this note (otherwise list the notes).")
@click.option("--who", default=None, type=TEXT,
              help="Who does it, as the task's history records (default: your login).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@config_option
def tasks_notes(task_id: int, text: str | None, who: str | None, fmt: str,
                config_path: str) -> None:
    """The team's internal notes about the task's person (never sent).

    Example:

    \b
        dmguard tasks notes 3 --add "called her; refund on its way"
    """
    from dataclasses import asdict

    from dmguard.actions import TaskError, add_note

    config = load(config_path)
    with opened_store(config, existing=True) as store:
        task = store.tasks.get(task_id)
        if task is None:
            raise UsageProblem(f"no task {task_id} (see `dmguard tasks list`)")
        if text is not None:
            try:
                add_note(store, task.contact_id, _actor(store, who), text)
            except TaskError as error:
                raise UsageProblem(str(error)) from None
        notes = store.notes.about(task.contact_id)
    if fmt == "json":
        click.echo(json.dumps([asdict(note) for note in notes], indent=2))
        return
    for note in notes:
        click.echo(f"{note.at[:16]} {note.author}: {note.text}")
    if not notes:
        click.echo("No notes.")


@tasks.command("reply")
@click.argument("task_id", type=ROW_ID)
@click.argument("text", required=False, type=Utf8Text("the reply"))
@click.option("--canned", "canned_name", default=None, metavar="NAME", type=TEXT,
              help="Send this canned reply ([[web.canned]]), filled in for the person, as "
                   "the inbox's canned buttons do.")
@click.option("--who", default=None, type=TEXT,
              help="Who does it, as the task's history records (default: your login).")
@config_option
def tasks_reply(task_id: int, text: str | None, canned_name: str | None, who: str | None,
                config_path: str) -> None:
    """Send a personal DM (no automated label) for a task and close it: TEXT, or a canned
    reply by its name.

    Example:

    \b
        dmguard tasks reply 3 "Hi Amy, Sam here: yes, we ship to Lisbon."
        dmguard tasks reply 3 --canned "Looking into it"
    """
    from dmguard import canned
    from dmguard.actions import TaskError, reply

    if (text is None) == (canned_name is None):
        raise UsageProblem("give the reply's text or --canned NAME, not both"
                           if text is not None else
                           "give the reply's text or --canned NAME (a canned reply)")
    config = load(config_path)
    with opened_store(config, existing=True) as store:
        try:
            person = canned.person_of(store, task_id)
            if canned_name is not None:
                try:
                    text = canned.chosen(config, person, canned_name).text
                except TaskError as error:
                    raise UsageProblem(f"--canned: {error}") from None
            assert text is not None
            message_id = reply(store, config, task_id, _actor(store, who), text)
        except TaskError as error:
            raise UsageProblem(str(error)) from None
    used = canned.matching(config, person, text)
    kind = f" (canned reply {used.name!r})" if used else ""
    click.echo(f"sent as message {message_id}{kind}; task {task_id} done")


@tasks.command("release")
@click.argument("task_id", type=ROW_ID)
@click.option("--text", default=None, type=TEXT, help="The edited draft (default: unchanged).")
@click.option("--who", default=None, type=TEXT,
              help="Who does it, as the task's history records (default: your login).")
@config_option
def tasks_release(task_id: int, text: str | None, who: str | None, config_path: str) -> None:
    """Re-audit a held draft, edited or not; if it passes it is queued to send (labelled).

    Example:

    \b
        dmguard tasks release 7 --text "Hi Amy, the Lisbon pop-up opens Friday: want an invite?"
    """
    from dmguard.actions import TaskError, release

    config = load(config_path)
    with opened_store(config, existing=True) as store:
        try:
            released = release(store, config, task_id, _actor(store, who), text)
        except TaskError as error:
            raise UsageProblem(str(error)) from None
    if released.queued:
        click.echo(f"task {task_id}: the draft passed the audit and is queued to send")
        return
    click.echo(f"task {task_id}: {released.refusal('the edited draft' if released.edited else 'the draft')}")
    sys.exit(1)


@cli.command()
@config_option
@click.option("--date", "day", default=None, type=TEXT,
              help="The day, YYYY-MM-DD (default: today).")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md",
              show_default=True)
@click.option("--out", default=None,
              help="Write to this file instead of standard output ('-': standard output).")
@click.option("--deliver", is_flag=True,
              help="Write md/html/json to the reports folder and e-mail it, as the daemon does "
                   "(once a day is over, and only once).")
@click.option("--again", is_flag=True,
              help="With --deliver: deliver a day that was delivered already (a lost e-mail).")
@click.option("--config-stdin", is_flag=True, hidden=True,
              help="Read the config's text from standard input (the daemon's report process).")
@click.option("--now", "now_at", default=None, hidden=True, type=TEXT,
              help="The daemon's time (ISO 8601): its report process judges and records a "
                   "delivery by the daemon's clock, not the system's.")
def report(config_path: str, day: str | None, fmt: str, out: str | None, deliver: bool,
           again: bool, config_stdin: bool, now_at: str | None) -> None:
    """The daily summary for a day.

    Example:

    \b
        dmguard report --date 2026-11-23 --format html --out summary.html
        dmguard report --date 2026-11-23 --deliver --again   # the e-mail was lost
    """

    from dmguard.clock import SimulatedClock, SystemClock, local_date, parse_iso
    from dmguard.report.data import build_report
    from dmguard.report.render import RENDERERS
    from dmguard.report.schedule import before_database, check_report_day, day_is_over

    if deliver and (out or _given("fmt")):
        raise UsageProblem(f"--deliver writes md, html and json to the configured reports "
                           f"folder and e-mails them, so it takes no "
                           f"{'--out' if out else '--format'}: leave it out, or --deliver")
    if again and not deliver:
        raise UsageProblem("--again re-delivers a day's report: give it with --deliver")
    config = load_with_text(config_path, sys.stdin.read() if config_stdin else None)[0]
    clock: Clock = SimulatedClock(parse_iso(now_at)) if now_at else SystemClock()
    zone = config.daemon.timezone
    chosen = report_day(day) if day is not None else local_date(clock, zone)
    problem = check_report_day(chosen, zone, clock.now())
    if problem:
        raise UsageProblem(f"--date {problem}")
    if deliver and not day_is_over(chosen, zone, clock.now()):
        raise UsageProblem(f"--deliver: {chosen.isoformat()} is not over yet in {zone}; a "
                           "day's report is delivered once the day is over (leave out "
                           "--deliver to see it so far)")
    with opened_store(config, existing=True, clock=clock) as store:
        data = build_report(store, [a.name for a in config.accounts], chosen,
                            config.daemon.timezone, budget=config.costs.daily_budget)
        if deliver:
            if before_database(store, chosen, zone):
                raise UsageProblem(f"--deliver: {chosen.isoformat()} ended before this "
                                   "database was created; a day before it gets no report "
                                   "(leave out --deliver to see it)")
            _deliver(store, config, data, again)
            return
    text = RENDERERS[fmt](data)
    if out and out != "-":
        if out.endswith(("/", os.sep)) or Path(out).is_dir():
            raise UsageProblem(f"--out {out}: is a folder; give a file name, e.g. "
                               f"{Path(out) / ('summary.' + fmt)}")
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageProblem(f"--out {out}: cannot write ({error.strerror})") from None
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text)


def report_day(text: str) -> date:
    """``--date``: a real day written YYYY-MM-DD, or one line saying what is wrong."""
    import re

    if not text.strip():
        raise UsageProblem("--date is empty: give a day, YYYY-MM-DD (leave --date out for "
                           "today)")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is None:
        raise UsageProblem(f"--date {text!r}: use YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise UsageProblem(f"--date {text!r}: no such day ({error})") from None


def _deliver(store: Store, config: Config, data: Any, again: bool) -> None:
    from dmguard.config import smtp_password
    from dmguard.report.delivery import ReportWriteError, deliver_once

    try:
        done = deliver_once(store, config.report, data, smtp_password(), again=again)
    except ReportWriteError as error:
        raise UsageProblem(f"{error}; nothing was delivered, the daemon tries again in "
                           "15 minutes") from None
    if done is None:
        click.echo(f"the report for {data.day} " + (
            "is being delivered right now: not sending it a second time" if again else
            "was delivered already (or is being delivered): not sending it again; "
            "--again sends it once more"), err=True)
        return
    click.echo(f"wrote {', '.join(str(path) for path in done.files)}", err=True)
    if done.emailed_to:
        click.echo(f"e-mailed to {', '.join(done.emailed_to)}", err=True)
    for problem in done.errors:
        click.echo(f"dmguard: {problem}; the daemon tries again in 15 minutes (and the next "
                   "report lists it)", err=True)
    if done.errors:
        sys.exit(1)


@cli.group()
def messages() -> None:
    """Messages that wait for a person: a send whose answer was lost, that dmguard could
    neither find on the platform nor rule out (it never sends one again by itself).

    Example:

    \b
        dmguard messages waiting
        dmguard messages settle 23 --arrived
    """


@messages.command("waiting")
@config_option
def messages_waiting(config_path: str) -> None:
    """List the messages that wait for a person, with why.

    Example:

    \b
        dmguard messages waiting
    """
    from dmguard.store import Origin

    config = load(config_path)
    with opened_store(config, existing=True) as store:
        waiting = [m for account in config.accounts
                   for m in store.messages.in_state(account.name, "needs_attention")]
        for message in waiting:
            contact = store.people.contact(message.contact_id) if message.contact_id else None
            who = f"@{contact.username}" if contact and contact.username else "?"
            what = "personal reply" if message.origin == Origin.HUMAN else "automated"
            click.echo(f"{message.id}  {message.account_id}  to {who}  {what}  since "
                       f"{message.updated_at[:16]}  {message.failure}")
    if not waiting:
        click.echo("no message waits for a person", err=True)


@messages.command("settle")
@click.argument("message_id", type=ROW_ID)
@click.option("--arrived/--lost", required=True,
              help="What the conversation on the platform shows: the DM is there, or not.")
@click.option("--who", default=None, type=TEXT,
              help="Who looked, as the message's history records (default: your login).")
@config_option
def messages_settle(message_id: int, arrived: bool, who: str | None, config_path: str) -> None:
    """Settle a message that waits for a person, once you have looked on the platform.

    --arrived: it is sent (a personal reply closes its task). --lost: it failed and is not
    sent again; a personal reply's task stays open, to answer again.

    Example:

    \b
        dmguard messages settle 23 --lost
    """
    from dmguard.outbox import SettleError, settle_by_person

    config = load(config_path)
    with opened_store(config, existing=True) as store:
        try:
            settled = settle_by_person(store, message_id, _actor(store, who), arrived=arrived)
        except SettleError as error:
            raise UsageProblem(str(error)) from None
    click.echo(f"message {message_id}: {settled.state}")


@cli.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False),
              help="With a configuration (default: config/dmguard.toml when present), the "
                   "text also says how much each account's judge has learned.")
@click.pass_context
def rules(ctx: click.Context, fmt: str, config_path: str | None) -> None:
    """The rule catalogue: id, name, severity, one-line why; and what the judge learned.

    The judge (looks-automated) learns from each account's people: `dmguard rules learned`
    shows it and resets it.

    Example:

    \b
        dmguard rules --format markdown > docs/rules.md
    """
    from dmguard.audit.docs import catalogue_markdown
    from dmguard.audit.rules import catalogue

    if ctx.invoked_subcommand is not None:
        return
    if fmt == "markdown":
        click.echo(catalogue_markdown(), nl=False)
        return
    if config_path is None and Path(DEFAULT_CONFIG).exists():
        config_path = DEFAULT_CONFIG
    config = load(config_path) if config_path is not None else None  # its errors come first
    settings = config.audit.rules if config is not None else {}
    overridden = False
    for rule in catalogue():
        severity = rule.severity
        setting = settings.get(rule.id)
        if setting is not None and (not setting.enabled or setting.severity not in (None,
                                                                                     severity)):
            severity = ("off" if not setting.enabled else setting.severity or severity) + "*"
            overridden = True
        click.echo(f"{rule.id}  {rule.name:<24} {severity:<6} {rule.plain_summary}")
    if config is not None:
        from dmguard.audit.rules.judge import looks_automated

        if overridden:
            click.echo(f"\n* as {config_path} sets it ([audit.rules]); the catalogue's own "
                       "severity is in `dmguard rules --format markdown`")
        click.echo(f"\nLearned by {looks_automated.id} {looks_automated.name} from each "
                   "account's people (dmguard rules learned):")
        _print_learned(config, None)


def _print_learned(config: Config, account: str | None, fmt: str = "text") -> None:
    from dmguard.learning import Learned, LearningError, accounts, learned

    try:
        names = accounts(config, account)
    except LearningError as error:
        raise UsageProblem(str(error)) from None
    if Path(config.store.path).exists():
        with opened_store(config) as store:
            counts = learned(store, names)
    else:  # no database yet: nothing learned, and none is made just to say so
        counts = [Learned(name) for name in names]
    for item in counts:
        if fmt == "json":
            click.echo(json.dumps({"account": item.account, "acceptable": item.acceptable,
                                   "generic": item.generic, "personal": item.personal}))
        else:
            click.echo(f"  {item.account}: {item.describe()}")


@rules.command("learned")
@config_option
@click.option("--account", default=None, type=TEXT,
              help="Only this account (required with --reset).")
@click.option("--reset", is_flag=True, help="Forget everything the account's judge learned.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules_learned(config_path: str, account: str | None, reset: bool, fmt: str) -> None:
    """How much the judge (looks-automated) learned from each account's people; or forget it.

    Released held drafts (and the rewrites released) teach "acceptable", rewritten or
    dismissed drafts "generic", personal replies "personal"; the next audit of the
    account applies them.

    Example:

    \b
        dmguard rules learned
        dmguard rules learned --reset --account shop
    """
    from dmguard.learning import LearningError, accounts
    from dmguard.learning import reset as forget

    config = load(config_path)
    if not reset:
        _print_learned(config, account, fmt)
        return
    if account is None:
        raise UsageProblem("--reset needs --account NAME: lessons are forgotten one account "
                           "at a time")
    try:
        accounts(config, account)  # before the database is opened
        with opened_store(config, existing=True) as store:
            forgotten = forget(store, config, account)
    except LearningError as error:
        raise UsageProblem(str(error)) from None
    click.echo(f"{account}: forgot {forgotten} lesson{'s' if forgotten != 1 else ''}; "
               "the judge goes by its fitted model alone again")


@cli.group()
def sandbox() -> None:
    """The local X API v2 emulator.

    Example:

    \b
        dmguard sandbox serve --port 8765
    """


@sandbox.command("serve")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--seed", default=7, show_default=True)
@click.option("--empty", is_flag=True, help="Start with no followers and no conversations.")
@click.option("--fault-rate", default=0.0, type=Share(),
              help="Share of API calls answered with 429/5xx/slow/dropped.")
@click.option("--require-credentials", is_flag=True,
              help="Accept only the consumer key (or bearer token) in DMGUARD_X_* variables.")
def sandbox_serve(port: int, seed: int, empty: bool, fault_rate: float,
                  require_credentials: bool) -> None:
    """Serve the emulator on 127.0.0.1 until Ctrl-C.

    Example:

    \b
        dmguard sandbox serve --port 8765 --fault-rate 0.3
    """
    from dmguard.clock import SystemClock
    from dmguard.config import ConfigError
    from dmguard.platforms.sandbox.launch import credentials_from_environment, standalone_emulator
    from dmguard.platforms.sandbox.server import SandboxPortError, serve_until_interrupted

    try:
        credentials = credentials_from_environment() if require_credentials else None
        server = standalone_emulator(SystemClock(), port, seed=seed, empty=empty,
                                     fault_rate=fault_rate, credentials=credentials)
    except (ConfigError, SandboxPortError) as error:
        raise UsageProblem(str(error)) from None
    state = server.state
    click.echo(f"sandbox X API at {server.url} (account @{state.me.username}, "
               f"{len(state.followers)} followers); Ctrl-C to stop", err=True)
    serve_until_interrupted(server)


@cli.command()
@config_option
@click.option("--port", default=8780, show_default=True, type=click.IntRange(0, 65535),
              envvar="PORT", help="Port to listen on (a PaaS gives it in $PORT).")
@click.option("--bind", default=None, envvar="DMGUARD_WEB_BIND", type=TEXT,
              callback=lambda _ctx, _param, value: _bind_address(value),
              help="Address to listen on (default: $DMGUARD_WEB_BIND, else [web] bind, "
                   "127.0.0.1).")
def web(config_path: str, port: int, bind: str | None) -> None:
    """The inbox: a web page the team logs in to (add people with `dmguard users add`).

    Example:

    \b
        dmguard users add sam --role admin
        dmguard web --port 8780
    """
    from dmguard.clock import SystemClock
    from dmguard.web.app import WebError, serve

    config = load(config_path)
    with opened_store(config) as store:
        if not store.users.count():
            click.echo("note: nobody can log in yet; add someone first with "
                       "`dmguard users add NAME --role admin`", err=True)
    try:
        serve(config, port, SystemClock(), bind=bind,
              announce=lambda line: click.echo(line, err=True))
    except WebError as error:
        raise UsageProblem(str(error)) from None


def _bind_address(value: str | None) -> str | None:
    """--bind checked as [web] bind is: one line naming the value, not waitress's traceback."""
    from dmguard.config_schema import check_bind

    if value is None:
        return None
    try:
        return check_bind(value)
    except ValueError as error:
        raise UsageProblem(f"--bind {value!r} {error}") from None


@cli.group()
def users() -> None:
    """The team that logs in to the inbox: add, list, remove.

    Example:

    \b
        dmguard users add sam --role admin
    """


@users.command("add")
@click.argument("name", type=Utf8Text("the user name"))
@click.option("--role", type=click.Choice(["agent", "admin"]), default="agent",
              show_default=True, help="admin: also manages the team and sees every account.")
@click.option("--account", "accounts", multiple=True, type=TEXT,
              help="An account this agent works on (repeat; none: every account).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (the default "
                   "when standard input is not a terminal).")
@config_option
def users_add(name: str, role: str, accounts: tuple[str, ...], password_stdin: bool,
              config_path: str) -> None:
    """Add someone; the password is prompted for twice on a terminal, or read from the
    first line of standard input when that is a pipe or file (or with --password-stdin).

    Example:

    \b
        dmguard users add amy --role agent --account demo
        printf '%s\\n' "$PASSWORD" | dmguard users add bot --password-stdin
    """
    from dmguard.users import UserError, add_user, check_accounts

    config = load(config_path)
    try:
        check_accounts(accounts, {account.name for account in config.accounts})
    except UserError as error:
        raise UsageProblem(f"--account: {error}") from None
    if password_stdin or not sys.stdin.isatty():
        password = _stdin_line()
    else:
        try:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        except UnicodeDecodeError as error:  # a terminal that does not decode as surrogates
            raise UsageProblem(f"the password is not UTF-8 text (byte "
                               f"0x{error.object[error.start]:02X} at column "
                               f"{error.start + 1})") from None
    utf8(password, "the password")
    with opened_store(config) as store:
        try:
            add_user(store, name, role, password, accounts)
        except UserError as error:
            raise UsageProblem(str(error)) from None
    click.echo(f"added {name} ({role}{'; accounts ' + ', '.join(accounts) if accounts else ''})")


def _stdin_line() -> str:
    """The first line of standard input, read as bytes: one that is not UTF-8 keeps them
    (as :func:`utf8` names them) whatever the locale's decoding would have made of it."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        return sys.stdin.readline().rstrip("\r\n")
    return stream.readline().decode("utf-8", "surrogateescape").rstrip("\r\n")


@users.command("list")
@config_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def users_list(config_path: str, fmt: str) -> None:
    """List the team.

    Example:

    \b
        dmguard users list
    """
    config = load(config_path)
    with opened_store(config, existing=True) as store:
        team = [{"name": u.name, "role": u.role, "accounts": list(store.users.accounts(u.id)),
                 "created_at": u.created_at} for u in store.users.active()]
    if fmt == "json":
        click.echo(json.dumps(team, indent=2))
        return
    if not team:
        click.echo("Nobody yet: dmguard users add NAME --role admin")
    for user in team:
        click.echo(f"{user['name']:<20} {user['role']:<6} "
                   f"{', '.join(user['accounts']) or 'all accounts'}")


@users.command("remove")
@click.argument("name", type=Utf8Text("the user name"))
@config_option
def users_remove(name: str, config_path: str) -> None:
    """Remove someone: they cannot log in any more, their sessions end, and the
    conversations they held (claimed or assigned) are un-assigned.

    Example:

    \b
        dmguard users remove amy
    """
    from dmguard.users import UserError, remove_user, unassigned_words

    config = load(config_path)
    with opened_store(config, existing=True) as store:
        try:
            released = remove_user(store, config, name, _who(None))
        except UserError as error:
            raise UsageProblem(str(error)) from None
    click.echo(f"removed {name}" + (f"; {unassigned_words(released, name)}" if released else ""))


@cli.command()
@config_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def status(config_path: str, fmt: str) -> None:
    """What the daemon is doing: paused accounts and why, the last tick, messages by state.

    Example:

    \b
        dmguard status --format json
    """
    from dmguard.status import render_text
    from dmguard.status import status as current

    config = load(config_path)
    with opened_store(config, existing=True) as store:
        report = current(store, config)
    click.echo(json.dumps(report.as_json(), indent=2) if fmt == "json" else render_text(report))


@cli.group()
def accounts() -> None:
    """The accounts dmguard sends from: resume one that was paused.

    Example:

    \b
        dmguard accounts resume demo
    """


@accounts.command("resume")
@click.argument("name", type=Utf8Text("the account name"))
@config_option
def accounts_resume(name: str, config_path: str) -> None:
    """Check the account live with the platform, then lift its pause.

    Example:

    \b
        dmguard accounts resume demo
    """
    from dmguard.config import ConfigError
    from dmguard.platforms.base import AccountProblem, PlatformError
    from dmguard.tick import build_runtime, resume

    config = load(config_path)
    try:
        account = config.account(name)
    except ConfigError as error:
        raise UsageProblem(str(error)) from None
    with opened_store(config, existing=True) as store:
        try:
            me = resume(build_runtime(config, account, store))
        except (ConfigError, ValueError) as error:
            raise UsageProblem(str(error)) from None
        except PlatformError as error:
            fix = f" ({error.fix})" if isinstance(error, AccountProblem) else ""
            raise UsageProblem(f"account {name} stays paused: {error}{fix}") from None
    click.echo(f"account {name} resumed: the platform answers as @{me.username}")


@cli.command("check-config")
@config_option
@click.option("--offline", is_flag=True, help="Do not call the platform to test credentials.")
def check_config(config_path: str, offline: bool) -> None:
    """Validate the configuration and credentials; print what dmguard would do.

    Example:

    \b
        dmguard check-config --config config/dmguard.toml
    """
    from dmguard.config import ConfigError, load_x_credentials

    config = load(config_path)
    data = config.model_dump(mode="json")
    click.echo(f"{config_path}: valid")
    for warning in config.warnings():
        click.echo(f"warning: {warning}")
    for account in config.accounts:
        policy = config.policy_for(account)
        line = (f"account {account.name}: platform {account.platform}, policy "
                f"{account.policy_name} (automated DMs only after the user wrote: "
                f"{policy.automated_requires_user_first}; welcome DMs: {policy.welcome_dm})")
        click.echo(line)
        if account.platform == "x":
            try:
                credentials = load_x_credentials(account)
            except ConfigError as error:
                raise UsageProblem(str(error)) from None
            for key, value in credentials.masked().items():
                click.echo(f"  {account.credentials_prefix}{key.upper()} = {value}")
            if not offline:
                _verify_credentials(account)
        else:
            where = account.sandbox_url or "an emulator started in-process"
            click.echo(f"  talks to {where}; no secrets needed")
            if account.sandbox_url and not offline:
                _verify_sandbox(account.name, account.sandbox_url)
    click.echo(f"sequences: {', '.join(s.name for s in config.sequences) or 'none'}")
    click.echo(f"rules overridden: {', '.join(config.audit.rules) or 'none'}; hold score "
               f"{config.audit.hold_score}")
    smtp = data["report"]["email"]
    click.echo(f"report: {data['report']['dir']} at {config.daemon.report_time} "
               f"{config.daemon.timezone}" + (f", e-mail via {smtp['host']}" if smtp else ""))


def _verify_sandbox(name: str, url: str) -> None:
    from dmguard.platforms.sandbox.launch import emulator_problem

    problem = emulator_problem(url)
    if problem is not None:
        raise UsageProblem(f"account {name}: the emulator at {url} does not answer "
                           f"({problem}); start it (`dmguard sandbox serve`), fix "
                           "accounts.sandbox_url, or check with --offline")
    click.echo("  the emulator answers")


def _verify_credentials(account: AccountConfig) -> None:
    from dmguard.clock import SystemClock
    from dmguard.platforms.base import PlatformError
    from dmguard.platforms.factory import check_x_credentials

    try:
        me = check_x_credentials(account, SystemClock())
    except PlatformError as error:
        raise UsageProblem(f"account {account.name}: credentials check failed: {error}") from None
    click.echo(f"  credentials work: GET /2/users/me is @{me.username} ({me.user_id})")


_quick_exit = False
"""Set by a command that is done once its output is written (``dmguard audit``): see
:func:`main`."""


def main() -> None:
    """Run the command line.

    A command that sets :data:`_quick_exit` ends the process as soon as its output is
    flushed and the atexit handlers have run, without the rest of Python's shutdown: tearing
    down the modules and objects an audit loaded (the judge's model, the rules' phrase
    lists, pydantic with a config) takes tens of milliseconds, a large share of a short
    ``dmguard audit``, and leaves nothing written that was not. Anything unusual (an exit
    code that is not a number, output that cannot be flushed) ends the ordinary way."""
    try:
        cli(prog_name="dmguard")
    except SystemExit as done:
        if _quick_exit and isinstance(done.code, int) and _flushed():
            atexit._run_exitfuncs()
            os._exit(done.code)
        raise


def _flushed() -> bool:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return False
    return True
