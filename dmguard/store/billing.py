"""What X bills the account: each resource once per UTC day, each DM sent per request.

X's pay-per-use billing deduplicates resources "within a 24-hour UTC day window"
(xdevplatform/docs x-api/getting-started/pricing.mdx, "Deduplication"), so the
report counts a resource id once per kind and UTC day, not once per call. A DM sent
(DM Interaction: Create) is billed per request; its id is the new event's, so it is
never deduplicated away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC

from dmguard.store.connection import Connection


@dataclass(frozen=True)
class BillLine:
    kind: str
    units: int
    amount: float


class Billing:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def record(self, account_id: str, kind: str, resource_ids: Sequence[str],
               price: float) -> float:
        """Bill what one successful answer returned; return the dollars added (a
        resource already billed today adds nothing)."""
        at = self._sql.now()
        day = self._sql.clock.now().astimezone(UTC).date().isoformat()
        added = 0.0
        for resource_id in dict.fromkeys(resource_ids):
            cursor = self._sql.execute(
                "INSERT OR IGNORE INTO billed_resources (account_id, day, kind, resource_id, "
                "at, amount) VALUES (?, ?, ?, ?, ?, ?)",
                [account_id, day, kind, str(resource_id), at, price])
            if cursor.rowcount:
                added += price
        return added

    def total(self, account_id: str, start: str, end: str) -> float:
        """Dollars billed for resources first read in [start, end)."""
        return float(self._sql.scalar(
            "SELECT COALESCE(SUM(amount), 0) FROM billed_resources WHERE account_id = ? "
            "AND at >= ? AND at < ?", [account_id, start, end]))

    def on_day(self, account_id: str, day: str) -> float:
        """Dollars billed on one UTC day (``YYYY-MM-DD``)."""
        return float(self._sql.scalar(
            "SELECT COALESCE(SUM(amount), 0) FROM billed_resources WHERE account_id = ? "
            "AND day = ?", [account_id, day]))

    def by_kind(self, account_id: str, start: str, end: str) -> list[BillLine]:
        return [BillLine(row["kind"], row["n"], round(row["amount"], 6)) for row in self._sql.rows(
            "SELECT kind, COUNT(*) AS n, SUM(amount) AS amount FROM billed_resources "
            "WHERE account_id = ? AND at >= ? AND at < ? GROUP BY kind ORDER BY kind",
            [account_id, start, end])]
