"""A picture of the landing zone drawn from a Plan: inline SVG, no graphviz, no fonts fetched.

Two steps, each a plain function:

- :func:`build_topology` reads the Plan into a small model: the Elastic IP (and shared
  bandwidth package), the load balancer, one route per internal system (its listener and
  port, plus any HTTP->HTTPS redirect), the zones, the app servers per zone and the data
  services with their role in each zone (RDS primary/standby, Redis primary/secondary,
  MongoDB primary/secondary/hidden).
- :func:`render_svg` lays that model out top-down (internet -> EIP -> load balancer ->
  listeners -> app tier -> data tier) with one column per zone, and escapes every text.

The SVG has no ``xmlns`` (it is meant to be inlined in HTML, where it is implied) so the
report holds no URL of any kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from cli.plan import Plan, PlannedResource, redact

EIP = "alicloud:ecs/eipAddress:EipAddress"
BANDWIDTH_PACKAGE = "alicloud:vpc/commonBandwithPackage:CommonBandwithPackage"
LOAD_BALANCER = "alicloud:slb/applicationLoadBalancer:ApplicationLoadBalancer"
LISTENER = "alicloud:slb/listener:Listener"
ECS = "alicloud:ecs/instance:Instance"
SWITCH = "alicloud:vpc/switch:Switch"
RDS = "alicloud:rds/instance:Instance"
REDIS = "alicloud:kvstore/instance:Instance"
MONGODB = "alicloud:mongodb/instance:Instance"


@dataclass(frozen=True)
class Box:
    """A single named thing in the picture with a few lines of detail."""

    name: str
    details: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    """How one internal system is published on the load balancer."""

    system: str
    listener: str
    protocol: str
    port: str
    redirects: tuple[str, ...] = ()  # e.g. "HTTP :80 -> 443"


@dataclass(frozen=True)
class Placement:
    zone: str
    role: str  # primary, standby, secondary, hidden


@dataclass(frozen=True)
class DataService:
    kind: str  # "RDS MySQL 8.0", "Redis 7.0", "MongoDB 6.0"
    name: str
    placements: tuple[Placement, ...]


@dataclass(frozen=True)
class Topology:
    eip: tuple[Box, ...]
    bandwidth_package: tuple[Box, ...]
    load_balancers: tuple[Box, ...]
    routes: tuple[Route, ...]
    zones: tuple[str, ...]
    app_servers: Mapping[str, tuple[str, ...]]  # zone -> server names
    data: tuple[DataService, ...]


def _text(value: Any) -> str:
    """A plan value as display text ('' for absent values, secrets as "[secret]")."""
    value = redact(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _joined(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


def _mbps(inputs: Mapping[str, Any]) -> str:
    return f"{_text(inputs.get('bandwidth'))} Mbps" if inputs.get("bandwidth") else ""


def _of_type(plan: Plan, token: str) -> list[PlannedResource]:
    return [r for r in plan.resources if r.custom and r.type == token]


def _system_of(listener: PlannedResource, prefixes: tuple[str, ...]) -> str:
    """The system a listener publishes: its description, else its name minus the prefix."""
    described = _text(listener.inputs.get("description")).strip()
    if described:
        return described
    name = listener.name
    for prefix in prefixes:
        if name.startswith(prefix + "-"):
            name = name[len(prefix) + 1 :]
            break
    for suffix in ("-listener", "-redirect"):
        name = name.removesuffix(suffix)
    return name


def _routes(plan: Plan) -> tuple[Route, ...]:
    index = plan.by_urn()
    prefixes = tuple(
        sorted({index[r.parent].name for r in plan.resources if r.parent in index}, key=len)[::-1]
    )
    main: dict[str, PlannedResource] = {}
    redirects: dict[str, list[str]] = {}
    for listener in _of_type(plan, LISTENER):
        system = _system_of(listener, prefixes)
        inputs = listener.inputs
        if _text(inputs.get("listenerForward")).lower() == "on":
            redirects.setdefault(system, []).append(
                f"{_text(inputs.get('protocol')).upper()} :{_text(inputs.get('frontendPort'))}"
                f" \u2192 {_text(inputs.get('forwardPort'))}"
            )
        elif system not in main or listener.name < main[system].name:
            main[system] = listener
    routes = []
    for system in sorted(set(main) | set(redirects)):
        chosen = main.get(system)
        inputs = chosen.inputs if chosen is not None else {}
        routes.append(
            Route(
                system=system,
                listener=chosen.name if chosen is not None else "",
                protocol=_text(inputs.get("protocol")).upper(),
                port=_text(inputs.get("frontendPort")),
                redirects=tuple(sorted(redirects.get(system, []))),
            )
        )
    return tuple(routes)


def _placements(pairs: list[tuple[Any, str]]) -> tuple[Placement, ...]:
    seen: list[Placement] = []
    for zone, role in pairs:
        zone_text = _text(zone)
        if zone_text and all(p.zone != zone_text or p.role != role for p in seen):
            seen.append(Placement(zone_text, role))
    return tuple(seen)


def _data_services(plan: Plan) -> tuple[DataService, ...]:
    services: list[DataService] = []
    for r in _of_type(plan, RDS):
        i = r.inputs
        kind = _joined("RDS", _text(i.get("engine")), _text(i.get("engineVersion")))
        pairs = [(i.get("zoneId"), "primary"), (i.get("zoneIdSlaveA"), "standby")]
        pairs.append((i.get("zoneIdSlaveB"), "standby"))
        services.append(DataService(kind, r.name, _placements(pairs)))
    for r in _of_type(plan, REDIS):
        i = r.inputs
        kind = _joined(_text(i.get("instanceType")) or "Redis", _text(i.get("engineVersion")))
        pairs = [(i.get("zoneId"), "primary"), (i.get("secondaryZoneId"), "secondary")]
        services.append(DataService(kind, r.name, _placements(pairs)))
    for r in _of_type(plan, MONGODB):
        i = r.inputs
        kind = _joined("MongoDB", _text(i.get("engineVersion")))
        factor = _text(i.get("replicationFactor"))
        primary = f"primary, {factor} replicas" if factor else "primary"
        pairs = [
            (i.get("zoneId"), primary),
            (i.get("secondaryZoneId"), "secondary"),
            (i.get("hiddenZoneId"), "hidden"),
        ]
        services.append(DataService(kind, r.name, _placements(pairs)))
    return tuple(services)


def build_topology(plan: Plan) -> Topology:
    """Read the landing zone's shape out of a Plan (resources it lacks are simply absent)."""
    eips = tuple(
        Box(r.name, (_joined(_text(r.inputs.get("internetChargeType")), _mbps(r.inputs)),))
        for r in _of_type(plan, EIP)
    )
    packages = tuple(
        Box(
            r.name,
            (_joined("shared,", _text(r.inputs.get("internetChargeType")), _mbps(r.inputs)),),
        )
        for r in _of_type(plan, BANDWIDTH_PACKAGE)
    )
    balancers = tuple(
        Box(
            r.name,
            (
                _joined(
                    _text(r.inputs.get("loadBalancerSpec")),
                    _text(r.inputs.get("addressType")),
                    sep=", ",
                ),
                _joined(
                    _text(r.inputs.get("masterZoneId")),
                    _text(r.inputs.get("slaveZoneId")),
                    sep=" + ",
                ),
            ),
        )
        for r in _of_type(plan, LOAD_BALANCER)
    )
    app: dict[str, list[str]] = {}
    for r in _of_type(plan, ECS):
        zone = _text(r.inputs.get("availabilityZone")) or "(zone unknown)"
        app.setdefault(zone, []).append(r.name)
    data = _data_services(plan)
    zones = {_text(r.inputs.get("zoneId")) for r in _of_type(plan, SWITCH)}
    zones |= set(app)
    zones |= {p.zone for s in data for p in s.placements}
    zones.discard("")
    return Topology(
        eip=eips,
        bandwidth_package=packages,
        load_balancers=balancers,
        routes=_routes(plan),
        zones=tuple(sorted(zones)),
        app_servers={zone: tuple(sorted(names)) for zone, names in sorted(app.items())},
        data=data,
    )


