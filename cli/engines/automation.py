"""The real engine: the project's Pulumi program driven through the Automation API.

A LocalWorkspace on the project directory, stack ``<env>``, with the environment's backend
(``cli.backends``). The Automation API objects are injected: ``WorkspaceFactory`` turns a
``StackRequest`` into a ``StackHandle`` (the subset of ``pulumi.automation.Stack`` llz
uses). The default factory uses ``pulumi.automation``; tests install fakes with
``set_factory`` and a fake CLI lookup with ``set_cli_lookup``.

Invariants kept here, whatever the caller asks:

* the stack config is validated first (``load_spec``): bad config, nothing runs;
* secrets are never shown: ``show_secrets=False`` on every operation and on history;
* destroy never unprotects: protected resources are reported, not touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from cli.backends import Backend, BackendError, backend_for, check_secrets_provider, prepare
from cli.engines.events import EventCollector, PreviewReport, urn_name
from cli.plan import SECRET, redact
from stacks.config import PROJECT, load_spec
from stacks.spec import LandingZoneSpec


class EngineError(Exception):
    """The engine could not do what was asked; ``str()`` is one user-facing message."""


class PulumiMissing(EngineError):
    """The Pulumi CLI is not on PATH."""


class StackNotDeployed(EngineError):
    """The stack does not exist in its backend yet."""


class StackHandle(Protocol):
    """What llz calls on a ``pulumi.automation.Stack``."""

    def preview(self, **kwargs: Any) -> Any: ...

    def up(self, **kwargs: Any) -> Any: ...

    def destroy(self, **kwargs: Any) -> Any: ...

    def preview_destroy(self, **kwargs: Any) -> Any: ...

    def refresh(self, **kwargs: Any) -> Any: ...

    def outputs(self) -> Mapping[str, Any]: ...

    def history(self, **kwargs: Any) -> list[Any]: ...

    def export_stack(self) -> Any: ...


@dataclass(frozen=True)
class StackRequest:
    """Which stack to open, where, and how to reach its backend."""

    stack_name: str
    work_dir: Path
    env_vars: Mapping[str, str]
    secrets_provider: str | None
    create: bool  # create the stack when missing (preview, deploy) or only select it


class WorkspaceFactory(Protocol):
    def __call__(self, request: StackRequest) -> StackHandle: ...


def pulumi_factory(request: StackRequest) -> StackHandle:
    """The default factory: a LocalWorkspace on the project through ``pulumi.automation``."""
    from pulumi import automation as auto

    opts = auto.LocalWorkspaceOptions(
        work_dir=str(request.work_dir),
        env_vars=dict(request.env_vars),
        secrets_provider=request.secrets_provider,
    )
    open_stack = auto.create_or_select_stack if request.create else auto.select_stack
    stack = open_stack(stack_name=request.stack_name, work_dir=str(request.work_dir), opts=opts)
    return cast(StackHandle, stack)


_factory: WorkspaceFactory = pulumi_factory
_cli_lookup: Callable[[str], str | None] = shutil.which


def set_factory(factory: WorkspaceFactory | None) -> None:
    """Install the factory (None restores the ``pulumi.automation`` one)."""
    global _factory
    _factory = factory or pulumi_factory


def set_cli_lookup(lookup: Callable[[str], str | None] | None) -> None:
    """Install how the Pulumi CLI is found (None restores ``shutil.which``)."""
    global _cli_lookup
    _cli_lookup = lookup or shutil.which


def pulumi_cli() -> str | None:
    return _cli_lookup("pulumi")


def require_cli(command: str, env: str | None) -> None:
    if pulumi_cli() is None:
        raise PulumiMissing(
            f"the Pulumi CLI is not installed (needed by 'llz {command}'); "
            f"for an offline plan without it run: llz plan {env or 'ENV'}"
        )


@dataclass(frozen=True)
class Session:
    """One environment's stack, opened."""

    env: str
    project_dir: Path
    spec: LandingZoneSpec
    backend: Backend
    stack: StackHandle


