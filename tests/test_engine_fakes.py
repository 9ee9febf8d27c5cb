"""Fakes of the Automation API for the real-engine tests (no tests in this module).

``FakeStack`` records every call with its exact keyword arguments and plays back engine
events built with ``pulumi.automation.events.EngineEvent.from_json`` from the JSON the
Pulumi CLI writes to its event log. ``FakeFactory`` records every ``StackRequest``.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from pulumi.automation import (
    CommandError,
    Deployment,
    OutputValue,
    StackNotFoundError,
)
from pulumi.automation._cmd import CommandResult
from pulumi.automation._stack import (
    DestroyResult,
    PreviewResult,
    RefreshResult,
    UpdateSummary,
    UpResult,
)
from pulumi.automation.events import EngineEvent, OpType

from cli.engines import automation
from cli.engines.automation import StackRequest
from cli.plan import SECRET_SIG, SIG_KEY, Plan, PlannedResource

SECRET_VALUE = "S3cr3t-Plaintext-Do-Not-Leak-42"
PROVIDER = "urn:pulumi:{stack}::llz::pulumi:providers:alicloud::default_4_0_0"


def secret(value: Any) -> dict[str, Any]:
    """A value marked secret as it travels in Pulumi's wire format."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def state(resource: PlannedResource, inputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``StepEventStateMetadata`` JSON for a planned resource."""
    return {
        "type": resource.type,
        "urn": resource.urn,
        "id": f"{resource.name}-id" if resource.custom else "",
        "parent": resource.parent or "",
        "provider": PROVIDER.format(stack=resource.urn.split("::")[0].split(":")[-1])
        if resource.custom
        else "",
        "custom": resource.custom,
        "protect": resource.protect,
        "inputs": dict(resource.inputs if inputs is None else inputs),
        "outputs": {},
    }


def step_event(
    sequence: int,
    op: str,
    resource: PlannedResource,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    detailed_diff: Mapping[str, str] | None = None,
    diffs: list[str] | None = None,
) -> EngineEvent:
    """A ``resourcePreEvent`` as the engine writes it."""
    metadata: dict[str, Any] = {
        "op": op,
        "urn": resource.urn,
        "type": resource.type,
        "provider": "",
    }
    if old is not None:
        metadata["old"] = dict(old)
    if new is not None:
        metadata["new"] = dict(new)
    if detailed_diff:
        metadata["detailedDiff"] = {
            path: {"diffKind": kind, "inputDiff": True} for path, kind in detailed_diff.items()
        }
    if diffs:
        metadata["diffs"] = diffs
    return EngineEvent.from_json(
        {
            "sequence": sequence,
            "timestamp": 1764000000 + sequence,
            "resourcePreEvent": {"metadata": metadata, "planning": True},
        }
    )


def root_event(stack: str) -> EngineEvent:
    urn = f"urn:pulumi:{stack}::llz::pulumi:pulumi:Stack::llz-{stack}"
    root = PlannedResource(urn, "pulumi:pulumi:Stack", f"llz-{stack}", None, False, False)
    return step_event(0, "same", root, old=state(root), new=state(root))


def diagnostic_event(sequence: int, message: str, severity: str = "error") -> EngineEvent:
    return EngineEvent.from_json(
        {
            "sequence": sequence,
            "timestamp": 1764000000 + sequence,
            "diagnosticEvent": {"message": message, "color": "never", "severity": severity},
        }
    )


def policy_event(sequence: int, urn: str, message: str, level: str = "advisory") -> EngineEvent:
    return EngineEvent.from_json(
        {
            "sequence": sequence,
            "timestamp": 1764000000 + sequence,
            "policyEvent": {
                "message": message,
                "color": "never",
                "policyName": "llz-rds-ssl",
                "policyPackName": "llz-policies",
                "policyPackVersion": "0.1.0",
                "policyPackVersionTag": "0.1.0",
                "enforcementLevel": level,
                "resourceUrn": urn,
            },
        }
    )


def create_events(plan: Plan) -> list[EngineEvent]:
    """A first preview: every resource of ``plan`` is created."""
    events = [root_event(plan.stack)]
    for i, resource in enumerate(plan.resources, start=1):
        events.append(step_event(i, "create", resource, new=state(resource)))
    return events


def same_events(plan: Plan) -> list[EngineEvent]:
    """A preview of an up-to-date stack."""
    events = [root_event(plan.stack)]
    for i, resource in enumerate(plan.resources, start=1):
        events.append(step_event(i, "same", resource, old=state(resource), new=state(resource)))
    return events


def command_error(stderr: str, stdout: str = "", code: int = 255) -> CommandError:
    return CommandError(CommandResult(stdout=stdout, stderr=stderr, code=code))


