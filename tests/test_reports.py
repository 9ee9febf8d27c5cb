"""The report formats: suppressions in every one, SARIF structure, JUnit XML, determinism."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest

from cli.audit import audit_plan, unmatched_suppressions
from cli.audit.summary import Extras
from cli.diffs import PlanDiff, PropertyChange, ResourceChange
from cli.findings import AuditResult
from cli.plan import Plan
from cli.reports.html import render_html
from cli.reports.json_report import render_json
from cli.reports.junit import render_junit
from cli.reports.markdown import cell, code, render_markdown
from cli.reports.sarif import render_sarif
from cli.reports.text import render_text
from policies.config import settings_from_spec
from stacks.config import load_spec
from stacks.spec import SuppressionSpec
from tests.conftest import PROJECT_DIR, shipped_plan

JUSTIFICATION = "TDE on RDS MySQL needs a KMS key the security team has not issued yet"
STALE = SuppressionSpec(
    rule="LLZ-HA-002", resource="prod-nothing", justification="A stale waiver for a test."
)


def _violating_prod_plan() -> Plan:
    data = shipped_plan("prod").to_dict()
    for resource in data["resources"]:
        if resource["name"] == "prod-rds-mysql":
            resource["inputs"]["sslAction"] = "Close"
        if resource["name"] == "prod-app-1a":
            resource["inputs"]["tags"] = {"env": "prod", "owner": "a|b <script>"}
    return Plan.from_dict(data, "test")


@pytest.fixture(scope="module")
def audited() -> tuple[AuditResult, Plan, Extras]:
    spec = load_spec(PROJECT_DIR, "prod")
    plan = _violating_prod_plan()
    waivers = (*spec.policy.suppressions, STALE)
    result = audit_plan(plan, "prod", waivers, settings=settings_from_spec(spec))
    return result, plan, Extras(warnings=unmatched_suppressions(result, waivers))


def _html(result: AuditResult, extras: Extras, plan: Plan) -> str:
    return render_html(result, plan, extras.diff, extras.generated_at)


RENDERERS: dict[str, Callable[[AuditResult, Extras, Plan], str]] = {
    "text": lambda r, e, p: render_text(r, e),
    "markdown": lambda r, e, p: render_markdown(r, e),
    "json": lambda r, e, p: render_json(r, e),
    "sarif": lambda r, e, p: render_sarif(r, e),
    "junit": lambda r, e, p: render_junit(r, e),
    "html": _html,
}


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_format_shows_the_suppression_and_its_justification(
    fmt: str, audited: tuple[AuditResult, Plan, Extras]
) -> None:
    result, plan, extras = audited
    text = RENDERERS[fmt](result, extras, plan)
    flat = " ".join(text.split())  # the text report wraps long cells
    assert "LLZ-ENC-001" in flat
    assert "prod-rds-mysql" in flat
    assert JUSTIFICATION in flat or JUSTIFICATION in json.dumps(flat)
    assert "LLZ-TLS-001" in flat  # the active finding too


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "sarif", "junit"])
def test_every_format_is_deterministic_and_shows_the_stale_suppression(
    fmt: str, audited: tuple[AuditResult, Plan, Extras]
) -> None:
    result, plan, extras = audited
    first = RENDERERS[fmt](result, extras, plan)
    assert first == RENDERERS[fmt](result, extras, plan)
    assert "prod-nothing" in " ".join(first.split())


def test_timestamps_only_when_passed_in(audited: tuple[AuditResult, Plan, Extras]) -> None:
    result, plan, extras = audited
    stamp = "2026-11-24T21:00:00Z"
    stamped = Extras(extras.warnings, None, stamp)
    for fmt in ("text", "markdown", "json", "sarif", "junit"):
        assert stamp not in RENDERERS[fmt](result, extras, plan)
        assert stamp in RENDERERS[fmt](result, stamped, plan)


def test_sarif_is_structurally_valid(audited: tuple[AuditResult, Plan, Extras]) -> None:
    result, _, extras = audited
    doc = json.loads(render_sarif(result, extras))
    assert doc["version"] == "2.1.0" and "sarif-2.1.0" in doc["$schema"]
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "llz" and driver["version"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) == 15
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "Remediation" in rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] == "error"  # prod: mandatory
        assert 0 < float(rule["properties"]["security-severity"]) <= 10
    assert len(run["results"]) == len(result.findings)
    for item in run["results"]:
        assert item["ruleId"] == rule_ids[item["ruleIndex"]]
        assert item["level"] in ("none", "note", "warning", "error")
        assert item["message"]["text"]
        (location,) = item["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "stacks/Pulumi.prod.yaml"
        assert location["physicalLocation"]["region"]["startLine"] >= 1
        assert location["logicalLocations"][0]["fullyQualifiedName"].startswith("urn:pulumi:")
        assert item["partialFingerprints"]
    suppressed = [r for r in run["results"] if "suppressions" in r]
    (waived,) = suppressed
    (suppression,) = waived["suppressions"]
    assert suppression["kind"] in ("inSource", "external")
    assert suppression["status"] == "accepted"
    assert JUSTIFICATION in suppression["justification"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("prod-nothing" in n["message"]["text"] for n in notes)


def test_sarif_levels_follow_enforcement_and_severity() -> None:
    from cli.reports.sarif import level

    assert level("low", "mandatory") == "error"
    assert level("critical", "advisory") == "warning"
    assert level("medium", "advisory") == "note"
    dev = audit_plan(shipped_plan("dev"), "dev")
    doc = json.loads(render_sarif(dev))
    levels = {r["ruleId"]: r["level"] for r in doc["runs"][0]["results"]}
    assert levels["LLZ-HA-003"] == "warning" and levels["LLZ-ENC-001"] == "note"


def test_junit_has_a_case_per_failure_and_skips_suppressed(
    audited: tuple[AuditResult, Plan, Extras],
) -> None:
    result, _, extras = audited
    root = ET.fromstring(render_junit(result, extras))
    assert root.tag == "testsuites"
    assert {child.tag for child in root} == {"testsuite"}  # what the JUnit schema allows
    *suites, warnings = root.findall("testsuite")
    assert len(suites) == len(result.rules)
    assert warnings.get("tests") == "0" and "prod-nothing" in (
        warnings.findtext("system-err") or ""
    )
    failures = root.findall(".//testcase/failure")
    skipped = root.findall(".//testcase/skipped")
    assert len(failures) == len(result.active) == int(root.get("failures", "-1"))
    assert len(skipped) == len(result.suppressed) == int(root.get("skipped", "-1"))
    assert all(f.get("type") == "mandatory" for f in failures)
    assert JUSTIFICATION in (skipped[0].get("message") or "")
    assert int(root.get("tests", "0")) == sum(int(s.get("tests", "0")) for s in suites)
    names = [c.get("name") or "" for c in root.iter("testcase")]
    assert any("LLZ-TLS-001 prod-rds-mysql" in n for n in names)
    assert any(n.startswith("LLZ-HA-001 all") for n in names)  # passing rule


def test_markdown_escapes_table_cells(audited: tuple[AuditResult, Plan, Extras]) -> None:
    assert cell("a|b\n<x>") == "a\\|b<br>&lt;x&gt;"
    result, _, extras = audited
    text = render_markdown(result, extras)
    assert "<script>" not in text
    assert "❌" in text  # blocking findings
    for line in text.splitlines():
        if line.startswith("| "):
            assert line.endswith("|")


def test_markdown_code_spans_survive_pipes_backticks_and_ampersands() -> None:
    """Inside a code span Markdown shows text literally: no HTML entities there, and the
    fence must outlast any backtick run; pipes are escaped only in tables (GFM)."""
    assert code("a&b<c>") == "`a&b<c>`"
    assert code("a|b") == "`a\\|b`" and code("a|b", in_table=False) == "`a|b`"
    assert code("x`y") == "``x`y``"
    assert code("`a") == "`` `a ``"
    assert code("l1\nl2") == "`l1 l2`"


def test_text_is_coloured_only_on_request(audited: tuple[AuditResult, Plan, Extras]) -> None:
    result, _, extras = audited
    assert "\x1b[" in render_text(result, extras, color=True)
    assert "\x1b[" not in render_text(result, extras, color=False)


def test_json_report_shape(audited: tuple[AuditResult, Plan, Extras]) -> None:
    result, _, extras = audited
    doc = json.loads(render_json(result, extras))
    assert doc["passed"] is False and doc["verdict"].startswith("FAIL")
    assert doc["summary"]["blocking"] == len(result.blocking)
    assert doc["summary"]["suppressed"] == 1
    assert sum(doc["summary"]["by_severity"].values()) == len(result.active)
    assert doc["rules"][0]["id"] == "LLZ-HA-001"
    assert doc["diff"] is None


def test_diff_section_in_text_markdown_and_json(audited: tuple[AuditResult, Plan, Extras]) -> None:
    result = audited[0]
    diff = PlanDiff(
        "main",
        "branch",
        (
            ResourceChange(
                "urn:pulumi:prod::llz::alicloud:rds/instance:Instance::prod-rds-mysql",
                "alicloud:rds/instance:Instance",
                "prod-rds-mysql",
                "change",
                (PropertyChange("sslAction", "Open", "Close"),),
            ),
        ),
    )
    extras = Extras(diff=diff)
    assert "sslAction: 'Open' -> 'Close'" in render_text(result, extras)
    assert "`sslAction`: 'Open' → 'Close'" in render_markdown(result, extras)
    doc: dict[str, Any] = json.loads(render_json(result, extras))
    assert doc["diff"]["counts"]["change"] == 1
    assert doc["diff"]["changes"][0]["properties"] == [
        {"path": "sslAction", "old": "Open", "new": "Close"}
    ]


def test_reports_hold_no_secret_values(audited: tuple[AuditResult, Plan, Extras]) -> None:
    """Findings quote property names and public values only; plans hold "[secret]"."""
    result, plan, extras = audited
    for fmt in ("text", "markdown", "json", "sarif", "junit"):
        text = RENDERERS[fmt](result, extras, plan)
        assert "offline-" not in text  # the mocks' stand-in for generated passwords
        assert "BEGIN PRIVATE KEY" not in text
