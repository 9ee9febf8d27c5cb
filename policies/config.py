"""The policy config of an environment: one entry per rule, as a Pulumi policy config file.

``pack_config`` builds the mapping ``{rule id: {"enforcementLevel": ..., properties...}}``
that ``pulumi preview --policy-pack policy-pack --policy-pack-config
policy-pack/config/<env>.json`` hands to the rules, and that the offline audit passes to
the same rules in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from policies.rules import RULES
from policies.settings import ALL_CHARGE_TYPES, PolicySettings, rule_config


class SuppressionLike(Protocol):
    """``stacks.spec.SuppressionSpec`` or anything shaped like it."""

    @property
    def rule(self) -> str: ...

    @property
    def resource(self) -> str: ...

    @property
    def justification(self) -> str: ...


class SpecLike(Protocol):
    @property
    def environment(self) -> str: ...

    @property
    def policy(self) -> Any: ...


def settings_from_spec(spec: SpecLike) -> PolicySettings:
    allowed = tuple(spec.policy.allowed_bandwidth_charge_types) or ALL_CHARGE_TYPES
    return PolicySettings(environment=spec.environment, allowed_charge_types=allowed)


def pack_config(
    settings: PolicySettings, suppressions: Iterable[SuppressionLike] = ()
) -> dict[str, dict[str, Any]]:
    """Every rule's config; suppressed resources are listed under the rule they waive."""
    waived: dict[str, list[str]] = {}
    for suppression in suppressions:
        waived.setdefault(suppression.rule, []).append(suppression.resource)
    return {
        rule.id: rule_config(rule.id, rule.config_keys, settings, waived.get(rule.id, ()))
        for rule in RULES
    }


def pack_config_for_spec(spec: SpecLike) -> dict[str, dict[str, Any]]:
    return pack_config(settings_from_spec(spec), spec.policy.suppressions)
