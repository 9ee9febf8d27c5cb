"""Deployed state as a Plan: `pulumi stack export` files, and exports from the stack history.

A state export is ``{"version": 3, "deployment": {"resources": [...]}}``; each resource
has ``urn``, ``type``, ``custom``, ``protect``, ``inputs``, ``parent``, ``dependencies``...
Secrets there are Pulumi secret envelopes holding a ``ciphertext``: they become "[secret]"
through ``cli.plan.redact``. The stack resource and the providers are skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cli.plan import SECRET_SIG, SIG_KEY, Plan, PlannedResource, redact
from stacks.errors import InputError, Problem

STATE_VERSIONS = (3,)
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"

# (args, cwd, environment) -> completed process; injectable so tests stand in for the CLI.
Runner = Callable[
    [Sequence[str], Path, Mapping[str, str]], "subprocess.CompletedProcess[str]"
]


def _skipped(resource_type: str) -> bool:
    return resource_type == STACK_TYPE or resource_type.startswith(PROVIDER_PREFIX)


def _strip_internal(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the bridge's bookkeeping keys (``__defaults``, ``__meta``) from state inputs."""
    return {k: v for k, v in inputs.items() if not k.startswith("__")}


def _deployment_resources(data: Any, source: str) -> list[Any]:
    if not isinstance(data, dict):
        raise InputError.single(source, "", "a state export is a JSON object")
    if data.get("version") not in STATE_VERSIONS:
        raise InputError.single(
            source, "version", "expected 3 (the format of `pulumi stack export`)"
        )
    deployment = data.get("deployment")
    if not isinstance(deployment, dict):
        raise InputError.single(source, "deployment", "must be an object")
    resources = deployment.get("resources")
    if resources is None:
        return []
    if not isinstance(resources, list):
        raise InputError.single(source, "deployment.resources", "must be a list")
    return resources


def _urn_parts(urn: str) -> tuple[str, str, str]:
    """``urn:pulumi:STACK::PROJECT::TYPE::NAME`` -> (stack, project, name)."""
    head, sep, rest = urn.partition("::")
    if not sep or not head.startswith("urn:pulumi:"):
        raise ValueError("urn must look like urn:pulumi:STACK::PROJECT::TYPE::NAME")
    parts = rest.split("::")
    if len(parts) < 3:
        raise ValueError("urn must look like urn:pulumi:STACK::PROJECT::TYPE::NAME")
    return head[len("urn:pulumi:") :], parts[0], "::".join(parts[2:])


def _resource(item: Any, key: str, problems: list[Problem]) -> PlannedResource | None:
    if not isinstance(item, dict):
        problems.append(Problem(key, "must be an object"))
        return None
    urn, rtype = item.get("urn"), item.get("type")
    if not isinstance(urn, str):
        problems.append(Problem(f"{key}.urn", "must be a string"))
        return None
    if not isinstance(rtype, str):
        problems.append(Problem(f"{key}.type", "must be a string"))
        return None
    if _skipped(rtype) or item.get("delete") is True:
        return None
    try:
        _, _, name = _urn_parts(urn)
    except ValueError as exc:
        problems.append(Problem(f"{key}.urn", str(exc)))
        return None
    inputs = item.get("inputs") or {}
    if not isinstance(inputs, dict):
        problems.append(Problem(f"{key}.inputs", "must be an object"))
        return None
    dependencies = item.get("dependencies") or []
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        problems.append(Problem(f"{key}.dependencies", "must be a list of URNs"))
        return None
    parent = item.get("parent")
    if parent is not None and not isinstance(parent, str):
        problems.append(Problem(f"{key}.parent", "must be a URN"))
        return None
    return PlannedResource(
        urn=urn,
        type=rtype,
        name=name,
        parent=parent or None,
        custom=bool(item.get("custom", False)),
        protect=bool(item.get("protect", False)),
        inputs=redact(_strip_internal(inputs)),
        dependencies=tuple(sorted(set(dependencies))),
    )


def plan_from_state(data: Any, source: str) -> Plan:
    """The resources of a state export as a Plan (engine "pulumi", secrets "[secret]").

    Malformed input raises InputError naming the key, e.g. ``deployment.resources[3].urn``.
    """
    raw = _deployment_resources(data, source)
    problems: list[Problem] = []
    resources: list[PlannedResource] = []
    stack = project = None
    for i, item in enumerate(raw):
        key = f"deployment.resources[{i}]"
        resource = _resource(item, key, problems)
        if isinstance(item, dict) and isinstance(item.get("urn"), str) and stack is None:
            with contextlib.suppress(ValueError):
                stack, project, _ = _urn_parts(item["urn"])
        if resource is not None:
            resources.append(resource)
    if problems:
        raise InputError(source, problems)
    return Plan.build(project or "unknown", stack or "unknown", "pulumi", resources)


