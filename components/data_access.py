"""Shared rules for the data services: who may connect, and generated passwords."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_random as random

from components.base import LandingZoneComponent, ipv4_network, require


def check_whitelist(component: str, allowed: Sequence[str], app_cidrs: Sequence[str]) -> None:
    """The data tier admits the app tier only: never 0.0.0.0/0, never a public range."""
    require(bool(allowed), component, "allowed_cidrs", "at least the app tier")
    app = [ipv4_network(component, "app_cidrs", c) for c in app_cidrs]
    for cidr in allowed:
        network = ipv4_network(component, "allowed_cidrs", cidr)
        require(network.prefixlen > 0, component, "allowed_cidrs", "0.0.0.0/0 is never allowed")
        require(network.is_private, component, "allowed_cidrs", f"{cidr} is not a private range")
        require(
            any(network.subnet_of(a) for a in app), component, "allowed_cidrs",
            f"{cidr} is outside the app tier",
        )


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def check_backup_days(component: str, days: Sequence[str], minimum: int = 1) -> None:
    """Backup days are distinct weekdays, at least ``minimum`` of them (RDS asks for two)."""
    require(len(days) >= minimum, component, "backup_periods",
            f"at least {minimum} day{'s' if minimum > 1 else ''}")
    require(len(set(days)) == len(days), component, "backup_periods", "distinct days")
    for day in days:
        require(day in WEEKDAYS, component, "backup_periods", f"{day!r} is not a weekday name")


def generated_password(owner: LandingZoneComponent, suffix: str) -> pulumi.Output[str]:
    """A random password kept as a Pulumi secret (also when the provider forgets to mark it)."""
    password = random.RandomPassword(
        owner.child_name(suffix),
        length=24,
        special=True,
        override_special="!#%^*-_+=",
        min_lower=2,
        min_upper=2,
        min_numeric=2,
        min_special=2,
        opts=owner.child_opts(),
    )
    return pulumi.Output.secret(password.result)
