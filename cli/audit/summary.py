"""Plain-data views of an audit every report shares: counts, the JSON document, diff rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cli.diffs import Action, PlanDiff
from cli.findings import SEVERITY_ORDER, AuditResult, Finding

FORMAT = "llz.audit/v1"
SEVERITIES: tuple[str, ...] = tuple(sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.__getitem__))
ACTIONS: tuple[Action, ...] = ("add", "remove", "replace", "change")


@dataclass(frozen=True)
class Extras:
    """What a report shows besides the AuditResult."""

    warnings: Sequence[str] = ()
    diff: PlanDiff | None = None
    generated_at: str | None = None


NO_EXTRAS = Extras()


def verdict(result: AuditResult) -> str:
    blocking = len(result.blocking)
    if blocking:
        return f"FAIL: {blocking} mandatory finding(s) not suppressed"
    active = len(result.active)
    note = f" ({len(result.suppressed)} suppressed)" if result.suppressed else ""
    if active:
        return f"PASS with {active} advisory finding(s){note}"
    return f"PASS: no findings{note}"


def by_severity(findings: Sequence[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def findings_per_rule(result: AuditResult) -> dict[str, int]:
    counts = {rule.id: 0 for rule in result.rules}
    for finding in result.active:
        counts[finding.rule_id] = counts.get(finding.rule_id, 0) + 1
    return counts


def rule_status(result: AuditResult, rule_id: str) -> str:
    """``pass``, ``N finding(s)`` and/or ``N suppressed`` for one rule."""
    active = sum(1 for f in result.active if f.rule_id == rule_id)
    waived = sum(1 for f in result.suppressed if f.rule_id == rule_id)
    parts = ([f"{active} finding(s)"] if active else []) + (
        [f"{waived} suppressed"] if waived else []
    )
    return ", ".join(parts) or "pass"


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule_id": finding.rule_id,
        "title": finding.title,
        "severity": finding.severity,
        "enforcement": finding.enforcement,
        "blocking": finding.blocking,
        "urn": finding.urn,
        "resource_name": finding.resource_name,
        "resource_type": finding.resource_type,
        "message": finding.message,
        "remediation": finding.remediation,
        "suppressed": finding.suppressed,
        "justification": finding.justification,
    }


def diff_dict(diff: PlanDiff) -> dict[str, Any]:
    return {
        "left": diff.left_label,
        "right": diff.right_label,
        "counts": {action: diff.count(action) for action in ACTIONS},
        "changes": [
            {
                "urn": c.urn,
                "type": c.type,
                "name": c.name,
                "action": c.action,
                "properties": [{"path": p.path, "old": p.old, "new": p.new} for p in c.properties],
            }
            for c in diff.changes
        ],
    }


def result_dict(result: AuditResult, extras: Extras = NO_EXTRAS) -> dict[str, Any]:
    """The JSON report (``llz.audit/v1``); no timestamp unless one is passed in."""
    per_rule = findings_per_rule(result)
    document: dict[str, Any] = {
        "format": FORMAT,
        "project": result.project,
        "stack": result.stack,
        "environment": result.environment,
        "engine": result.engine,
        "resources_checked": result.resources_checked,
        "passed": not result.blocking,
        "verdict": verdict(result),
        "summary": {
            "findings": len(result.active),
            "blocking": len(result.blocking),
            "suppressed": len(result.suppressed),
            "by_severity": by_severity(result.active),
        },
        "rules": [
            {
                "id": rule.id,
                "title": rule.title,
                "severity": rule.severity,
                "enforcement": rule.enforcement,
                "rationale": rule.rationale,
                "remediation": rule.remediation,
                "findings": per_rule.get(rule.id, 0),
            }
            for rule in result.rules
        ],
        "findings": [finding_dict(f) for f in result.findings],
        "warnings": list(extras.warnings),
        "diff": diff_dict(extras.diff) if extras.diff is not None else None,
    }
    if extras.generated_at is not None:
        document["generated_at"] = extras.generated_at
    return document
