"""What every component shares: the tagging rules and CIDR parsing with named fields."""

from __future__ import annotations

import pytest

from components.base import ArgsError, Tagging, ipv4_network


def test_tags_carry_env_system_owner_and_cost_center() -> None:
    tags = Tagging("prod", "it-ops", "CC-1", {"project": "migration"}).tags("erp")
    assert tags == {"env": "prod", "system": "erp", "owner": "it-ops", "cost-center": "CC-1",
                    "project": "migration"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"environment": " "}, "environment"),
        ({"owner": ""}, "owner"),
        ({"cost_center": ""}, "cost_center"),
        ({"extra": {"env": "dev"}}, "extra"),
        ({"extra": {"cost-center": "x"}}, "extra"),
    ],
)
def test_tagging_rejects_bad_values(kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"environment": "dev", "owner": "ops", "cost_center": "CC-1"}
    values.update(kwargs)
    with pytest.raises(ArgsError, match=rf"^Tagging: {field}: "):
        Tagging(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["10.0.0.0/33", "10.0.0.1/8", "fd00::/8", "office"])
def test_ipv4_network_names_the_field(value: str) -> None:
    with pytest.raises(ArgsError, match=r"^NetworkArgs: vpc_cidr: "):
        ipv4_network("NetworkArgs", "vpc_cidr", value)
