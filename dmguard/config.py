"""Typed configuration: every default in one documented place, every mistake named.

The file is TOML; secrets never live in it. They come from the environment (or a
``.env`` file beside the working directory) and are read by :func:`load_secrets`.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from dmguard.audit.label import DEFAULT_DISCLOSURE, DEFAULT_OPT_OUT
from dmguard.audit.model import DEFAULT_HOLD_SCORE, Severity
from dmguard.clock import parse_duration
from dmguard.config_schema import (
    ClockTime,
    Duration,
    Strict,
    check_bind,
    check_clock_time,
    check_duration,
    check_positive_duration,
    check_sequence_name,
    check_slug,
    path_text,
)
from dmguard.policy import CapsConfig, PolicyPack, QuietHoursConfig, built_in_policies

DEFAULT_CONFIG_PATH = Path("config/dmguard.toml")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file, key and value."""


class StoreConfig(Strict):
    path: Path = Field(Path("var/dmguard.db"), description="SQLite file; created if missing.")

    @field_validator("path", mode="before")
    @classmethod
    def _a_file(cls, value: object) -> Path:
        # An empty path would open SQLite's throwaway database: everything lost on exit.
        if isinstance(value, str) and not value.strip():
            raise ValueError("must name a database file, e.g. 'var/dmguard.db'")
        value = path_text(value, "var/dmguard.db")
        if str(value).strip() == ":memory:" or str(value).startswith("file:"):
            raise ValueError("must name a database file on disk, e.g. 'var/dmguard.db' "
                             "(an in-memory database keeps nothing between runs)")
        if Path(str(value)).is_dir():
            raise ValueError("is a folder; name a database file inside it, e.g. "
                             f"'{Path(str(value)) / 'dmguard.db'}'")
        return value


class AccountConfig(Strict):
    """One account dmguard guards."""

    name: str = Field(description="a short slug: 1-40 of a-z, 0-9, '-', '_'")
    platform: Literal["sandbox", "x"] = "sandbox"
    policy: str | None = Field(None, description="policy pack name; defaults to the platform's")
    sandbox_url: str | None = Field(
        None,
        description="URL of a running `dmguard sandbox serve`; unset starts one in-process",
    )
    credentials_prefix: str = Field(
        "DMGUARD_X_", pattern=r"^[A-Z][A-Z0-9_]*$", description="environment variable prefix"
    )
    _name = field_validator("name")(check_slug)
    api_url: str | None = Field(
        None,
        pattern=r"^https?://",
        description="for platform x: send API calls here instead of https://api.twitter.com "
        "(a proxy, or `dmguard sandbox serve --require-credentials` for a rehearsal)",
    )

    auth: Literal["oauth1", "oauth2"] | None = Field(
        None,
        description="for platform x: 'oauth2' uses the tokens `dmguard auth x` saved in "
        "token_file (refreshed and rotated); 'oauth1' the four OAuth 1.0a values; unset "
        "decides from the environment (a BEARER_TOKEN is a fixed OAuth 2.0 user token)",
    )
    token_file: Path | None = Field(
        None, description="OAuth 2.0 tokens (0600); default var/x-oauth2-<name>.json"
    )
    redirect_uri: str = Field(
        "http://127.0.0.1:8723/callback",
        pattern=r"^http://(127\.0\.0\.1|localhost):\d+/",
        description="OAuth 2.0 callback registered in the X developer console (exact match)",
    )

    @field_validator("token_file", mode="before")
    @classmethod
    def _a_token_file(cls, value: object) -> Path | None:
        return None if value is None else path_text(value, "var/x-oauth2-shop.json")

    @field_validator("sandbox_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL of a running "
                             "`dmguard sandbox serve`, e.g. 'http://127.0.0.1:8765'")
        return value

    @property
    def policy_name(self) -> str:
        return self.policy or self.platform


