"""The Pulumi program: a LandingZoneSpec composed into the landing-zone components.

Both engines run exactly this: the real engine through ``stacks/__main__.py``, the offline
engine by calling ``run_program`` under ``pulumi.runtime`` mocks.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Landing:
    """What every component of one environment shares."""

    spec: LandingZoneSpec
    tagging: Tagging

    @property
    def env(self) -> str:
        return self.spec.environment

    @property
    def protect(self) -> bool:
        """Pulumi ``protect`` on stateful resources."""
        return self.spec.protection.protect_stateful

    @property
    def deletion_protection(self) -> bool:
        """Alibaba Cloud's own deletion/release protection."""
        return self.spec.protection.deletion_protection


def build_landing_zone(spec: LandingZoneSpec) -> None:
    """Describe the whole landing zone for one environment and export its outputs."""
    tags = spec.tags
    lz = Landing(spec, Tagging(spec.environment, tags.owner, tags.cost_center, dict(tags.extra)))
    network = _network(lz)
    servers = _app_servers(lz, network)
    bandwidth = _bandwidth(lz)
    ingress = _ingress(lz, network, servers, bandwidth)
    database = _database(lz, network)
    cache = _cache(lz, network)
    documents = _document_store(lz, network)
    _monitoring(lz, ingress, bandwidth, database, cache, documents)
    _export(lz, bandwidth, database, cache, documents)


def _network(lz: Landing) -> Network:
    spec = lz.spec
    return Network(
        lz.env,
        NetworkArgs(
            vpc_cidr=spec.network.vpc_cidr,
            zones=spec.network.zones,
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
            tagging=lz.tagging,
        ),
    )


def _app_servers(lz: Landing, network: Network) -> AppServers:
    servers = lz.spec.app_servers
    return AppServers(
        f"{lz.env}-app",
        AppServersArgs(
            instance_type=servers.instance_type,
            image_id=servers.image_id,
            zones=lz.spec.network.zones,
            vswitch_ids=[s.id for s in network.app_switches],
            security_group_id=network.app_security_group.id,
            tagging=lz.tagging,
            count_per_zone=servers.count_per_zone,
            system_disk_gb=servers.system_disk_gb,
            disk_category=servers.disk_category,
            key_pair_name=servers.key_pair_name,
            deletion_protection=lz.deletion_protection,
        ),
    )


def _bandwidth(lz: Landing) -> Bandwidth:
    bandwidth = lz.spec.bandwidth
    package = bandwidth.package
    return Bandwidth(
        f"{lz.env}-bandwidth",
        BandwidthArgs(
            mode=bandwidth.mode,
            eip_charge_type=bandwidth.eip_charge_type,
            max_mbps=bandwidth.max_mbps,
            package_charge_type=package.charge_type if package else "PayByBandwidth",
            package_mbps=package.bandwidth_mbps if package else 0,
            deletion_protection=lz.deletion_protection,
            protect=lz.protect,
            tagging=lz.tagging,
        ),
    )


def _ingress(
    lz: Landing, network: Network, servers: AppServers, bandwidth: Bandwidth
) -> Ingress:
    spec = lz.spec
    certificate = None
    if spec.ingress.certificate is not None and spec.tls_private_key is not None:
        certificate = Certificate(
            name=spec.ingress.certificate.name,
            public_key=spec.ingress.certificate.public_key,
            private_key=pulumi.Output.secret(spec.tls_private_key.get_secret_value()),
        )
    zones = spec.network.zones
    return Ingress(
        f"{lz.env}-ingress",
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
            protection=lz.deletion_protection,
            tagging=lz.tagging,
        ),
    )


def _database(lz: Landing, network: Network) -> Database:
    spec = lz.spec
    db = spec.database
    zones = spec.database_zones
    switch = {
        zone: sw.id for zone, sw in zip(spec.network.zones, network.data_switches, strict=True)
    }
    return Database(
        f"{lz.env}-rds",
        DatabaseArgs(
            engine_version=db.engine_version,
            instance_class=db.instance_class,
            storage_gb=db.storage_gb,
            storage_type=db.storage_type,
            zones=zones,
            vswitch_ids=(switch[zones[0]], switch[zones[1]]),
            vpc_id=network.vpc.id,
            security_group_id=network.data_security_group.id,
            allowed_cidrs=spec.data_whitelist(db.allowed_cidrs),
            app_cidrs=spec.network.app_cidrs,
            databases=[s.name for s in spec.systems if s.database],
            backup_retention_days=db.backup_retention_days,
            backup_periods=db.backup_periods,
            backup_time=db.backup_time,
            sql_audit_retention_days=db.sql_audit_retention_days,
            tde=db.tde,
            deletion_protection=lz.deletion_protection,
            protect=lz.protect,
            tagging=lz.tagging,
        ),
    )


