"""Engine events -> Plan and change summary, on events shaped as the Pulumi CLI writes them."""

from __future__ import annotations

import json
from dataclasses import replace

from cli.engines.events import EventCollector, lookup, property_deltas, resource_steps
from tests.conftest import shipped_plan
from tests.test_engine_fakes import (
    SECRET_VALUE,
    create_events,
    diagnostic_event,
    policy_event,
    same_events,
    secret,
    state,
    step_event,
)

RDS = "alicloud:rds/instance:Instance"


def _collect(events: list) -> EventCollector:
    collector = EventCollector()
    for event in events:
        collector(event)
    return collector


def _rds(env: str = "dev"):  # type: ignore[no-untyped-def]
    return next(r for r in shipped_plan(env).resources if r.type == RDS)


def test_first_preview_plan_equals_offline_plan_but_engine_and_dependencies() -> None:
    offline = shipped_plan("dev")
    report = _collect(create_events(offline)).report("llz", "dev")
    assert report.plan.engine == "pulumi"
    assert report.plan.stack == "dev" and report.plan.project == "llz"
    expected = [replace(r, dependencies=()).to_dict() for r in offline.resources]
    assert [r.to_dict() for r in report.plan.resources] == expected
    assert report.summary() == {
        "create": len(offline.resources), "update": 0, "replace": 0, "delete": 0, "same": 0,
    }
    assert report.has_changes


def test_root_stack_and_providers_are_not_in_the_plan() -> None:
    offline = shipped_plan("dev")
    rds = _rds()
    provider = replace(
        rds,
        urn="urn:pulumi:dev::llz::pulumi:providers:alicloud::default_4_0_0",
        type="pulumi:providers:alicloud",
        name="default_4_0_0",
        parent=None,
    )
    events = [*create_events(offline), step_event(999, "create", provider, new=state(provider))]
    report = _collect(events).report("llz", "dev")
    types = {r.type for r in report.plan.resources}
    assert "pulumi:pulumi:Stack" not in types
    assert "pulumi:providers:alicloud" not in types
    # the provider's creation is still a change the preview reports
    assert provider.urn in {c.urn for c in report.changes}


def test_up_to_date_stack_has_no_changes() -> None:
    offline = shipped_plan("dev")
    report = _collect(same_events(offline)).report("llz", "dev")
    assert not report.has_changes
    assert report.summary()["same"] == len(offline.resources)
    assert report.to_dict()["changes"] == []


def test_update_with_detailed_diff_gives_old_and_new_per_property() -> None:
    rds = _rds()
    old_inputs = dict(rds.inputs)
    new_inputs = {
        **old_inputs,
        "securityIps": [*old_inputs["securityIps"], "10.10.3.0/24"],
        "tags": {**old_inputs["tags"], "owner": "it-ops-2"},
    }
    event = step_event(
        1, "update", rds, old=state(rds), new=state(rds, new_inputs),
        detailed_diff={"securityIps[2]": "add", "tags.owner": "update"},
        diffs=["securityIps", "tags"],
    )
    (step,) = resource_steps([event.resource_pre_event.metadata])  # type: ignore[union-attr]
    assert step.action == "update"
    assert [p.to_dict() for p in step.properties] == [
        {"path": "securityIps[2]", "kind": "add", "old": None, "new": "10.10.3.0/24"},
        {"path": "tags.owner", "kind": "update", "old": "it-ops-dev", "new": "it-ops-2"},
    ]


def test_update_without_detailed_diff_uses_diffs_then_inputs() -> None:
    old = {"a": 1, "b": [1, 2], "c": "x"}
    new = {"a": 1, "b": [1, 3], "d": True}
    by_keys = property_deltas("update", old, new, {}, ["b"])
    assert [(p.path, p.old, p.new) for p in by_keys] == [("b", [1, 2], [1, 3])]
    computed = property_deltas("update", old, new, {})
    assert [(p.path, p.kind) for p in computed] == [("b", "update"), ("c", "delete"), ("d", "add")]


def test_replacement_steps_collapse_into_one_replace() -> None:
    rds = _rds()
    new_inputs = {**rds.inputs, "zoneId": "cn-shanghai-g"}
    events = [
        step_event(1, "create-replacement", rds, old=state(rds), new=state(rds, new_inputs),
                   detailed_diff={"zoneId": "update-replace"}),
        step_event(2, "replace", rds, old=state(rds), new=state(rds, new_inputs),
                   detailed_diff={"zoneId": "update-replace"}),
        step_event(3, "delete-replaced", rds, old=state(rds)),
    ]
    report = _collect(events).report("llz", "dev")
    (change,) = report.changes
    assert change.action == "replace"
    assert change.ops == ("create-replacement", "replace", "delete-replaced")
    assert [(p.path, p.kind, p.old, p.new) for p in change.properties] == [
        ("zoneId", "update-replace", "cn-shanghai-e", "cn-shanghai-g")
    ]
    assert report.summary()["replace"] == 1
    (planned,) = report.plan.resources
    assert planned.inputs["zoneId"] == "cn-shanghai-g"


def test_delete_is_a_change_and_leaves_the_plan() -> None:
    rds = _rds()
    report = _collect([step_event(1, "delete", rds, old=state(rds))]).report("llz", "dev")
    assert report.plan.resources == ()
    (change,) = report.changes
    assert change.action == "delete"
    assert ("instanceName", "dev-rds-mysql") in [(p.path, p.old) for p in change.properties]


def test_secrets_are_redacted_in_plan_and_changes() -> None:
    rds = _rds()
    old_inputs = {**rds.inputs, "password": secret("old-" + SECRET_VALUE)}
    new_inputs = {
        **rds.inputs,
        "password": secret(SECRET_VALUE),
        "parameters": [{"name": "x", "value": secret(SECRET_VALUE)}],
        "masked": "[secret]",
    }
    event = step_event(1, "update", rds, old=state(rds, old_inputs), new=state(rds, new_inputs),
                       detailed_diff={"password": "update", "parameters": "add"})
    report = _collect([event]).report("llz", "dev")
    text = json.dumps(report.to_dict())
    assert SECRET_VALUE not in text
    (change,) = report.changes
    assert [(p.path, p.old, p.new) for p in change.properties] == [
        ("parameters", None, [{"name": "x", "value": "[secret]"}]),
        ("password", "[secret]", "[secret]"),
    ]
    assert report.plan.resources[0].inputs["masked"] == "[secret]"


def test_policy_events_and_error_diagnostics_are_collected() -> None:
    rds = _rds()
    collector = _collect([
        policy_event(1, rds.urn, "RDS must force SSL", level="mandatory"),
        policy_event(2, rds.urn, "RDS must force SSL", level="mandatory"),
        diagnostic_event(3, "\x1b[31merror: preview failed\x1b[0m\n"),
        diagnostic_event(4, "just info", severity="info"),
    ])
    violations = collector.report("llz", "dev").policy_violations
    assert [(v.policy, v.enforcement, v.urn) for v in violations] == [
        ("llz-rds-ssl", "mandatory", rds.urn)
    ]
    assert collector.errors == ["error: preview failed"]


def test_lookup_follows_pulumi_property_paths() -> None:
    value = {"tags": {"cost-center": "CC", "a.b": 1}, "ips": ["x", "y"], "n": [{"k": 2}]}
    assert lookup(value, "tags.cost-center") == "CC"
    assert lookup(value, 'tags["a.b"]') == 1
    assert lookup(value, "ips[1]") == "y"
    assert lookup(value, "n[0].k") == 2
    assert lookup(value, "ips[5]") is None
    assert lookup(value, "missing.key") is None
