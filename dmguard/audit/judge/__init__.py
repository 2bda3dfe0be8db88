"""The statistical judge: a small linear model of "generic/automated vs personal".

See README.md in this folder for what it reads, what it was fitted on and how to
rebuild it (``make model``).
"""

from __future__ import annotations

from dmguard.audit.judge.model import Judge, Judgement, active, overridden

__all__ = ["Judge", "Judgement", "active", "overridden"]
