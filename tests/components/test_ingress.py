"""Ingress: one intranet load balancer behind the EIP, a listener, group and ACL per system."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from cli.plan import Plan, PlannedResource
from components.base import ArgsError
from components.ingress import MODERN_TLS, Certificate, Ingress, IngressArgs, Route
from tests.components import (
    SECRET,
    TAGGING,
    ZONES,
    missing_tags,
    named,
    of_type,
    one,
    orphans,
    plan_text,
    run,
    taggable,
)
from tests.conftest import fake_private_key

SLB = "alicloud:slb/applicationLoadBalancer:ApplicationLoadBalancer"
LISTENER = "alicloud:slb/listener:Listener"
GROUP = "alicloud:slb/serverGroup:ServerGroup"
ACL = "alicloud:slb/acl:Acl"
PRIVATE_KEY = fake_private_key("plaintext-test-key")
OFFICE = ("203.0.113.0/28",)
ROUTES = (
    Route("oa", "https", 443, 8080, OFFICE, "/healthz", redirect_http_port=80),
    Route("erp", "https", 8443, 8081, OFFICE, "/health"),
    Route("wiki", "http", 8000, 8085, ("198.51.100.0/28",), "/"),
    Route("ledger", "tcp", 9000, 9000, OFFICE),
)
SYSTEMS = tuple(r.system for r in ROUTES)


def make_args(**changes: Any) -> IngressArgs:
    args = IngressArgs(
        vpc_id="vpc-1",
        vswitch_id="vsw-app-1",
        master_zone=ZONES[0],
        slave_zone=ZONES[1],
        eip_id="eip-1",
        backend_servers={"app-1": "i-1", "app-2": "i-2"},
        routes=ROUTES,
        tagging=TAGGING,
        certificate=Certificate("wildcard", "-----BEGIN CERTIFICATE-----\nx", PRIVATE_KEY),
    )
    return replace(args, **changes)


@cache
def ingress_plan(protection: bool = False) -> Plan:
    return run(lambda: Ingress("t-ingress", make_args(protection=protection)))


def listener(system: str, suffix: str = "listener") -> PlannedResource:
    return named(ingress_plan(), f"t-ingress-{system}-{suffix}")


def test_there_is_exactly_one_load_balancer() -> None:
    assert len(of_type(ingress_plan(), SLB)) == 1


def test_load_balancer_is_intranet_in_two_zones() -> None:
    inputs = one(ingress_plan(), SLB).inputs
    assert inputs["addressType"] == "intranet"
    assert (inputs["masterZoneId"], inputs["slaveZoneId"]) == ZONES[:2]


def test_eip_is_associated_with_the_load_balancer() -> None:
    association = one(ingress_plan(), "alicloud:ecs/eipAssociation:EipAssociation").inputs
    assert association == {
        "allocationId": "eip-1", "instanceId": "t-ingress-slb-id", "instanceType": "SlbInstance"
    }


@pytest.mark.parametrize(
    ("type_token", "suffix"), [(LISTENER, "listener"), (GROUP, "servers"), (ACL, "acl")]
)
def test_each_system_has_its_own(type_token: str, suffix: str) -> None:
    names = {r.name for r in of_type(ingress_plan(), type_token)}
    assert names - {"t-ingress-oa-redirect"} == {f"t-ingress-{s}-{suffix}" for s in SYSTEMS}


@pytest.mark.parametrize("system", SYSTEMS)
def test_listener_uses_the_system_acl_as_a_whitelist(system: str) -> None:
    inputs = listener(system).inputs
    assert (inputs["aclStatus"], inputs["aclType"]) == ("on", "white")
    assert inputs["aclIds"] == [f"t-ingress-{system}-acl-id"]
    assert "aclId" not in inputs  # deprecated since provider 1.249.0


@pytest.mark.parametrize("route", ROUTES, ids=SYSTEMS)
def test_acl_lists_the_allowed_cidrs(route: Route) -> None:
    acl_id = f"t-ingress-{route.system}-acl-id"
    entries = [
        r.inputs for r in ingress_plan().resources
        if r.type == "alicloud:slb/aclEntryAttachment:AclEntryAttachment"
        and r.inputs["aclId"] == acl_id
    ]
    assert [e["entry"] for e in entries] == list(route.allowed_cidrs)


@pytest.mark.parametrize("route", ROUTES, ids=SYSTEMS)
def test_server_group_holds_the_app_servers_on_the_backend_port(route: Route) -> None:
    group_id = f"t-ingress-{route.system}-servers-id"
    members = sorted(
        (r.inputs["serverId"], r.inputs["port"], r.inputs["weight"], r.inputs["type"])
        for r in ingress_plan().resources
        if r.type == "alicloud:slb/serverGroupServerAttachment:ServerGroupServerAttachment"
        and r.inputs["serverGroupId"] == group_id
    )
    assert members == [(server, route.backend_port, 100, "ecs") for server in ("i-1", "i-2")]


@pytest.mark.parametrize("system", ["oa", "erp"])
def test_https_listeners_use_the_certificate_and_a_modern_tls_policy(system: str) -> None:
    inputs = listener(system).inputs
    assert inputs["serverCertificateId"] == "t-ingress-cert-id"
    assert inputs["tlsCipherPolicy"] in MODERN_TLS


@pytest.mark.parametrize("system", ["wiki", "ledger"])
def test_plain_listeners_have_no_certificate(system: str) -> None:
    assert "serverCertificateId" not in listener(system).inputs


@pytest.mark.parametrize(
    ("system", "expected"),
    [("oa", "http"), ("erp", "http"), ("wiki", "http"), ("ledger", "tcp")],
)
def test_listeners_health_check_their_backends(system: str, expected: str) -> None:
    inputs = listener(system).inputs
    assert inputs["healthCheck"] == "on"
    assert inputs.get("healthCheckType", "http") == expected


def test_redirect_listener_forwards_to_the_https_port() -> None:
    inputs = listener("oa", "redirect").inputs
    assert (inputs["protocol"], inputs["frontendPort"]) == ("http", 80)
    assert (inputs["listenerForward"], inputs["forwardPort"]) == ("on", 443)


def test_certificate_private_key_is_secret() -> None:
    cert = one(ingress_plan(), "alicloud:slb/serverCertificate:ServerCertificate")
    assert cert.inputs["privateKey"] == SECRET


def test_certificate_private_key_never_appears_in_plaintext() -> None:
    assert "plaintext-test-key" not in plan_text(ingress_plan())


@pytest.mark.parametrize(
    ("protection", "delete", "modification"),
    [(False, "off", "NonProtection"), (True, "on", "ConsoleProtection")],
)
def test_load_balancer_protection(protection: bool, delete: str, modification: str) -> None:
    inputs = one(ingress_plan(protection), SLB).inputs
    assert (inputs["deleteProtection"], inputs["modificationProtectionStatus"]) == (
        delete, modification
    )


@pytest.mark.parametrize("protection", [False, True])
def test_listeners_and_groups_validate_delete_protection(protection: bool) -> None:
    resources = of_type(ingress_plan(protection), LISTENER) + of_type(
        ingress_plan(protection), GROUP
    )
    assert {r.inputs["deleteProtectionValidation"] for r in resources} == {protection}


def test_every_taggable_resource_is_tagged() -> None:
    resources = taggable(ingress_plan())
    assert {r.type for r in resources} >= {SLB, GROUP, ACL}
    assert {r.name: missing_tags(r) for r in resources if missing_tags(r)} == {}


def test_every_resource_is_parented_to_the_component() -> None:
    assert orphans(ingress_plan()) == []
    assert one(ingress_plan(), "llz:ingress:Ingress").name == "t-ingress"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"routes": ()}, "routes"),
        ({"slave_zone": ZONES[0]}, "slave_zone"),
        ({"backend_servers": {}}, "backend_servers"),
        ({"routes": (ROUTES[1], replace(ROUTES[2], frontend_port=8443))}, "routes"),
        ({"routes": (ROUTES[0], replace(ROUTES[2], frontend_port=80))}, "routes"),
        ({"certificate": None}, "certificate"),
    ],
)
def test_args_reject_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ArgsError, match=rf"^IngressArgs: {field}: "):
        make_args(**changes)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"protocol": "udp"}, "protocol"),
        ({"allowed_cidrs": ()}, "allowed_cidrs"),
        ({"allowed_cidrs": ("0.0.0.0/0",)}, "allowed_cidrs"),
        ({"allowed_cidrs": ("203.0.113.0/33",)}, "allowed_cidrs"),
        ({"health_check_path": None}, "health_check_path"),
        ({"redirect_http_port": 80, "protocol": "http"}, "redirect_http_port"),
    ],
)
def test_route_rejects_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ArgsError, match=rf"^Route\[wiki\]: {field}: "):
        replace(ROUTES[2], **changes)
