"""The Plan: every resource a stack declares, as both engines report it (``llz.plan/v1``).

A Plan is plain data: deterministic JSON (sorted keys, resources sorted by URN, integral
floats as ints) in which every secret value is the string ``"[secret]"``. Audit, diff, cost
and reports read only this.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from stacks.errors import InputError, Problem

FORMAT = "llz.plan/v1"
SECRET = "[secret]"
UNKNOWN = "[unknown]"
# Pulumi's wire signature for a secret value and for a value not known until apply.
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

Engine = Literal["offline", "pulumi"]


def redact(value: Any) -> Any:
    """Copy ``value`` with every Pulumi secret replaced by "[secret]" and numbers normalised.

    Works on the property shapes both engines produce: secret envelopes (mocks and the
    gRPC wire format), Output-like values marked secret, nested dicts and lists.
    """
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG:
            return SECRET
        return {str(k): redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return UNKNOWN if value == UNKNOWN_VALUE else value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        return value
    if isinstance(value, int):
        return value
    return str(value)


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    protect: bool
    inputs: Mapping[str, Any] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "protect": self.protect,
            "inputs": dict(self.inputs),
            "dependencies": list(self.dependencies),
        }

    @property
    def is_component(self) -> bool:
        return not self.custom


@dataclass(frozen=True)
class Plan:
    project: str
    stack: str
    engine: Engine
    resources: tuple[PlannedResource, ...]

    @classmethod
    def build(
        cls, project: str, stack: str, engine: Engine, resources: list[PlannedResource]
    ) -> Plan:
        return cls(project, stack, engine, tuple(sorted(resources, key=lambda r: r.urn)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "project": self.project,
            "stack": self.stack,
            "engine": self.engine,
            "resources": [r.to_dict() for r in self.resources],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def by_urn(self) -> dict[str, PlannedResource]:
        return {r.urn: r for r in self.resources}

    def custom_resources(self) -> Iterator[PlannedResource]:
        return (r for r in self.resources if r.custom)

    def component_of(self, resource: PlannedResource) -> PlannedResource | None:
        """The nearest enclosing component resource (None for top-level ones)."""
        index = self.by_urn()
        parent = index.get(resource.parent or "")
        while parent is not None and parent.custom:
            parent = index.get(parent.parent or "")
        return parent

    @classmethod
    def from_dict(cls, data: Any, source: str) -> Plan:
        """Read a Plan written by ``--json``/``--out``; malformed input is an InputError."""
        if not isinstance(data, dict):
            raise InputError.single(source, "", "a plan is a JSON object")
        if data.get("format") != FORMAT:
            raise InputError.single(source, "format", f"expected {FORMAT!r}")
        problems: list[Problem] = []
        for key in ("project", "stack"):
            if not isinstance(data.get(key), str):
                problems.append(Problem(key, "must be a string"))
        if data.get("engine") not in ("offline", "pulumi"):
            problems.append(Problem("engine", "must be 'offline' or 'pulumi'"))
        raw = data.get("resources")
        if not isinstance(raw, list):
            problems.append(Problem("resources", "must be a list"))
            raw = []
        resources: list[PlannedResource] = []
        for i, item in enumerate(raw):
            try:
                resources.append(_resource_from_dict(item))
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(Problem(f"resources[{i}]", f"malformed resource ({exc})"))
        if problems:
            raise InputError(source, problems)
        return cls.build(data["project"], data["stack"], data["engine"], resources)

    @classmethod
    def from_json(cls, text: str, source: str) -> Plan:
        try:
            return cls.from_dict(json.loads(text), source)
        except ValueError as exc:
            raise InputError.single(source, "", f"not valid JSON ({exc})") from None
        except RecursionError:
            raise InputError.single(source, "", "nesting is too deep") from None


def _resource_from_dict(item: Any) -> PlannedResource:
    if not isinstance(item, dict):
        raise TypeError("not an object")
    for key in ("urn", "type", "name"):
        if not isinstance(item[key], str):
            raise ValueError(f"{key} must be a string")
    inputs = item.get("inputs") or {}
    dependencies = item.get("dependencies") or []
    if not isinstance(inputs, dict) or not isinstance(dependencies, list):
        raise ValueError("inputs must be an object and dependencies a list")
    parent = item.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise ValueError("parent must be a string or null")
    return PlannedResource(
        urn=item["urn"],
        type=item["type"],
        name=item["name"],
        parent=parent,
        custom=bool(item.get("custom", True)),
        protect=bool(item.get("protect", False)),
        inputs=redact(inputs),
        dependencies=tuple(str(d) for d in dependencies),
    )