class RuleSetting(BaseModel):
    """Per-rule overrides: ``enabled``, ``severity`` and the rule's own options."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    enabled: bool = True
    severity: Severity | None = None

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class AuditConfig(Strict):
    hold_score: int = Field(DEFAULT_HOLD_SCORE, ge=1, le=100,
                            description="genericity score that holds a message")
    rules: dict[str, RuleSetting] = Field(default_factory=dict)
    history_days: int = Field(30, ge=1, le=365, description="days of sent history to compare to")

    @model_validator(mode="after")
    def _known_rules(self) -> AuditConfig:
        from dmguard.audit.rules import catalogue

        known = {rule.id: rule for rule in catalogue()}
        for rule_id, setting in self.rules.items():
            rule = known.get(rule_id)
            if rule is None:
                raise ValueError(f"unknown rule id {rule_id!r} (see `dmguard rules`)")
            for key, value in setting.options.items():
                if key not in rule.options:
                    allowed = ", ".join(sorted(rule.options)) or "none"
                    raise ValueError(
                        f"rules.{rule_id}.{key} = {as_written(value)}: unknown option "
                        f"(options of {rule_id}: {allowed})"
                    )
                default = rule.options[key]
                # a whole number is a decimal too (threshold = 1), as in the strict sections
                number = isinstance(default, float) and isinstance(value, int)
                if not (isinstance(value, type(default)) or number) or isinstance(
                    value, bool
                ) != isinstance(default, bool):
                    raise ValueError(
                        f"rules.{rule_id}.{key} = {as_written(value)}: expected "
                        f"{type(default).__name__} like {as_written(default)}"
                    )
                least = rule.option_minimums.get(key, 0)
                if isinstance(value, int | float) and value < least:
                    need = f"must be at least {least!r}" if least else "must not be negative"
                    raise ValueError(f"rules.{rule_id}.{key} = {value!r}: {need}")
                if isinstance(default, float) and 0 < default <= 1 and not 0 < value <= 1:
                    # a decimal option whose default is a share is a probability or a share
                    raise ValueError(f"rules.{rule_id}.{key} = {value!r}: must be above 0 and "
                                     f"at most 1, like {default!r} (a share, not a percentage)")
        return self


class LabelConfig(Strict):
    disclosure: str = Field(
        DEFAULT_DISCLOSURE,
        min_length=1,
        description="put on every automated DM; {account} is the sending account's username",
    )
    opt_out: str = Field(DEFAULT_OPT_OUT, min_length=1)

    @field_validator("disclosure", "opt_out")
    @classmethod
    def _only_known_placeholders(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is blank; automated DMs must carry a visible line")
        unknown = sorted(set(re.findall(r"\{[^{}]*\}", value)) - {"{account}"})
        if unknown:
            raise ValueError(f"unknown placeholder {unknown[0]} (the only one is {{account}}); "
                             "it would appear as written in every automated DM")
        return value


class LimitsConfig(Strict):
    """Sending limits per account; defaults follow X's current per-user DM limits."""

    per_15min: int = Field(15, ge=1)
    per_24h: int = Field(1440, ge=1)
    spacing: Duration = "60s"
    give_up_after: Duration = "24h"
    """After an outage this long (the sender did not run), automated DMs whose time passed
    this long ago are cancelled, not sent late: a "today only" offer or a welcome three
    days after the follow does more harm than good. "0": never give up."""

    _check_spacing = field_validator("spacing", "give_up_after")(check_duration)


class Segment(Strict):
    bio_keywords: list[str] = Field(default_factory=list)
    min_followers: int | None = Field(None, ge=0)
    max_followers: int | None = Field(None, ge=0)
    verified: bool | None = None
    lang: list[str] = Field(default_factory=list)


class SequenceStep(Strict):
    delay: Duration = "now"
    template: str = Field(min_length=1)

    _check_delay = field_validator("delay")(check_duration)


class SequenceConfig(Strict):
    name: str
    trigger: Literal["follow", "first_dm"] = "follow"
    segment: Segment | None = None
    steps: list[SequenceStep] = Field(min_length=1)

    _name = field_validator("name")(check_sequence_name)

    @model_validator(mode="after")
    def _templates_compile(self) -> SequenceConfig:
        from dmguard.step_templates import TemplateProblem, check_template

        for number, step in enumerate(self.steps, start=1):
            try:
                check_template(step.template)
            except TemplateProblem as problem:
                raise ValueError(
                    f"sequence {self.name!r} step {number} line {problem.line}: {problem}"
                ) from None
        return self


