"""The topology picture: read from the shipped plans, checked against the stack specs."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cli.plan import Plan, PlannedResource
from cli.reports.topology import (
    LISTENER,
    MONGODB,
    RDS,
    REDIS,
    build_topology,
    render_svg,
    topology_svg,
)
from stacks.config import load_spec
from tests.conftest import ENVIRONMENTS, PROJECT_DIR, shipped_plan


def _texts(svg: str) -> list[str]:
    """Every piece of text in the SVG as a viewer shows it (entities decoded)."""
    root = ET.fromstring(svg)
    return [el.text or "" for el in root.iter() if el.tag in ("text", "title")]


def _resource(urn_name: str, type_: str, inputs: dict[str, object]) -> PlannedResource:
    return PlannedResource(
        urn=f"urn:pulumi:t::llz::{type_}::{urn_name}",
        type=type_,
        name=urn_name,
        parent=None,
        custom=True,
        protect=False,
        inputs=inputs,
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_topology_matches_the_stack_spec(env: str) -> None:
    spec = load_spec(PROJECT_DIR, env)
    topo = build_topology(shipped_plan(env))

    assert topo.zones == tuple(sorted(spec.network.zones))
    assert [(r.system, r.protocol, r.port) for r in topo.routes] == sorted(
        (s.name, s.protocol.upper(), str(s.listener_port)) for s in spec.systems
    )
    redirects = {r.system: r.redirects for r in topo.routes}
    for system in spec.systems:
        if system.redirect_http_port:
            expected = f"HTTP :{system.redirect_http_port} \u2192 {system.listener_port}"
            assert redirects[system.name] == (expected,)
        else:
            assert redirects[system.name] == ()
    per_zone = spec.app_servers.count_per_zone
    assert {z: len(names) for z, names in topo.app_servers.items()} == {
        z: per_zone for z in spec.network.zones
    }
    assert len(topo.eip) == 1 and len(topo.load_balancers) == 1


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_data_placements_follow_the_plan_inputs(env: str) -> None:
    plan = shipped_plan(env)
    services = {s.name: s for s in build_topology(plan).data}
    for r in plan.custom_resources():
        i = r.inputs
        if r.type == RDS:
            roles = {(p.zone, p.role) for p in services[r.name].placements}
            assert (i["zoneId"], "primary") in roles
            if i.get("zoneIdSlaveA"):
                assert (i["zoneIdSlaveA"], "standby") in roles
        elif r.type == REDIS:
            roles = {(p.zone, p.role) for p in services[r.name].placements}
            assert (i["zoneId"], "primary") in roles
            if i.get("secondaryZoneId"):
                assert (i["secondaryZoneId"], "secondary") in roles
        elif r.type == MONGODB:
            zones = {p.zone for p in services[r.name].placements}
            wanted = {i.get(k) for k in ("zoneId", "secondaryZoneId", "hiddenZoneId")}
            assert zones == wanted - {None}
    assert {s.kind.split()[0] for s in services.values()} == {"RDS", "Redis", "MongoDB"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_svg_is_well_formed_and_names_every_system_zone_and_server(env: str) -> None:
    spec = load_spec(PROJECT_DIR, env)
    plan = shipped_plan(env)
    svg = topology_svg(plan)
    texts = "\n".join(_texts(svg))
    for system in spec.systems:
        assert system.name in texts
        assert f":{system.listener_port}" in texts
    for zone in spec.network.zones:
        assert f"zone {zone}" in texts
    for server in (
        r.name for r in plan.custom_resources() if r.type.endswith("ecs/instance:Instance")
    ):
        assert server in texts
    for role in ("primary", "standby", "secondary"):
        assert role in texts
    assert "://" not in svg and "xmlns" not in svg


def test_svg_escapes_names_from_the_plan() -> None:
    evil = '<script>alert("x")</script> & "quoted"'
    plan = Plan.build(
        "llz",
        "t",
        "offline",
        [
            _resource(
                "t-listener",
                LISTENER,
                {"description": evil, "protocol": "https", "frontendPort": 443},
            ),
            _resource("t-rds", RDS, {"engine": "My<SQL>", "zoneId": 'z"1', "zoneIdSlaveA": "z2"}),
        ],
    )
    svg = topology_svg(plan)
    assert "<script" not in svg and 'z"1' not in svg
    texts = _texts(svg)  # parses: the escaping kept the document well-formed
    assert any(evil[:10] in t for t in texts)
    assert any(t == "zone z2" for t in texts)
    assert any(t.startswith('zone z"1') for t in texts)


def test_long_names_are_clipped_but_kept_whole_in_the_tooltip() -> None:
    name = "x" * 120
    plan = Plan.build("llz", "t", "offline", [_resource(name, RDS, {"zoneId": "z1"})])
    texts = _texts(topology_svg(plan))
    assert name in texts  # <title> of the node
    assert any(t.startswith("xxx") and t.endswith("\u2026") and len(t) < 60 for t in texts)


def test_an_empty_plan_still_draws_a_valid_picture() -> None:
    svg = render_svg(build_topology(Plan.build("llz", "t", "offline", [])))
    texts = _texts(svg)
    assert "(no Elastic IP)" in texts and "(no load balancer)" in texts


def test_a_large_fleet_is_counted_not_listed() -> None:
    servers = [
        _resource(f"app-{n:04d}", "alicloud:ecs/instance:Instance", {"availabilityZone": "z1"})
        for n in range(500)
    ]
    plan = Plan.build("llz", "t", "offline", servers)
    svg = topology_svg(plan)
    texts = _texts(svg)
    assert "app servers (500)" in texts and "+ 493 more" in texts
    assert "app-0000" in texts and "app-0499" not in texts
    assert int(float(ET.fromstring(svg).attrib["height"])) < 800
