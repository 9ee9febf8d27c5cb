"""Helpers for the component tests: run one component under Pulumi mocks, read its Plan.

Each test builds a component from literal args inside a tiny program and runs it with
``cli.engines.offline.record_program`` (the offline engine's mocks), so what the tests
read is exactly what a deploy would send to the provider: the Plan's resources with
their camelCase inputs, parents, protect flags, and secrets as "[secret]".
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import pulumi

from cli.engines.offline import record_program
from cli.plan import SECRET, Plan, PlannedResource
from components.base import TAG_KEYS, Tagging
from stacks.config import StackConfig

EMPTY_CONFIG = StackConfig("tests", {}, frozenset())
TAGGING = Tagging("test", "it-ops", "CC-4100-IT", {"project": "cloud-migration"})
ZONES = ("cn-shanghai-e", "cn-shanghai-f", "cn-shanghai-g")
APP_CIDRS = ("10.10.1.0/24", "10.10.2.0/24")
DATA_CIDRS = ("10.10.11.0/24", "10.10.12.0/24")
COMPONENT_TOKEN = re.compile(r"^llz:[a-z]+:[A-Z][A-Za-z]+$")
PROBE_TYPE = "llztest:index:Probe"

RDS = "alicloud:rds/instance:Instance"
REDIS = "alicloud:kvstore/instance:Instance"
MONGODB = "alicloud:mongodb/instance:Instance"
EIP = "alicloud:ecs/eipAddress:EipAddress"


def run(program: Callable[[], object], stack: str = "test") -> Plan:
    """Run ``program`` (which builds components) under the offline engine's mocks."""

    def body() -> None:
        program()

    return record_program(stack, EMPTY_CONFIG, body)


def probe(name: str, value: pulumi.Input[Any]) -> None:
    """Register a stand-in resource whose only input is ``value``.

    The Plan shows the input as "[secret]" exactly when the Output is marked secret, so a
    component's outputs can be checked for secrecy the way the engine sees them.
    """
    pulumi.CustomResource(PROBE_TYPE, name, {"value": value})


def of_type(plan: Plan, type_token: str) -> list[PlannedResource]:
    return [r for r in plan.resources if r.type == type_token]


def one(plan: Plan, type_token: str) -> PlannedResource:
    found = of_type(plan, type_token)
    assert len(found) == 1, f"expected one {type_token}, found {len(found)}"
    return found[0]


def named(plan: Plan, name: str) -> PlannedResource:
    found = [r for r in plan.resources if r.name == name]
    assert len(found) == 1, f"expected one resource named {name}, found {len(found)}"
    return found[0]


@cache
def accepts_tags(type_token: str) -> bool:
    """True when the provider resource's constructor has a ``tags`` input."""
    package, module_path, class_name = type_token.split(":")
    module_name = {
        "alicloud": f"pulumi_alicloud.{module_path.split('/')[0]}",
        "random": "pulumi_random",
    }.get(package)
    if module_name is None:
        return False
    resource_class = getattr(importlib.import_module(module_name), class_name)
    return "tags" in inspect.signature(resource_class._internal_init).parameters


def taggable(plan: Plan) -> list[PlannedResource]:
    return [r for r in plan.custom_resources() if accepts_tags(r.type)]


def missing_tags(resource: PlannedResource) -> list[str]:
    tags = resource.inputs.get("tags") or {}
    return [key for key in TAG_KEYS if not tags.get(key)]


def orphans(plan: Plan) -> list[str]:
    """Custom resources not parented to an llz component (by URN)."""
    index = plan.by_urn()
    bad = []
    for resource in plan.custom_resources():
        if resource.type == PROBE_TYPE:
            continue
        parent = index.get(resource.parent or "")
        if parent is None or parent.custom or not COMPONENT_TOKEN.match(parent.type):
            bad.append(resource.urn)
    return bad


def plan_text(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), sort_keys=True)


__all__ = [
    "APP_CIDRS",
    "DATA_CIDRS",
    "EIP",
    "MONGODB",
    "RDS",
    "REDIS",
    "SECRET",
    "TAGGING",
    "ZONES",
    "accepts_tags",
    "missing_tags",
    "named",
    "of_type",
    "one",
    "orphans",
    "plan_text",
    "probe",
    "run",
    "taggable",
]
