"""The rules as pulumi-policy objects: each passes on the shipped prod plan and fails on a
minimal violating resource; per-environment config; the policy pack and its config files."""

from __future__ import annotations

import importlib
import importlib.util
import json
import runpy
from collections.abc import Mapping
from typing import Any

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy

from cli.audit import audit_plan
from policies import checks
from policies.config import pack_config, pack_config_for_spec
from policies.rules import POLICIES, POLICIES_BY_ID, RULES, RULES_BY_ID
from policies.settings import ALL_CHARGE_TYPES, PolicySettings
from stacks.config import load_spec
from tests.conftest import ENVIRONMENTS, PROJECT_DIR, shipped_plan


def _base(resource_type: str, name: str | None = None) -> dict[str, Any]:
    """Inputs of a compliant resource of this type, taken from the shipped prod plan."""
    for resource in shipped_plan("prod").custom_resources():
        if resource.type == resource_type and (name is None or resource.name == name):
            return json.loads(json.dumps(dict(resource.inputs)))
    raise AssertionError(f"no {resource_type} in the prod plan")


def violations(
    rule_id: str,
    resource_type: str,
    props: Mapping[str, Any],
    *,
    env: str = "prod",
    protect: bool = True,
    allowed: tuple[str, ...] = ALL_CHARGE_TYPES,
    suppressed: tuple[str, ...] = (),
    name: str = "res",
) -> list[str]:
    """Run one policy's validate exactly as an engine does, collecting reported messages.

    A stack policy gets a stack holding just this resource."""
    config = pack_config(PolicySettings(env, allowed))[rule_id]
    config["suppressedResources"] = list(suppressed)
    opts = PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    urn = f"urn:pulumi:{env}::llz::{resource_type}::{name}"
    found: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append(message)

    policy = POLICIES_BY_ID[rule_id]
    if isinstance(policy, StackValidationPolicy):
        resource = PolicyResource(resource_type, props, urn, name, opts, None, None, [], {})
        policy.validate(StackValidationArgs([resource], config), report)
    else:
        assert isinstance(policy, ResourceValidationPolicy)
        policy.validate(
            ResourceValidationArgs(resource_type, props, urn, name, opts, None, config), report
        )
    return found


def _with(
    resource_type: str, name: str | None = None, drop: tuple[str, ...] = (), **changes: Any
) -> dict[str, Any]:
    props = _base(resource_type, name)
    for key in drop:
        props.pop(key, None)
    props.update(changes)
    return props


