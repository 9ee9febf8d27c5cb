"""The offline engine: the stack's Pulumi program, in-process, under pulumi.runtime mocks.

No Pulumi CLI, no credentials, no network. The program is the very one the real engine
runs (``stacks.program.run_program``); the mocks stand in for the engine and the provider,
and a recording monitor captures what the program registers: type, name, parent, custom,
protect, inputs and dependencies. Secrets are redacted on Pulumi's secret signature.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc

from cli.plan import Plan, PlannedResource, redact
from stacks.config import PROJECT, StackConfig, read_stack_file

# Outputs a real provider computes; the mocks answer them with stable stand-ins.
_COMPUTED: dict[str, Callable[[str], dict[str, Any]]] = {
    "alicloud:ecs/eipAddress:EipAddress": lambda n: {"ipAddress": _address(n)},
    "alicloud:rds/instance:Instance": lambda n: {"connectionString": f"{n}.mysql.rds.offline"},
    "alicloud:kvstore/instance:Instance": lambda n: {"connectionDomain": f"{n}.redis.offline"},
    "alicloud:mongodb/instance:Instance": lambda n: {"replicaSetName": f"mgset-{n}"},
    "random:index/randomPassword:RandomPassword": lambda n: {
        "result": "offline-" + hashlib.sha256(n.encode()).hexdigest()[:20]
    },
}


def _address(name: str) -> str:
    digest = hashlib.sha256(name.encode()).digest()
    return f"198.18.{digest[0]}.{digest[1] or 1}"


class _Mocks(pulumi_mocks.Mocks):
    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        computed = _COMPUTED.get(args.typ, lambda _n: {})(args.name)
        return f"{args.name}-id", {**args.inputs, **computed}

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        return {}, None


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that also keeps what each registration asked for."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[PlannedResource] = []
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the real engine makes them: the root stack is not part of the type chain."""
        if parent:
            qualified = parent.split("::")[2]
            if qualified != "pulumi:pulumi:Stack":
                type_ = f"{qualified}${type_}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{type_}::{name}"

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object)
            resource = PlannedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                protect=bool(request.protect),
                inputs=redact(inputs),
                dependencies=tuple(sorted(set(request.dependencies))),
            )
            with self._lock:
                self.registrations.append(resource)
        return response


def plan_offline(
    project_dir: Path,
    stack: str,
    config: StackConfig | None = None,
    program: Callable[[], None] | None = None,
) -> Plan:
    """Run the stack's program under mocks and return its Plan.

    ``config`` defaults to ``stacks/Pulumi.<stack>.yaml`` read with secrets left encrypted.
    Raises ``InputError`` for a bad config, before any resource is described.
    """
    from stacks.config import spec_from_config

    stack_config = config if config is not None else read_stack_file(project_dir, stack)
    # Validate first: a bad config gives its one clear error and nothing else runs.
    spec_from_config(stack_config, PROJECT, stack)
    if program is None:
        from stacks.program import run_program

        program = run_program
    return record_program(stack, stack_config, program)


def record_program(stack: str, config: StackConfig, program: Callable[[], None]) -> Plan:
    """Run ``program`` under mocks with ``config`` and return what it registered.

    It runs in a fresh thread with its own event loop: Pulumi keeps runtime state in
    context variables, so consecutive runs in one process never see each other. Tests use
    this to exercise a single component.
    """
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["plan"] = _run(stack, config, program)
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target, name=f"llz-offline-{stack}")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    plan: Plan = result["plan"]
    return plan


def _run(stack: str, config: StackConfig, program: Callable[[], None]) -> Plan:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        mocks = _Mocks()
        monitor = _RecordingMonitor(mocks)
        pulumi.runtime.set_all_config(config.runtime_values(), sorted(config.secret_keys))
        pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=True, monitor=monitor)
        program()
        loop.run_until_complete(pulumi.runtime.stack.wait_for_rpcs())
        return Plan.build(PROJECT, stack, "offline", monitor.registrations)
    finally:
        loop.close()
        asyncio.set_event_loop(None)