# --- drawing -------------------------------------------------------------------------------

GUTTER = 120  # left column for the tier labels
MARGIN = 20
ZONE_WIDTH = 230
ROUTE_WIDTH = 150
CHAR_WIDTH = 7.0  # rough width of a 12px sans-serif character, to clip long names
LINE = 16
MAX_LISTED = 8  # app servers named per zone; more are counted


def _clip(text: str, width: float) -> str:
    limit = max(4, int((width - 16) / CHAR_WIDTH))
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _box(
    x: float, y: float, w: float, h: float, lines: list[str], css: str, title: str = ""
) -> str:
    """A rounded rectangle with centred lines of text (first line bold); all text escaped."""
    parts = [f'<g class="node {css}">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.append(f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="6"/>')
    top = y + (h - LINE * len(lines)) / 2 + 12
    for n, line in enumerate(lines):
        weight = ' class="strong"' if n == 0 else ""
        text = escape(_clip(line, w))
        parts.append(f'<text x="{x + w / 2:g}" y="{top + n * LINE:g}"{weight}>{text}</text>')
    parts.append("</g>")
    return "".join(parts)


def _edge(x1: float, y1: float, x2: float, y2: float, css: str = "edge") -> str:
    return f'<line class="{css}" x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}"/>'


def _tier_label(y: float, h: float, text: str) -> str:
    return f'<text class="tier" x="{MARGIN:g}" y="{y + h / 2 + 4:g}">{escape(text)}</text>'


