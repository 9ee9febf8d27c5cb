"""Network: a VPC over the zones, app and data tiers, and tight security groups."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from cli.plan import Plan, PlannedResource
from components.base import ArgsError
from components.network import SLB_BACKEND_RANGE, BackendPort, Network, NetworkArgs
from tests.components import (
    APP_CIDRS,
    DATA_CIDRS,
    TAGGING,
    ZONES,
    missing_tags,
    named,
    of_type,
    one,
    orphans,
    run,
    taggable,
)

SWITCH = "alicloud:vpc/switch:Switch"
RULE = "alicloud:ecs/securityGroupRule:SecurityGroupRule"
BACKENDS = (
    BackendPort(8080, "oa"),
    BackendPort(8081, "erp"),
    BackendPort(9000, "ledger", client_cidrs=("203.0.113.0/28",)),
)
DATA_PORTS = (3306, 6379, 3717)


def make_args(**changes: Any) -> NetworkArgs:
    args = NetworkArgs(
        vpc_cidr="10.10.0.0/16",
        zones=ZONES[:2],
        app_cidrs=APP_CIDRS,
        data_cidrs=DATA_CIDRS,
        backend_ports=BACKENDS,
        data_ports=DATA_PORTS,
        tagging=TAGGING,
    )
    return replace(args, **changes)


@cache
def network_plan() -> Plan:
    return run(lambda: Network("t", make_args()))


def ingress_rules(group_name: str) -> list[PlannedResource]:
    group_id = f"{group_name}-id"
    return [
        r for r in of_type(network_plan(), RULE)
        if r.inputs["securityGroupId"] == group_id and r.inputs["type"] == "ingress"
    ]


def test_vpc_has_the_configured_cidr() -> None:
    assert one(network_plan(), "alicloud:vpc/network:Network").inputs["cidrBlock"] == "10.10.0.0/16"


@pytest.mark.parametrize(
    ("tier", "cidrs"), [("app", APP_CIDRS), ("data", DATA_CIDRS)]
)
def test_each_tier_has_one_vswitch_per_zone(tier: str, cidrs: tuple[str, ...]) -> None:
    switches = [r for r in of_type(network_plan(), SWITCH) if r.inputs["tags"]["tier"] == tier]
    layout = sorted((s.inputs["zoneId"], s.inputs["cidrBlock"]) for s in switches)
    assert layout == sorted(zip(ZONES[:2], cidrs, strict=True))


def test_no_rule_is_open_to_the_internet() -> None:
    rules = of_type(network_plan(), RULE)
    assert rules
    assert [r.name for r in rules if r.inputs.get("cidrIp") == "0.0.0.0/0"] == []


def test_app_tier_admits_the_load_balancer_on_each_backend_port() -> None:
    from_slb = {
        r.inputs["portRange"] for r in ingress_rules("t-app-sg")
        if r.inputs.get("cidrIp") == SLB_BACKEND_RANGE
    }
    assert from_slb == {f"{b.port}/{b.port}" for b in BACKENDS}


def test_app_tier_admits_clients_only_on_tcp_passthrough_ports() -> None:
    others = {
        (r.inputs["cidrIp"], r.inputs["portRange"]) for r in ingress_rules("t-app-sg")
        if r.inputs.get("cidrIp") != SLB_BACKEND_RANGE
    }
    assert others == {("203.0.113.0/28", "9000/9000")}


def test_data_tier_admits_only_the_app_security_group() -> None:
    rules = ingress_rules("t-data-sg")
    assert {r.inputs.get("sourceSecurityGroupId") for r in rules} == {"t-app-sg-id"}
    assert all("cidrIp" not in r.inputs for r in rules)


def test_data_tier_opens_exactly_the_data_ports() -> None:
    ports = {r.inputs["portRange"] for r in ingress_rules("t-data-sg")}
    assert ports == {f"{p}/{p}" for p in DATA_PORTS}


@pytest.mark.parametrize("group", ["t-app-sg", "t-data-sg"])
def test_security_groups_drop_traffic_inside_the_group(group: str) -> None:
    assert named(network_plan(), group).inputs["innerAccessPolicy"] == "Drop"


def test_every_taggable_resource_is_tagged() -> None:
    resources = taggable(network_plan())
    assert len(resources) == 1 + 4 + 2
    assert {r.name: missing_tags(r) for r in resources if missing_tags(r)} == {}


def test_every_resource_is_parented_to_the_component() -> None:
    assert orphans(network_plan()) == []
    assert one(network_plan(), "llz:network:Network").name == "t"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"zones": ZONES[:1], "app_cidrs": APP_CIDRS[:1], "data_cidrs": DATA_CIDRS[:1]},
         "zones"),
        ({"zones": (ZONES[0], ZONES[0])}, "zones"),
        ({"app_cidrs": APP_CIDRS[:1]}, "app_cidrs"),
        ({"data_cidrs": DATA_CIDRS[:1]}, "data_cidrs"),
        ({"app_cidrs": ("10.10.1.0/24", "10.10.1.128/25")}, "cidrs"),
        ({"data_cidrs": ("10.10.11.0/24", "10.20.12.0/24")}, "cidrs"),
        ({"app_cidrs": ("10.10.1.0/24", "10.10.2.0/33")}, "app_cidrs"),
        ({"vpc_cidr": "10.10.0.0/16x"}, "vpc_cidr"),
        ({"backend_ports": (BackendPort(22, "ssh", client_cidrs=("0.0.0.0/0",)),)},
         "backend_ports"),
    ],
)
def test_args_reject_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ArgsError, match=rf"^NetworkArgs: {field}: "):
        make_args(**changes)
