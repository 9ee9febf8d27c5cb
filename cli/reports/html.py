"""The self-contained HTML report for auditors.

``render_html`` turns an AuditResult, the Plan it audited and optionally a PlanDiff into one
HTML file: summary and verdict, findings by severity (drawn by a small inline script from an
embedded JSON block, with a ``<noscript>`` table as fallback), suppressions with their
justification, the rules checked, the diff, a topology picture and the resource inventory.

The file loads nothing: inline CSS and SVG, no URL, and a Content-Security-Policy of
``default-src 'none'`` that admits only the report's own style and script by their SHA-256
hashes. Jinja2 autoescapes every value; the SVG escapes its own text. Output depends only on
the inputs (the report holds a timestamp only when ``generated_at`` is given).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cli.audit.summary import ACTIONS, SEVERITIES, verdict
from cli.diffs import PlanDiff
from cli.findings import SEVERITY_ORDER, AuditResult, Finding
from cli.output import short_type
from cli.plan import Plan, PlannedResource, redact
from cli.reports.topology import topology_svg

TEMPLATE = "report.html.j2"
STACK_GROUP = "(stack)"


def csp_hash(text: object) -> str:
    """The CSP source expression (without quotes) for an inline element holding ``text``."""
    digest = hashlib.sha256(str(text).encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _finding_order(f: Finding) -> tuple[int, bool, bool, str, str, str]:
    return (
        SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER)),
        not f.blocking,
        f.suppressed,
        f.rule_id,
        f.resource_name,
        f.urn,
    )


def _finding_view(n: int, f: Finding) -> dict[str, Any]:
    return {
        "id": f"F{n:03d}",
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity,
        "enforcement": f.enforcement,
        "blocking": f.blocking,
        "urn": f.urn,
        "resource_name": f.resource_name,
        "resource_type": short_type(f.resource_type),
        "message": f.message,
        "remediation": f.remediation,
        "suppressed": f.suppressed,
        "justification": f.justification or "(no justification recorded)",
    }


def _show(value: Any) -> str:
    """A diff value as text: JSON (secrets redacted), or "(absent)"."""
    if value is None:
        return "(absent)"
    return json.dumps(redact(value), sort_keys=True, ensure_ascii=False)


def _diff_view(diff: PlanDiff) -> dict[str, Any]:
    return {
        "left": diff.left_label,
        "right": diff.right_label,
        "counts": [{"action": a, "count": diff.count(a)} for a in ACTIONS],
        "changes": [
            {
                "action": c.action,
                "urn": c.urn,
                "name": c.name,
                "type": short_type(c.type),
                "properties": [
                    {"path": p.path, "old": _show(p.old), "new": _show(p.new)} for p in c.properties
                ],
            }
            for c in diff.changes
        ],
    }


def _inventory(plan: Plan) -> list[dict[str, Any]]:
    """Custom resources grouped by their nearest enclosing component (one index, O(n))."""
    index = plan.by_urn()
    groups: dict[str, tuple[PlannedResource | None, list[PlannedResource]]] = {}
    for resource in plan.custom_resources():
        parent = index.get(resource.parent or "")
        while parent is not None and parent.custom:
            parent = index.get(parent.parent or "")
        key = parent.urn if parent is not None else ""
        groups.setdefault(key, (parent, []))[1].append(resource)
    views = []
    for component, members in groups.values():
        views.append(
            {
                "name": component.name if component is not None else STACK_GROUP,
                "type": component.type if component is not None else "top-level resources",
                "resources": [
                    {
                        "type": r.type,
                        "short_type": short_type(r.type),
                        "name": r.name,
                        "urn": r.urn,
                        "protect": r.protect,
                    }
                    for r in sorted(members, key=lambda r: (short_type(r.type), r.name, r.urn))
                ],
            }
        )
    return sorted(views, key=lambda g: (g["name"] == STACK_GROUP, g["name"], g["type"]))


def report_context(
    result: AuditResult, plan: Plan, diff: PlanDiff | None, generated_at: str | None
) -> dict[str, Any]:
    """Everything the template shows, as plain data (tests and other formats may reuse it)."""
    findings = [
        _finding_view(n, f)
        for n, f in enumerate(sorted(result.findings, key=_finding_order), start=1)
    ]
    custom = list(plan.custom_resources())
    return {
        "title": f"llz audit report: {result.project}/{result.stack}",
        "generated_at": generated_at,
        "project": result.project,
        "stack": result.stack,
        "environment": result.environment,
        "engine": result.engine,
        "plan_engine": plan.engine,
        "resources_checked": result.resources_checked,
        "resource_count": len(custom),
        "protected_count": sum(1 for r in custom if r.protect),
        "verdict": verdict(result),
        "counts": [
            {
                "severity": s,
                "active": sum(1 for f in findings if f["severity"] == s and not f["suppressed"]),
                "blocking": sum(1 for f in findings if f["severity"] == s and f["blocking"]),
                "suppressed": sum(1 for f in findings if f["severity"] == s and f["suppressed"]),
            }
            for s in SEVERITIES
        ],
        "blocking": [f for f in findings if f["blocking"]],
        "suppressed": [f for f in findings if f["suppressed"]],
        "groups": [
            {"severity": s, "findings": [f for f in findings if f["severity"] == s]}
            for s in SEVERITIES
            if any(f["severity"] == s for f in findings)
        ],
        "findings_data": {"severities": list(SEVERITIES), "findings": findings},
        "rules": sorted(
            result.rules, key=lambda r: (SEVERITY_ORDER.get(r.severity, len(SEVERITIES)), r.id)
        ),
        "diff": _diff_view(diff) if diff is not None else None,
        "inventory": _inventory(plan),
    }


def render_html(
    result: AuditResult,
    plan: Plan,
    diff: PlanDiff | None = None,
    generated_at: str | None = None,
) -> str:
    """The auditors' report as one self-contained HTML document.

    The page shows ``generated_at`` when given and holds no clock reading otherwise, so the
    same inputs always give the same bytes (archives are content-addressed).
    """
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("cli", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["csp_hash"] = csp_hash
    context = report_context(result, plan, diff, generated_at)
    # The SVG builder escapes every text and attribute it writes; mark it safe here only.
    context["topology"] = Markup(topology_svg(plan))
    return env.get_template(TEMPLATE).render(r=context)
