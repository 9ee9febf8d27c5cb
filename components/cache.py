"""Cache: Redis master-replica across two zones, reachable only from the app tier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_alicloud as alicloud

from components.base import LandingZoneComponent, Tagging, require
from components.data_access import check_backup_days, check_whitelist, generated_password

REDIS_PORT = 6379
REDIS_VERSIONS = ("5.0", "6.0", "7.0")


@dataclass(frozen=True)
class CacheArgs:
    engine_version: str
    instance_class: str
    zone: str
    secondary_zone: str
    vswitch_id: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    allowed_cidrs: Sequence[str]
    app_cidrs: Sequence[str]
    tagging: Tagging
    backup_periods: Sequence[str] = ("Monday", "Wednesday", "Friday")
    backup_time: str = "03:00Z-04:00Z"
    deletion_protection: bool = False
    protect: bool = False

    def __post_init__(self) -> None:
        c = "CacheArgs"
        require(self.engine_version in REDIS_VERSIONS, c, "engine_version",
                f"one of {', '.join(REDIS_VERSIONS)}")
        require(self.zone != self.secondary_zone, c, "secondary_zone", "differs from zone")
        check_backup_days(c, self.backup_periods)
        check_whitelist(c, self.allowed_cidrs, self.app_cidrs)


class Cache(LandingZoneComponent):
    """Redis (kvstore) master-replica: the replica in a secondary zone, TLS, password, backups."""

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("llz:cache:Cache", name, opts)
        self.password = generated_password(self, "password")
        self.instance = alicloud.kvstore.Instance(
            self.child_name("redis"),
            db_instance_name=self.child_name("redis"),
            instance_type="Redis",
            engine_version=args.engine_version,
            instance_class=args.instance_class,
            payment_type="PostPaid",
            zone_id=args.zone,
            secondary_zone_id=args.secondary_zone,
            vswitch_id=args.vswitch_id,
            security_group_id=args.security_group_id,
            security_ips=list(args.allowed_cidrs),
            password=self.password,
            vpc_auth_mode="Open",
            ssl_enable="Enable",
            tde_status="Enabled",
            backup_periods=list(args.backup_periods),
            backup_time=args.backup_time,
            instance_release_protection=args.deletion_protection,
            tags=args.tagging.tags("data"),
            opts=self.child_opts(protect=args.protect),
        )
        self.finish(
            {
                "instanceId": self.instance.id,
                "connectionDomain": self.instance.connection_domain,
                "port": REDIS_PORT,
                "password": self.password,
            }
        )