def summary(kind: str, changes: Mapping[str, int], result: str = "succeeded") -> UpdateSummary:
    return UpdateSummary(
        kind=kind,
        start_time=datetime.datetime(2026, 11, 24, 20, 0, 0),
        end_time=datetime.datetime(2026, 11, 24, 20, 3, 7),
        message="",
        environment={},
        config={},
        result=result,
        version=7,
        resource_changes={OpType(k): v for k, v in changes.items()},
    )


def accepts(method: str, kwargs: Mapping[str, Any]) -> None:
    """Fail unless the real ``pulumi.automation.Stack.<method>`` takes these keywords."""
    from pulumi.automation import Stack

    try:
        inspect.signature(getattr(Stack, method)).bind(None, **kwargs)
    except TypeError as error:
        pytest.fail(f"Stack.{method} of the installed SDK rejects {sorted(kwargs)}: {error}")


@dataclass
class FakeStack:
    """Records calls; plays back events and output lines through the callbacks."""

    preview_events: list[EngineEvent] = field(default_factory=list)
    destroy_events: list[EngineEvent] = field(default_factory=list)
    outputs_map: dict[str, OutputValue] = field(default_factory=dict)
    history_entries: list[UpdateSummary] = field(default_factory=list)
    export: Deployment = field(default_factory=lambda: Deployment(3, {"resources": []}))
    fail: dict[str, BaseException] = field(default_factory=dict)
    progress: list[str] = field(default_factory=lambda: ["Previewing update (dev):"])
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def kwargs(self, name: str) -> dict[str, Any]:
        matches = [kw for n, kw in self.calls if n == name]
        assert len(matches) == 1, f"{name} called {len(matches)} times: {self.names()}"
        return matches[0]

    def _play(
        self, name: str, kwargs: dict[str, Any], events: list[EngineEvent], method: str = ""
    ) -> None:
        accepts(method or name, kwargs)
        self.calls.append((name, kwargs))
        for line in self.progress:
            if kwargs.get("on_output"):
                kwargs["on_output"](line)
        for event in events:
            if kwargs.get("on_event"):
                kwargs["on_event"](event)
        if name in self.fail:
            raise self.fail[name]

    def preview(self, **kwargs: Any) -> PreviewResult:
        self._play("preview", kwargs, self.preview_events)
        return PreviewResult(stdout="", stderr="", change_summary={})

    def up(self, **kwargs: Any) -> UpResult:
        self._play("up", kwargs, self.preview_events)
        return UpResult(
            stdout="",
            stderr="",
            summary=summary("update", {"create": 3, "same": 70}),
            outputs=self.outputs_map,
        )

    def destroy(self, **kwargs: Any) -> DestroyResult:
        self._play("destroy", kwargs, self.destroy_events)
        return DestroyResult(stdout="", stderr="", summary=summary("destroy", {"delete": 12}))

    def preview_destroy(self, **kwargs: Any) -> PreviewResult:
        self._play("destroy_preview", kwargs, self.destroy_events, method="preview_destroy")
        return PreviewResult(stdout="", stderr="", change_summary={})

    def refresh(self, **kwargs: Any) -> RefreshResult:
        self._play("refresh", kwargs, [])
        return RefreshResult(stdout="", stderr="", summary=summary("refresh", {"same": 81}))

    def outputs(self) -> dict[str, OutputValue]:
        self.calls.append(("outputs", {}))
        if "outputs" in self.fail:
            raise self.fail["outputs"]
        return self.outputs_map

    def history(self, **kwargs: Any) -> list[UpdateSummary]:
        accepts("history", kwargs)
        self.calls.append(("history", kwargs))
        if "history" in self.fail:
            raise self.fail["history"]
        return self.history_entries[: kwargs.get("page_size") or None]

    def export_stack(self) -> Deployment:
        self.calls.append(("export_stack", {}))
        return self.export


@dataclass
class FakeFactory:
    """A WorkspaceFactory: records requests, returns the fake stack of each stack name."""

    stacks: dict[str, FakeStack] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    requests: list[StackRequest] = field(default_factory=list)

    def __call__(self, request: StackRequest) -> FakeStack:
        self.requests.append(request)
        if request.stack_name in self.missing and not request.create:
            raise StackNotFoundError(
                CommandResult("", f"error: no stack named '{request.stack_name}' found", 255)
            )
        return self.stacks.setdefault(request.stack_name, FakeStack())


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeFactory]:
    """Pulumi CLI 'installed', a passphrase in the environment, the fake factory in place."""
    factory = FakeFactory()
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-passphrase")
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    automation.set_cli_lookup(lambda name: f"/opt/fake/bin/{name}")
    automation.set_factory(factory)
    try:
        yield factory
    finally:
        automation.set_factory(None)
        automation.set_cli_lookup(None)


@pytest.fixture
def no_pulumi() -> Iterator[None]:
    automation.set_cli_lookup(lambda name: None)
    try:
        yield
    finally:
        automation.set_cli_lookup(None)
