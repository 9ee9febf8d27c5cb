"""Bandwidth: the ingress Elastic IP, charged pay-as-you-go, optionally in a shared package."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_alicloud as alicloud

from components.base import LandingZoneComponent, Tagging, require

EIP_CHARGE_TYPES = ("PayByTraffic", "PayByBandwidth")
PACKAGE_CHARGE_TYPES = ("PayByBandwidth", "PayBy95")


@dataclass(frozen=True)
class BandwidthArgs:
    mode: Literal["eip", "sharedPackage"]
    eip_charge_type: str
    max_mbps: int
    tagging: Tagging
    package_charge_type: str = "PayByBandwidth"
    package_mbps: int = 0
    deletion_protection: bool = False
    protect: bool = False

    def __post_init__(self) -> None:
        c = "BandwidthArgs"
        require(self.mode in ("eip", "sharedPackage"), c, "mode", "eip or sharedPackage")
        require(self.eip_charge_type in EIP_CHARGE_TYPES, c, "eip_charge_type",
                f"one of {', '.join(EIP_CHARGE_TYPES)}")
        require(1 <= self.max_mbps <= 500, c, "max_mbps", "between 1 and 500")
        if self.mode == "sharedPackage":
            require(self.package_charge_type in PACKAGE_CHARGE_TYPES, c, "package_charge_type",
                    f"one of {', '.join(PACKAGE_CHARGE_TYPES)}")
            require(self.package_mbps >= 2, c, "package_mbps", "at least 2")
            require(self.max_mbps <= self.package_mbps, c, "max_mbps",
                    "the EIP's share cannot exceed the package bandwidth (package_mbps)")


class Bandwidth(LandingZoneComponent):
    """The Elastic IP that is the landing zone's one public address.

    ``eip``: the EIP is billed by itself (PayByTraffic by default) with a bandwidth cap.
    ``sharedPackage``: the EIP joins a shared bandwidth package billed PayByBandwidth or
    PayBy95, and the package's bandwidth is shared by every IP in it.
    """

    def __init__(
        self, name: str, args: BandwidthArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("llz:bandwidth:Bandwidth", name, opts)
        tags = args.tagging.tags("ingress")
        self.max_mbps = args.max_mbps
        self.eip = alicloud.ecs.EipAddress(
            self.child_name("eip"),
            address_name=self.child_name("eip"),
            description="The landing zone's single public address (load balancer)",
            bandwidth=str(args.max_mbps),
            internet_charge_type=args.eip_charge_type,
            payment_type="PayAsYouGo",
            isp="BGP",
            deletion_protection=args.deletion_protection,
            tags=tags,
            opts=self.child_opts(protect=args.protect),
        )
        self.package: alicloud.vpc.CommonBandwithPackage | None = None
        if args.mode == "sharedPackage":
            self.package = alicloud.vpc.CommonBandwithPackage(
                self.child_name("package"),
                bandwidth_package_name=self.child_name("package"),
                description="Shared internet bandwidth for the landing zone",
                bandwidth=str(args.package_mbps),
                internet_charge_type=args.package_charge_type,
                isp="BGP",
                ratio=20 if args.package_charge_type == "PayBy95" else None,
                deletion_protection=args.deletion_protection,
                tags=tags,
                opts=self.child_opts(),
            )
            alicloud.vpc.CommonBandwithPackageAttachment(
                self.child_name("package-eip"),
                bandwidth_package_id=self.package.id,
                instance_id=self.eip.id,
                bandwidth_package_bandwidth=str(args.max_mbps),
                opts=self.child_opts(),
            )
        self.finish(
            {
                "eipId": self.eip.id,
                "ipAddress": self.eip.ip_address,
                "packageId": self.package.id if self.package else None,
            }
        )