def read_json_file(path: Path, source: str | None = None) -> Any:
    from cli.files import read_text

    name = source or str(path)
    try:
        return json.loads(read_text(path, name))
    except ValueError as exc:
        raise InputError.single(name, "", f"not valid JSON ({exc})") from None
    except RecursionError:
        raise InputError.single(name, "", "JSON nesting is too deep") from None


def load_plan_or_state(path: Path) -> tuple[Plan, Any]:
    """A Plan from either a state export or an ``llz plan --json`` file; also the raw data."""
    from cli.plan import FORMAT

    data = read_json_file(path)
    try:
        if isinstance(data, dict) and data.get("format") == FORMAT:
            return Plan.from_dict(data, str(path)), data
        return plan_from_state(data, str(path)), data
    except RecursionError:
        raise InputError.single(str(path), "", "nesting is too deep") from None


def _is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG


def _secret_fingerprints(value: Any, path: str, out: dict[str, str]) -> None:
    """Path -> digest of the ciphertext, for every secret envelope under ``value``."""
    if _is_secret(value):
        payload = value.get("ciphertext", value.get("value"))
        text = json.dumps(payload, sort_keys=True, default=str)
        out[path] = hashlib.sha256(text.encode()).hexdigest()
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _secret_fingerprints(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _secret_fingerprints(v, f"{path}[{i}]", out)


def _fingerprints(data: Any) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    deployment = data.get("deployment") if isinstance(data, dict) else None
    resources = deployment.get("resources") if isinstance(deployment, dict) else None
    for item in resources or []:
        if isinstance(item, dict) and isinstance(item.get("urn"), str):
            inputs = item.get("inputs")
            found: dict[str, str] = {}
            if isinstance(inputs, dict):
                _secret_fingerprints(_strip_internal(inputs), "", found)
            result[item["urn"]] = found
    return result


def changed_secrets(left: Any, right: Any) -> dict[str, set[str]]:
    """URN -> input paths of secrets whose ciphertext differs between two exports.

    Pulumi keeps the ciphertext of a secret whose value did not change, so between two
    states of the same stack a different ciphertext means a changed secret. Nothing is
    decrypted and no ciphertext leaves this function. Different stacks use different keys:
    then nothing can be told and the result is empty.
    """
    if _stack_of(left) != _stack_of(right):
        return {}
    old, new = _fingerprints(left), _fingerprints(right)
    result: dict[str, set[str]] = {}
    for urn in old.keys() & new.keys():
        paths = {p for p in old[urn].keys() & new[urn].keys() if old[urn][p] != new[urn][p]}
        if paths:
            result[urn] = paths
    return result


def _stack_of(data: Any) -> str | None:
    for urn in _fingerprints(data):
        try:
            return _urn_parts(urn)[0]
        except ValueError:
            continue
    return None


def _run(
    args: Sequence[str], cwd: Path, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=600,
        check=False,
    )


def export_state_version(
    project_dir: Path,
    stack: str,
    version: int,
    runner: Runner | None = None,
    engine_env: Mapping[str, str] | None = None,
) -> Any:
    """``pulumi stack export --stack STACK --version N`` (never with --show-secrets).

    ``engine_env`` (``Backend.engine_env()``: the stack's backend URL) is added to this
    process's environment, so the export reads the backend the engine commands use, not
    whichever one the user happens to be logged in to.
    """
    import os

    source = f"{stack}@version {version}"
    if runner is None:
        if shutil.which("pulumi") is None:
            raise InputError.single(
                "pulumi",
                "",
                "the Pulumi CLI is not installed; export the two states with "
                "`pulumi stack export` elsewhere and use --from-state/--to-state",
            )
        runner = _run
    args = ["pulumi", "stack", "export", "--stack", stack, "--version", str(version)]
    try:
        result = runner(args, project_dir, {**os.environ, **(engine_env or {})})
    except subprocess.TimeoutExpired:
        raise InputError.single(source, "", "pulumi stack export timed out") from None
    if result.returncode != 0:
        lines = [line for line in (result.stderr or "").splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exited with status {result.returncode}"
        raise InputError.single(source, "", f"pulumi stack export failed: {reason}")
    try:
        return json.loads(result.stdout)
    except ValueError:
        raise InputError.single(source, "", "pulumi stack export did not print JSON") from None
