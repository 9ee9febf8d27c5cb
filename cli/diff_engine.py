"""Compare two Plans: which resources are added, removed, replaced or changed, and how.

Resources are matched by URN. Their inputs are compared with deepdiff (a well-kept
library that already knows nested dicts, lists and type changes); each difference becomes a
``PropertyChange`` whose path reads like ``tags.env`` or ``securityIps[1]``.

Whether a change replaces a resource is decided offline from ``FORCE_NEW``: a table of the
properties the provider cannot update in place. It is an approximation (the real engine
asks the provider), documented in docs/sections/diff.md.

Secrets are "[secret]" in every Plan, so an unchanged and a changed secret look alike; a
caller that can tell (two states of one stack, by their ciphertexts) passes
``changed_secrets`` and the change is reported as ``[secret] -> [secret]``, never with a
value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from cli.diffs import Action, PlanDiff, PropertyChange, ResourceChange
from cli.plan import SECRET, Plan, PlannedResource

# Properties (Pulumi camelCase input names, top-level) whose change makes the provider
# delete and re-create the resource: the "ForceNew" arguments of the Alibaba Cloud provider
# (terraform-provider-alicloud, which pulumi-alicloud bridges) and of the random provider.
# Offline approximation: the real preview asks the provider and is authoritative.
FORCE_NEW: Mapping[str, frozenset[str]] = {
    "alicloud:vpc/network:Network": frozenset({"userCidrs", "ipv6Isp"}),
    "alicloud:vpc/switch:Switch": frozenset({"availabilityZone", "zoneId", "vpcId", "cidrBlock"}),
    "alicloud:ecs/instance:Instance": frozenset({"availabilityZone", "dedicatedHostId"}),
    "alicloud:ecs/securityGroup:SecurityGroup": frozenset({"vpcId", "securityGroupType"}),
    "alicloud:ecs/securityGroupRule:SecurityGroupRule": frozenset(
        {
            "type",
            "ipProtocol",
            "nicType",
            "policy",
            "portRange",
            "priority",
            "securityGroupId",
            "sourceSecurityGroupId",
            "sourceGroupOwnerAccount",
            "cidrIp",
            "ipv6CidrIp",
            "prefixListId",
        }
    ),
    "alicloud:ecs/eipAddress:EipAddress": frozenset({"isp", "activityId"}),
    "alicloud:ecs/eipAssociation:EipAssociation": frozenset(
        {"allocationId", "instanceId", "instanceType", "privateIpAddress", "vpcId"}
    ),
    "alicloud:vpc/commonBandwithPackage:CommonBandwithPackage": frozenset(
        {"isp", "internetChargeType", "ratio", "zone", "securityProtectionTypes"}
    ),
    "alicloud:vpc/commonBandwithPackageAttachment:CommonBandwithPackageAttachment": frozenset(
        {"bandwidthPackageId", "instanceId"}
    ),
    "alicloud:rds/instance:Instance": frozenset({"engine", "dbTimeZone", "encryptionKey"}),
    "alicloud:rds/database:Database": frozenset(
        {"instanceId", "dataBaseName", "name", "characterSet"}
    ),
    "alicloud:rds/rdsAccount:RdsAccount": frozenset(
        {"dbInstanceId", "instanceId", "accountName", "name", "accountType", "type"}
    ),
    "alicloud:rds/accountPrivilege:AccountPrivilege": frozenset({"instanceId", "accountName"}),
    "alicloud:rds/backupPolicy:BackupPolicy": frozenset({"instanceId"}),
    "alicloud:kvstore/instance:Instance": frozenset({"instanceType", "vpcAuthMode", "zoneId"}),
    "alicloud:mongodb/instance:Instance": frozenset(
        {
            "zoneId",
            "secondaryZoneId",
            "hiddenZoneId",
            "vpcId",
            "vswitchId",
            "storageEngine",
            "networkType",
            "storageType",
        }
    ),
    "alicloud:slb/applicationLoadBalancer:ApplicationLoadBalancer": frozenset(
        {"addressType", "addressIpVersion", "vswitchId", "masterZoneId", "slaveZoneId", "address"}
    ),
    "alicloud:slb/listener:Listener": frozenset(
        {"loadBalancerId", "frontendPort", "protocol", "backendPort"}
    ),
    "alicloud:slb/serverGroup:ServerGroup": frozenset({"loadBalancerId"}),
    "alicloud:slb/serverCertificate:ServerCertificate": frozenset(
        {"serverCertificate", "privateKey", "aliCloudCertificateId", "aliCloudCertificateName"}
    ),
    "alicloud:slb/acl:Acl": frozenset({"ipVersion"}),
    "alicloud:cms/alarm:Alarm": frozenset({"project", "metric"}),
    "alicloud:cms/alarmContact:AlarmContact": frozenset({"alarmContactName"}),
    "alicloud:cms/alarmContactGroup:AlarmContactGroup": frozenset({"alarmContactGroupName"}),
    # random: every argument of these resources forces a new value.
    "random:index/randomPassword:RandomPassword": frozenset(
        {
            "length",
            "keepers",
            "lower",
            "minLower",
            "minNumeric",
            "minSpecial",
            "minUpper",
            "number",
            "numeric",
            "overrideSpecial",
            "special",
            "upper",
        }
    ),
}

ENV_PLACEHOLDER = "<env>"

PathPart = str | int
# Per side, URN -> the resource whose values are displayed (originals of normalised plans).
Display = tuple[Mapping[str, PlannedResource], Mapping[str, PlannedResource]]


def forces_replacement(resource_type: str, path: str) -> bool:
    """Whether a change at ``path`` replaces a resource of ``resource_type`` (offline table)."""
    top = re.split(r"[.\[]", path, maxsplit=1)[0]
    return top == "type" or top in FORCE_NEW.get(resource_type, frozenset())


def format_path(parts: Iterable[PathPart]) -> str:
    """``["tags", "env"]`` -> ``tags.env``; ``["securityIps", 1]`` -> ``securityIps[1]``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _path_key(parts: tuple[PathPart, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((1, p, "") if isinstance(p, int) else (0, 0, p) for p in parts)


_MISSING = object()


def _lookup(data: Any, parts: tuple[PathPart, ...]) -> Any:
    """The value at ``parts`` in ``data``, or ``_MISSING``."""
    for part in parts:
        found = (isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data)) or (
            isinstance(part, str) and isinstance(data, Mapping) and part in data
        )
        if not found:
            return _MISSING
        data = data[part]
    return data


def property_changes(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    old_display: Mapping[str, Any] | None = None,
    new_display: Mapping[str, Any] | None = None,
) -> tuple[PropertyChange, ...]:
    """Every difference between two input dicts, as path: old -> new, in a stable order.

    A side on which the property does not exist is None. Secrets compare equal ("[secret]").
    ``old_display``/``new_display`` (same shape) supply the values shown, when the compared
    values were normalised (environment names replaced).
    """
    from deepdiff import DeepDiff
    from deepdiff.helper import NotPresent

    found: dict[tuple[PathPart, ...], PropertyChange] = {}
    tree = DeepDiff(dict(old), dict(new), view="tree", verbose_level=2)
    for items in tree.values():
        for item in items:
            parts = tuple(item.path(output_format="list"))
            before = None if isinstance(item.t1, NotPresent) else item.t1
            after = None if isinstance(item.t2, NotPresent) else item.t2
            if old_display is not None and before is not None:
                shown = _lookup(old_display, parts)
                before = before if shown is _MISSING else shown
            if new_display is not None and after is not None:
                shown = _lookup(new_display, parts)
                after = after if shown is _MISSING else shown
            found[parts] = PropertyChange(format_path(parts), before, after)
    return tuple(found[k] for k in sorted(found, key=_path_key))


def _flatten(inputs: Mapping[str, Any], added: bool) -> tuple[PropertyChange, ...]:
    """A resource's top-level inputs as changes from/to nothing (for adds and removes)."""
    return tuple(
        PropertyChange(key, None, inputs[key]) if added else PropertyChange(key, inputs[key], None)
        for key in sorted(inputs)
    )


def _option_changes(
    left: PlannedResource, right: PlannedResource, shown: tuple[PlannedResource, PlannedResource]
) -> list[PropertyChange]:
    changes = []
    if left.protect != right.protect:
        changes.append(PropertyChange("protect", left.protect, right.protect))
    if left.parent != right.parent:
        changes.append(PropertyChange("parent", shown[0].parent, shown[1].parent))
    return changes


def _compare(
    left: PlannedResource,
    right: PlannedResource,
    secret_paths: Iterable[str],
    display: Display,
) -> ResourceChange | None:
    shown = (display[0].get(left.urn, left), display[1].get(right.urn, right))
    props = list(property_changes(left.inputs, right.inputs, shown[0].inputs, shown[1].inputs))
    known = {p.path for p in props}
    for path in sorted(secret_paths):
        if path not in known:
            props.append(PropertyChange(path, SECRET, SECRET))
    props.extend(_option_changes(left, right, shown))
    if left.type != right.type:
        props.insert(0, PropertyChange("type", left.type, right.type))
    if not props:
        return None
    action: Action = (
        "replace"
        if left.type != right.type or any(forces_replacement(right.type, p.path) for p in props)
        else "change"
    )
    return ResourceChange(right.urn, right.type, right.name, action, tuple(props))


def _pair_renamed_types(
    removed: dict[str, PlannedResource], added: dict[str, PlannedResource]
) -> list[tuple[PlannedResource, PlannedResource]]:
    """Removed and added resources with the same name whose type changed: a replacement.

    Only names that are unique on both sides are paired, so pairing is unambiguous.
    """
    def unique(items: Iterable[PlannedResource]) -> dict[str, PlannedResource]:
        by_name: dict[str, list[PlannedResource]] = {}
        for r in items:
            by_name.setdefault(r.name, []).append(r)
        return {n: rs[0] for n, rs in by_name.items() if len(rs) == 1}

    old_names, new_names = unique(removed.values()), unique(added.values())
    pairs = []
    for name in sorted(old_names.keys() & new_names.keys()):
        old, new = old_names[name], new_names[name]
        if old.type != new.type:
            pairs.append((old, new))
    return pairs


def diff_plans(
    left: Plan,
    right: Plan,
    left_label: str,
    right_label: str,
    changed_secrets: Mapping[str, Iterable[str]] | None = None,
    display: Display | None = None,
) -> PlanDiff:
    """What turns ``left`` into ``right``, resource by resource, sorted by URN.

    ``changed_secrets`` maps a URN to the input paths of secrets known to differ (e.g.
    from state ciphertexts); they appear as ``[secret] -> [secret]``. ``display`` maps the
    URNs of each side to the resources whose values are shown (see diff_environments).
    """
    secrets = changed_secrets or {}
    shown: Display = display or ({}, {})
    old, new = left.by_urn(), right.by_urn()
    changes: list[ResourceChange] = []
    for urn in sorted(old.keys() & new.keys()):
        change = _compare(old[urn], new[urn], secrets.get(urn, ()), shown)
        if change is not None:
            changes.append(change)
    removed = {u: old[u] for u in old.keys() - new.keys()}
    added = {u: new[u] for u in new.keys() - old.keys()}
    for before, after in _pair_renamed_types(removed, added):
        del removed[before.urn], added[after.urn]
        change = _compare(before, after, (), shown)
        if change is not None:
            changes.append(change)
    for resource in removed.values():
        changes.append(
            ResourceChange(
                resource.urn, resource.type, resource.name, "remove",
                _flatten(shown[0].get(resource.urn, resource).inputs, added=False),
            )
        )
    for resource in added.values():
        changes.append(
            ResourceChange(
                resource.urn, resource.type, resource.name, "add",
                _flatten(shown[1].get(resource.urn, resource).inputs, added=True),
            )
        )
    changes.sort(key=lambda c: (c.urn, c.action))
    return PlanDiff(left_label, right_label, tuple(changes))


def _env_pattern(name: str) -> re.Pattern[str]:
    """The environment name as a whole token (``prod`` in ``prod-vpc``, not in ``product``)."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])")


def _substitute(value: Any, pattern: re.Pattern[str], placeholder: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(placeholder, value)
    if isinstance(value, Mapping):
        return {k: _substitute(v, pattern, placeholder) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_substitute(v, pattern, placeholder) for v in value]
    return value


def normalise_environment(
    plan: Plan, env: str | None = None, placeholder: str = ENV_PLACEHOLDER
) -> Plan:
    """The Plan with its environment name replaced by ``placeholder`` everywhere.

    Stacks name their resources after the environment (``dev-rds-mysql``), URNs hold the
    stack, and values embed the names (``vpcId: prod-vpc-id``, ``tags.env: prod``).
    Normalising both sides lets ``llz diff staging prod`` compare like with like and show
    only what really differs. ``env`` defaults to the Plan's stack name.
    """
    pattern = _env_pattern(env or plan.stack)

    def sub(text: str) -> str:
        return pattern.sub(placeholder, text)

    resources = [
        replace(
            r,
            urn=sub(r.urn),
            name=sub(r.name),
            parent=sub(r.parent) if r.parent is not None else None,
            inputs=_substitute(r.inputs, pattern, placeholder),
            dependencies=tuple(sorted(sub(d) for d in r.dependencies)),
        )
        for r in plan.resources
    ]
    return Plan.build(plan.project, placeholder, plan.engine, resources)


def diff_environments(left: Plan, right: Plan) -> PlanDiff:
    """How two environments differ, with their names normalised away (labels = stacks).

    Resources are matched and compared with the environment names replaced by "<env>";
    the values shown are the real ones (``tags.owner: "it-ops-dev" -> "it-ops"``).
    """
    display: Display = (_by_normalised_urn(left), _by_normalised_urn(right))
    return diff_plans(
        normalise_environment(left), normalise_environment(right), left.stack, right.stack,
        display=display,
    )


def _by_normalised_urn(plan: Plan) -> dict[str, PlannedResource]:
    """Normalised URN -> the Plan's original resource (whose values are shown)."""
    pattern = _env_pattern(plan.stack)
    return {pattern.sub(ENV_PLACEHOLDER, r.urn): r for r in plan.resources}


def protected_warnings(diff: PlanDiff, left: Plan) -> tuple[str, ...]:
    """Removals and replacements of resources protected on the left: Pulumi refuses them.

    A protected resource cannot be deleted (a replacement deletes it) until a deployment
    has lifted ``protect``; a reviewer should know before the deploy stops half-way.
    """
    protected = {r.urn for r in left.resources if r.protect}
    protected_names = {r.name for r in left.resources if r.protect}

    def blocked(change: ResourceChange) -> bool:
        if change.action not in ("remove", "replace"):
            return False
        retyped = bool(change.properties) and change.properties[0].path == "type"
        return change.urn in protected or (retyped and change.name in protected_names)

    return tuple(
        f"{c.name} ({c.type}) is protected: Pulumi refuses to "
        f"{'delete' if c.action == 'remove' else 'replace'} it until `protect` is lifted"
        for c in diff.changes
        if blocked(c)
    )
