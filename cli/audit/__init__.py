"""Auditing a Plan against the landing zone's policies (``policies.rules``)."""

from cli.audit.engine import audit_plan, unmatched_suppressions

__all__ = ["audit_plan", "unmatched_suppressions"]