def load(project_dir: Path, env: str) -> LandingZoneSpec:
    """Validate the stack config (an InputError names file, key and reason)."""
    return load_spec(project_dir, env)


def open_session(
    project_dir: Path,
    env: str,
    command: str,
    *,
    create: bool,
    spec: LandingZoneSpec | None = None,
    environ: Mapping[str, str] | None = None,
    check_secrets: bool = True,
) -> Session:
    """Validate, check the CLI and the secrets provider, then open the stack."""
    spec = spec if spec is not None else load(project_dir, env)
    require_cli(command, env)
    backend = backend_for(project_dir, env, spec)
    try:
        if check_secrets:
            check_secrets_provider(backend, os.environ if environ is None else environ)
        prepare(backend)
    except BackendError as error:
        raise EngineError(str(error)) from None
    request = StackRequest(
        stack_name=env,
        work_dir=project_dir,
        env_vars=backend.engine_env(),
        secrets_provider=backend.secrets_provider,
        create=create,
    )
    with engine_errors(None, f"opening stack {env!r} in {backend.url}", not_found_env=env):
        stack = _factory(request)
    return Session(env, project_dir, spec, backend, stack)


@dataclass(frozen=True)
class RunOptions:
    """How an engine operation runs and where its progress (the CLI's stdout and stderr
    lines, secrets masked by the engine) goes."""

    on_output: Callable[[str], None] | None = None
    color: str = "never"
    targets: tuple[str, ...] = ()
    refresh: bool = False
    policy_packs: tuple[str, ...] = ()
    policy_pack_configs: tuple[str, ...] = ()

    def common(self, collector: EventCollector) -> dict[str, Any]:
        return {
            "on_output": self.on_output,
            "on_error": self.on_output,
            "on_event": collector,
            "color": self.color,
        }

    def policies(self) -> dict[str, Any]:
        return {
            "policy_packs": list(self.policy_packs) or None,
            "policy_pack_configs": list(self.policy_pack_configs) or None,
        }


def policy_pack_for(project_dir: Path, env: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The project's policy pack (``policy-pack/``) and its config for ``env``, if present."""
    pack = project_dir / "policy-pack"
    if not (pack / "PulumiPolicy.yaml").is_file():
        return (), ()
    config = pack / "config" / f"{env}.json"
    return (str(pack),), ((str(config),) if config.is_file() else ())


def preview(session: Session, options: RunOptions) -> PreviewReport:
    """``pulumi preview``: the Plan and the changes, from the engine's events."""
    collector = EventCollector()
    with engine_errors(collector, f"preview of {session.env}"):
        session.stack.preview(
            **options.common(collector),
            target=list(options.targets) or None,
            refresh=options.refresh,
            **options.policies(),
        )
    return collector.report(PROJECT, session.env)


@dataclass(frozen=True)
class OperationResult:
    """The outcome of up, destroy or refresh."""

    stack: str
    operation: str
    result: str
    resource_changes: Mapping[str, int]
    outputs: Mapping[str, Any] = field(default_factory=dict)
    protected: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "operation": self.operation,
            "result": self.result,
            "resource_changes": dict(self.resource_changes),
            "outputs": dict(self.outputs),
            "protected": list(self.protected),
        }


def up(session: Session, options: RunOptions) -> OperationResult:
    """``pulumi up`` (secrets never shown)."""
    collector = EventCollector()
    with engine_errors(collector, f"deploy of {session.env}"):
        result = session.stack.up(
            **options.common(collector),
            target=list(options.targets) or None,
            refresh=options.refresh,
            show_secrets=False,
            **options.policies(),
        )
    outputs = redact_outputs(getattr(result, "outputs", None) or {}, show_secrets=False)
    return _operation(session.env, "update", result, collector, outputs=outputs)


def protected_resources(session: Session) -> tuple[str, ...]:
    """URNs of the stack's protected resources, from its exported state."""
    with engine_errors(None, f"export of {session.env}"):
        deployment = session.stack.export_stack()
    data = getattr(deployment, "deployment", None) or {}
    resources = (data.get("resources") or []) if isinstance(data, Mapping) else []
    return tuple(
        sorted(str(r.get("urn")) for r in resources if isinstance(r, Mapping) and r.get("protect"))
    )


