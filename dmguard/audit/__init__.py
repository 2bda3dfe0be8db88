"""The judgment: rules → findings → score → verdict → label."""

from dmguard.audit.engine import Auditor
from dmguard.audit.model import AuditInput, AuditResult, Context, Finding, Recipient

__all__ = ["AuditInput", "AuditResult", "Auditor", "Context", "Finding", "Recipient"]
