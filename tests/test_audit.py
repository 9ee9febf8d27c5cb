"""audit_plan over Plans, suppressions, and `llz audit` end to end (exit codes, files)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from cli.audit import audit_plan, unmatched_suppressions
from cli.plan import Plan
from policies.config import settings_from_spec
from stacks.config import load_spec
from stacks.spec import SuppressionSpec
from tests.conftest import ENVIRONMENTS, PROJECT_DIR, invoke_llz, shipped_plan

RDS_NAME = "prod-rds-mysql"
TDE_WAIVER = "TDE on RDS MySQL needs a KMS key"


def mutated(env: str, name: str, **changes: Any) -> Plan:
    """The shipped plan of ``env`` with some inputs of resource ``name`` changed."""
    data = shipped_plan(env).to_dict()
    for resource in data["resources"]:
        if resource["name"] == name:
            resource["inputs"].update(changes)
            break
    else:
        raise AssertionError(name)
    return Plan.from_dict(data, "test")


def audit_env(plan: Plan, env: str) -> Any:
    spec = load_spec(PROJECT_DIR, env)
    return audit_plan(
        plan, spec.environment, spec.policy.suppressions, settings=settings_from_spec(spec)
    )


def test_prod_is_clean_with_one_suppressed_finding_and_its_justification() -> None:
    result = audit_env(shipped_plan("prod"), "prod")
    assert result.blocking == ()
    assert result.active == ()
    (waived,) = result.suppressed
    assert (waived.rule_id, waived.resource_name) == ("LLZ-ENC-001", RDS_NAME)
    assert waived.justification is not None and TDE_WAIVER in waived.justification
    assert waived.enforcement == "mandatory"
    assert result.resources_checked == sum(1 for _ in shipped_plan("prod").custom_resources())


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_enforcement_follows_the_environment(env: str) -> None:
    result = audit_env(shipped_plan(env), env)
    expected = "mandatory" if env == "prod" else "advisory"
    assert {rule.enforcement for rule in result.rules} == {expected}
    assert {f.enforcement for f in result.findings} <= {expected}
    assert result.blocking == ()


def test_dev_findings_are_advisory_and_real() -> None:
    result = audit_env(shipped_plan("dev"), "dev")
    found = {(f.rule_id, f.resource_name) for f in result.findings}
    # dev runs MongoDB without a secondary zone and RDS without TDE.
    assert ("LLZ-HA-003", "dev-mongodb-mongodb") in found
    assert ("LLZ-ENC-001", "dev-rds-mysql") in found
    assert all(not f.blocking for f in result.findings)


def test_same_violation_blocks_in_prod_and_advises_in_dev() -> None:
    prod = audit_env(mutated("prod", RDS_NAME, securityIps=["0.0.0.0/0"]), "prod")
    dev = audit_env(mutated("dev", "dev-rds-mysql", securityIps=["0.0.0.0/0"]), "dev")
    assert [(f.rule_id, f.enforcement) for f in prod.blocking] == [("LLZ-NET-001", "mandatory")]
    assert "LLZ-NET-001" in {f.rule_id for f in dev.active}
    assert dev.blocking == ()


def test_findings_are_sorted_by_severity_then_rule() -> None:
    plan = mutated("prod", RDS_NAME, securityIps=["0.0.0.0/0"], tags={}, sslAction="Close")
    result = audit_env(plan, "prod")
    rules = [f.rule_id for f in result.findings]
    assert rules[0] == "LLZ-NET-001"  # critical first
    assert rules[-1] == "LLZ-TAG-001"  # low last


def test_protect_flag_of_the_plan_reaches_the_rule() -> None:
    data = shipped_plan("prod").to_dict()
    for resource in data["resources"]:
        if resource["name"] == "prod-redis-redis":
            resource["protect"] = False
    result = audit_env(Plan.from_dict(data, "test"), "prod")
    (finding,) = result.blocking
    assert finding.rule_id == "LLZ-PROT-001" and "protect" in finding.message


def test_suppression_by_urn_and_unmatched_suppression_warning() -> None:
    plan = shipped_plan("prod")
    urn = next(r.urn for r in plan.resources if r.name == RDS_NAME)
    justification = "Waived by URN for the test of suppressions."
    waivers = (
        SuppressionSpec(rule="LLZ-ENC-001", resource=urn, justification=justification),
        SuppressionSpec(rule="LLZ-HA-001", resource=RDS_NAME, justification=justification),
    )
    result = audit_plan(plan, "prod", waivers)
    assert [(f.rule_id, f.suppressed, f.justification) for f in result.findings] == [
        ("LLZ-ENC-001", True, justification)
    ]
    (warning,) = unmatched_suppressions(result, waivers)
    assert "LLZ-HA-001" in warning and RDS_NAME in warning


def test_suppression_waives_one_resource_only() -> None:
    plan = mutated("prod", "prod-redis-redis", tdeStatus="Disabled")
    result = audit_env(plan, "prod")
    assert [(f.rule_id, f.resource_name) for f in result.blocking] == [
        ("LLZ-ENC-001", "prod-redis-redis")
    ]


# ---- the command ---------------------------------------------------------------------------


def save(plan: Plan, tmp_path: Path, name: str = "plan.json") -> Path:
    path = tmp_path / name
    path.write_text(plan.to_json())
    return path


def test_llz_audit_prod_offline_exits_0_and_shows_the_suppression() -> None:
    result = invoke_llz(["--no-color", "audit", "prod"])
    assert result.exit_code == 0, result.output
    assert "LLZ-ENC-001" in result.stdout and "suppressed: TDE" in result.stdout
    assert "PASS" in result.stdout


def test_mandatory_finding_exits_3(tmp_path: Path) -> None:
    plan = save(mutated("prod", RDS_NAME, sslAction="Close"), tmp_path)
    result = invoke_llz(["--no-color", "audit", "prod", "--plan", str(plan)])
    assert result.exit_code == 3, result.output
    assert "LLZ-TLS-001" in result.stdout and "FAIL" in result.stdout


def test_advisory_findings_exit_0(tmp_path: Path) -> None:
    plan = save(shipped_plan("dev"), tmp_path)
    result = invoke_llz(["audit", "dev", "--plan", str(plan), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passed"] is True and report["summary"]["findings"] >= 2
    assert report["summary"]["blocking"] == 0


def test_json_flag_prints_the_report(tmp_path: Path) -> None:
    plan = save(shipped_plan("prod"), tmp_path)
    result = invoke_llz(["audit", "prod", "--plan", str(plan), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["format"] == "llz.audit/v1"
    assert report["stack"] == "prod" and report["environment"] == "prod"
    (finding,) = report["findings"]
    assert finding["suppressed"] is True and TDE_WAIVER in finding["justification"]
    assert "generated_at" not in report


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "nowhere"], "unknown environment"),
        (["audit", "prod", "--plan", "/nonexistent/plan.json"], "file not found"),
        (["audit", "prod", "--format", "json", "--format", "sarif"], "--out-dir"),
        (["audit", "prod", "--endpoint-url", "http://127.0.0.1:1"], "--archive"),
        (["audit", "prod", "--format", "pdf"], "pdf"),
    ],
)
def test_bad_input_exits_1(args: list[str], message: str) -> None:
    result = invoke_llz(args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_malformed_plan_file_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"format": "llz.plan/v1", "project": "llz"}')
    result = invoke_llz(["audit", "prod", "--plan", str(bad)])
    assert result.exit_code == 1
    assert "error:" in result.stderr and "plan.json" in result.stderr


def test_deployed_state_export_is_audited(tmp_path: Path) -> None:
    """`--plan` also takes `pulumi stack export` output: the audit of what is deployed."""
    plan = mutated("prod", RDS_NAME, securityIps=["0.0.0.0/0"])
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "custom": r.custom,
            "protect": r.protect,
            "inputs": dict(r.inputs),
            "outputs": {},
            **({"parent": r.parent} if r.parent else {}),
            "dependencies": list(r.dependencies),
        }
        for r in plan.resources
    ]
    export = tmp_path / "state.json"
    export.write_text(json.dumps({"version": 3, "deployment": {"resources": resources}}))
    result = invoke_llz(["audit", "prod", "--plan", str(export), "--json"])
    assert result.exit_code == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["engine"] == "pulumi"
    assert [f["rule_id"] for f in report["findings"] if f["blocking"]] == ["LLZ-NET-001"]


def test_plan_of_another_stack_is_refused(tmp_path: Path) -> None:
    plan = save(shipped_plan("dev"), tmp_path)
    result = invoke_llz(["audit", "prod", "--plan", str(plan)])
    assert result.exit_code == 1
    assert "'dev', not 'prod'" in result.stderr


def test_out_dir_writes_every_report(tmp_path: Path) -> None:
    plan = save(mutated("prod", RDS_NAME, sslAction="Close"), tmp_path)
    out = tmp_path / "reports"
    out.mkdir()
    result = invoke_llz(["audit", "prod", "--plan", str(plan), "--out-dir", str(out)])
    assert result.exit_code == 3, result.output
    names = {p.name for p in out.iterdir()}
    assert {"report.txt", "report.md", "report.json", "report.sarif", "report.junit.xml"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    junit = ET.parse(out / "report.junit.xml").getroot()
    assert junit.get("failures") == "1" and junit.get("skipped") == "1"
    assert json.loads((out / "report.sarif").read_text())["version"] == "2.1.0"
    assert "LLZ-TLS-001" in (out / "report.md").read_text()


def test_out_dir_is_created_when_missing_and_refused_when_a_file(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "2026-11"
    result = invoke_llz(["audit", "dev", "--format", "json", "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["report.json"]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    refused = invoke_llz(["audit", "dev", "--out-dir", str(blocker)])
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: llz audit run: invalid value for '--out-dir': ")
    assert "is a file" in refused.stderr
    assert blocker.read_text() == "x"


def test_a_failed_audit_creates_no_out_dir(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = invoke_llz(["audit", "dev", "--plan", str(tmp_path / "missing.json"),
                         "--out-dir", str(out)])
    assert result.exit_code == 1
    assert not out.exists()


def test_out_dir_with_chosen_formats_only(tmp_path: Path) -> None:
    plan = save(shipped_plan("prod"), tmp_path)
    args = ["audit", "prod", "--plan", str(plan), "--out-dir", str(tmp_path)]
    result = invoke_llz([*args, "--format", "sarif", "--format", "junit"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("report"))
    assert written == ["report.junit.xml", "report.sarif"]


def test_single_format_goes_to_stdout(tmp_path: Path) -> None:
    plan = save(shipped_plan("prod"), tmp_path)
    result = invoke_llz(["audit", "prod", "--plan", str(plan), "--format", "junit"])
    assert result.exit_code == 0, result.output
    assert ET.fromstring(result.stdout.split("\n", 1)[1]).tag == "testsuites"


def test_reports_are_reproducible_and_take_a_timestamp_only_when_given(tmp_path: Path) -> None:
    plan = save(shipped_plan("prod"), tmp_path)
    first = invoke_llz(["audit", "prod", "--plan", str(plan), "--format", "markdown"])
    second = invoke_llz(["audit", "prod", "--plan", str(plan), "--format", "markdown"])
    assert first.stdout == second.stdout
    stamped = invoke_llz(
        ["audit", "prod", "--plan", str(plan), "--json", "--generated-at", "2026-11-24T21:00Z"]
    )
    assert json.loads(stamped.stdout)["generated_at"] == "2026-11-24T21:00Z"


def test_baseline_adds_the_diff_section(tmp_path: Path) -> None:
    base = save(shipped_plan("prod"), tmp_path, "base.json")
    plan = save(mutated("prod", RDS_NAME, sqlCollectorConfigValue=400), tmp_path)
    result = invoke_llz(["audit", "prod", "--plan", str(plan), "--baseline", str(base), "--json"])
    assert result.exit_code == 0, result.output
    diff = json.loads(result.stdout)["diff"]
    (change,) = diff["changes"]
    assert change["name"] == RDS_NAME and change["action"] == "change"
    assert {"path": "sqlCollectorConfigValue", "old": 365, "new": 400} in change["properties"]


def test_archive_hands_the_report_set_to_the_archiver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cli.archive as archive

    calls: list[dict[str, Any]] = []

    class Receipt:
        def to_dict(self) -> dict[str, Any]:
            return {"sequence": 1, "manifest_sha256": "ab" * 32}

    def fake_archive(url: str, files: dict[str, bytes], **kwargs: Any) -> Receipt:
        calls.append({"url": url, "files": files, **kwargs})
        return Receipt()

    monkeypatch.setattr(archive, "archive_reports", fake_archive)
    plan = save(shipped_plan("prod"), tmp_path)
    result = invoke_llz(
        [
            "audit",
            "prod",
            "--plan",
            str(plan),
            "--archive",
            "s3://audit/llz",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ]
    )
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert call["url"] == "s3://audit/llz" and call["endpoint_url"] == "http://127.0.0.1:9"
    assert call["stack"] == "prod" and call["environment"] == "prod"
    assert {"report.json", "report.sarif", "report.md", "plan.json"} <= set(call["files"])
    assert TDE_WAIVER.encode() in call["files"]["report.json"]
    assert "archived" in result.stderr


def test_audit_group_help_and_verify_subcommand() -> None:
    group = invoke_llz(["audit", "--help"])
    assert group.exit_code == 0 and "verify" in group.stdout and "llz audit ENV" in group.stdout
    options = invoke_llz(["audit", "prod", "--help"])
    assert options.exit_code == 0 and "--out-dir" in options.stdout
    verify = invoke_llz(["audit", "verify", "--help"])
    assert verify.exit_code == 0 and "S3_URL" in verify.stdout