def destroy_preview(
    session: Session, options: RunOptions, exclude_protected: bool
) -> PreviewReport:
    """What ``destroy`` would delete (``preview_destroy``: nothing is deleted).

    Not ``destroy(preview_only=True)``: that deprecated form reads the stack's last update
    afterwards and fails on an AssertionError when the stack has none yet.
    """
    collector = EventCollector()
    with engine_errors(collector, f"destroy preview of {session.env}"):
        session.stack.preview_destroy(
            **options.common(collector),
            target=list(options.targets) or None,
            show_secrets=False,
            exclude_protected=exclude_protected,
        )
    return collector.report(PROJECT, session.env)


def destroy(
    session: Session, options: RunOptions, exclude_protected: bool, protected: tuple[str, ...]
) -> OperationResult:
    """``pulumi destroy``; protected resources stay (``exclude_protected`` skips them)."""
    collector = EventCollector()
    with engine_errors(collector, f"destroy of {session.env}"):
        result = session.stack.destroy(
            **options.common(collector),
            target=list(options.targets) or None,
            show_secrets=False,
            exclude_protected=exclude_protected,
        )
    return _operation(session.env, "destroy", result, collector, protected=protected)


def refresh(session: Session, options: RunOptions) -> OperationResult:
    """``pulumi refresh``: the state follows the cloud (nothing in the cloud changes)."""
    collector = EventCollector()
    with engine_errors(collector, f"refresh of {session.env}"):
        result = session.stack.refresh(
            **options.common(collector),
            target=list(options.targets) or None,
            show_secrets=False,
        )
    return _operation(session.env, "refresh", result, collector)


def outputs(session: Session, show_secrets: bool) -> dict[str, Any]:
    """The stack's outputs; secret ones are "[secret]" unless ``show_secrets``."""
    with engine_errors(None, f"outputs of {session.env}"):
        values = session.stack.outputs()
    return redact_outputs(values, show_secrets=show_secrets)


def redact_outputs(values: Mapping[str, Any], show_secrets: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, output in sorted(values.items()):
        value = getattr(output, "value", output)
        secret = bool(getattr(output, "secret", False))
        if secret and not show_secrets:
            result[name] = SECRET
        elif show_secrets:
            result[name] = value
        else:
            result[name] = redact(value)
    return result


@dataclass(frozen=True)
class LastUpdate:
    kind: str
    result: str
    start_time: str | None
    end_time: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "result": self.result,
            "start_time": self.start_time,
            "end_time": self.end_time,
        }


def last_update(session: Session) -> LastUpdate | None:
    """The most recent update in the stack's history (None when there is none)."""
    with engine_errors(None, f"history of {session.env}"):
        history = session.stack.history(page_size=1, show_secrets=False)
    if not history:
        return None
    entry = history[0]
    return LastUpdate(
        kind=str(getattr(entry, "kind", "")),
        result=str(getattr(entry, "result", "")),
        start_time=_iso(getattr(entry, "start_time", None)),
        end_time=_iso(getattr(entry, "end_time", None)),
    )


def stack_rows(project_dir: Path, envs: list[str]) -> list[dict[str, Any]]:
    """Each environment with its backend and last update (``llz stacks``).

    ``status``: deployed, never deployed, unknown (no CLI or the backend failed), invalid.
    """
    from stacks.errors import InputError

    cli_present = pulumi_cli() is not None
    rows: list[dict[str, Any]] = []
    for env in envs:
        row: dict[str, Any] = {
            "env": env, "backend": None, "secrets_provider": None, "last_update": None,
        }
        try:
            spec = load(project_dir, env)
        except InputError:
            row.update(status="invalid", note=f"config has errors: run llz validate {env}")
            rows.append(_with_text(row))
            continue
        backend = backend_for(project_dir, env, spec)
        row.update(backend=backend.url, secrets_provider=backend.secrets_provider)
        if not cli_present:
            row.update(status="unknown", note="Pulumi CLI not installed")
            rows.append(_with_text(row))
            continue
        try:
            session = open_session(
                project_dir, env, "stacks", create=False, spec=spec, check_secrets=False
            )
            update = last_update(session)
        except StackNotDeployed:
            row.update(status="never deployed", note=None)
        except EngineError as error:
            row.update(status="unknown", note=str(error))
        else:
            if update is None:
                row.update(status="never deployed", note=None)
            else:
                row.update(status="deployed", note=None, last_update=update.to_dict())
        rows.append(_with_text(row))
    return rows