# (rule, type, props, extra keyword arguments for `violations`, expected text in the message)
VIOLATING: list[tuple[str, str, dict[str, Any], dict[str, Any], str]] = [
    ("LLZ-HA-001", checks.RDS, _with(checks.RDS, category="Basic"), {}, "HighAvailability"),
    ("LLZ-HA-001", checks.RDS, _with(checks.RDS, zoneIdSlaveA="cn-shanghai-e"), {}, "both in"),
    ("LLZ-HA-001", checks.RDS, _with(checks.RDS, drop=("zoneIdSlaveA",)), {}, "not set"),
    ("LLZ-HA-002", checks.REDIS, _with(checks.REDIS, drop=("secondaryZoneId",)), {}, "not set"),
    (
        "LLZ-HA-002",
        checks.REDIS,
        _with(checks.REDIS, secondaryZoneId="cn-shanghai-e"),
        {},
        "equals",
    ),
    ("LLZ-HA-003", checks.MONGODB, _with(checks.MONGODB, replicationFactor=1), {}, "at least 3"),
    (
        "LLZ-HA-003",
        checks.MONGODB,
        _with(checks.MONGODB, drop=("secondaryZoneId",)),
        {},
        "single zone",
    ),
    (
        "LLZ-HA-003",
        checks.MONGODB,
        _with(checks.MONGODB, hiddenZoneId="cn-shanghai-e"),
        {},
        "hiddenZoneId",
    ),
    ("LLZ-NET-001", checks.RDS, _with(checks.RDS, securityIps=["0.0.0.0/0"]), {}, "0.0.0.0/0"),
    (
        "LLZ-NET-001",
        checks.RDS,
        _with(checks.RDS, securityIps="10.30.1.0/24,47.100.1.1"),
        {},
        "47.100.1.1",
    ),
    (
        "LLZ-NET-001",
        checks.REDIS,
        _with(checks.REDIS, securityIps=["10.0.0.0/8", "8.8.8.0/24"]),
        {},
        "8.8.8.0/24",
    ),
    (
        "LLZ-NET-001",
        checks.MONGODB,
        _with(checks.MONGODB, securityIpLists=["0.0.0.0"]),
        {},
        "0.0.0.0",
    ),
    ("LLZ-NET-002", checks.SG_RULE, _with(checks.SG_RULE, cidrIp="0.0.0.0/0"), {}, "0.0.0.0/0"),
    (
        "LLZ-NET-002",
        checks.SG_RULE,
        _with(checks.SG_RULE, drop=("cidrIp",), ipv6CidrIp="::/0"),
        {},
        "::/0",
    ),
    (
        "LLZ-NET-002",
        checks.SG_RULE,
        _with(checks.SG_RULE, cidrIp="0.0.0.0/0.0.0.0"),
        {},
        "0.0.0.0/0.0.0.0",
    ),
    ("LLZ-NET-003", checks.ECS, _with(checks.ECS, internetMaxBandwidthOut=10), {}, "public IP"),
    ("LLZ-NET-003", checks.ECS, _with(checks.ECS, allocatePublicIp=True), {}, "allocatePublicIp"),
    ("LLZ-TLS-001", checks.RDS, _with(checks.RDS, sslAction="Close"), {}, "sslAction"),
    ("LLZ-TLS-001", checks.REDIS, _with(checks.REDIS, sslEnable="Disable"), {}, "sslEnable"),
    ("LLZ-TLS-001", checks.MONGODB, _with(checks.MONGODB, drop=("sslAction",)), {}, "sslAction"),
    (
        "LLZ-TLS-002",
        checks.LISTENER,
        _with(checks.LISTENER, "prod-ingress-oa-listener", tlsCipherPolicy="tls_cipher_policy_1_0"),
        {},
        "tls_cipher_policy_1_0",
    ),
    (
        "LLZ-TLS-002",
        checks.LISTENER,
        _with(checks.LISTENER, "prod-ingress-oa-listener", drop=("tlsCipherPolicy",)),
        {},
        "default",
    ),
    (
        "LLZ-TLS-002",
        checks.LISTENER,
        _with(checks.LISTENER, "prod-ingress-oa-redirect", drop=("listenerForward",)),
        {},
        "plain HTTP",
    ),
    ("LLZ-ENC-001", checks.RDS, _base(checks.RDS), {}, "TDE"),
    ("LLZ-ENC-001", checks.REDIS, _with(checks.REDIS, tdeStatus="Disabled"), {}, "TDE"),
    ("LLZ-ENC-001", checks.MONGODB, _with(checks.MONGODB, drop=("tdeStatus",)), {}, "TDE"),
    ("LLZ-ENC-002", checks.ECS, _with(checks.ECS, systemDiskEncrypted=False), {}, "system disk"),
    ("LLZ-ENC-002", checks.ECS, _with(checks.ECS, dataDisks=[{"size": 100}]), {}, "data disk 0"),
    (
        "LLZ-BAK-001",
        checks.RDS_BACKUP,
        _with(checks.RDS_BACKUP, backupRetentionPeriod=7),
        {},
        ">= 30",
    ),
    (
        "LLZ-BAK-001",
        checks.RDS_BACKUP,
        _with(checks.RDS_BACKUP, backupRetentionPeriod=3),
        {"env": "dev"},
        ">= 7",
    ),
    ("LLZ-BAK-001", checks.MONGODB, _with(checks.MONGODB, backupRetentionPeriod=14), {}, ">= 30"),
    ("LLZ-BAK-001", checks.RDS, _base(checks.RDS), {}, "no BackupPolicy"),
    ("LLZ-AUD-001", checks.RDS, _with(checks.RDS, sqlCollectorConfigValue=30), {}, ">= 180"),
    ("LLZ-AUD-001", checks.RDS, _with(checks.RDS, sqlCollectorStatus="Disabled"), {}, "off"),
    (
        "LLZ-PROT-001",
        checks.RDS,
        _with(checks.RDS, deletionProtection=False),
        {},
        "deletionProtection",
    ),
    ("LLZ-PROT-001", checks.RDS, _base(checks.RDS), {"protect": False}, "protect"),
    (
        "LLZ-PROT-001",
        checks.REDIS,
        _with(checks.REDIS, instanceReleaseProtection=False),
        {},
        "instanceReleaseProtection",
    ),
    (
        "LLZ-PROT-001",
        checks.MONGODB,
        _with(checks.MONGODB, dbInstanceReleaseProtection=False),
        {},
        "dbInstanceReleaseProtection",
    ),
    (
        "LLZ-PROT-001",
        checks.EIP,
        _with(checks.EIP, deletionProtection=False),
        {},
        "deletionProtection",
    ),
    (
        "LLZ-COST-001",
        checks.EIP,
        _with(checks.EIP, internetChargeType="PayByBandwidth"),
        {"allowed": ("eip:PayByTraffic",)},
        "eip:PayByBandwidth",
    ),
    (
        "LLZ-COST-001",
        checks.PACKAGE,
        _base(checks.PACKAGE),
        {"allowed": ("eip:PayByTraffic",)},
        "sharedPackage:PayBy95",
    ),
    (
        "LLZ-COST-001",
        checks.PACKAGE,
        _with(checks.PACKAGE, drop=("internetChargeType",)),
        {"allowed": ("sharedPackage:PayBy95",)},
        "sharedPackage:PayByBandwidth (internetChargeType not set",
    ),
    (
        "LLZ-TAG-001",
        "alicloud:vpc/switch:Switch",
        _with("alicloud:vpc/switch:Switch", tags={"env": "prod", "owner": "it-ops"}),
        {},
        "cost-center",
    ),
    (
        "LLZ-TAG-001",
        "alicloud:vpc/network:Network",
        _with("alicloud:vpc/network:Network", drop=("tags",)),
        {},
        "env, owner, cost-center",
    ),
    (
        "LLZ-TAG-001",
        checks.RDS,
        _with(checks.RDS, tags={"env": "dev", "owner": "x", "cost-center": "y"}),
        {},
        "'dev'",
    ),
]


