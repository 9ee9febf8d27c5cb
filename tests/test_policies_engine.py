"""The policy pack as the real Pulumi engine drives it, and LLZ-COST-001 as a stack rule.

The engine talks to the pack over gRPC: ``Configure`` hands it the
``--policy-pack-config`` file (enforcement level apart, every value travels as a protobuf
Struct, so integers come back as floats), then ``Analyze`` runs the resource policies on one
resource and ``AnalyzeStack`` runs the stack policies on all of them. These tests call
pulumi-policy's own servicer with such requests, built from the shipped Plans.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

from cli.audit import audit_plan
from cli.plan import Plan, PlannedResource
from policies import checks
from policies.config import settings_from_spec
from policies.rules import POLICIES
from policies.settings import PolicySettings
from stacks.config import load_spec
from tests.conftest import ENVIRONMENTS, PROJECT_DIR, shipped_plan

LEVELS = {"advisory": proto.ADVISORY, "mandatory": proto.MANDATORY, "disabled": proto.DISABLED}


def _config_file(env: str) -> dict[str, dict[str, Any]]:
    path = PROJECT_DIR / "policy-pack" / "config" / f"{env}.json"
    loaded: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _servicer(config: dict[str, dict[str, Any]]) -> _PolicyAnalyzerServicer:
    """The pack's gRPC servicer, configured as ``--policy-pack-config`` configures it."""
    servicer = _PolicyAnalyzerServicer(
        "llz-landing-zone", "1.0.0", list(POLICIES), EnforcementLevel.ADVISORY
    )
    request = proto.ConfigureAnalyzerRequest()
    for name, entry in config.items():
        properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        request.policyConfig[name].CopyFrom(
            proto.PolicyConfig(
                enforcementLevel=LEVELS[entry["enforcementLevel"]],
                properties=_struct(properties),
            )
        )
    servicer.Configure(request, None)
    return servicer


def _resource(resource: PlannedResource) -> Any:
    return proto.AnalyzerResource(
        type=resource.type,
        properties=_struct(json.loads(json.dumps(resource.inputs))),
        urn=resource.urn,
        name=resource.name,
        options=proto.AnalyzerResourceOptions(protect=resource.protect),
        parent=resource.parent or "",
        dependencies=list(resource.dependencies),
    )


def _diagnostics(response: Any) -> list[tuple[str, str, int]]:
    return sorted(
        (d.policyName, d.urn.rsplit("::", 1)[-1], d.enforcementLevel) for d in response.diagnostics
    )


def _analyze_each(servicer: _PolicyAnalyzerServicer, plan: Plan) -> list[tuple[str, str, int]]:
    found: list[tuple[str, str, int]] = []
    for resource in plan.custom_resources():
        response = servicer.Analyze(
            proto.AnalyzeRequest(
                type=resource.type,
                properties=_struct(json.loads(json.dumps(resource.inputs))),
                urn=resource.urn,
                name=resource.name,
                options=proto.AnalyzerResourceOptions(protect=resource.protect),
            ),
            None,
        )
        found += [(d.policyName, resource.name, d.enforcementLevel) for d in response.diagnostics]
    return sorted(found)


def _analyze_stack(servicer: _PolicyAnalyzerServicer, plan: Plan) -> list[tuple[str, str, int]]:
    request = proto.AnalyzeStackRequest(resources=[_resource(r) for r in plan.resources])
    return _diagnostics(servicer.AnalyzeStack(request, None))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_generated_config_validates_against_each_policys_schema(env: str) -> None:
    """What the Pulumi CLI checks before it configures the pack: every entry, without its
    enforcementLevel, against the policy's config schema (here also: no unknown keys)."""
    config = _config_file(env)
    assert set(config) == {policy.name for policy in POLICIES}
    for policy in POLICIES:
        assert policy.config_schema is not None
        schema = {
            "type": "object",
            "properties": policy.config_schema.properties,
            "additionalProperties": False,
        }
        values = {k: v for k, v in config[policy.name].items() if k != "enforcementLevel"}
        jsonschema.validate(values, schema)
        assert config[policy.name]["enforcementLevel"] in LEVELS


