"""The composition of each shipped stack: what it declares, protected and tagged as promised."""

from __future__ import annotations

from collections import Counter

import pytest

from cli.plan import Plan, PlannedResource
from tests.components import EIP, MONGODB, RDS, REDIS, missing_tags, orphans, taggable
from tests.conftest import ENVIRONMENTS, shipped_plan

SYSTEMS = ("oa", "erp", "finance", "crm", "dashboard")
RDS_DATABASE = "alicloud:rds/database:Database"
PACKAGE = "alicloud:vpc/commonBandwithPackage:CommonBandwithPackage"
ATTACHMENT = "alicloud:vpc/commonBandwithPackageAttachment:CommonBandwithPackageAttachment"
SLB = "alicloud:slb/applicationLoadBalancer:ApplicationLoadBalancer"
STATEFUL = (RDS, RDS_DATABASE, REDIS, MONGODB, EIP)

# Per stack: zones, servers per zone, shared bandwidth package.
LAYOUT = {"dev": (2, 1, False), "staging": (3, 1, False), "prod": (3, 2, True)}


def expected_counts(env: str) -> dict[str, int]:
    zones, per_zone, shared = LAYOUT[env]
    systems = len(SYSTEMS)
    counts = {
        "alicloud:vpc/network:Network": 1,
        "alicloud:vpc/switch:Switch": 2 * zones,
        "alicloud:ecs/securityGroup:SecurityGroup": 2,
        "alicloud:ecs/securityGroupRule:SecurityGroupRule": systems + 3,
        "alicloud:ecs/instance:Instance": zones * per_zone,
        SLB: 1,
        "alicloud:ecs/eipAddress:EipAddress": 1,
        "alicloud:ecs/eipAssociation:EipAssociation": 1,
        "alicloud:slb/serverCertificate:ServerCertificate": 1,
        "alicloud:slb/listener:Listener": systems + 1,  # + oa's http->https redirect
        "alicloud:slb/serverGroup:ServerGroup": systems,
        "alicloud:slb/acl:Acl": systems,
        "alicloud:slb/serverGroupServerAttachment:ServerGroupServerAttachment": (
            systems * zones * per_zone
        ),
        # finance and dashboard have one office CIDR each, the others the two office ranges
        "alicloud:slb/aclEntryAttachment:AclEntryAttachment": 2 * 3 + 1 * 2,
        RDS: 1,
        "alicloud:rds/backupPolicy:BackupPolicy": 1,
        RDS_DATABASE: systems,
        "alicloud:rds/rdsAccount:RdsAccount": systems,
        "alicloud:rds/accountPrivilege:AccountPrivilege": systems,
        "random:index/randomPassword:RandomPassword": systems + 2,
        REDIS: 1,
        MONGODB: 1,
        "alicloud:cms/alarm:Alarm": 8,
        "alicloud:cms/alarmContact:AlarmContact": 2,
        "alicloud:cms/alarmContactGroup:AlarmContactGroup": 1,
    }
    if shared:
        counts[PACKAGE] = 1
        counts[ATTACHMENT] = 1
    for component in ("network:Network", "appservers:AppServers", "bandwidth:Bandwidth",
                      "ingress:Ingress", "database:Database", "cache:Cache",
                      "documentstore:DocumentStore", "monitoring:Monitoring"):
        counts[f"llz:{component}"] = 1
    return counts


def of_type(plan: Plan, type_token: str) -> list[PlannedResource]:
    return [r for r in plan.resources if r.type == type_token]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_resource_counts_by_type(env: str) -> None:
    assert dict(Counter(r.type for r in shipped_plan(env).resources)) == expected_counts(env)


@pytest.mark.parametrize("type_token", STATEFUL)
def test_prod_protects_every_stateful_resource(type_token: str) -> None:
    resources = of_type(shipped_plan("prod"), type_token)
    assert resources
    assert [r.name for r in resources if not r.protect] == []


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_non_prod_stacks_protect_nothing(env: str) -> None:
    assert [r.name for r in shipped_plan(env).resources if r.protect] == []


@pytest.mark.parametrize(
    ("type_token", "key"),
    [(RDS, "deletionProtection"), (EIP, "deletionProtection"),
     (REDIS, "instanceReleaseProtection"), (MONGODB, "dbInstanceReleaseProtection"),
     (PACKAGE, "deletionProtection")],
)
def test_prod_turns_on_cloud_deletion_protection(type_token: str, key: str) -> None:
    assert [r.inputs[key] for r in of_type(shipped_plan("prod"), type_token)] == [True]


