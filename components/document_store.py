"""DocumentStore: a MongoDB replica set spread over zones, reachable only from the app tier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_alicloud as alicloud

from components.base import LandingZoneComponent, Tagging, require
from components.data_access import check_backup_days, check_whitelist, generated_password

MONGODB_PORT = 3717
REPLICATION_FACTORS = (1, 3, 5, 7)


@dataclass(frozen=True)
class DocumentStoreArgs:
    engine_version: str
    instance_class: str
    storage_gb: int
    replication_factor: int
    zones: Sequence[str]
    vpc_id: pulumi.Input[str]
    vswitch_id: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    allowed_cidrs: Sequence[str]
    app_cidrs: Sequence[str]
    tagging: Tagging
    backup_retention_days: int = 7
    backup_periods: Sequence[str] = ("Monday", "Wednesday", "Friday")
    backup_time: str = "04:00Z-05:00Z"
    deletion_protection: bool = False
    protect: bool = False

    def __post_init__(self) -> None:
        c = "DocumentStoreArgs"
        require(self.replication_factor in REPLICATION_FACTORS, c, "replication_factor",
                "one of 1, 3, 5, 7")
        require(len(self.zones) in (1, 3), c, "zones",
                "one zone, or three distinct zones (primary, secondary, hidden)")
        require(len(set(self.zones)) == len(self.zones), c, "zones", "must be distinct")
        require(len(self.zones) == 1 or self.replication_factor == 3, c, "replication_factor",
                "a multi-zone replica set (three zones) has exactly 3 members")
        require(self.backup_retention_days >= 7, c, "backup_retention_days", "at least 7")
        check_backup_days(c, self.backup_periods)
        check_whitelist(c, self.allowed_cidrs, self.app_cidrs)


class DocumentStore(LandingZoneComponent):
    """MongoDB replica set (replication factor 3 by default) with SSL, TDE and backups.

    With three zones the primary, secondary and hidden members live in different zones.
    """

    def __init__(
        self, name: str, args: DocumentStoreArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("llz:documentstore:DocumentStore", name, opts)
        self.password = generated_password(self, "password")
        multi_zone = len(args.zones) == 3
        self.instance = alicloud.mongodb.Instance(
            self.child_name("mongodb"),
            name=self.child_name("mongodb"),
            engine_version=args.engine_version,
            db_instance_class=args.instance_class,
            db_instance_storage=args.storage_gb,
            storage_engine="WiredTiger",
            storage_type="cloud_essd1",
            replication_factor=args.replication_factor,
            instance_charge_type="PostPaid",
            zone_id=args.zones[0],
            secondary_zone_id=args.zones[1] if multi_zone else None,
            hidden_zone_id=args.zones[2] if multi_zone else None,
            vpc_id=args.vpc_id,
            vswitch_id=args.vswitch_id,
            network_type="VPC",
            security_group_id=args.security_group_id,
            security_ip_lists=list(args.allowed_cidrs),
            account_password=self.password,
            ssl_action="Open",
            tde_status="enabled",
            backup_retention_period=args.backup_retention_days,
            backup_periods=list(args.backup_periods),
            backup_time=args.backup_time,
            db_instance_release_protection=args.deletion_protection,
            tags=args.tagging.tags("data"),
            opts=self.child_opts(protect=args.protect),
        )
        self.finish(
            {
                "instanceId": self.instance.id,
                "replicaSetName": self.instance.replica_set_name,
                "port": MONGODB_PORT,
                "password": self.password,
            }
        )