def test_schema_refuses_a_misspelt_charge_type() -> None:
    policy = next(p for p in POLICIES if p.name == "LLZ-COST-001")
    assert policy.config_schema is not None
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"allowedBandwidthChargeTypes": ["eip:PayByTrafic"]},
            {"type": "object", "properties": policy.config_schema.properties},
        )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_real_engine_path_agrees_with_the_offline_audit(env: str) -> None:
    """Same findings through gRPC (config from the shipped file) as from ``llz audit``."""
    plan = shipped_plan(env)
    servicer = _servicer(_config_file(env))
    engine = _analyze_each(servicer, plan) + _analyze_stack(servicer, plan)
    spec = load_spec(PROJECT_DIR, env)  # the config file waives what the spec suppresses
    offline = audit_plan(plan, env, spec.policy.suppressions, settings=settings_from_spec(spec))
    level = LEVELS[PolicySettings(env).enforcement]
    assert sorted(engine) == sorted((f.rule_id, f.resource_name, level) for f in offline.active)


def test_prod_config_blocks_a_short_backup_retention_through_the_engine() -> None:
    """minBackupRetentionDays arrives as 30.0 (a Struct number) and still judges 7 < 30."""
    plan = shipped_plan("prod")
    backup = next(r for r in plan.custom_resources() if r.type == checks.RDS_BACKUP)
    short = Plan.from_dict(
        {
            **plan.to_dict(),
            "resources": [
                {**r, "inputs": {**r["inputs"], "backupRetentionPeriod": 7}}
                if r["urn"] == backup.urn
                else r
                for r in plan.to_dict()["resources"]
            ],
        },
        "test",
    )
    found = _analyze_stack(_servicer(_config_file("prod")), short)
    assert found == [("LLZ-BAK-001", backup.name, proto.MANDATORY)]


# LLZ-COST-001: an EIP joined to a shared bandwidth package is billed by the package -------