class VipRule(Strict):
    min_followers: int | None = Field(None, ge=0)
    verified: bool | None = None
    bio_keywords: list[str] = Field(default_factory=list)
    usernames: list[str] = Field(default_factory=list)


class InboxConfig(Strict):
    """How DMs are read: history on the first sync, and the re-read window of each poll."""

    history_window: Duration = Field(
        "48h", description="on the first sync, only messages this recent become tasks")
    poll_overlap: Duration = Field(
        "15m", description="each poll re-reads events this recent: X lists some events late")

    _check = field_validator("*")(check_duration)


class TasksConfig(Strict):
    """Response targets per task kind, and how long the bot stays quiet after a human."""

    reply_target: Duration = "4h"
    hold_target: Duration = "24h"
    welcome_target: Duration = "24h"
    vip_target: Duration = "2h"
    human_target: Duration = "1h"
    takeover_cooldown: Duration = "72h"

    _check = field_validator("takeover_cooldown")(check_duration)
    _targets = field_validator("reply_target", "hold_target", "welcome_target", "vip_target",
                               "human_target")(check_positive_duration)

    def target(self, kind: str) -> timedelta:
        return parse_duration(getattr(self, f"{kind}_target", self.reply_target))


class DaemonConfig(Strict):
    tick_minutes: int = Field(5, ge=1, le=1440)
    report_time: ClockTime = "08:00"
    timezone: str = "UTC"

    _check_time = field_validator("report_time")(check_clock_time)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name like 'Europe/Berlin')"
            ) from None
        return value


class SmtpConfig(Strict):
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    sender: str
    recipients: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> SmtpConfig:
        """A login without encryption is refused, except to a relay on this machine
        (the password never leaves it), such as a local MTA or a test server."""
        loopback = self.host in ("localhost", "::1") or self.host.startswith("127.")
        if self.security == "none" and self.username and not loopback:
            raise ValueError("security = 'none' with a username would send the password in "
                             "clear; use security = 'starttls' or 'ssl'")
        return self


class ReportConfig(Strict):
    dir: Path = Path("var/reports")
    email: SmtpConfig | None = None

    @field_validator("dir", mode="before")
    @classmethod
    def _a_path(cls, value: object) -> Path:
        if isinstance(value, str) and not value.strip():
            # Path("") is the working directory: reports would land wherever dmguard started.
            raise ValueError("must name a folder for the reports, e.g. 'var/reports'")
        return path_text(value, "var/reports")

    @field_validator("dir")
    @classmethod
    def _a_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError("is a file; reports need a folder")
        return value


#: The most words a canned reply has (a field such as ``{{ first_name }}`` is one word):
#: the team's short acknowledgement, not a campaign (see :mod:`dmguard.canned`).
MAX_CANNED_WORDS = 30


class CannedReply(Strict):
    """A reply the team often writes, filled with the person's fields (like a sequence step):
    a short acknowledgement, sent as a personal reply however often (:mod:`dmguard.canned`)."""

    name: str = Field(min_length=1, max_length=60, description="what the button says")
    text: str = Field(min_length=1, max_length=10_000)

    @field_validator("text")
    @classmethod
    def _template_compiles(cls, value: str) -> str:
        from dmguard.step_templates import TemplateProblem, check_template

        try:
            check_template(value)
        except TemplateProblem as problem:
            raise ValueError(f"line {problem.line}: {problem}") from None
        words = len(re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "x", value, flags=re.DOTALL).split())
        if words > MAX_CANNED_WORDS:
            raise ValueError(f"a canned reply is a short acknowledgement of at most "
                             f"{MAX_CANNED_WORDS} words; this one has {words} (a longer text "
                             "sent to many people is a campaign: submit it as one)")
        return value


