"""JUnit XML for CI test dashboards: a test suite per rule, a test case per failing resource.

An unsuppressed finding is a ``<failure>`` (its ``type`` is the enforcement level); a
suppressed one is ``<skipped>`` with the justification; a rule without findings is one
passing test case; unmatched suppressions go to the ``<system-err>`` of a last suite without
tests. Built with the standard library's ElementTree, so escaping is right.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from cli.audit.summary import NO_EXTRAS, Extras
from cli.findings import AuditResult, Finding
from cli.output import short_type


def _case(suite: ET.Element, rule_id: str, finding: Finding) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"llz.{finding.resource_name}",
        name=f"{rule_id} {finding.resource_name} ({short_type(finding.resource_type)})",
    )
    details = (
        f"{finding.message}\nresource: {finding.urn}\nseverity: {finding.severity}\n"
        f"remediation: {finding.remediation}"
    )
    if finding.suppressed:
        skipped = ET.SubElement(
            case, "skipped", message=f"suppressed: {finding.justification or ''}"
        )
        skipped.text = details
    else:
        failure = ET.SubElement(case, "failure", message=finding.message, type=finding.enforcement)
        failure.text = details


def render_junit(result: AuditResult, extras: Extras = NO_EXTRAS) -> str:
    root = ET.Element("testsuites", name=f"llz audit {result.project}/{result.stack}")
    totals: dict[str, int] = {"tests": 0, "failures": 0, "skipped": 0}
    for rule in result.rules:
        findings = [f for f in result.findings if f.rule_id == rule.id]
        suite = ET.SubElement(root, "testsuite", name=f"{rule.id} {rule.title}")
        props = ET.SubElement(suite, "properties")
        for name, text in (
            ("severity", rule.severity),
            ("enforcement", rule.enforcement),
            ("environment", result.environment),
        ):
            ET.SubElement(props, "property", name=name, value=text)
        if findings:
            for finding in findings:
                _case(suite, rule.id, finding)
        else:
            ET.SubElement(
                suite,
                "testcase",
                classname=f"llz.{result.stack}",
                name=f"{rule.id} all {result.resources_checked} resources",
            )
        counts: dict[str, int] = {
            "tests": max(len(findings), 1),
            "failures": sum(1 for f in findings if not f.suppressed),
            "skipped": sum(1 for f in findings if f.suppressed),
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
        if extras.generated_at is not None:
            suite.set("timestamp", extras.generated_at)
    if extras.warnings:
        # <testsuites> may hold only <testsuite> elements (the JUnit/Ant schema CI tools
        # validate against), so the warnings get a suite of their own, without tests.
        suite = ET.SubElement(root, "testsuite", name="llz audit warnings")
        for key in ("tests", "failures", "errors", "skipped"):
            suite.set(key, "0")
        out = ET.SubElement(suite, "system-err")
        out.text = "\n".join(f"warning: {w}" for w in extras.warnings)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