@pytest.mark.parametrize("engine", ["offline", "pulumi"])
@pytest.mark.parametrize(
    ("rule_id", "resource_type", "props", "kwargs", "expected"),
    VIOLATING,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(VIOLATING)],
)
def test_rule_fails_on_a_minimal_violating_resource(
    rule_id: str,
    resource_type: str,
    props: dict[str, Any],
    kwargs: dict[str, Any],
    expected: str,
    engine: str,
) -> None:
    """Offline props are plain dicts and lists; the real engine passes them through
    pulumi-policy's unknown-checking proxies (Mapping/Sequence, not dict/list)."""
    if engine == "pulumi":
        props = unknown_checking_proxy(props)
    found = violations(rule_id, resource_type, props, **kwargs)
    assert found, f"{rule_id} let a violating {resource_type} pass"
    assert any(expected in message for message in found), found


def test_every_rule_has_a_violating_case() -> None:
    assert {case[0] for case in VIOLATING} == set(RULES_BY_ID)


# The same resources are fine where the environment's policy allows them.
PASSING_ELSEWHERE: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "LLZ-BAK-001",
        checks.RDS_BACKUP,
        _with(checks.RDS_BACKUP, backupRetentionPeriod=7),
        {"env": "dev"},
    ),
    ("LLZ-BAK-001", checks.RDS_BACKUP, _with(checks.RDS_BACKUP, backupRetentionPeriod=30.0), {}),
    # Without a BackupPolicy, RDS keeps backups 7 days: enough outside prod.
    ("LLZ-BAK-001", checks.RDS, _base(checks.RDS), {"env": "dev"}),
    ("LLZ-AUD-001", checks.RDS, _with(checks.RDS, sqlCollectorConfigValue=30), {"env": "staging"}),
    (
        "LLZ-PROT-001",
        checks.RDS,
        _with(checks.RDS, deletionProtection=False),
        {"env": "dev", "protect": False},
    ),
    ("LLZ-COST-001", checks.EIP, _with(checks.EIP, internetChargeType="PayByBandwidth"), {}),
    (
        "LLZ-COST-001",
        checks.EIP,
        _with(checks.EIP, drop=("internetChargeType",)),
        {"allowed": ("eip:PayByBandwidth",)},
    ),
    ("LLZ-NET-002", checks.SG_RULE, _with(checks.SG_RULE, cidrIp="0.0.0.0/0", policy="drop"), {}),
    ("LLZ-NET-002", checks.SG_RULE, _with(checks.SG_RULE, cidrIp="0.0.0.0/0", type="egress"), {}),
    ("LLZ-NET-001", checks.RDS, _with(checks.RDS, securityIps="10.30.1.0/24,10.30.2.0/24"), {}),
    ("LLZ-HA-001", checks.RDS, _with(checks.RDS, category="Finance"), {}),
    (
        "LLZ-TLS-002",
        checks.LISTENER,
        _with(
            checks.LISTENER, "prod-ingress-oa-listener", protocol="tcp", drop=("tlsCipherPolicy",)
        ),
        {},
    ),
]


