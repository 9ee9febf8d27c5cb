"""The result of comparing two Plans or two states: what `llz diff` computes and reports show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Action = Literal["add", "remove", "replace", "change"]


@dataclass(frozen=True)
class PropertyChange:
    """One property path (e.g. ``tags.env`` or ``securityIps[1]``) from ``old`` to ``new``.

    Secret values are "[secret]" on both sides; a missing side is None.
    """

    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ResourceChange:
    urn: str
    type: str
    name: str
    action: Action
    properties: tuple[PropertyChange, ...] = ()


@dataclass(frozen=True)
class PlanDiff:
    """Changes that turn ``left`` into ``right`` (labels say what each side is)."""

    left_label: str
    right_label: str
    changes: tuple[ResourceChange, ...] = ()

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def empty(self) -> bool:
        return not self.changes