def test_dev_has_no_cloud_deletion_protection() -> None:
    plan = shipped_plan("dev")
    flags = [r.inputs.get("deletionProtection") for r in of_type(plan, RDS) + of_type(plan, EIP)]
    assert flags == [False, False]


def test_prod_load_balancer_has_delete_and_modification_protection() -> None:
    slb = of_type(shipped_plan("prod"), SLB)
    assert [(s.inputs["deleteProtection"], s.inputs["modificationProtectionStatus"])
            for s in slb] == [("on", "ConsoleProtection")]


def test_prod_eip_joins_the_shared_bandwidth_package() -> None:
    plan = shipped_plan("prod")
    package = of_type(plan, PACKAGE)[0]
    attachment = of_type(plan, ATTACHMENT)[0]
    assert attachment.inputs["bandwidthPackageId"] == f"{package.name}-id"
    assert attachment.inputs["instanceId"] == f"{of_type(plan, EIP)[0].name}-id"


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_other_stacks_pay_for_the_eip_by_traffic(env: str) -> None:
    plan = shipped_plan(env)
    assert of_type(plan, PACKAGE) == []
    assert [e.inputs["internetChargeType"] for e in of_type(plan, EIP)] == ["PayByTraffic"]


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_mongodb_spans_three_zones(env: str) -> None:
    inputs = of_type(shipped_plan(env), MONGODB)[0].inputs
    zones = {inputs["zoneId"], inputs["secondaryZoneId"], inputs["hiddenZoneId"]}
    assert len(zones) == 3
    assert inputs["replicationFactor"] == 3


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_rds_standby_is_in_another_zone(env: str) -> None:
    inputs = of_type(shipped_plan(env), RDS)[0].inputs
    assert inputs["category"] == "HighAvailability"
    assert inputs["zoneId"] != inputs["zoneIdSlaveA"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize(
    "suffix",
    ["ingress-{s}-listener", "ingress-{s}-acl", "ingress-{s}-servers", "rds-{s}-db",
     "rds-{s}-account"],
)
def test_each_system_has(env: str, suffix: str) -> None:
    names = {r.name for r in shipped_plan(env).resources}
    missing = [s for s in SYSTEMS if f"{env}-" + suffix.format(s=s) not in names]
    assert missing == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_taggable_resource_is_tagged(env: str) -> None:
    plan = shipped_plan(env)
    untagged = {r.name: missing_tags(r) for r in taggable(plan) if missing_tags(r)}
    assert untagged == {}
    assert {r.inputs["tags"]["env"] for r in taggable(plan)} == {env}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_custom_resource_is_parented_to_a_component(env: str) -> None:
    assert orphans(shipped_plan(env)) == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_secrets_are_redacted(env: str) -> None:
    plan = shipped_plan(env)
    secret_inputs = [
        ("alicloud:rds/rdsAccount:RdsAccount", "accountPassword"),
        (REDIS, "password"),
        (MONGODB, "accountPassword"),
        ("alicloud:slb/serverCertificate:ServerCertificate", "privateKey"),
        ("alicloud:cms/alarmContact:AlarmContact", "channelsDingWebHook"),
    ]
    values = {r.inputs[key] for t, key in secret_inputs for r in of_type(plan, t)}
    assert values == {"[secret]"}


# Deprecated provider fields still in use (none: server groups and ACLs are filled through
# slb.ServerGroupServerAttachment and slb.AclEntryAttachment).
KNOWN_DEPRECATED: set[tuple[str, str]] = set()


def deprecated_inputs(plan: Plan) -> set[tuple[str, str]]:
    """(type, input) pairs whose pulumi_alicloud property is marked deprecated."""
    import importlib

    found: set[tuple[str, str]] = set()
    for resource in plan.custom_resources():
        package, module_path, name = resource.type.split(":")
        if package != "alicloud":
            continue
        module = importlib.import_module(f"pulumi_alicloud.{module_path.split('/')[0]}")
        cls = getattr(module, name)
        for attr in vars(cls).values():
            getter = attr.fget if isinstance(attr, property) else None
            key = str(getattr(getter, "_pulumi_name", ""))
            if key in resource.inputs and "_pulumi_deprecated_callable" in vars(getter):
                found.add((resource.type, key))
    return found


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_no_other_deprecated_provider_field_is_set(env: str) -> None:
    # The real engine warns about each on every preview ("acl_id is deprecated ...").
    assert deprecated_inputs(shipped_plan(env)) - KNOWN_DEPRECATED == set()
