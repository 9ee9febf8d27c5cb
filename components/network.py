"""Network: the VPC, app- and data-tier vSwitches per zone, and the tiers' security groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_alicloud as alicloud

from components.base import LandingZoneComponent, Tagging, ipv4_network, require

# Classic Load Balancer forwards layer-7 traffic and runs health checks from this range.
SLB_BACKEND_RANGE = "100.64.0.0/10"


@dataclass(frozen=True)
class BackendPort:
    """A port the load balancer reaches on the app tier, and from where.

    ``client_cidrs`` is for layer-4 (TCP) listeners, which pass the client's address through.
    """

    port: int
    system: str
    client_cidrs: Sequence[str] = ()


@dataclass(frozen=True)
class NetworkArgs:
    vpc_cidr: str
    zones: Sequence[str]
    app_cidrs: Sequence[str]
    data_cidrs: Sequence[str]
    backend_ports: Sequence[BackendPort]
    data_ports: Sequence[int]
    tagging: Tagging

    def __post_init__(self) -> None:
        c = "NetworkArgs"
        require(len(self.zones) >= 2, c, "zones", "at least two zones")
        require(len(set(self.zones)) == len(self.zones), c, "zones", "zones must be distinct")
        require(len(self.app_cidrs) == len(self.zones), c, "app_cidrs", "one per zone")
        require(len(self.data_cidrs) == len(self.zones), c, "data_cidrs", "one per zone")
        vpc = ipv4_network(c, "vpc_cidr", self.vpc_cidr)
        subnets = [ipv4_network(c, "app_cidrs", x) for x in self.app_cidrs]
        subnets += [ipv4_network(c, "data_cidrs", x) for x in self.data_cidrs]
        for i, subnet in enumerate(subnets):
            require(subnet.subnet_of(vpc), c, "cidrs", f"{subnet} is outside {vpc}")
            for other in subnets[i + 1 :]:
                require(not subnet.overlaps(other), c, "cidrs", f"{subnet} overlaps {other}")
        for backend in self.backend_ports:
            for cidr in backend.client_cidrs:
                require(
                    ipv4_network(c, "backend_ports", cidr).prefixlen > 0, c, "backend_ports",
                    "0.0.0.0/0 is never allowed into the app tier",
                )


class Network(LandingZoneComponent):
    """A VPC over two or more zones with an app tier and a data tier.

    The app tier admits only the load balancer on the systems' backend ports; the data tier
    admits only the app tier on the data services' ports. Nothing is open to 0.0.0.0/0.
    """

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("llz:network:Network", name, opts)
        tags = args.tagging.tags("landing-zone")
        self.vpc = alicloud.vpc.Network(
            self.child_name("vpc"),
            vpc_name=self.child_name("vpc"),
            cidr_block=args.vpc_cidr,
            description="Leasing landing zone VPC",
            tags=tags,
            opts=self.child_opts(),
        )
        self.zones = tuple(args.zones)
        self.app_cidrs = tuple(args.app_cidrs)
        self.app_switches = [
            self._switch("app", i, zone, cidr, tags)
            for i, (zone, cidr) in enumerate(zip(args.zones, args.app_cidrs, strict=True))
        ]
        self.data_switches = [
            self._switch("data", i, zone, cidr, tags)
            for i, (zone, cidr) in enumerate(zip(args.zones, args.data_cidrs, strict=True))
        ]
        self.app_security_group = alicloud.ecs.SecurityGroup(
            self.child_name("app-sg"),
            security_group_name=self.child_name("app-sg"),
            description="App tier: reachable only from the load balancer",
            vpc_id=self.vpc.id,
            inner_access_policy="Drop",
            tags=tags,
            opts=self.child_opts(),
        )
        self.data_security_group = alicloud.ecs.SecurityGroup(
            self.child_name("data-sg"),
            security_group_name=self.child_name("data-sg"),
            description="Data tier: reachable only from the app tier",
            vpc_id=self.vpc.id,
            inner_access_policy="Drop",
            tags=tags,
            opts=self.child_opts(),
        )
        for backend in args.backend_ports:
            sources = [SLB_BACKEND_RANGE, *backend.client_cidrs]
            for index, cidr in enumerate(sources):
                suffix = "slb" if index == 0 else f"client-{index}"
                alicloud.ecs.SecurityGroupRule(
                    self.child_name(f"app-in-{backend.system}-{suffix}"),
                    security_group_id=self.app_security_group.id,
                    type="ingress",
                    ip_protocol="tcp",
                    nic_type="intranet",
                    policy="accept",
                    port_range=f"{backend.port}/{backend.port}",
                    cidr_ip=cidr,
                    priority=1,
                    description=f"{backend.system}: load balancer to backend port",
                    opts=self.child_opts(),
                )
        for port in sorted(set(args.data_ports)):
            alicloud.ecs.SecurityGroupRule(
                self.child_name(f"data-in-{port}"),
                security_group_id=self.data_security_group.id,
                type="ingress",
                ip_protocol="tcp",
                nic_type="intranet",
                policy="accept",
                port_range=f"{port}/{port}",
                source_security_group_id=self.app_security_group.id,
                priority=1,
                description="App tier to data service",
                opts=self.child_opts(),
            )
        self.finish(
            {
                "vpcId": self.vpc.id,
                "appVswitchIds": [s.id for s in self.app_switches],
                "dataVswitchIds": [s.id for s in self.data_switches],
                "appSecurityGroupId": self.app_security_group.id,
                "dataSecurityGroupId": self.data_security_group.id,
            }
        )

    def _switch(
        self, tier: str, index: int, zone: str, cidr: str, tags: dict[str, str]
    ) -> alicloud.vpc.Switch:
        name = self.child_name(f"{tier}-{index + 1}")
        return alicloud.vpc.Switch(
            name,
            vswitch_name=name,
            vpc_id=self.vpc.id,
            zone_id=zone,
            cidr_block=cidr,
            description=f"{tier} tier in {zone}",
            tags={**tags, "tier": tier},
            opts=self.child_opts(),
        )
