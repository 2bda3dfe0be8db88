"""People: the contacts an account talks to, its conversation with each, and opt-outs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from dmguard.clock import iso, parse_iso
from dmguard.store.connection import Connection, marks
from dmguard.store.rows import UNSET, Unset, given, maybe, record

#: What :meth:`People.human_silence_until` answers while a person has claimed a task.
FOREVER = "9999-12-31T00:00:00.000000Z"
#: How a claimed task closes when the person hands the conversation back to the bot
#: with a cooldown; a release (the draft is to go out) hands it back at once.
CLAIM_ENDINGS = ("done", "dismissed", "replied", "resolved")


@dataclass(frozen=True)
class Contact:
    id: int
    account_id: str
    user_id: str
    username: str | None
    name: str | None
    bio: str | None
    location: str | None
    lang: str | None
    followers_count: int | None
    verified: int
    followed_at: str | None
    first_seen_at: str


@dataclass(frozen=True)
class Conversation:
    id: int
    account_id: str
    contact_id: int
    platform_conversation_id: str | None
    first_inbound_at: str | None
    human_until: str | None
    created_at: str


class People:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    # --- contacts -----------------------------------------------------------------

    def upsert_contact(
        self, account_id: str, user_id: str, *,
        username: str | Unset | None = UNSET, name: str | Unset | None = UNSET,
        bio: str | Unset | None = UNSET, location: str | Unset | None = UNSET,
        lang: str | Unset | None = UNSET, followers_count: int | Unset | None = UNSET,
        verified: bool | Unset | None = UNSET, followed_at: str | None = None,
    ) -> tuple[int, bool]:
        """Store or refresh a profile; return (contact id, whether it is new).

        Fields left out keep their stored value; ``followed_at`` is kept once known.
        """
        existing = self._sql.one(
            "SELECT id FROM contacts WHERE account_id = ? AND user_id = ?", [account_id, user_id])
        fields = given(username=username, name=name, bio=bio, location=location, lang=lang,
                       followers_count=followers_count)
        if verified is not UNSET:
            fields["verified"] = int(bool(verified))
        if existing:
            if fields:
                self._sql.update("contacts", existing["id"], **fields)
            if followed_at:
                self._sql.execute(
                    "UPDATE contacts SET followed_at = COALESCE(followed_at, ?) WHERE id = ?",
                    [followed_at, existing["id"]],
                )
            return existing["id"], False
        contact_id = self._sql.insert(
            "contacts",
            {"account_id": account_id, "user_id": user_id, **fields, "followed_at": followed_at,
             "first_seen_at": self._sql.now()},
        )
        return contact_id, True

    def contact(self, contact_id: int) -> Contact | None:
        return maybe(Contact, self._sql.one("SELECT * FROM contacts WHERE id = ?", [contact_id]))

    def find_contact(self, account_id: str, *, user_id: str | None = None,
                     username: str | None = None) -> Contact | None:
        """By platform user id, or else by username (case-insensitive, ``@`` optional)."""
        if user_id is not None:
            return maybe(Contact, self._sql.one(
                "SELECT * FROM contacts WHERE account_id = ? AND user_id = ?",
                [account_id, user_id]))
        return maybe(Contact, self._sql.one(
            "SELECT * FROM contacts WHERE account_id = ? AND lower(username) = lower(?)",
            [account_id, (username or "").lstrip("@")]))

    def known_follower_ids(self, account_id: str) -> set[str]:
        return {
            row["user_id"]
            for row in self._sql.rows(
                "SELECT user_id FROM contacts WHERE account_id = ? AND followed_at IS NOT NULL",
                [account_id],
            )
        }

    def followers(self, account_id: str, limit: int) -> list[Contact]:
        return [record(Contact, row) for row in self._sql.rows(
            "SELECT * FROM contacts WHERE account_id = ? AND followed_at IS NOT NULL "
            "ORDER BY id LIMIT ?", [account_id, limit])]

    # --- conversations ------------------------------------------------------------

    def conversation(self, account_id: str, contact_id: int) -> Conversation:
        """The account's conversation with a contact, created on first use."""
        query = "SELECT * FROM conversations WHERE account_id = ? AND contact_id = ?"
        row = self._sql.one(query, [account_id, contact_id])
        if row is None:
            self._sql.insert("conversations", {"account_id": account_id,
                                               "contact_id": contact_id,
                                               "created_at": self._sql.now()})
            row = self._sql.one(query, [account_id, contact_id])
        assert row is not None
        return record(Conversation, row)

    def note_first_inbound(self, conversation_id: int, at: str,
                           platform_conversation_id: str | None) -> None:
        self._sql.update("conversations", conversation_id, first_inbound_at=at,
                         platform_conversation_id=platform_conversation_id)

    def hand_to_human(self, conversation_id: int, until: str) -> None:
        """Automated messages to this person wait until ``until``: a person answered."""
        self._sql.update("conversations", conversation_id, human_until=until)

    def takeover_ended_at(self, contact_id: int) -> str | None:
        """When a person last stopped holding this conversation: a claimed task about
        them closed (but by releasing its draft), or their conversation was un-assigned."""
        return self._sql.scalar(
            "SELECT MAX(a.at) FROM task_actions a JOIN tasks t ON t.id = a.task_id "
            "WHERE t.contact_id = ? AND (a.action = 'unassigned' OR (t.claimed_by IS NOT NULL "
            f"AND a.action IN ({marks(CLAIM_ENDINGS)})))", [contact_id, *CLAIM_ENDINGS])

    def human_silence_until(self, account_id: str, contact_id: int,
                            cooldown: timedelta) -> str | None:
        """Until when the bot stays quiet: :data:`FOREVER` while a task about the person is
        claimed; then ``cooldown`` after the claim ended or after a personal reply."""
        if self._sql.scalar(
            "SELECT 1 FROM tasks WHERE contact_id = ? AND state = 'claimed' LIMIT 1", [contact_id]
        ):
            return FOREVER
        ends = [self._sql.scalar(
            "SELECT human_until FROM conversations WHERE account_id = ? AND contact_id = ?",
            [account_id, contact_id])]
        ended = self.takeover_ended_at(contact_id)
        if ended:
            ends.append(iso(parse_iso(ended) + cooldown))
        latest = max((end for end in ends if end), default=None)
        return latest if latest and latest > self._sql.now() else None

    # --- opt-outs -----------------------------------------------------------------

    def is_opted_out(self, contact_id: int) -> bool:
        return bool(self._sql.scalar(
            "SELECT 1 FROM opt_outs WHERE contact_id = ? AND reversed_at IS NULL LIMIT 1",
            [contact_id]))

    def opt_out(self, account_id: str, contact_id: int, via_message_id: int | None) -> bool:
        """Record an opt-out; False when the person had already opted out."""
        if self.is_opted_out(contact_id):
            return False
        self._sql.insert("opt_outs", {"account_id": account_id, "contact_id": contact_id,
                                      "opted_out_at": self._sql.now(),
                                      "via_message_id": via_message_id})
        return True

    def opt_in(self, contact_id: int) -> bool:
        """Reverse an opt-out; False when there was none."""
        cursor = self._sql.execute(
            "UPDATE opt_outs SET reversed_at = ? WHERE contact_id = ? AND reversed_at IS NULL",
            [self._sql.now(), contact_id],
        )
        return cursor.rowcount > 0
