"""The Pulumi program: a LandingZoneSpec composed into the landing-zone components.

Both engines run exactly this: the real engine through ``stacks/__main__.py``, the offline
engine by calling ``run_program`` under ``pulumi.runtime`` mocks.
"""

from __future__ import annotations

import pulumi

from components.app_servers import AppServers, AppServersArgs
from components.bandwidth import Bandwidth, BandwidthArgs
from components.base import Tagging
from components.cache import REDIS_PORT, Cache, CacheArgs
from components.database import MYSQL_PORT, Database, DatabaseArgs
from components.document_store import MONGODB_PORT, DocumentStore, DocumentStoreArgs
from components.ingress import Certificate, Ingress, IngressArgs, Route
from components.monitoring import AlarmRule, Contact, Monitoring, MonitoringArgs
from components.network import BackendPort, Network, NetworkArgs
from stacks.config import PROJECT, runtime_config, spec_from_config
from stacks.spec import LandingZoneSpec


def run_program() -> None:
    """Entry point for either engine: read the stack's config, build the landing zone."""
    spec = spec_from_config(runtime_config(), PROJECT, pulumi.get_stack())
    build_landing_zone(spec)


def build_landing_zone(spec: LandingZoneSpec) -> None:
    """Describe the whole landing zone for one environment and export its outputs."""
    env = spec.environment
    tagging = Tagging(env, spec.tags.owner, spec.tags.cost_center, dict(spec.tags.extra))
    prod_protect = spec.protection.protect_stateful
    deletion_protection = spec.protection.deletion_protection
    zones = spec.network.zones

    network = Network(
        env,
        NetworkArgs(
            vpc_cidr=spec.network.vpc_cidr,
            zones=zones,
            app_cidrs=spec.network.app_cidrs,
            data_cidrs=spec.network.data_cidrs,
            backend_ports=[
                BackendPort(
                    port=s.backend_port,
                    system=s.name,
                    client_cidrs=spec.system_cidrs(s) if s.protocol == "tcp" else (),
                )
                for s in spec.systems
            ],
            data_ports=[MYSQL_PORT, REDIS_PORT, MONGODB_PORT],
            tagging=tagging,
        ),
    )
    servers = AppServers(
        f"{env}-app",
        AppServersArgs(
            instance_type=spec.app_servers.instance_type,
            image_id=spec.app_servers.image_id,
            zones=zones,
            vswitch_ids=[s.id for s in network.app_switches],
            security_group_id=network.app_security_group.id,
            tagging=tagging,
            count_per_zone=spec.app_servers.count_per_zone,
            system_disk_gb=spec.app_servers.system_disk_gb,
            disk_category=spec.app_servers.disk_category,
            key_pair_name=spec.app_servers.key_pair_name,
            deletion_protection=deletion_protection,
        ),
    )
    bandwidth = Bandwidth(
        f"{env}-bandwidth",
        BandwidthArgs(
            mode=spec.bandwidth.mode,
            eip_charge_type=spec.bandwidth.eip_charge_type,
            max_mbps=spec.bandwidth.max_mbps,
            package_charge_type=(
                spec.bandwidth.package.charge_type if spec.bandwidth.package else "PayByBandwidth"
            ),
            package_mbps=spec.bandwidth.package.bandwidth_mbps if spec.bandwidth.package else 0,
            deletion_protection=deletion_protection,
            protect=prod_protect,
            tagging=tagging,
        ),
    )
    certificate = None
    if spec.ingress.certificate is not None and spec.tls_private_key is not None:
        certificate = Certificate(
            name=spec.ingress.certificate.name,
            public_key=spec.ingress.certificate.public_key,
            private_key=pulumi.Output.secret(spec.tls_private_key.get_secret_value()),
        )
    ingress = Ingress(
        f"{env}-ingress",
        IngressArgs(
            vpc_id=network.vpc.id,
            vswitch_id=network.app_switches[0].id,
            master_zone=zones[0],
            slave_zone=zones[1],
            eip_id=bandwidth.eip.id,
            backend_servers=servers.servers,
            routes=[
                Route(
                    system=s.name,
                    protocol=s.protocol,
                    frontend_port=s.listener_port,
                    backend_port=s.backend_port,
                    allowed_cidrs=spec.system_cidrs(s),
                    health_check_path=s.health_check_path,
                    redirect_http_port=s.redirect_http_port,
                )
                for s in spec.systems
            ],
            load_balancer_spec=spec.ingress.load_balancer_spec,
            tls_cipher_policy=spec.ingress.tls_cipher_policy,
            certificate=certificate,
            protection=deletion_protection,
            tagging=tagging,
        ),
    )
    db_zones = spec.database_zones
    data_switch = {zone: sw.id for zone, sw in zip(zones, network.data_switches, strict=True)}
    database = Database(
        f"{env}-rds",
        DatabaseArgs(
            engine_version=spec.database.engine_version,
            instance_class=spec.database.instance_class,
            storage_gb=spec.database.storage_gb,
            storage_type=spec.database.storage_type,
            zones=db_zones,
            vswitch_ids=(data_switch[db_zones[0]], data_switch[db_zones[1]]),
            vpc_id=network.vpc.id,
            security_group_id=network.data_security_group.id,
            allowed_cidrs=spec.data_whitelist(spec.database.allowed_cidrs),
            app_cidrs=spec.network.app_cidrs,
            databases=[s.name for s in spec.systems if s.database],
            backup_retention_days=spec.database.backup_retention_days,
            backup_periods=spec.database.backup_periods,
            backup_time=spec.database.backup_time,
            sql_audit_retention_days=spec.database.sql_audit_retention_days,
            tde=spec.database.tde,
            deletion_protection=deletion_protection,
            protect=prod_protect,
            tagging=tagging,
        ),
    )
    cache = Cache(
        f"{env}-redis",
        CacheArgs(
            engine_version=spec.cache.engine_version,
            instance_class=spec.cache.instance_class,
            zone=zones[0],
            secondary_zone=zones[1],
            vswitch_id=network.data_switches[0].id,
            security_group_id=network.data_security_group.id,
            allowed_cidrs=spec.data_whitelist(spec.cache.allowed_cidrs),
            app_cidrs=spec.network.app_cidrs,
            backup_periods=spec.cache.backup_periods,
            backup_time=spec.cache.backup_time,
            deletion_protection=deletion_protection,
            protect=prod_protect,
            tagging=tagging,
        ),
    )
    mongo_zones = zones[:3] if len(zones) >= 3 else zones[:1]
    documents = DocumentStore(
        f"{env}-mongodb",
        DocumentStoreArgs(
            engine_version=spec.document_store.engine_version,
            instance_class=spec.document_store.instance_class,
            storage_gb=spec.document_store.storage_gb,
            replication_factor=spec.document_store.replication_factor,
            zones=mongo_zones,
            vpc_id=network.vpc.id,
            vswitch_id=network.data_switches[0].id,
            security_group_id=network.data_security_group.id,
            allowed_cidrs=spec.data_whitelist(spec.document_store.allowed_cidrs),
            app_cidrs=spec.network.app_cidrs,
            backup_retention_days=spec.document_store.backup_retention_days,
            backup_periods=spec.document_store.backup_periods,
            backup_time=spec.document_store.backup_time,
            deletion_protection=deletion_protection,
            protect=prod_protect,
            tagging=tagging,
        ),
    )
    m = spec.monitoring
    bandwidth_bits = spec.bandwidth.max_mbps * 1_000_000 * m.bandwidth_percent / 100
    Monitoring(
        f"{env}-monitoring",
        MonitoringArgs(
            contact_group=m.contact_group,
            contacts=[Contact(c.name, c.email) for c in m.contacts],
            webhook=(
                pulumi.Output.secret(spec.alarm_webhook.get_secret_value())
                if spec.alarm_webhook is not None
                else None
            ),
            alarms=[
                AlarmRule("slb-unhealthy", "acs_slb_dashboard", "UnhealthyServerCount",
                          ingress.load_balancer.id, 0, statistics="Maximum", times=2),
                AlarmRule("eip-bandwidth", "acs_vpc_eip", "net_tx.rate",
                          bandwidth.eip.id, bandwidth_bits, statistics="Value"),
                AlarmRule("rds-cpu", "acs_rds_dashboard", "CpuUsage",
                          database.instance.id, m.rds_cpu_percent),
                AlarmRule("rds-storage", "acs_rds_dashboard", "DiskUsage",
                          database.instance.id, m.rds_storage_percent),
                AlarmRule("rds-connections", "acs_rds_dashboard", "ConnectionUsage",
                          database.instance.id, m.rds_connections_percent),
                AlarmRule("redis-memory", "acs_kvstore", "StandardMemoryUsage",
                          cache.instance.id, m.redis_memory_percent),
                AlarmRule("mongodb-cpu", "acs_mongodb", "CPUUtilization",
                          documents.instance.id, m.mongodb_cpu_percent),
                AlarmRule("mongodb-storage", "acs_mongodb", "DiskUtilization",
                          documents.instance.id, m.mongodb_storage_percent),
            ],
            tagging=tagging,
        ),
    )
    pulumi.export("environment", env)
    pulumi.export("ingressAddress", bandwidth.eip.ip_address)
    pulumi.export(
        "systems",
        {s.name: {"protocol": s.protocol, "port": s.listener_port} for s in spec.systems},
    )
    pulumi.export("rdsConnectionString", database.instance.connection_string)
    pulumi.export("redisConnectionDomain", cache.instance.connection_domain)
    pulumi.export("mongodbReplicaSet", documents.instance.replica_set_name)
    pulumi.export("databasePasswords", pulumi.Output.secret(database.passwords))
    pulumi.export("redisPassword", cache.password)
    pulumi.export("mongodbPassword", documents.password)
