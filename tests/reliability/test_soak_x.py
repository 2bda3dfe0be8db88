"""The short form of `make soak-x`: a few simulated days on the strict emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.soak_x import soak


@pytest.mark.slow
def test_three_simulated_days_on_the_strict_emulator(tmp_path: Path) -> None:
    """5 % faults, a credit run-out and a permission loss (issue #14, "Done when"); the
    bill is X's (pricing.mdx, "Deduplication") within 1 %."""
    counts = soak(3, tmp_path)
    assert counts.duplicates == 0
    assert counts.failed_account_level == 0
    assert counts.pauses >= 2 and counts.pauses == counts.resumes and not counts.still_paused
    assert counts.stops_broken == 0
    assert counts.bill_gap <= 0.01, counts.lines()
    assert counts.ok(), counts.lines()
