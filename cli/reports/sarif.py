"""SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure DevOps).

One run; the driver lists every rule with its help text; each finding is a result whose
level comes from enforcement and severity, located at the stack's config file and at the
resource's URN (a logical location). Suppressed findings carry a SARIF suppression with
the recorded justification; unmatched suppressions are tool notifications.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cli.audit.summary import NO_EXTRAS, Extras
from cli.findings import AuditResult, Finding, RuleInfo
from cli.output import to_json

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub's code scanning reads a numeric "security-severity" (0-10).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def level(severity: str, enforcement: str) -> str:
    """error for mandatory rules; advisory ones: warning (critical/high) or note."""
    if enforcement == "mandatory":
        return "error"
    return "warning" if severity in ("critical", "high") else "note"


def _tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("leasing-landing-zone")
    except PackageNotFoundError:
        return "0.0.0"


def _rule(rule: RuleInfo) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.id.replace("-", ""),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {
            "text": f"{rule.rationale}\nRemediation: {rule.remediation}",
            "markdown": f"{rule.rationale}\n\n**Remediation:** {rule.remediation}",
        },
        "defaultConfiguration": {"level": level(rule.severity, rule.enforcement)},
        "properties": {
            "tags": ["security", "infrastructure", rule.severity],
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "severity": rule.severity,
            "enforcement": rule.enforcement,
        },
    }


def _result(finding: Finding, rule_index: int, config_uri: str) -> dict[str, Any]:
    fingerprint = hashlib.sha256(f"{finding.rule_id}\0{finding.urn}".encode()).hexdigest()
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": level(finding.severity, finding.enforcement),
        "message": {
            "text": f"{finding.resource_name}: {finding.message}. "
            f"Remediation: {finding.remediation}"
        },
        "locations": [
            {
                # GitHub code scanning shows an alert only at a line (region.startLine); the
                # finding is about the stack file as a whole, so it points at its first line.
                "physicalLocation": {
                    "artifactLocation": {"uri": config_uri},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [
                    {
                        "name": finding.resource_name,
                        "fullyQualifiedName": finding.urn,
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {"llzFinding/v1": fingerprint},
        "properties": {
            "resourceType": finding.resource_type,
            "severity": finding.severity,
            "enforcement": finding.enforcement,
        },
    }
    if finding.suppressed:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": finding.justification or "",
            }
        ]
    return result


def sarif_dict(result: AuditResult, extras: Extras = NO_EXTRAS) -> dict[str, Any]:
    index = {rule.id: i for i, rule in enumerate(result.rules)}
    config_uri = f"stacks/Pulumi.{result.stack}.yaml"
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "toolExecutionNotifications": [
            {"level": "warning", "message": {"text": w}} for w in extras.warnings
        ],
    }
    if extras.generated_at is not None:
        invocation["endTimeUtc"] = extras.generated_at
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "llz",
                        "fullName": "llz audit (leasing landing zone policies)",
                        "version": _tool_version(),
                        "rules": [_rule(rule) for rule in result.rules],
                    }
                },
                "automationDetails": {"id": f"llz-audit/{result.stack}/"},
                "invocations": [invocation],
                "results": [
                    _result(f, index.get(f.rule_id, -1), config_uri) for f in result.findings
                ],
                "properties": {
                    "project": result.project,
                    "stack": result.stack,
                    "environment": result.environment,
                    "engine": result.engine,
                    "resourcesChecked": result.resources_checked,
                },
            }
        ],
    }


def render_sarif(result: AuditResult, extras: Extras = NO_EXTRAS) -> str:
    return to_json(sarif_dict(result, extras))
