"""Ingress: ONE load balancer, bound to the Elastic IP, with a listener per internal system."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_alicloud as alicloud

from components.base import LandingZoneComponent, Tagging, ipv4_network, require

MODERN_TLS = ("tls_cipher_policy_1_2_strict", "tls_cipher_policy_1_2_strict_with_1_3")
PROTOCOLS = ("https", "http", "tcp")


@dataclass(frozen=True)
class Route:
    """How one internal system is published: its listener, backend and allow-list."""

    system: str
    protocol: str
    frontend_port: int
    backend_port: int
    allowed_cidrs: Sequence[str]
    health_check_path: str | None = None
    redirect_http_port: int | None = None

    def __post_init__(self) -> None:
        c = f"Route[{self.system}]"
        require(self.protocol in PROTOCOLS, c, "protocol", f"one of {', '.join(PROTOCOLS)}")
        require(bool(self.allowed_cidrs), c, "allowed_cidrs", "at least one office CIDR")
        for cidr in self.allowed_cidrs:
            require(ipv4_network(c, "allowed_cidrs", cidr).prefixlen > 0, c, "allowed_cidrs",
                    "0.0.0.0/0 is not an office allow-list")
        if self.protocol != "tcp":
            require(bool(self.health_check_path), c, "health_check_path", "needed for http(s)")
        if self.redirect_http_port is not None:
            require(self.protocol == "https", c, "redirect_http_port", "only for https")


@dataclass(frozen=True)
class Certificate:
    name: str
    public_key: str
    private_key: pulumi.Input[str]


@dataclass(frozen=True)
class IngressArgs:
    vpc_id: pulumi.Input[str]
    vswitch_id: pulumi.Input[str]
    master_zone: str
    slave_zone: str
    eip_id: pulumi.Input[str]
    backend_servers: Mapping[str, pulumi.Input[str]]
    routes: Sequence[Route]
    tagging: Tagging
    load_balancer_spec: str = "slb.s2.small"
    tls_cipher_policy: str = "tls_cipher_policy_1_2_strict_with_1_3"
    certificate: Certificate | None = None
    protection: bool = False

    def __post_init__(self) -> None:
        c = "IngressArgs"
        require(bool(self.routes), c, "routes", "at least one system")
        require(self.master_zone != self.slave_zone, c, "slave_zone", "differs from master")
        require(bool(self.backend_servers), c, "backend_servers", "at least one server")
        ports = [p for r in self.routes for p in (r.frontend_port, r.redirect_http_port) if p]
        require(len(ports) == len(set(ports)), c, "routes", "frontend ports must be unique")
        if any(r.protocol == "https" for r in self.routes):
            require(self.certificate is not None, c, "certificate", "needed by https routes")


class Ingress(LandingZoneComponent):
    """A Classic Load Balancer (intranet, in the VPC) reached only through the Elastic IP.

    Per system: a server group of the app servers, a listener with health checks, and a
    white-list ACL of the office CIDRs. HTTPS listeners use the server certificate and a
    modern TLS cipher policy; an optional HTTP listener only redirects to HTTPS.
    """

    def __init__(self, name: str, args: IngressArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("llz:ingress:Ingress", name, opts)
        tags = args.tagging.tags("ingress")
        self.load_balancer = alicloud.slb.ApplicationLoadBalancer(
            self.child_name("slb"),
            load_balancer_name=self.child_name("slb"),
            address_type="intranet",
            vswitch_id=args.vswitch_id,
            master_zone_id=args.master_zone,
            slave_zone_id=args.slave_zone,
            load_balancer_spec=args.load_balancer_spec,
            instance_charge_type="PayBySpec",
            payment_type="PayAsYouGo",
            delete_protection="on" if args.protection else "off",
            modification_protection_status=(
                "ConsoleProtection" if args.protection else "NonProtection"
            ),
            modification_protection_reason=(
                "Managed by llz; change through a reviewed deploy" if args.protection else None
            ),
            tags=tags,
            opts=self.child_opts(),
        )
        self.eip_association = alicloud.ecs.EipAssociation(
            self.child_name("eip-binding"),
            allocation_id=args.eip_id,
            instance_id=self.load_balancer.id,
            instance_type="SlbInstance",
            opts=self.child_opts(),
        )
        self.certificate: alicloud.slb.ServerCertificate | None = None
        if args.certificate is not None:
            self.certificate = alicloud.slb.ServerCertificate(
                self.child_name("cert"),
                name=args.certificate.name,
                server_certificate=args.certificate.public_key,
                private_key=pulumi.Output.secret(args.certificate.private_key),
                tags=tags,
                opts=self.child_opts(),
            )
        self.listeners: dict[str, alicloud.slb.Listener] = {}
        for route in args.routes:
            self.listeners[route.system] = self._route(route, args)
        self.finish(
            {
                "loadBalancerId": self.load_balancer.id,
                "listenerPorts": {r.system: r.frontend_port for r in args.routes},
            }
        )

    def _route(self, route: Route, args: IngressArgs) -> alicloud.slb.Listener:
        tags = args.tagging.tags(route.system)
        acl = alicloud.slb.Acl(
            self.child_name(f"{route.system}-acl"),
            name=self.child_name(f"{route.system}-acl"),
            ip_version="ipv4",
            tags=tags,
            opts=self.child_opts(),
        )
        for index, cidr in enumerate(route.allowed_cidrs):
            alicloud.slb.AclEntryAttachment(
                self.child_name(f"{route.system}-acl-{index + 1}"),
                acl_id=acl.id,
                entry=cidr,
                comment=f"{route.system} office",
                opts=self.child_opts(),
            )
        group = alicloud.slb.ServerGroup(
            self.child_name(f"{route.system}-servers"),
            name=self.child_name(f"{route.system}-servers"),
            load_balancer_id=self.load_balancer.id,
            delete_protection_validation=args.protection,
            tags=tags,
            opts=self.child_opts(),
        )
        for server_name, server_id in sorted(args.backend_servers.items()):
            alicloud.slb.ServerGroupServerAttachment(
                self.child_name(f"{route.system}-{server_name}"),
                server_group_id=group.id,
                server_id=server_id,
                port=route.backend_port,
                weight=100,
                type="ecs",
                description=f"{route.system} backend",
                opts=self.child_opts(),
            )
        if route.protocol == "tcp":
            return self._listener(
                f"{route.system}-listener",
                route,
                acl,
                args.protection,
                protocol="tcp",
                frontend_port=route.frontend_port,
                backend_port=route.backend_port,
                server_group_id=group.id,
                bandwidth=-1,
                health_check="on",
                health_check_type="tcp",
                healthy_threshold=3,
                unhealthy_threshold=3,
                health_check_interval=5,
            )
        listener = self._listener(
            f"{route.system}-listener",
            route,
            acl,
            args.protection,
            protocol=route.protocol,
            frontend_port=route.frontend_port,
            backend_port=route.backend_port,
            server_group_id=group.id,
            bandwidth=-1,
            server_certificate_id=(
                self.certificate.id if route.protocol == "https" and self.certificate else None
            ),
            tls_cipher_policy=args.tls_cipher_policy if route.protocol == "https" else None,
            enable_http2="on" if route.protocol == "https" else None,
            sticky_session="off",
            health_check="on",
            health_check_uri=route.health_check_path,
            health_check_http_code="http_2xx,http_3xx",
            healthy_threshold=3,
            unhealthy_threshold=3,
            health_check_interval=5,
            x_forwarded_for=alicloud.slb.ListenerXForwardedForArgs(retrive_slb_ip=True),
        )
        if route.redirect_http_port is not None:
            self._listener(
                f"{route.system}-redirect",
                route,
                acl,
                args.protection,
                protocol="http",
                frontend_port=route.redirect_http_port,
                listener_forward="on",
                forward_port=route.frontend_port,
                bandwidth=-1,
                depends_on=[listener],
            )
        return listener

    def _listener(
        self,
        suffix: str,
        route: Route,
        acl: alicloud.slb.Acl,
        protection: bool,
        depends_on: Sequence[pulumi.Resource] = (),
        **settings: Any,
    ) -> alicloud.slb.Listener:
        """A listener on the load balancer, always behind the system's white-list ACL."""
        return alicloud.slb.Listener(
            self.child_name(suffix),
            load_balancer_id=self.load_balancer.id,
            acl_status="on",
            acl_type="white",
            acl_ids=[acl.id],  # acl_id is deprecated since provider 1.249.0
            delete_protection_validation=protection,
            description=route.system,
            opts=self.child_opts(depends_on=depends_on),
            **settings,
        )
