"""Per-environment policy settings, carried by the Pulumi policy config.

The same settings reach a rule in both engines through ``args.get_config()``: the real engine
reads ``policy-pack/config/<env>.json`` (generated from the stack specs by
``scripts/policy_config.py``), the offline audit builds the identical mapping in memory with
``pack_config``. Nothing here imports pulumi, so the CLI and the generator can use it freely.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ENFORCEMENT_BY_ENVIRONMENT: dict[str, str] = {
    "dev": "advisory",
    "staging": "advisory",
    "prod": "mandatory",
}
ALL_CHARGE_TYPES: tuple[str, ...] = (
    "eip:PayByTraffic",
    "eip:PayByBandwidth",
    "sharedPackage:PayByBandwidth",
    "sharedPackage:PayBy95",
)
BACKUP_DAYS_DEFAULT = 7
BACKUP_DAYS_PROD = 30
SQL_AUDIT_DAYS_PROD = 180

# Keys of a policy's config (camelCase, as Pulumi policy config files spell them).
K_ENVIRONMENT = "environment"
K_SUPPRESSED = "suppressedResources"
K_CHARGE_TYPES = "allowedBandwidthChargeTypes"
K_BACKUP_DAYS = "minBackupRetentionDays"
K_AUDIT_DAYS = "minSqlAuditRetentionDays"
K_PROTECTION = "requireProtection"

COMMON_SCHEMA: dict[str, dict[str, Any]] = {
    K_ENVIRONMENT: {"type": "string", "enum": ["dev", "staging", "prod"], "default": "prod"},
    K_SUPPRESSED: {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Resource names or URNs this rule is suppressed for (justified in the "
        "stack's llz:policy.suppressions).",
    },
}
EXTRA_SCHEMA: dict[str, dict[str, Any]] = {
    K_CHARGE_TYPES: {
        "type": "array",
        "items": {"type": "string", "enum": list(ALL_CHARGE_TYPES)},
        "default": list(ALL_CHARGE_TYPES),
    },
    K_BACKUP_DAYS: {"type": "integer", "minimum": 1, "default": BACKUP_DAYS_PROD},
    K_AUDIT_DAYS: {"type": "integer", "minimum": 0, "default": SQL_AUDIT_DAYS_PROD},
    K_PROTECTION: {"type": "boolean", "default": True},
}


@dataclass(frozen=True)
class PolicySettings:
    """What the rules need to know about the environment they judge."""

    environment: str
    allowed_charge_types: tuple[str, ...] = ALL_CHARGE_TYPES

    @property
    def enforcement(self) -> str:
        """advisory in dev and staging, mandatory in prod (and in any unknown environment)."""
        return ENFORCEMENT_BY_ENVIRONMENT.get(self.environment, "mandatory")

    @property
    def min_backup_days(self) -> int:
        return BACKUP_DAYS_PROD if self.environment == "prod" else BACKUP_DAYS_DEFAULT

    @property
    def min_sql_audit_days(self) -> int:
        """0 means the rule does not apply (SQL audit is a prod requirement)."""
        return SQL_AUDIT_DAYS_PROD if self.environment == "prod" else 0

    @property
    def require_protection(self) -> bool:
        return self.environment == "prod"


def rule_config(
    rule_id: str, extras: Sequence[str], settings: PolicySettings, suppressed: Iterable[str] = ()
) -> dict[str, Any]:
    """One policy's entry in a Pulumi policy config file (and in ``args.get_config()``)."""
    values: dict[str, Any] = {
        "enforcementLevel": settings.enforcement,
        K_ENVIRONMENT: settings.environment,
        K_SUPPRESSED: sorted(set(suppressed)),
    }
    for key in extras:
        if key == K_CHARGE_TYPES:
            values[key] = list(settings.allowed_charge_types)
        elif key == K_BACKUP_DAYS:
            values[key] = settings.min_backup_days
        elif key == K_AUDIT_DAYS:
            values[key] = settings.min_sql_audit_days
        elif key == K_PROTECTION:
            values[key] = settings.require_protection
        else:
            raise KeyError(f"{rule_id}: unknown policy config key {key!r}")
    return values


@dataclass(frozen=True)
class RuleConfig:
    """A policy config as a rule reads it, whichever engine supplied it."""

    environment: str
    suppressed: frozenset[str]
    allowed_charge_types: tuple[str, ...]
    min_backup_days: int
    min_sql_audit_days: int
    require_protection: bool

    @classmethod
    def read(cls, config: Mapping[str, Any]) -> RuleConfig:
        """Read ``args.get_config()``; missing keys take the schema's (strict, prod) defaults."""
        environment = str(config.get(K_ENVIRONMENT, "prod"))
        charge = config.get(K_CHARGE_TYPES, ALL_CHARGE_TYPES)
        return cls(
            environment=environment,
            suppressed=frozenset(str(s) for s in config.get(K_SUPPRESSED) or ()),
            allowed_charge_types=tuple(str(c) for c in charge),
            min_backup_days=int(config.get(K_BACKUP_DAYS, BACKUP_DAYS_PROD)),
            min_sql_audit_days=int(config.get(K_AUDIT_DAYS, SQL_AUDIT_DAYS_PROD)),
            require_protection=bool(config.get(K_PROTECTION, True)),
        )