class AlertsConfig(Strict):
    """Urgent or overdue tasks announced once each, by e-mail and/or a webhook."""

    email: bool = Field(False, description="e-mail through [report.email]'s SMTP settings")
    webhook_url: str | None = Field(None, pattern=r"^https?://\S+$",
                                    description="JSON POST to this URL (e.g. a chat tool)")
    urgent_priority: int = Field(80, ge=0, le=100,
                                 description="a task at or above this priority is urgent")
    batch: int = Field(50, ge=1, le=500, description="most tasks announced in one message")


#: A login that lasts less than this ends while someone is still working a task.
MIN_SESSION = timedelta(minutes=5)


def check_session_lifetime(value: str) -> str:
    if parse_duration(value) < MIN_SESSION:
        raise ValueError("a login would end before anyone could use it: give at least 5m "
                         "(the default is 12h)")
    return value


class WebConfig(Strict):
    """The inbox web page (`dmguard web`)."""

    bind: str = Field("127.0.0.1", min_length=1,
                      description="address to listen on; 0.0.0.0 behind a proxy or on a PaaS")
    public_url: str | None = Field(None, pattern=r"^https?://[^\s/]+",
                                   description="the address people open, e.g. "
                                               "https://queue.example.org (https: secure cookies)")
    secure_cookies: bool | None = Field(None, description="default: when public_url is https")
    proxy_hops: int = Field(0, ge=0, le=5, description="proxies in front that set X-Forwarded-*")
    session_lifetime: Duration = "12h"
    login_failures: int = Field(5, ge=1, le=100,
                                description="failed logins per user (x4 per address) per window")
    login_window: Duration = "15m"
    threads: int = Field(4, ge=1, le=64)
    canned: list[CannedReply] = Field(default_factory=list)
    alerts: AlertsConfig = AlertsConfig()

    @field_validator("canned")
    @classmethod
    def _canned_names_differ(cls, value: list[CannedReply]) -> list[CannedReply]:
        seen: set[str] = set()
        for item in value:
            if item.name.casefold() in seen:
                raise ValueError(f"two canned replies are named {item.name!r}; "
                                 "`dmguard tasks reply --canned NAME` picks one by its name")
            seen.add(item.name.casefold())
        return value

    _check = field_validator("login_window")(check_positive_duration)
    _lifetime = field_validator("session_lifetime")(check_session_lifetime)
    _bind = field_validator("bind")(check_bind)

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return bool(self.public_url and self.public_url.startswith("https://"))


class CostsConfig(Strict):
    """US dollars per billed resource, from X's pay-per-use prices (xdevplatform/docs
    x-api/getting-started/pricing.mdx): each resource once per UTC day, a DM sent per
    request. ``daily_budget``: dollars a UTC day; once the day's bill reaches it, the
    optional reads (follower syncs, reviews of other tools' DMs) stop until the next
    UTC day. The inbox is always read, so a STOP is always heard."""

    dm_sent: float = Field(0.015, ge=0)
    dm_event_read: float = Field(0.010, ge=0)
    user_read: float = Field(0.010, ge=0)
    owned_read: float = Field(0.001, ge=0)
    #: Followers of another account (not read by dmguard; kept for old configs).
    follower_read: float = Field(0.010, ge=0)
    daily_budget: float | None = Field(None, gt=0)

    def price(self, kind: str) -> float:
        """Dollars per unit of an X price kind (billed_resources' names)."""
        return {"dm_create": self.dm_sent, "dm_event_read": self.dm_event_read,
                "user_read": self.user_read, "owned_read": self.owned_read,
                "follower_read": self.follower_read}.get(kind, 0.0)


