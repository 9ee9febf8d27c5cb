"""The rule catalogue and its pulumi-policy ``ResourceValidationPolicy`` objects.

``RULES`` says what each rule is (id, title, severity, rationale, remediation, the resource
types it judges, the config keys it reads). ``POLICIES`` are the same rules as pulumi-policy
objects -- a ``ResourceValidationPolicy`` per rule, or a ``StackValidationPolicy`` for a rule
that needs the whole stack (``Rule.stack``) --: the real engine loads them through
``policy-pack/__main__.py`` (the only place a ``PolicyPack`` is built: its constructor serves
the engine and never returns), and the offline audit (``cli.audit``) calls their
``validate`` directly over a Plan.

Per-environment behaviour (enforcement level, environment, allowed bandwidth charge types,
minimum retentions, suppressed resources) comes from the policy config, ``args.get_config()``.
A resource listed in ``suppressedResources`` is skipped by ``validate``: that is how the real
engine honours a suppression. The offline audit passes no suppressed resources and marks the
findings itself, so suppressed findings stay visible in every report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from cli.findings import RuleInfo
from policies import checks
from policies.checks import (
    ECS,
    EIP,
    LISTENER,
    MONGODB,
    PACKAGE,
    RDS,
    RDS_BACKUP,
    REDIS,
    SG_RULE,
    TAGGABLE,
    Subject,
)
from policies.settings import (
    COMMON_SCHEMA,
    EXTRA_SCHEMA,
    K_AUDIT_DAYS,
    K_BACKUP_DAYS,
    K_CHARGE_TYPES,
    K_PROTECTION,
    RuleConfig,
)

Check = Callable[[Subject], Iterator[str]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    rationale: str
    remediation: str
    resource_types: frozenset[str]
    check: Check
    tags: tuple[str, ...]
    config_keys: tuple[str, ...] = ()
    # A stack rule sees every resource at once (a StackValidationPolicy): needed when a
    # resource is judged by what other resources say about it.
    stack: bool = False

    def info(self, enforcement: str) -> RuleInfo:
        return RuleInfo(
            id=self.id,
            title=self.title,
            severity=self.severity,  # type: ignore[arg-type]
            rationale=self.rationale,
            remediation=self.remediation,
            enforcement=enforcement,  # type: ignore[arg-type]
        )


DATA = frozenset({RDS, REDIS, MONGODB})

RULES: tuple[Rule, ...] = (
    Rule(
        "LLZ-HA-001",
        "RDS runs HighAvailability with the standby in another zone",
        "high",
        "A single-zone database is the server-room single point of failure the move to the "
        "cloud is meant to remove; a zone outage would stop every leasing system.",
        "Set category HighAvailability and zoneIdSlaveA to a zone other than zoneId "
        "(llz:database.zones).",
        frozenset({RDS}),
        checks.ha_rds,
        ("availability",),
    ),
    Rule(
        "LLZ-HA-002",
        "Redis keeps its replica in a secondary zone",
        "high",
        "Sessions and caches must survive a zone outage.",
        "Set secondaryZoneId to a zone other than zoneId.",
        frozenset({REDIS}),
        checks.ha_redis,
        ("availability",),
    ),
    Rule(
        "LLZ-HA-003",
        "MongoDB is a replica set of at least 3 members across distinct zones",
        "high",
        "A replica set with fewer than three members, or all in one zone, cannot elect a "
        "primary after a zone outage.",
        "Set replicationFactor >= 3 and secondaryZoneId (and hiddenZoneId) to zones other "
        "than zoneId; this needs a network with at least two zones.",
        frozenset({MONGODB}),
        checks.ha_mongodb,
        ("availability",),
    ),
    Rule(
        "LLZ-NET-001",
        "No database or cache is reachable from 0.0.0.0/0 or a public address",
        "critical",
        "Customer, contract and payment data must only be reachable from the app tier.",
        "List only app-tier CIDRs in allowedCidrs (securityIps / securityIpLists).",
        DATA,
        checks.net_whitelist,
        ("network", "data"),
    ),
    Rule(
        "LLZ-NET-002",
        "No security-group ingress from 0.0.0.0/0",
        "critical",
        "The load balancer is the one way in; an open security group bypasses its ACLs.",
        "Restrict cidrIp to the load balancer or app-tier ranges, or use a drop policy.",
        frozenset({SG_RULE}),
        checks.net_security_group,
        ("network",),
    ),
    Rule(
        "LLZ-NET-003",
        "App servers have no public IP",
        "high",
        "Servers with public addresses are a second, uncontrolled way in and out.",
        "Set internetMaxBandwidthOut to 0 and do not allocate a public IP; reach the servers "
        "through the load balancer.",
        frozenset({ECS}),
        checks.net_public_ip,
        ("network",),
    ),
    Rule(
        "LLZ-TLS-001",
        "SSL/TLS is on for RDS, Redis and MongoDB",
        "high",
        "Credentials and financial data must not cross the network in clear text.",
        "RDS and MongoDB: sslAction Open; Redis: sslEnable Enable.",
        DATA,
        checks.tls_data,
        ("encryption", "transport"),
    ),
    Rule(
        "LLZ-TLS-002",
        "HTTPS listeners use a modern TLS policy; plain HTTP only redirects",
        "high",
        "TLS 1.0/1.1 and plain HTTP expose sessions of staff using the internal systems.",
        "Set tlsCipherPolicy to tls_cipher_policy_1_2_strict or "
        "tls_cipher_policy_1_2_strict_with_1_3; make HTTP listeners redirect "
        "(listenerForward on).",
        frozenset({LISTENER}),
        checks.tls_listener,
        ("encryption", "transport"),
    ),
    Rule(
        "LLZ-ENC-001",
        "Transparent data encryption (TDE) is on where the engine supports it",
        "medium",
        "Encryption at rest protects backups and disks holding customer and contract data.",
        "Set tdeStatus Enabled (RDS needs a KMS key: llz:database.tde).",
        DATA,
        checks.enc_tde,
        ("encryption", "at-rest"),
    ),
    Rule(
        "LLZ-ENC-002",
        "App-server disks are encrypted",
        "medium",
        "Application servers cache documents and exports on their disks.",
        "Set systemDiskEncrypted (and encrypted on every data disk).",
        frozenset({ECS}),
        checks.enc_disk,
        ("encryption", "at-rest"),
    ),
    Rule(
        "LLZ-BAK-001",
        "Backups are kept at least 7 days (30 in prod)",
        "high",
        "Leasing contracts and ledgers must be recoverable after an error noticed late.",
        "Raise backupRetentionDays (llz:database / llz:documentStore); give every RDS "
        "instance a BackupPolicy.",
        frozenset({RDS, RDS_BACKUP, MONGODB}),
        checks.backup_retention,
        ("backup",),
        (K_BACKUP_DAYS,),
        # An RDS instance's retention is set by a separate BackupPolicy resource: only the
        # whole stack tells whether the instance has one.
        stack=True,
    ),
    Rule(
        "LLZ-AUD-001",
        "SQL audit is on and kept at least 180 days in prod",
        "high",
        "Regulators expect who-did-what on financial data to be traceable for months.",
        "Set llz:database.sqlAuditRetentionDays to 180 or more (sqlCollectorStatus Enabled).",
        frozenset({RDS}),
        checks.sql_audit,
        ("audit",),
        (K_AUDIT_DAYS,),
    ),
    Rule(
        "LLZ-PROT-001",
        "Stateful resources are deletion-protected and `protect`ed in prod",
        "high",
        "A mistaken destroy must not take the production databases or the public address.",
        "Set llz:protection.deletionProtection and protectStateful to true.",
        frozenset({RDS, REDIS, MONGODB, EIP}),
        checks.protection,
        ("protection",),
        (K_PROTECTION,),
    ),
    Rule(
        "LLZ-COST-001",
        "The bandwidth charge type is allowed in this environment",
        "medium",
        "Bandwidth cost was the firm's pain; each environment allows only the billing it "
        "budgeted for.",
        "Choose a charge type listed in llz:policy.allowedBandwidthChargeTypes.",
        frozenset({EIP, PACKAGE}),
        checks.bandwidth_charge,
        ("cost",),
        (K_CHARGE_TYPES,),
        # An EIP joined to a shared bandwidth package is billed by the package: only a view
        # of the whole stack (the attachment) tells which charge type applies.
        stack=True,
    ),
    Rule(
        "LLZ-TAG-001",
        "Every taggable resource is tagged env, owner and cost-center",
        "low",
        "Cost allocation and ownership need the tags on every bill line.",
        "Set llz:tags.owner and costCenter; the components add env and system.",
        TAGGABLE,
        checks.tags,
        ("tagging", "cost"),
    ),
)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def _suppressed(config: RuleConfig, name: str, urn: str) -> bool:
    return name in config.suppressed or urn in config.suppressed


def _protected(opts: object) -> bool:
    return bool(getattr(opts, "protect", False)) if opts is not None else False


def _validator(rule: Rule) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in rule.resource_types:
            return
        config = RuleConfig.read(args.get_config())
        if _suppressed(config, args.name, args.urn):
            return
        subject = Subject(
            args.resource_type, args.props, args.name, args.urn, _protected(args.opts), config
        )
        for message in rule.check(subject):
            report_violation(message, None)

    validate.__name__ = f"validate_{rule.id.replace('-', '_').lower()}"
    return validate


def _stack_validator(rule: Rule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        config = RuleConfig.read(args.get_config())
        dependents = checks.dependents(args.resources)
        resource: PolicyResource
        for resource in args.resources:
            if resource.resource_type not in rule.resource_types:
                continue
            if _suppressed(config, resource.name, resource.urn):
                continue
            subject = Subject(
                resource.resource_type,
                resource.props,
                resource.name,
                resource.urn,
                _protected(resource.opts),
                config,
                dependents=tuple(dependents.get(resource.urn, ())),
            )
            for message in rule.check(subject):
                report_violation(message, resource.urn)

    validate.__name__ = f"validate_{rule.id.replace('-', '_').lower()}"
    return validate


def _policy(rule: Rule) -> Policy:
    schema = {**COMMON_SCHEMA, **{key: EXTRA_SCHEMA[key] for key in rule.config_keys}}
    common: dict[str, Any] = {
        "name": rule.id,
        "description": f"{rule.title}. {rule.rationale}",
        "display_name": rule.title,
        "severity": Severity(rule.severity),
        "remediation_steps": rule.remediation,
        "tags": list(rule.tags),
        "config_schema": PolicyConfigSchema(schema),
    }
    if rule.stack:
        return StackValidationPolicy(validate=_stack_validator(rule), **common)
    return ResourceValidationPolicy(validate=_validator(rule), **common)


POLICIES: tuple[Policy, ...] = tuple(_policy(rule) for rule in RULES)
POLICIES_BY_ID: dict[str, Policy] = {p.name: p for p in POLICIES}
RESOURCE_POLICIES: dict[str, ResourceValidationPolicy] = {
    p.name: p for p in POLICIES if isinstance(p, ResourceValidationPolicy)
}
STACK_POLICIES: dict[str, StackValidationPolicy] = {
    p.name: p for p in POLICIES if isinstance(p, StackValidationPolicy)
}
