"""AppServers: ECS instances spread over the app-tier zones, private and encrypted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_alicloud as alicloud

from components.base import LandingZoneComponent, Tagging, require


@dataclass(frozen=True)
class AppServersArgs:
    instance_type: str
    image_id: str
    zones: Sequence[str]
    vswitch_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    tagging: Tagging
    count_per_zone: int = 1
    system_disk_gb: int = 40
    disk_category: str = "cloud_essd"
    key_pair_name: str | None = None
    deletion_protection: bool = False

    def __post_init__(self) -> None:
        c = "AppServersArgs"
        require(len(self.zones) >= 2, c, "zones", "spread over at least two zones")
        require(len(self.vswitch_ids) == len(self.zones), c, "vswitch_ids", "one per zone")
        require(1 <= self.count_per_zone <= 20, c, "count_per_zone", "between 1 and 20")
        require(self.system_disk_gb >= 20, c, "system_disk_gb", "at least 20")


class AppServers(LandingZoneComponent):
    """``count_per_zone`` ECS instances in each app zone: no public IP, encrypted disks."""

    def __init__(
        self, name: str, args: AppServersArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("llz:appservers:AppServers", name, opts)
        tags = args.tagging.tags("app-tier")
        self.instances: list[alicloud.ecs.Instance] = []
        self.names: list[str] = []
        for zone_index, (zone, vswitch_id) in enumerate(
            zip(args.zones, args.vswitch_ids, strict=True)
        ):
            for n in range(args.count_per_zone):
                host = self.child_name(f"{zone_index + 1}{chr(ord('a') + n)}")
                self.names.append(host)
                self.instances.append(
                    alicloud.ecs.Instance(
                        host,
                        instance_name=host,
                        host_name=host,
                        instance_type=args.instance_type,
                        image_id=args.image_id,
                        availability_zone=zone,
                        vswitch_id=vswitch_id,
                        security_groups=[args.security_group_id],
                        instance_charge_type="PostPaid",
                        internet_max_bandwidth_out=0,
                        system_disk_category=args.disk_category,
                        system_disk_size=args.system_disk_gb,
                        system_disk_encrypted=True,
                        key_name=args.key_pair_name,
                        deletion_protection=args.deletion_protection,
                        security_enhancement_strategy="Active",
                        tags=tags,
                        volume_tags=tags,
                        opts=self.child_opts(),
                    )
                )
        self.instance_ids = [i.id for i in self.instances]
        self.servers: dict[str, pulumi.Output[str]] = {
            name: instance.id for name, instance in zip(self.names, self.instances, strict=True)
        }
        self.finish({"instanceIds": self.instance_ids})
