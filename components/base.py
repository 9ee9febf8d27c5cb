"""What every landing-zone component shares: tags, child options, argument checks."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

TAG_KEYS = ("env", "system", "owner", "cost-center")


class ArgsError(ValueError):
    """A component's args object is invalid; the message names the field and the reason."""


def require(condition: bool, component: str, field_name: str, reason: str) -> None:
    if not condition:
        raise ArgsError(f"{component}: {field_name}: {reason}")


def ipv4_network(component: str, field_name: str, value: str) -> ipaddress.IPv4Network:
    """Parse an IPv4 CIDR block; a malformed one is an ArgsError naming the field."""
    try:
        return ipaddress.IPv4Network(value)
    except ValueError as exc:
        raise ArgsError(
            f"{component}: {field_name}: {value!r} is not an IPv4 CIDR ({exc})"
        ) from None


@dataclass(frozen=True)
class Tagging:
    """The tags every taggable resource carries: env, system, owner, cost-center (+ extra)."""

    environment: str
    owner: str
    cost_center: str
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("environment", "owner", "cost_center"):
            require(bool(getattr(self, name).strip()), "Tagging", name, "must not be empty")
        for key in self.extra:
            require(key not in TAG_KEYS, "Tagging", "extra", f"{key!r} is set by the components")

    def tags(self, system: str) -> dict[str, str]:
        return {
            **dict(self.extra),
            "env": self.environment,
            "system": system,
            "owner": self.owner,
            "cost-center": self.cost_center,
        }


class LandingZoneComponent(pulumi.ComponentResource):
    """A component whose children derive their names from it and are parented to it."""

    def __init__(self, token: str, name: str, opts: pulumi.ResourceOptions | None) -> None:
        super().__init__(token, name, None, opts)
        self.base_name = name

    def child_name(self, suffix: str) -> str:
        return f"{self.base_name}-{suffix}"

    def child_opts(
        self,
        *,
        protect: bool = False,
        depends_on: Sequence[pulumi.Resource] = (),
        delete_before_replace: bool | None = None,
    ) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=self,
            protect=protect,
            depends_on=list(depends_on) or None,
            delete_before_replace=delete_before_replace,
        )

    def finish(self, outputs: Mapping[str, Any]) -> None:
        self.register_outputs(dict(outputs))