@pytest.mark.parametrize(("rule_id", "resource_type", "props", "kwargs"), PASSING_ELSEWHERE)
def test_rule_passes_where_the_environment_allows_it(
    rule_id: str, resource_type: str, props: dict[str, Any], kwargs: dict[str, Any]
) -> None:
    assert violations(rule_id, resource_type, props, **kwargs) == []


def test_every_rule_passes_on_the_shipped_prod_plan_except_the_suppressed_one() -> None:
    spec = load_spec(PROJECT_DIR, "prod")
    settings = PolicySettings("prod", spec.policy.allowed_bandwidth_charge_types)
    result = audit_plan(shipped_plan("prod"), "prod", (), settings=settings)
    assert [(f.rule_id, f.resource_name) for f in result.findings] == [
        ("LLZ-ENC-001", "prod-rds-mysql")
    ]
    assert [(s.rule, s.resource) for s in spec.policy.suppressions] == [
        ("LLZ-ENC-001", "prod-rds-mysql")
    ]


def test_validate_skips_resources_suppressed_in_the_policy_config() -> None:
    """How the real engine honours a suppression: the config lists the resource."""
    props = _base(checks.RDS)
    assert violations("LLZ-ENC-001", checks.RDS, props, name="prod-rds-mysql")
    assert not violations(
        "LLZ-ENC-001", checks.RDS, props, name="prod-rds-mysql", suppressed=("prod-rds-mysql",)
    )
    assert violations(
        "LLZ-ENC-001", checks.RDS, props, name="other-rds", suppressed=("prod-rds-mysql",)
    )


def test_rules_ignore_resource_types_they_do_not_judge() -> None:
    assert violations("LLZ-HA-001", checks.REDIS, {"category": "Basic"}) == []


