"""`llz audit ENV --engine pulumi`: the real preview's Plan audited (Automation API faked)."""

from __future__ import annotations

import json

from cli.plan import Plan
from tests.conftest import invoke_llz, shipped_plan
from tests.test_engine_fakes import FakeFactory, FakeStack, same_events

pytest_plugins = ["tests.test_engine_fakes"]  # fixtures fake_engine, no_pulumi


def _violating(env: str) -> Plan:
    data = shipped_plan(env).to_dict()
    for resource in data["resources"]:
        if resource["type"] == "alicloud:kvstore/instance:Instance":
            resource["inputs"]["sslEnable"] = "Disable"
    return Plan.from_dict(data, "test")


def test_pulumi_engine_preview_plan_is_audited(fake_engine: FakeFactory) -> None:
    stack = FakeStack(preview_events=same_events(_violating("prod")))
    fake_engine.stacks["prod"] = stack
    result = invoke_llz(["audit", "prod", "--engine", "pulumi", "--json"])
    assert result.exit_code == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["engine"] == "pulumi"
    assert [f["rule_id"] for f in report["findings"] if not f["suppressed"]] == ["LLZ-TLS-001"]
    assert any(f["suppressed"] for f in report["findings"])  # the prod RDS TDE waiver
    (request,) = fake_engine.requests
    assert request.stack_name == "prod"
    kwargs = stack.kwargs("preview")
    assert kwargs["policy_packs"] is None  # the audit judges the plan itself


def test_pulumi_engine_without_the_cli_is_one_line_and_exit_1(no_pulumi: None) -> None:
    result = invoke_llz(["audit", "staging", "--engine", "pulumi"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: the Pulumi CLI is not installed")
    assert "Traceback" not in result.stderr


def test_plan_file_and_pulumi_engine_are_exclusive() -> None:
    result = invoke_llz(["audit", "prod", "--plan", "x.json", "--engine", "pulumi"])
    assert result.exit_code == 1
    assert "cannot be combined" in result.stderr