def _cache(lz: Landing, network: Network) -> Cache:
    spec = lz.spec
    zones = spec.network.zones
    return Cache(
        f"{lz.env}-redis",
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
            deletion_protection=lz.deletion_protection,
            protect=lz.protect,
            tagging=lz.tagging,
        ),
    )


def _document_store(lz: Landing, network: Network) -> DocumentStore:
    spec = lz.spec
    store = spec.document_store
    zones = spec.network.zones
    # A replica set spreads over three zones (primary, secondary, hidden) when there are three.
    mongo_zones = zones[:3] if len(zones) >= 3 else zones[:1]
    return DocumentStore(
        f"{lz.env}-mongodb",
        DocumentStoreArgs(
            engine_version=store.engine_version,
            instance_class=store.instance_class,
            storage_gb=store.storage_gb,
            replication_factor=store.replication_factor,
            zones=mongo_zones,
            vpc_id=network.vpc.id,
            vswitch_id=network.data_switches[0].id,
            security_group_id=network.data_security_group.id,
            allowed_cidrs=spec.data_whitelist(store.allowed_cidrs),
            app_cidrs=spec.network.app_cidrs,
            backup_retention_days=store.backup_retention_days,
            backup_periods=store.backup_periods,
            backup_time=store.backup_time,
            deletion_protection=lz.deletion_protection,
            protect=lz.protect,
            tagging=lz.tagging,
        ),
    )


def _monitoring(
    lz: Landing,
    ingress: Ingress,
    bandwidth: Bandwidth,
    database: Database,
    cache: Cache,
    documents: DocumentStore,
) -> Monitoring:
    spec = lz.spec
    m = spec.monitoring
    bandwidth_bits = spec.bandwidth.max_mbps * 1_000_000 * m.bandwidth_percent / 100
    rds, redis, mongodb = database.instance.id, cache.instance.id, documents.instance.id
    return Monitoring(
        f"{lz.env}-monitoring",
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
                AlarmRule("rds-cpu", "acs_rds_dashboard", "CpuUsage", rds, m.rds_cpu_percent),
                AlarmRule("rds-storage", "acs_rds_dashboard", "DiskUsage",
                          rds, m.rds_storage_percent),
                AlarmRule("rds-connections", "acs_rds_dashboard", "ConnectionUsage",
                          rds, m.rds_connections_percent),
                AlarmRule("redis-memory", "acs_kvstore", "StandardMemoryUsage",
                          redis, m.redis_memory_percent),
                AlarmRule("mongodb-cpu", "acs_mongodb", "CPUUtilization",
                          mongodb, m.mongodb_cpu_percent),
                AlarmRule("mongodb-storage", "acs_mongodb", "DiskUtilization",
                          mongodb, m.mongodb_storage_percent),
            ],
            tagging=lz.tagging,
        ),
    )


def _export(
    lz: Landing, bandwidth: Bandwidth, database: Database, cache: Cache, documents: DocumentStore
) -> None:
    pulumi.export("environment", lz.env)
    pulumi.export("ingressAddress", bandwidth.eip.ip_address)
    pulumi.export(
        "systems",
        {s.name: {"protocol": s.protocol, "port": s.listener_port} for s in lz.spec.systems},
    )
    pulumi.export("rdsConnectionString", database.instance.connection_string)
    pulumi.export("redisConnectionDomain", cache.instance.connection_domain)
    pulumi.export("mongodbReplicaSet", documents.instance.replica_set_name)
    pulumi.export("databasePasswords", pulumi.Output.secret(database.passwords))
    pulumi.export("redisPassword", cache.password)
    pulumi.export("mongodbPassword", documents.password)