def _server_lines(names: tuple[str, ...]) -> list[str]:
    """A zone's app-server box: a count, then the first names (a big fleet stays readable)."""
    shown = names if len(names) <= MAX_LISTED else names[: MAX_LISTED - 1]
    more = [f"+ {len(names) - len(shown)} more"] if len(shown) < len(names) else []
    return [f"app servers ({len(names)})", *shown, *more]


def render_svg(topology: Topology, title: str = "Landing zone topology") -> str:
    """Lay the topology out in zone columns and return an inline ``<svg>`` element."""
    zones = topology.zones or ("(no zone)",)
    routes = topology.routes
    content_w = max(len(zones) * ZONE_WIDTH, len(routes) * ROUTE_WIDTH, 2 * ZONE_WIDTH)
    zone_w = content_w / len(zones)
    width = GUTTER + content_w + MARGIN
    centre = GUTTER + content_w / 2
    out: list[str] = []
    y = MARGIN

    # Internet -> EIP (and bandwidth package) -> load balancer
    out.append(_tier_label(y, 40, "Internet"))
    eip_lines = [f"EIP {b.name}" for b in topology.eip] or ["(no Elastic IP)"]
    eip_lines += [d for b in topology.eip for d in b.details if d]
    for package in topology.bandwidth_package:
        eip_lines += [f"in package {package.name}", *(d for d in package.details if d)]
    eip_h = 12 + LINE * len(eip_lines)
    out.append(_box(centre - 180, y, 360, eip_h, eip_lines, "eip"))
    y_eip_bottom = y + eip_h
    y = y_eip_bottom + 30

    out.append(_tier_label(y, 44, "Ingress"))
    lb_lines = [f"Load balancer {b.name}" for b in topology.load_balancers]
    lb_lines = lb_lines or ["(no load balancer)"]
    lb_lines += [d for b in topology.load_balancers for d in b.details if d]
    lb_h = 12 + LINE * len(lb_lines)
    out.append(_edge(centre, y_eip_bottom, centre, y, "edge arrow"))
    out.append(_box(centre - 180, y, 360, lb_h, lb_lines, "lb"))
    y_lb_bottom = y + lb_h
    y = y_lb_bottom + 36

    # one listener per system
    out.append(_tier_label(y, 56, "Listeners"))
    route_h = 12 + LINE * (2 + max((len(r.redirects) for r in routes), default=0))
    slot = content_w / max(len(routes), 1)
    route_bottoms: list[float] = []
    for n, route in enumerate(routes):
        rx = GUTTER + n * slot + (slot - (ROUTE_WIDTH - 12)) / 2
        lines = [route.system, f"{route.protocol} :{route.port}".strip(), *route.redirects]
        out.append(_edge(centre, y_lb_bottom, rx + (ROUTE_WIDTH - 12) / 2, y, "edge arrow"))
        out.append(_box(rx, y, ROUTE_WIDTH - 12, route_h, lines, "route", title=route.listener))
        route_bottoms.append(rx + (ROUTE_WIDTH - 12) / 2)
    y_routes_bottom = y + route_h
    bus_y = y_routes_bottom + 22
    for x in route_bottoms:
        out.append(_edge(x, y_routes_bottom, x, bus_y))
    if route_bottoms:
        first_zone = GUTTER + zone_w / 2
        last_zone = GUTTER + (len(zones) - 0.5) * zone_w
        out.append(
            _edge(min(*route_bottoms, first_zone), bus_y, max(*route_bottoms, last_zone), bus_y)
        )
    y = bus_y + 20

    # zone columns: app tier then data tier
    header_h = 24
    listed = {zone: _server_lines(names) for zone, names in topology.app_servers.items()}
    app_h = 12 + LINE * max((len(v) for v in listed.values()), default=1)
    data_row_h = 12 + LINE * 3
    data_gap = 10
    zone_top = y
    app_y = zone_top + header_h + 8
    data_y = app_y + app_h + 36
    data_h = len(topology.data) * (data_row_h + data_gap)
    zone_h = data_y + max(data_h, data_row_h) - zone_top + 6
    columns: list[str] = []
    for n, zone in enumerate(zones):
        zx = GUTTER + n * zone_w
        columns.append(
            f'<g class="zone"><rect x="{zx + 4:g}" y="{zone_top:g}" width="{zone_w - 8:g}"'
            f' height="{zone_h:g}" rx="8"/><text x="{zx + zone_w / 2:g}"'
            f' y="{zone_top + 17:g}">{escape(_clip("zone " + zone, zone_w))}</text></g>'
        )
    out[:0] = columns  # zones are drawn first, underneath everything else
    out.append(_tier_label(app_y, app_h, "App tier"))
    out.append(_tier_label(data_y, max(data_h, data_row_h), "Data tier"))
    for n, zone in enumerate(zones):
        zx = GUTTER + n * zone_w
        cx = zx + zone_w / 2
        servers = topology.app_servers.get(zone, ())
        lines = listed.get(zone) or ["no app server"]
        out.append(_edge(cx, bus_y, cx, app_y, "edge arrow"))
        out.append(_box(zx + 16, app_y, zone_w - 32, app_h, lines, "app" if servers else "empty"))
        first_row = next(
            (n for n, d in enumerate(topology.data) if any(p.zone == zone for p in d.placements)),
            None,
        )
        if servers and first_row is not None:
            row_y = data_y + first_row * (data_row_h + data_gap)
            out.append(_edge(cx, app_y + app_h, cx, row_y, "edge arrow"))

    # data tier: one row per service, a box in each zone where it is placed
    for row, service in enumerate(topology.data):
        ry = data_y + row * (data_row_h + data_gap)
        centres: list[float] = []
        for placement in service.placements:
            if placement.zone not in zones:
                continue
            zx = GUTTER + zones.index(placement.zone) * zone_w
            css = "data primary" if placement.role.startswith("primary") else "data replica"
            lines = [service.kind, placement.role, service.name]
            out.append(_box(zx + 16, ry, zone_w - 32, data_row_h, lines, css, title=service.name))
            centres.append(zx + zone_w / 2)
        for a, b in zip(sorted(centres), sorted(centres)[1:], strict=False):
            mid = ry + data_row_h / 2
            out.append(_edge(a + zone_w / 2 - 16, mid, b - zone_w / 2 + 16, mid, "repl"))

    height = zone_top + zone_h + MARGIN
    return (
        f'<svg class="topology" role="img" aria-label="{escape(title)}"'
        f' width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}">'
        f"<title>{escape(title)}</title>"
        '<defs><marker id="llz-arrow" viewBox="0 0 10 10" refX="10" refY="5"'
        ' markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>' + "".join(out) + "</svg>"
    )


def topology_svg(plan: Plan) -> str:
    """The landing zone of ``plan`` as an inline SVG element."""
    return render_svg(build_topology(plan), f"Landing zone topology of stack {plan.stack}")