def _cost(plan: Plan, env: str, allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    result = audit_plan(plan, env, settings=PolicySettings(env, allowed))
    return [(f.resource_name, f.message) for f in result.findings if f.rule_id == "LLZ-COST-001"]


def test_an_eip_in_a_shared_package_is_judged_by_the_package() -> None:
    """prod: a PayByTraffic EIP joined to a PayBy95 package."""
    prod = shipped_plan("prod")
    eip = next(r for r in prod.custom_resources() if r.type == checks.EIP)
    assert eip.inputs["internetChargeType"] == "PayByTraffic"
    assert _cost(prod, "prod", ("sharedPackage:PayBy95",)) == []
    assert _cost(prod, "prod", ("eip:PayByTraffic",)) == [
        (
            "prod-bandwidth-package",
            "bandwidth charge type sharedPackage:PayBy95 is not allowed in prod "
            "(allowed: eip:PayByTraffic)",
        )
    ]


def test_a_standalone_eip_is_judged_by_its_own_charge_type() -> None:
    dev = shipped_plan("dev")
    assert not any(r.type == checks.PACKAGE for r in dev.resources)
    assert _cost(dev, "dev", ("eip:PayByTraffic",)) == []
    found = _cost(dev, "dev", ("sharedPackage:PayBy95",))
    assert [(name, "eip:PayByTraffic" in message) for name, message in found] == [
        ("dev-bandwidth-eip", True)
    ]


def test_an_eip_joined_to_a_package_outside_the_stack_is_flagged() -> None:
    """The charge type that bills it cannot be seen: no silent pass."""
    data = shipped_plan("prod").to_dict()
    package = next(r["urn"] for r in data["resources"] if r["type"] == checks.PACKAGE)
    data["resources"] = [
        {**r, "dependencies": [d for d in r["dependencies"] if d != package]}
        for r in data["resources"]
        if r["urn"] != package
    ]
    found = _cost(Plan.from_dict(data, "test"), "prod", ("sharedPackage:PayBy95",))
    assert [(name, "outside this stack" in message) for name, message in found] == [
        ("prod-bandwidth-eip", True)
    ]


def test_a_plan_without_dependencies_links_the_attachment_within_its_component() -> None:
    """Plans from engine events carry no dependencies; the attachment's siblings stand in."""
    data = shipped_plan("prod").to_dict()
    data["resources"] = [{**r, "dependencies": []} for r in data["resources"]]
    events_like = Plan.from_dict(data, "test")
    assert _cost(events_like, "prod", ("sharedPackage:PayBy95",)) == []
    assert [name for name, _ in _cost(events_like, "prod", ("eip:PayByTraffic",))] == [
        "prod-bandwidth-package"
    ]


def test_cost_rule_through_the_engine_judges_the_package_not_the_eip() -> None:
    config = _config_file("prod")
    config["LLZ-COST-001"]["allowedBandwidthChargeTypes"] = ["sharedPackage:PayByBandwidth"]
    found = _analyze_stack(_servicer(config), shipped_plan("prod"))
    assert found == [("LLZ-COST-001", "prod-bandwidth-package", proto.MANDATORY)]


def test_cost_rule_honours_a_suppression_of_the_package_only() -> None:
    config = _config_file("prod")
    config["LLZ-COST-001"]["allowedBandwidthChargeTypes"] = ["eip:PayByTraffic"]
    config["LLZ-COST-001"]["suppressedResources"] = ["prod-bandwidth-package"]
    assert _analyze_stack(_servicer(config), shipped_plan("prod")) == []
    config["LLZ-ENC-001"]["suppressedResources"] = []
    config["LLZ-COST-001"]["suppressedResources"] = ["prod-bandwidth-eip"]
    found = _analyze_stack(_servicer(config), shipped_plan("prod"))
    assert found == [("LLZ-COST-001", "prod-bandwidth-package", proto.MANDATORY)]


def _backups(plan: Plan, env: str = "prod") -> list[tuple[str, str]]:
    result = audit_plan(plan, env, settings=PolicySettings(env, ()))
    return [(f.resource_name, f.message) for f in result.findings if f.rule_id == "LLZ-BAK-001"]


def _without_backup_policy(plan: Plan) -> Plan:
    data = plan.to_dict()
    policy = next(r["urn"] for r in data["resources"] if r["type"] == checks.RDS_BACKUP)
    data["resources"] = [r for r in data["resources"] if r["urn"] != policy]
    return Plan.from_dict(data, "test")


def test_an_rds_instance_without_a_backup_policy_is_judged_by_the_default_retention() -> None:
    """Without a BackupPolicy, RDS keeps data backups 7 days: too few in prod, enough in dev."""
    prod = shipped_plan("prod")
    assert _backups(prod) == []
    assert _backups(_without_backup_policy(prod)) == [
        (
            "prod-rds-mysql",
            "no BackupPolicy: Alibaba Cloud's default keeps backups 7 days; prod keeps backups "
            ">= 30 days",
        )
    ]
    assert _backups(_without_backup_policy(shipped_plan("dev")), "dev") == []


def test_a_plan_without_dependencies_links_the_backup_policy_within_its_component() -> None:
    data = shipped_plan("prod").to_dict()
    data["resources"] = [{**r, "dependencies": []} for r in data["resources"]]
    assert _backups(Plan.from_dict(data, "test")) == []


def test_backup_rule_through_the_engine_sees_the_policy_by_its_dependency() -> None:
    prod = shipped_plan("prod")
    assert _analyze_stack(_servicer(_config_file("prod")), prod) == []
    found = _analyze_stack(_servicer(_config_file("prod")), _without_backup_policy(prod))
    assert found == [("LLZ-BAK-001", "prod-rds-mysql", proto.MANDATORY)]
