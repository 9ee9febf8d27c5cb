"""The offline audit: every policy's ``validate`` over every resource of a Plan.

The rules are the pulumi-policy objects of ``policies.rules`` -- the very code the real
engine loads from ``policy-pack/`` -- called with ``ResourceValidationArgs`` built from each
Plan entry (its inputs, name, URN and ``protect`` flag as ``opts.protect``), or, for a stack
rule, with ``StackValidationArgs`` holding every Plan entry with its dependencies resolved,
and the rule's config for the environment (``policies.config.pack_config``). Violations are
collected by a ``report_violation`` callback; suppressions from the stack's
``llz:policy.suppressions`` are then applied so suppressed findings stay visible, with their
justification.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)

from cli.findings import SEVERITY_ORDER, AuditResult, Finding
from cli.plan import Plan, PlannedResource
from policies import checks
from policies.config import SuppressionLike, pack_config
from policies.rules import RESOURCE_POLICIES, RULES, RULES_BY_ID, STACK_POLICIES, Rule
from policies.settings import PolicySettings

_TIMEOUTS = PolicyCustomTimeouts(0, 0, 0)


def _options(resource: PlannedResource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=resource.protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=_TIMEOUTS,
        additional_secret_outputs=[],
        parent=resource.parent,
    )


def _index(rules: Iterable[Rule]) -> dict[str, list[Rule]]:
    by_type: dict[str, list[Rule]] = {}
    for rule in rules:
        for resource_type in rule.resource_types:
            by_type.setdefault(resource_type, []).append(rule)
    return by_type


def _stack_resources(plan: Plan) -> list[PolicyResource]:
    """The Plan as the real engine hands a stack to a ``StackValidationPolicy``: every
    resource, with its parent and dependencies resolved to the resource objects."""
    made = {
        r.urn: PolicyResource(r.type, r.inputs, r.urn, r.name, _options(r), None, None, [], {})
        for r in plan.resources
    }
    for resource in plan.resources:
        policy_resource = made[resource.urn]
        if resource.parent is not None:
            policy_resource.parent = made.get(resource.parent)
        urns = resource.dependencies or _sibling_links(plan, resource)
        policy_resource.dependencies.extend(made[urn] for urn in urns if urn in made)
    return list(made.values())


# What a resource refers to by id, for Plans that record no dependencies.
_REFERS_TO: dict[str, tuple[str, ...]] = {
    checks.ATTACHMENT: (checks.EIP, checks.PACKAGE),
    checks.RDS_BACKUP: (checks.RDS,),
}


def _sibling_links(plan: Plan, resource: PlannedResource) -> tuple[str, ...]:
    """What a package attachment joins, or which instance an RDS BackupPolicy configures,
    when the Plan records no dependencies (a Plan from engine events, whose ids are unknown
    in a preview): those resources of its own component, which is how
    ``components.bandwidth`` and ``components.database`` build them."""
    joined = _REFERS_TO.get(resource.type, ())
    if not joined or resource.parent is None:
        return ()
    return tuple(r.urn for r in plan.resources if r.parent == resource.parent and r.type in joined)


def _violations(plan: Plan, config: dict[str, dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """(rule id, URN) -> the messages its policy reported, each rule run as its engine would."""
    found: dict[tuple[str, str], list[str]] = {}
    by_type = _index(rule for rule in RULES if rule.id in RESOURCE_POLICIES)
    for resource in plan.custom_resources():
        rules = by_type.get(resource.type)
        if not rules:
            continue
        options = _options(resource)
        for rule in rules:
            messages = found.setdefault((rule.id, resource.urn), [])

            def collect(message: str, urn: str | None = None, _out: list[str] = messages) -> None:
                _out.append(message)

            args = ResourceValidationArgs(
                resource.type,
                resource.inputs,
                resource.urn,
                resource.name,
                options,
                None,
                config[rule.id],
            )
            RESOURCE_POLICIES[rule.id].validate(args, collect)
    if STACK_POLICIES:
        resources = _stack_resources(plan)
        for rule_id, policy in STACK_POLICIES.items():

            def report(message: str, urn: str | None = None, _id: str = rule_id) -> None:
                if urn is None:  # the stack rules always name the resource
                    raise ValueError(f"{_id} reported a violation without a resource")
                found.setdefault((_id, urn), []).append(message)

            policy.validate(StackValidationArgs(resources, config[rule_id]), report)
    return {key: messages for key, messages in found.items() if messages}


def audit_plan(
    plan: Plan,
    environment: str,
    suppressions: Sequence[SuppressionLike] = (),
    *,
    settings: PolicySettings | None = None,
) -> AuditResult:
    """Audit ``plan`` with the rules configured for ``environment``.

    ``settings`` (e.g. ``policies.config.settings_from_spec(spec)``) carries the
    environment's allowed bandwidth charge types; by default every charge type is allowed.
    """
    settings = settings or PolicySettings(environment=environment)
    if settings.environment != environment:
        raise ValueError("settings are for another environment")
    config = pack_config(settings)  # no suppressed resources: suppressions are applied below
    enforcement: Any = settings.enforcement
    by_urn = plan.by_urn()
    findings: list[Finding] = []
    for (rule_id, urn), messages in _violations(plan, config).items():
        rule, resource = RULES_BY_ID[rule_id], by_urn[urn]
        findings.append(
            Finding(
                rule_id=rule.id,
                title=rule.title,
                severity=rule.severity,  # type: ignore[arg-type]
                enforcement=enforcement,
                urn=resource.urn,
                resource_name=resource.name,
                resource_type=resource.type,
                message="; ".join(messages),
                remediation=rule.remediation,
            )
        )
    marked = [_suppress(f, suppressions) for f in findings]
    marked.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.rule_id, f.urn))
    return AuditResult(
        project=plan.project,
        stack=plan.stack,
        environment=environment,
        engine=plan.engine,
        rules=tuple(rule.info(enforcement) for rule in RULES),
        findings=tuple(marked),
        resources_checked=sum(1 for _ in plan.custom_resources()),
    )


def _matches(suppression: SuppressionLike, finding: Finding) -> bool:
    return suppression.rule == finding.rule_id and suppression.resource in (
        finding.resource_name,
        finding.urn,
    )


def _suppress(finding: Finding, suppressions: Sequence[SuppressionLike]) -> Finding:
    for suppression in suppressions:
        if _matches(suppression, finding):
            return Finding(
                **{
                    **finding.__dict__,
                    "suppressed": True,
                    "justification": suppression.justification,
                }
            )
    return finding


def unmatched_suppressions(
    result: AuditResult, suppressions: Sequence[SuppressionLike]
) -> list[str]:
    """Warnings for suppressions that waive nothing (stale, or a typo in the resource)."""
    warnings = []
    for suppression in suppressions:
        if not any(_matches(suppression, f) for f in result.findings):
            warnings.append(
                f"suppression of {suppression.rule} for {suppression.resource!r} matches no "
                "finding (the resource passes the rule or does not exist); remove it from "
                "llz:policy.suppressions"
            )
    return warnings