class Config(Strict):
    store: StoreConfig = StoreConfig()
    accounts: list[AccountConfig] = Field(min_length=1)
    audit: AuditConfig = AuditConfig()
    label: LabelConfig = LabelConfig()
    limits: LimitsConfig = LimitsConfig()
    caps: CapsConfig = CapsConfig()
    quiet_hours: QuietHoursConfig = QuietHoursConfig()
    policies: dict[str, PolicyPack] = Field(default_factory=built_in_policies)
    sequences: list[SequenceConfig] = Field(default_factory=list)
    vip: list[VipRule] = Field(default_factory=list)
    tasks: TasksConfig = TasksConfig()
    inbox: InboxConfig = InboxConfig()
    daemon: DaemonConfig = DaemonConfig()
    report: ReportConfig = ReportConfig()
    costs: CostsConfig = CostsConfig()
    web: WebConfig = WebConfig()

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        names = [account.name for account in self.accounts]
        if len(set(names)) != len(names):
            raise ValueError(f"accounts: names must be unique, got {names}")
        policies = {**built_in_policies(), **self.policies}
        for number, account in enumerate(self.accounts):
            if account.policy_name not in policies:
                raise ValueError(
                    f"accounts[{number}].policy = {account.policy_name!r}: no such policy "
                    f"(known: {', '.join(sorted(policies))})"
                )
        if self.web.alerts.email and self.report.email is None:
            raise ValueError("web.alerts.email = true needs [report.email] (its SMTP settings "
                             "are used for alerts too)")
        if self.limits.per_15min > self.limits.per_24h:
            raise ValueError("limits.per_15min cannot exceed limits.per_24h")
        sequence_names = [sequence.name for sequence in self.sequences]
        if len(set(sequence_names)) != len(sequence_names):
            raise ValueError(f"sequences: names must be unique, got {sequence_names}")
        return self

    def warnings(self, environ: dict[str, str] | None = None) -> list[str]:
        """Settings that are valid but probably not what was meant, each with its reason
        (``dmguard check-config`` prints them); ``environ``: the environment the password
        comes from (the process's by default)."""
        return [line for line in (_tick_warning(self), *_caps_warnings(self),
                                  _smtp_warning(self, environ)) if line]

    def policy_for(self, account: AccountConfig) -> PolicyPack:
        return {**built_in_policies(), **self.policies}[account.policy_name]

    def account(self, name: str | None = None) -> AccountConfig:
        if name is None:
            return self.accounts[0]
        for account in self.accounts:
            if account.name == name:
                return account
        names = ", ".join(account.name for account in self.accounts)
        raise ConfigError(f"no account named {name!r} in the configuration (accounts: {names})")


def _smtp_warning(config: Config, environ: dict[str, str] | None) -> str | None:
    email = config.report.email
    if email is None or not email.username or smtp_password(environ):
        return None
    return (f"report.email.username = {email.username!r} but DMGUARD_SMTP_PASSWORD is not set: "
            f"the login to {email.host} would be tried with an empty password and the report "
            "not e-mailed; set it in the daemon's environment")


#: The fewest minutes between ticks that leave X's DM reads (15 per 15 minutes) to spare.
MIN_TICK_MINUTES = 2


def _tick_warning(config: Config) -> str | None:
    minutes = config.daemon.tick_minutes
    if minutes >= MIN_TICK_MINUTES:
        return None
    return (f"daemon.tick_minutes = {minutes}: every tick reads the account's DMs, and X allows "
            "15 reads per 15 minutes: ticks this often use them all, and the inbox (where a "
            f"STOP is read) can go unread for minutes; use {MIN_TICK_MINUTES} or more "
            "(default 5)")


def _caps_warnings(config: Config) -> list[str]:
    """[caps] defers sends; the too-frequent rule holds drafts with its own per_day and
    per_week. A rule limit below what the caps (and limits) let a person get holds DMs
    the caps allow; one at or above it never holds a draft the caps would have sent."""
    from dmguard.audit.rules import single

    rule = single(lambda candidate: candidate.name == "too-frequent")
    setting = config.audit.rules.get(rule.id)
    if setting is not None and not setting.enabled:
        return []
    options = {**rule.options, **(setting.options if setting else {})}
    lines = []
    for cap_key, option, window in (("per_recipient_day", "per_day", "24 h"),
                                    ("per_recipient_week", "per_week", "7 days")):
        cap, limit = getattr(config.caps, cap_key), options[option]
        most, bound = _most_automated_dms(config, cap_key)
        if limit >= most:
            continue
        said = "0 (no cap)" if cap == 0 else str(cap)
        if bound == f"caps.{cap_key}":
            advice = f"{option} = {most} (or more) to match"
        else:
            advice = (f"{option} = {most} or more ({bound}: no one gets more automated DMs "
                      f"in {window})")
        lines.append(f"caps.{cap_key} = {said}, but rule {rule.id} holds a person's next "
                     f"automated DM past {option} = {limit}: set [audit.rules.{rule.id}] "
                     f"{advice}, or enabled = false to leave it to [caps]")
    return lines