def test_unknown_config_falls_back_to_the_strict_prod_defaults() -> None:
    opts = PolicyResourceOptions(True, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    props = _with(checks.RDS, sqlCollectorConfigValue=30)
    args = ResourceValidationArgs(checks.RDS, props, "urn:x", "b", opts, None)
    found: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append(message)

    policy = POLICIES_BY_ID["LLZ-AUD-001"]
    assert isinstance(policy, ResourceValidationPolicy)
    policy.validate(args, report)
    assert found and ">= 180" in found[0]


def test_policy_objects_carry_the_catalogue() -> None:
    assert [p.name for p in POLICIES] == [r.id for r in RULES]
    assert len(RULES) == 15
    for policy, rule in zip(POLICIES, RULES, strict=True):
        kind = StackValidationPolicy if rule.stack else ResourceValidationPolicy
        assert isinstance(policy, kind)
        assert policy.severity is not None and policy.severity.value == rule.severity
        assert policy.remediation_steps == rule.remediation
        assert policy.tags and policy.display_name == rule.title
        assert rule.rationale and rule.title and rule.severity in checks_severities()
        assert policy.config_schema is not None
        assert {"environment", "suppressedResources", *rule.config_keys} == set(
            policy.config_schema.properties
        )


def checks_severities() -> set[str]:
    return {"critical", "high", "medium", "low"}


def test_taggable_types_are_those_whose_provider_args_have_tags() -> None:
    """TAGGABLE is checked against pulumi_alicloud for every type the stacks declare."""
    types = {r.type for env in ENVIRONMENTS for r in shipped_plan(env).custom_resources()}
    for token in sorted(t for t in types if t.startswith("alicloud:")):
        _, module, name = token.split(":")
        package = importlib.import_module(f"pulumi_alicloud.{module.split('/')[0]}")
        has_tags = hasattr(getattr(package, f"{name}Args"), "tags")
        assert has_tags == (token in checks.TAGGABLE), token


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_policy_config_enforcement_per_environment(env: str) -> None:
    config = pack_config_for_spec(load_spec(PROJECT_DIR, env))
    assert set(config) == set(RULES_BY_ID)
    expected = "mandatory" if env == "prod" else "advisory"
    assert {entry["enforcementLevel"] for entry in config.values()} == {expected}
    assert {entry["environment"] for entry in config.values()} == {env}


def test_prod_config_suppresses_the_one_resource_under_its_rule_only() -> None:
    config = pack_config_for_spec(load_spec(PROJECT_DIR, "prod"))
    waived = {rule: entry["suppressedResources"] for rule, entry in config.items()}
    assert waived.pop("LLZ-ENC-001") == ["prod-rds-mysql"]
    assert all(value == [] for value in waived.values())
    assert config["LLZ-BAK-001"]["minBackupRetentionDays"] == 30
    assert config["LLZ-AUD-001"]["minSqlAuditRetentionDays"] == 180


def test_generated_policy_config_files_are_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location(
        "llz_policy_config_script", PROJECT_DIR / "scripts" / "policy_config.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0
    for env in ENVIRONMENTS:
        on_disk = json.loads((PROJECT_DIR / "policy-pack" / "config" / f"{env}.json").read_text())
        assert on_disk == pack_config_for_spec(load_spec(PROJECT_DIR, env))


def test_policy_pack_imports_without_starting_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    import pulumi_policy

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("PolicyPack must not be built on import")

    monkeypatch.setattr(pulumi_policy, "PolicyPack", refuse)
    spec = importlib.util.spec_from_file_location(
        "llz_policy_pack", PROJECT_DIR / "policy-pack" / "__main__.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert [p.name for p in module.policies()] == [r.id for r in RULES]


def test_policy_pack_main_builds_the_pack_with_every_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pulumi_policy

    built: dict[str, Any] = {}

    def fake_pack(**kwargs: Any) -> None:
        built.update(kwargs)

    monkeypatch.setattr(pulumi_policy, "PolicyPack", fake_pack)
    runpy.run_path(str(PROJECT_DIR / "policy-pack" / "__main__.py"), run_name="__main__")
    assert built["name"] == "llz-landing-zone"
    assert [p.name for p in built["policies"]] == [r.id for r in RULES]
    assert built["enforcement_level"] == pulumi_policy.EnforcementLevel.ADVISORY
