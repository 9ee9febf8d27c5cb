"""Database: highly available RDS MySQL, a database and an account per system."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_alicloud as alicloud

from components.base import LandingZoneComponent, Tagging, require
from components.data_access import check_backup_days, check_whitelist, generated_password

MYSQL_PORT = 3306


@dataclass(frozen=True)
class DatabaseArgs:
    engine_version: str
    instance_class: str
    storage_gb: int
    storage_type: str
    zones: tuple[str, str]
    vswitch_ids: tuple[pulumi.Input[str], pulumi.Input[str]]
    vpc_id: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    allowed_cidrs: Sequence[str]
    app_cidrs: Sequence[str]
    databases: Sequence[str]
    tagging: Tagging
    backup_retention_days: int = 7
    backup_periods: Sequence[str] = ("Monday", "Wednesday", "Friday")
    backup_time: str = "02:00Z-03:00Z"
    sql_audit_retention_days: int = 30
    tde: bool = False
    deletion_protection: bool = False
    protect: bool = False

    def __post_init__(self) -> None:
        c = "DatabaseArgs"
        require(self.zones[0] != self.zones[1], c, "zones", "primary and standby must differ")
        require(self.engine_version in ("5.7", "8.0"), c, "engine_version", "5.7 or 8.0")
        require(self.backup_retention_days >= 7, c, "backup_retention_days", "at least 7")
        check_backup_days(c, self.backup_periods, minimum=2)
        require(len(set(self.databases)) == len(self.databases), c, "databases", "unique names")
        for system in self.databases:
            require(len(account_name(system)) <= 32, c, "databases",
                    f"{system!r}: its account {account_name(system)!r} exceeds 32 characters")
        check_whitelist(c, self.allowed_cidrs, self.app_cidrs)


def account_name(system: str) -> str:
    """The RDS account of a system's application (MySQL 5.7/8.0: 2-32 characters)."""
    return f"{system.replace('-', '_')}_app"


class Database(LandingZoneComponent):
    """RDS MySQL, category HighAvailability: the standby lives in another zone.

    Only the app tier may connect (IP whitelist and security group), connections use SSL,
    SQL audit and the backup policy are on, and each system gets its own database and
    account whose password is generated and kept as a Pulumi secret.
    """

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("llz:database:Database", name, opts)
        tags = args.tagging.tags("data")
        vswitches = pulumi.Output.all(*args.vswitch_ids).apply(lambda ids: ",".join(ids))
        self.instance = alicloud.rds.Instance(
            self.child_name("mysql"),
            instance_name=self.child_name("mysql"),
            engine="MySQL",
            engine_version=args.engine_version,
            instance_type=args.instance_class,
            instance_storage=args.storage_gb,
            db_instance_storage_type=args.storage_type,
            category="HighAvailability",
            instance_charge_type="Postpaid",
            zone_id=args.zones[0],
            zone_id_slave_a=args.zones[1],
            vpc_id=args.vpc_id,
            vswitch_id=vswitches,
            security_ips=list(args.allowed_cidrs),
            security_group_ids=[args.security_group_id],
            ssl_action="Open",
            tde_status="Enabled" if args.tde else None,
            sql_collector_status="Enabled",
            sql_collector_config_value=args.sql_audit_retention_days,
            deletion_protection=args.deletion_protection,
            monitoring_period=60,
            tags=tags,
            opts=self.child_opts(protect=args.protect),
        )
        self.backup_policy = alicloud.rds.BackupPolicy(
            self.child_name("backup"),
            instance_id=self.instance.id,
            backup_retention_period=args.backup_retention_days,
            preferred_backup_periods=list(args.backup_periods),
            preferred_backup_time=args.backup_time,
            enable_backup_log=True,
            log_backup_retention_period=args.backup_retention_days,
            opts=self.child_opts(),
        )
        self.passwords: dict[str, pulumi.Output[str]] = {}
        for system in args.databases:
            self._system_database(system, args)
        self.finish(
            {
                "instanceId": self.instance.id,
                "connectionString": self.instance.connection_string,
                "port": MYSQL_PORT,
                "passwords": self.passwords,
            }
        )

    def _system_database(self, system: str, args: DatabaseArgs) -> None:
        database = alicloud.rds.Database(
            self.child_name(f"{system}-db"),
            instance_id=self.instance.id,
            data_base_name=system.replace("-", "_"),
            character_set="utf8mb4",
            description=f"{system} system database",
            opts=self.child_opts(protect=args.protect),
        )
        password = generated_password(self, f"{system}-password")
        account = alicloud.rds.RdsAccount(
            self.child_name(f"{system}-account"),
            db_instance_id=self.instance.id,
            account_name=account_name(system),
            account_password=password,
            account_type="Normal",
            account_description=f"{system} application account",
            opts=self.child_opts(),
        )
        alicloud.rds.AccountPrivilege(
            self.child_name(f"{system}-grant"),
            instance_id=self.instance.id,
            account_name=account.account_name,
            db_names=[database.data_base_name],
            privilege="ReadWrite",
            opts=self.child_opts(),
        )
        self.passwords[system] = password