def _most_automated_dms(config: Config, cap_key: str) -> tuple[int, str]:
    """The most automated DMs one person can get in the cap's window (a day or a week)
    under [caps] and [limits], and the setting that bounds it: a rule limit at or above
    it is never reached before the sender has to wait anyway."""
    day, week, per_24h = (config.caps.per_recipient_day, config.caps.per_recipient_week,
                          config.limits.per_24h)
    if cap_key == "per_recipient_day":
        bounds = [(day, "caps.per_recipient_day"),
                  (week, f"caps.per_recipient_week = {week}"),
                  (per_24h, f"limits.per_24h = {per_24h}")]
    else:
        bounds = [(week, "caps.per_recipient_week"),
                  (7 * day, f"caps.per_recipient_day = {day} a day"),
                  (7 * per_24h, f"limits.per_24h = {per_24h} a day")]
    # 0 is no cap; the first bound wins a tie, so the cap's own key is named when it binds
    return min(((most, name) for most, name in bounds if most > 0), key=lambda pair: pair[0])


def _describe_location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif str(item).startswith(("function-", "model-")):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _sections() -> dict[str, type[BaseModel]]:
    """Every section model by class name (pydantic's errors name the class)."""
    found: dict[str, type[BaseModel]] = {}
    pending: list[type[BaseModel]] = [Strict]
    while pending:
        model = pending.pop()
        found[model.__name__] = model
        pending.extend(model.__subclasses__())
    return found


def _plain_words(item: Any) -> str:
    """Pydantic's message said for the person editing the TOML file."""
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        if tuple(item["loc"]) == ("accounts",):
            return ("missing: at least one [[accounts]] section, with name and platform "
                    "(see config/dmguard.toml)")
        return "missing: this key is required here"
    if kind == "model_type":
        section = _sections().get(str(ctx.get("class_name")))
        keys = f" (its keys: {', '.join(section.model_fields)})" if section else ""
        return f"must be a table of settings, e.g. {{ key = value, … }}, not a single value{keys}"
    if kind == "greater_than_equal":
        return f"must be at least {_number(ctx['ge'])}"
    if kind == "greater_than":
        return f"must be more than {_number(ctx['gt'])}"
    if kind == "less_than_equal":
        return f"must be at most {_number(ctx['le'])}"
    if kind == "less_than":
        return f"must be less than {_number(ctx['lt'])}"
    if kind == "string_too_short":
        return ("must not be empty" if ctx.get("min_length") == 1
                else f"must be at least {ctx['min_length']} characters")
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind in ("float_type", "float_parsing"):
        return "must be a number"
    if kind == "string_type":
        return "must be text in quotes"
    if kind in ("list_type", "tuple_type"):
        return "must be a list, e.g. [\"a\", \"b\"]"
    if kind == "dict_type":
        return "must be a table of settings, e.g. { key = value, … }"
    if kind == "literal_error":
        return f"must be {ctx['expected']}"
    return str(item["msg"]).removeprefix("Value error, ")


def _number(value: Any) -> str:
    """A bound as the file would write it: 0, not pydantic's 0.0."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def as_written(value: Any) -> str:
    """A value the way a TOML file writes it (``true``, ``08:00:00``, ``'50'``), for an
    error about it: Python's ``True``, or its repr of a TOML time, is not what the user typed.
    Text keeps Python's quotes, which TOML reads too (a literal string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(as_written(item) for item in value) + "]"
    return repr(value)


