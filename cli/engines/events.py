"""Engine events -> the Plan and the per-resource, per-property change summary.

The real engine reports a preview as a stream of ``pulumi.automation.events.EngineEvent``s.
Each ``ResourcePreEvent`` carries a step: its op (create, update, replace, ...), the old and
new state (type, urn, parent, custom, protect, inputs) and which properties differ
(``detailed_diff``, else ``diffs``). From those steps this module builds:

* the Plan (``llz.plan/v1``, engine "pulumi"): every resource the new state would hold,
  with the same fields the offline engine reports (dependencies are not part of engine
  events, so they are empty);
* the changes: one entry per resource that would change, with old -> new per property.

Every value passes through ``cli.plan.redact``: secrets are "[secret]" whatever shape the
engine sent them in (secret envelope, ciphertext envelope, or already masked).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from cli.plan import Plan, PlannedResource, redact

if TYPE_CHECKING:
    from pulumi.automation.events import (
        DiagnosticEvent,
        EngineEvent,
        PolicyEvent,
        StepEventMetadata,
        StepEventStateMetadata,
    )

Action = Literal["create", "update", "replace", "delete", "same"]
ACTIONS: tuple[Action, ...] = ("create", "update", "replace", "delete", "same")
CHANGING: frozenset[str] = frozenset({"create", "update", "replace", "delete"})
ROOT_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"

_OP_ACTION: dict[str, Action] = {
    "create": "create",
    "import": "create",
    "update": "update",
    "replace": "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
    "discard-replaced": "replace",
    "import-replacement": "replace",
    "read-replacement": "replace",
    "delete": "delete",
    "discard": "delete",
    "remove-pending-replace": "delete",
    "same": "same",
    "read": "same",
    "refresh": "same",
}
# When several steps touch one URN (a replacement is up to three), the strongest wins.
_STRENGTH: dict[Action, int] = {"same": 0, "update": 1, "create": 2, "delete": 2, "replace": 3}


@dataclass(frozen=True)
class PropertyDelta:
    """One property path from ``old`` to ``new`` (None when that side is absent)."""

    path: str
    kind: str  # add | update | delete, with "-replace" when it forces a replacement
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class ResourceStep:
    """What the engine would do to one resource."""

    urn: str
    type: str
    name: str
    action: Action
    ops: tuple[str, ...]
    protect: bool
    properties: tuple[PropertyDelta, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "action": self.action,
            "ops": list(self.ops),
            "protect": self.protect,
            "properties": [p.to_dict() for p in self.properties],
        }


@dataclass(frozen=True)
class PolicyViolation:
    policy_pack: str
    policy: str
    enforcement: str
    urn: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy_pack": self.policy_pack,
            "policy": self.policy,
            "enforcement": self.enforcement,
            "urn": self.urn,
            "message": self.message,
        }


@dataclass(frozen=True)
class PreviewReport:
    """A preview as llz reports it: the Plan, the changes and their counts."""

    plan: Plan
    steps: tuple[ResourceStep, ...]
    policy_violations: tuple[PolicyViolation, ...] = ()

    @property
    def changes(self) -> tuple[ResourceStep, ...]:
        return tuple(s for s in self.steps if s.action in CHANGING)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(ACTIONS, 0)
        for step in self.steps:
            counts[step.action] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            "changes": [c.to_dict() for c in self.changes],
            "summary": self.summary(),
            "policy_violations": [v.to_dict() for v in self.policy_violations],
        }


@dataclass
class EventCollector:
    """An ``on_event`` callback that keeps what llz reports (thread-safe: the Automation
    API may call it from its log-watching thread)."""

    steps: list[StepEventMetadata] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    policy_events: list[PolicyEvent] = field(default_factory=list)
    engine_counts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, event: EngineEvent) -> None:
        with self._lock:
            if event.resource_pre_event is not None:
                self.steps.append(event.resource_pre_event.metadata)
            if event.diagnostic_event is not None:
                self._diagnostic(event.diagnostic_event)
            if event.policy_event is not None:
                self.policy_events.append(event.policy_event)
            if event.summary_event is not None:
                self.engine_counts = {
                    str(getattr(op, "value", op)): int(n)
                    for op, n in event.summary_event.resource_changes.items()
                }

    def _diagnostic(self, event: DiagnosticEvent) -> None:
        if event.severity == "error" and not event.ephemeral:
            message = _strip_ansi(event.message).strip()
            if message and message not in self.errors:
                self.errors.append(message)

    def report(self, project: str, stack: str) -> PreviewReport:
        with self._lock:
            steps = list(self.steps)
            policies = list(self.policy_events)
        return PreviewReport(
            plan=plan_from_steps(steps, project, stack),
            steps=resource_steps(steps),
            policy_violations=tuple(policy_violations(policies)),
        )


def plan_from_steps(steps: Iterable[StepEventMetadata], project: str, stack: str) -> Plan:
    """The Plan of the new state: every resource a step leaves in it (root stack and
    providers excluded, as in the offline engine)."""
    latest: dict[str, StepEventStateMetadata] = {}
    for step in steps:
        new = step.new
        if new is None or _op(step) in ("delete", "discard", "delete-replaced"):
            continue
        urn = new.urn or step.urn
        if _excluded_from_plan(new.type or step.type):
            continue
        latest[urn] = new
    resources = [
        PlannedResource(
            urn=urn,
            type=state.type,
            name=urn_name(urn),
            parent=state.parent or None,
            custom=bool(state.custom),
            protect=bool(state.protect),
            inputs=redact(dict(state.inputs or {})),
            dependencies=(),
        )
        for urn, state in latest.items()
    ]
    return Plan.build(project, stack, "pulumi", resources)


def resource_steps(steps: Iterable[StepEventMetadata]) -> tuple[ResourceStep, ...]:
    """One ResourceStep per URN (the root stack excluded), sorted by URN."""
    grouped: dict[str, list[StepEventMetadata]] = {}
    for step in steps:
        if step.type == ROOT_TYPE:
            continue
        grouped.setdefault(step.urn, []).append(step)
    return tuple(_resource_step(urn, group) for urn, group in sorted(grouped.items()))


def _resource_step(urn: str, group: list[StepEventMetadata]) -> ResourceStep:
    ops = tuple(dict.fromkeys(_op(s) for s in group))
    action: Action = "same"
    for op in ops:
        candidate = _OP_ACTION.get(op, "update")
        if _STRENGTH[candidate] > _STRENGTH[action]:
            action = candidate
    if "create" in ops and "delete" in ops:
        action = "replace"
    old = next((s.old for s in group if s.old is not None), None)
    new = next((s.new for s in reversed(group) if s.new is not None), None)
    old_inputs = redact(dict(old.inputs or {})) if old is not None else {}
    new_inputs = redact(dict(new.inputs or {})) if new is not None else {}
    detailed: dict[str, str] = {}
    diffs: list[str] = []
    for step in group:
        for path, diff in (step.detailed_diff or {}).items():
            detailed[path] = str(getattr(diff.diff_kind, "value", diff.diff_kind))
        diffs.extend(step.diffs or [])
    properties = property_deltas(action, old_inputs, new_inputs, detailed, diffs)
    protect = bool((new is not None and new.protect) or (old is not None and old.protect))
    return ResourceStep(
        urn=urn,
        type=group[0].type,
        name=urn_name(urn),
        action=action,
        ops=ops,
        protect=protect,
        properties=properties,
    )


def property_deltas(
    action: Action,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    detailed: Mapping[str, str],
    diffs: Iterable[str] = (),
) -> tuple[PropertyDelta, ...]:
    """Per-property changes of one resource: from the engine's detailed diff when it gave
    one, else from its top-level ``diffs`` keys, else by comparing the inputs."""
    if action == "same":
        return ()
    if action == "create":
        return tuple(PropertyDelta(k, "add", None, new[k]) for k in sorted(new))
    if action == "delete":
        return tuple(PropertyDelta(k, "delete", old[k], None) for k in sorted(old))
    if detailed:
        return tuple(
            PropertyDelta(path, kind, lookup(old, path), lookup(new, path))
            for path, kind in sorted(detailed.items())
        )
    keys = sorted(set(diffs)) or sorted(
        k for k in set(old) | set(new) if old.get(k, _MISSING) != new.get(k, _MISSING)
    )
    return tuple(
        PropertyDelta(k, _kind(k in old, k in new), old.get(k), new.get(k)) for k in keys
    )


def policy_violations(events: Iterable[PolicyEvent]) -> list[PolicyViolation]:
    found = {
        PolicyViolation(
            policy_pack=e.policy_pack_name,
            policy=e.policy_name,
            enforcement=e.enforcement_level,
            urn=e.resource_urn or None,
            message=_strip_ansi(e.message).strip(),
        )
        for e in events
    }
    return sorted(found, key=lambda v: (v.urn or "", v.policy, v.message))


def urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


_MISSING = object()
_PATH_TOKEN = re.compile(r'\.?([^.\[\]"]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|<\{%[a-z]*%\}>")


def lookup(value: Any, path: str) -> Any:
    """The value at a Pulumi property path (``tags.env``, ``securityIps[1]``,
    ``tags["cost-center"]``) or None when it is absent."""
    position = 0
    current = value
    while position < len(path):
        match = _PATH_TOKEN.match(path, position)
        if match is None or match.end() == position:
            return None
        key, index, quoted = match.groups()
        position = match.end()
        if index is not None:
            if not isinstance(current, list) or int(index) >= len(current):
                return None
            current = current[int(index)]
        else:
            name = key if key is not None else re.sub(r"\\(.)", r"\1", quoted)
            if not isinstance(current, Mapping) or name not in current:
                return None
            current = current[name]
    return current


def _kind(in_old: bool, in_new: bool) -> str:
    if in_old and in_new:
        return "update"
    return "add" if in_new else "delete"


def _op(step: StepEventMetadata) -> str:
    return str(getattr(step.op, "value", step.op))


def _excluded_from_plan(type_token: str) -> bool:
    return type_token == ROOT_TYPE or type_token.startswith(PROVIDER_PREFIX)


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)
