"""Audit findings: the data the policies produce and every report renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["critical", "high", "medium", "low"]
Enforcement = Literal["advisory", "mandatory", "disabled"]
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True)
class RuleInfo:
    """What a rule is, why it exists and how to fix a violation."""

    id: str
    title: str
    severity: Severity
    rationale: str
    remediation: str
    enforcement: Enforcement


@dataclass(frozen=True)
class Finding:
    """One rule violated by one resource (possibly suppressed, with its justification)."""

    rule_id: str
    title: str
    severity: Severity
    enforcement: Enforcement
    urn: str
    resource_name: str
    resource_type: str
    message: str
    remediation: str
    suppressed: bool = False
    justification: str | None = None

    @property
    def blocking(self) -> bool:
        return self.enforcement == "mandatory" and not self.suppressed


@dataclass(frozen=True)
class AuditResult:
    project: str
    stack: str
    environment: str
    engine: str
    rules: tuple[RuleInfo, ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    resources_checked: int = 0

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    @property
    def active(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def suppressed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.suppressed)