def _format_errors(path: Path, error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_url=False):
        key = _describe_location(item["loc"])
        message = _plain_words(item)
        value = item.get("input")
        shown = "" if isinstance(value, dict) else f" = {as_written(value)}"
        if key == "(top level)":
            # Whole-file checks name their keys in the message ("accounts: ...").
            lines.append(f"{path}: {message}")
        else:
            lines.append(f"{path}: {key}{shown}: {message}")
    return "\n".join(lines)


def parse_config(text: str, path: Path) -> Config:
    text = text.removeprefix("\ufeff")  # a byte order mark, as some Windows editors write
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_format_errors(path, error)) from None


def load_config(path: Path | str = DEFAULT_CONFIG_PATH) -> Config:
    return load_config_text(path)[0]


def load_config_text(path: Path | str = DEFAULT_CONFIG_PATH) -> tuple[Config, str]:
    """The config and the text it was read from, so the daemon can keep running on (and
    hand its report process) what it started with, whatever the file says later."""
    path = Path(path)
    try:
        text = _decoded(path, path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found (pass --config PATH, or copy config/dmguard.toml)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config file: {error}") from None
    return parse_config(text, path), text


def _decoded(path: Path, data: bytes) -> str:
    """UTF-8, with or without a byte order mark; a UTF-16 one is named."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path}: starts with a UTF-16 byte order mark (bytes "
                          f"0x{data[0]:02X} 0x{data[1]:02X}): save the file as UTF-8")
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark is fine
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConfigError(f"{path}: line {line}: byte 0x{data[error.start]:02X} at column "
                          f"{column} is not UTF-8: save the file as UTF-8") from None


class XCredentials(BaseModel):
    """OAuth 1.0a user context (four values) or an OAuth 2.0 user access token."""

    consumer_key: str | None = None
    consumer_secret: str | None = None
    access_token: str | None = None
    access_token_secret: str | None = None
    bearer_token: str | None = None
    #: OAuth 2.0 app (for `dmguard auth x` and refreshing): client id, and the secret
    #: of a confidential client.
    client_id: str | None = None
    client_secret: str | None = None

    def masked(self) -> dict[str, str]:
        return {key: mask(value) for key, value in self.model_dump().items()}


OAUTH1_FIELDS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


def mask(value: str | None) -> str:
    if not value:
        return "(not set)"
    return "****" + value[-2:] if len(value) > 8 else "****"


def load_dotenv_once() -> None:
    """Read ``.env`` from the working directory without overriding the real environment.
    Without one there is nothing to read (python-dotenv reads a file only), and its
    import is spared: every command that loads the config calls this."""
    path = Path.cwd() / ".env"
    if not path.is_file():
        return
    from dotenv import load_dotenv

    load_dotenv(path, override=False)


def load_x_credentials(
    account: AccountConfig, environ: dict[str, str] | None = None
) -> XCredentials:
    """Read an account's X credentials; raise ConfigError naming the missing variables."""
    env = os.environ if environ is None else environ
    prefix = account.credentials_prefix
    values = {name: env.get(prefix + name.upper()) or None for name in XCredentials.model_fields}
    credentials = XCredentials(**values)
    if credentials.bearer_token:
        return credentials
    if account.auth == "oauth2":
        if not credentials.client_id:
            raise ConfigError(
                f"account {account.name!r} (auth = 'oauth2') has no OAuth 2.0 client id: set "
                f"{prefix}CLIENT_ID (and {prefix}CLIENT_SECRET for a confidential client)")
        return credentials
    missing = [prefix + name.upper() for name in OAUTH1_FIELDS if not values[name]]
    if missing:
        raise ConfigError(
            f"account {account.name!r} (platform x) has no credentials: set "
            f"{', '.join(missing)} (OAuth 1.0a user context) or {prefix}BEARER_TOKEN "
            "(OAuth 2.0 user token) in the environment or .env"
        )
    return credentials


def smtp_password(environ: dict[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    return env.get("DMGUARD_SMTP_PASSWORD") or None