def _with_text(row: dict[str, Any]) -> dict[str, Any]:
    update = row.get("last_update")
    if update:
        when = update.get("end_time") or update.get("start_time") or "?"
        text = f"{when} {update['kind']} {update['result']}"
    elif row["status"] == "never deployed":
        text = "never deployed"
    else:
        text = f"{row['status']} ({row.get('note')})"
    return {**row, "last_update_text": text}


def _operation(
    env: str,
    operation: str,
    result: Any,
    collector: EventCollector,
    outputs: Mapping[str, Any] | None = None,
    protected: tuple[str, ...] = (),
) -> OperationResult:
    summary = getattr(result, "summary", None)
    changes = getattr(summary, "resource_changes", None) or collector.engine_counts
    return OperationResult(
        stack=env,
        operation=operation,
        result=str(getattr(summary, "result", "succeeded") or "succeeded"),
        resource_changes={
            str(getattr(op, "value", op)): int(n) for op, n in sorted(dict(changes).items())
        },
        outputs=dict(outputs or {}),
        protected=protected,
    )


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if getattr(value, "tzinfo", False) is None:  # the Automation API parses UTC times naive
        return f"{value.isoformat()}Z"
    iso = getattr(value, "isoformat", None)
    return str(iso()) if callable(iso) else str(value)


_PROTECTED = re.compile(r"protect", re.IGNORECASE)


@contextmanager
def engine_errors(
    collector: EventCollector | None, what: str, not_found_env: str | None = None
) -> Iterator[None]:
    """Turn the Automation API's errors into one EngineError line (secrets never shown:
    the engine masks them, and exception input values are never included)."""
    from pulumi.automation import CommandError, InvalidVersionError, StackNotFoundError

    try:
        yield
    except StackNotFoundError:
        env = not_found_env or what
        raise StackNotDeployed(
            f"stack {env!r} does not exist in its backend yet (deploy it first: llz deploy {env})"
        ) from None
    except CommandError as error:
        raise EngineError(f"{what} failed: {describe_failure(error, collector)}") from None
    except InvalidVersionError as error:
        raise EngineError(f"{what} failed: unsupported Pulumi CLI ({error})") from None
    except json.JSONDecodeError:  # the CLI's JSON could not be read; its text is not repeated
        raise EngineError(f"{what} failed: the Pulumi CLI gave unreadable output") from None
    except RuntimeError as error:  # e.g. "summary event never found"
        detail = describe_failure(error, collector) if collector and collector.errors else error
        raise EngineError(f"{what} failed: {detail}") from None


def describe_failure(error: Exception, collector: EventCollector | None) -> str:
    """The mandatory policy violations, then the engine's own error diagnostics, else the
    last lines of the CLI's stderr."""
    from cli.engines.events import policy_violations

    lines = list(collector.errors) if collector is not None else []
    if not lines:
        text = str(error)
        _, marker, stderr = text.rpartition("\n stderr: ")
        source = stderr if marker else text
        lines = [line.strip() for line in source.splitlines() if line.strip()][-5:]
    message = "; ".join(" ".join(line.split()) for line in lines) or "the Pulumi CLI failed"
    if _PROTECTED.search(message):
        message += " (protected resources stay protected: llz never unprotects them)"
    violations = policy_violations(list(collector.policy_events)) if collector else []
    blocking = [
        f"mandatory policy {v.policy_pack}/{v.policy}"
        + (f" on {urn_name(v.urn)}" if v.urn else "")
        + f": {' '.join(v.message.split())}; "
        for v in violations
        if v.enforcement == "mandatory"
    ]
    return "".join(blocking) + message
