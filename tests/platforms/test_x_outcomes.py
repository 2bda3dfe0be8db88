"""The X adapter maps each answer of the strict emulator to one outcome, with X's words.

Response codes and problem types: x-api/fundamentals/response-codes-and-errors.mdx and
openapi.json; tweepy raises a bare HTTPException for 402 (tweepy/client.py, request()).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dmguard.clock import SimulatedClock
from dmguard.config import XCredentials
from dmguard.platforms.base import (
    AccountBlocked,
    AccountProblem,
    AppForbidden,
    AuthBroken,
    CreditsDepleted,
    PlatformUnavailable,
    RateLimited,
    RecipientRefused,
    RequestRejected,
)
from dmguard.platforms.sandbox.state import Faults, instant_listing
from dmguard.platforms.x import conversation_participants
from tests.platforms.helpers import adapter, strict_emulator


@pytest.mark.parametrize(("switch", "outcome", "kind", "words"), [
    ("credits_depleted", CreditsDepleted, "credits", "CreditsDepleted"),
    ("client_not_enrolled", AppForbidden, "client-forbidden", "not enrolled"),
    ("permission_lost", AppForbidden, "oauth1-permissions", "permissions"),
    ("account_locked", AccountBlocked, "", "locked"),
])
def test_account_level_answers_pause_the_account_with_xs_words(
        clock: SimulatedClock, switch: str, outcome: type, kind: str, words: str) -> None:
    """Each is an AccountProblem: the caller pauses the account, nothing fails for good."""
    with strict_emulator(clock) as (state, server):
        amy = state.add_user(username="amy", name="Amy")
        x = adapter(server)
        setattr(state.problems, switch, True)
        with pytest.raises(outcome) as error:
            x.send_dm(amy.id, "hello")
        assert isinstance(error.value, AccountProblem)
        assert error.value.kind == kind
        assert words in error.value.reason
        assert error.value.status in (402, 403)
        assert state.received_by(amy.id) == []


def test_app_only_and_scopeless_tokens_are_auth_problems(clock: SimulatedClock) -> None:
    """lookup/integrate.mdx: DMs need user context (403 unsupported-authentication);
    a user token without dm.write gets a bare 403 (plhery/node-twitter-api-v2#434), which
    the adapter explains from the scopes it was granted."""
    with strict_emulator(clock) as (state, server):
        amy = state.add_user(username="amy", name="Amy")
        app_only = adapter(server, credentials=XCredentials(bearer_token="app-only"))
        with pytest.raises(AuthBroken) as error:
            app_only.dm_events(None)
        assert error.value.kind == "unsupported-authentication"

        class Scopes:  # the granted scopes, as a token file records them
            scopes = frozenset({"dm.read", "users.read", "tweet.read"})

            def access_token(self) -> str:
                return token

        token = state.issue_tokens(Scopes.scopes)["access_token"]
        x = adapter(server, tokens=Scopes())
        assert x.dm_events(None) == []
        with pytest.raises(AuthBroken, match=r"lacks dm\.write"):
            x.send_dm(amy.id, "hello")


def test_a_person_who_refuses_dms_fails_only_that_message(clock: SimulatedClock) -> None:
    with strict_emulator(clock) as (state, server):
        closed = state.add_user(username="closed", name="Closed", accepts_dms=False)
        amy = state.add_user(username="amy", name="Amy")
        x = adapter(server)
        with pytest.raises(RecipientRefused) as error:
            x.send_dm(closed.id, "hello")
        assert not isinstance(error.value, AccountProblem)
        assert "not permitted to send messages" in error.value.detail
        x.send_dm(amy.id, "the next one goes out")


def test_bad_requests_and_unknown_users_are_rejected_not_retried(clock: SimulatedClock) -> None:
    """openapi ResourceNotFoundProblem (404) and UserId pattern (400): that message fails,
    never resent; the call is made once."""
    with strict_emulator(clock) as (state, server):
        x = adapter(server)
        before = state.request_count
        with pytest.raises(RequestRejected) as unknown:
            x.send_dm("123", "hello")
        assert unknown.value.status == 404 and unknown.value.kind == "resource-not-found"
        with pytest.raises(RequestRejected) as malformed:
            x.send_dm("bob", "hello")
        assert malformed.value.status == 400 and "participant_id" in malformed.value.detail
        with pytest.raises(RequestRejected):
            x.send_dm(state.add_user(username="a", name="A").id, "x" * 10_001)
        assert state.request_count - before == 3


def test_rate_limits_name_their_reset(clock: SimulatedClock) -> None:
    """x-rate-limit-reset for the 15-minute window (rate-limits.mdx); the 24-hour resets
    from x-user-limit-24hour-reset / x-app-limit-24hour-reset, read first because an app
    cap may leave x-rate-limit-remaining above 0 (queen-raae/prune-your-follows#64)."""
    with strict_emulator(clock) as (state, server):
        amy = state.add_user(username="amy", name="Amy")
        x = adapter(server)
        for index in range(15):
            x.send_dm(amy.id, f"m{index}")
        with pytest.raises(RateLimited) as window:
            x.send_dm(amy.id, "one too many")
        assert window.value.scope == "window"
        assert window.value.reset_at == (clock.now() + timedelta(minutes=15)).replace(microsecond=0)
        clock.advance(timedelta(minutes=15))
        state.use_up("send_dm", "user-day", 1440)
        with pytest.raises(RateLimited) as user_day:
            x.send_dm(amy.id, "over the day")
        assert user_day.value.scope == "user-24h"
        assert user_day.value.reset_at > clock.now() + timedelta(hours=23)
        clock.advance(timedelta(hours=24))
        state.use_up("send_dm", "app-day", 1440)
        with pytest.raises(RateLimited) as app_day:
            x.send_dm(amy.id, "the app is over")
        assert app_day.value.scope == "app-24h"
        assert app_day.value.reset_at == (clock.now() + timedelta(hours=24)).replace(microsecond=0)


def test_usage_capped_without_a_reset_waits_long(clock: SimulatedClock) -> None:
    """response-codes-and-errors.mdx: 429 usage-capped; it has no reset header, so the
    adapter waits a day (USAGE_CAP_WAIT), not 30-60 s."""
    with strict_emulator(clock) as (state, server):
        state.problems.usage_capped = True
        with pytest.raises(RateLimited) as error:
            adapter(server).dm_events(None)
        assert error.value.scope == "usage-capped" and error.value.kind == "usage-capped"
        assert error.value.reset_at == clock.now() + timedelta(hours=24)


def test_transient_reads_are_retried_and_a_lost_send_stays_unknown(
        clock: SimulatedClock) -> None:
    with strict_emulator(clock, instant_listing()) as (state, server):
        amy = state.add_user(username="amy", name="Amy")
        state.faults = Faults(rate=1.0, kinds=("500",))
        before = state.request_count
        with pytest.raises(PlatformUnavailable, match="gave up after retries"):
            adapter(server).dm_events(None)
        assert state.request_count - before == 4
        state.faults = Faults(rate=1.0, kinds=("drop_after",))
        with pytest.raises(PlatformUnavailable, match="outcome unknown"):
            adapter(server).send_dm(amy.id, "did it go?")
        assert len(state.received_by(amy.id)) == 1, "it went; reconcile will find it"


def test_dm_fields_are_asked_as_x_documents_and_participants_come_from_the_conversation(
        clock: SimulatedClock) -> None:
    """The strict emulator 400s sender_id as a dm_event.field (openapi.json), so these
    calls passing proves the adapter asks for it as an expansion; MessageCreate has no
    participant_ids (changelog.mdx, Jun 3 2025): the adapter reads them from the 1:1
    conversation id (lookup/integrate.mdx)."""
    with strict_emulator(clock, instant_listing()) as (state, server):
        amy = state.add_user(username="amy", name="Amy")
        state.user_writes(amy.id, "hi")
        x = adapter(server)
        x.send_dm(amy.id, "hello back")
        events = x.dm_events(None)
        assert [e.text for e in events] == ["hi", "hello back"]
        me = state.me.id
        assert [e.sender_id for e in events] == [amy.id, me]
        for event in events:
            assert set(event.participant_ids) == {amy.id, me}
        assert [e.text for e in x.conversation_events(amy.id)] == ["hi", "hello back"]
        pages = list(x.dm_event_pages(page_size=1))
        assert [len(events) for events, _ in pages] == [1, 1] and pages[-1][1] is None
    assert conversation_participants("12-345") == ("12", "345")
    assert conversation_participants("1585800614365339648") == ()


def test_resets_are_timezone_aware(clock: SimulatedClock) -> None:
    with strict_emulator(clock) as (state, server):
        state.problems.usage_capped = True
        with pytest.raises(RateLimited) as error:
            adapter(server).whoami()
        assert error.value.reset_at is not None and error.value.reset_at.tzinfo == UTC
        assert error.value.reset_at > datetime(2026, 1, 1, tzinfo=UTC)


def test_a_credits_pause_says_the_problem_and_the_fix_once_each(clock: SimulatedClock) -> None:
    """QA finding 19: the pause read 'CreditsDepleted: CreditsDepleted: …', and
    `accounts resume` said '; add credits …' and '(add credits …)' both."""
    with strict_emulator(clock) as (state, server):
        amy = state.add_user(username="amy", name="Amy")
        state.problems.credits_depleted = True
        with pytest.raises(CreditsDepleted) as error:
            adapter(server).send_dm(amy.id, "hello")
    explained = error.value.explained
    assert explained.startswith("CreditsDepleted: ") and explained.count("CreditsDepleted") == 1
    assert explained.endswith("(add credits in the X developer console)")
    assert f"{error.value} ({error.value.fix})".count("add credits") == 1, "as resume shows it"
