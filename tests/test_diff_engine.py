"""diff_plans on hand-built Plans, and environment normalisation on the shipped stacks."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from cli.diff_engine import (
    diff_environments,
    diff_plans,
    forces_replacement,
    normalise_environment,
    property_changes,
    protected_warnings,
)
from cli.diffs import PlanDiff, ResourceChange
from cli.plan import SECRET_SIG, SIG_KEY, Plan
from cli.render_diff import diff_to_dict, render_markdown
from tests.conftest import shipped_plan

SWITCH = "alicloud:vpc/switch:Switch"
RDS = "alicloud:rds/instance:Instance"
ACCOUNT = "alicloud:rds/rdsAccount:RdsAccount"
PLAINTEXT = "hunter2-plaintext"


def urn(name: str, rtype: str, stack: str = "dev") -> str:
    return f"urn:pulumi:{stack}::llz::llz:network:Network${rtype}::{name}"


def res(name: str, rtype: str, inputs: dict[str, Any], protect: bool = False,
        stack: str = "dev") -> dict[str, Any]:
    return {"urn": urn(name, rtype, stack), "type": rtype, "name": name, "parent": None,
            "custom": True, "protect": protect, "inputs": inputs, "dependencies": []}


def plan(*resources: dict[str, Any], stack: str = "dev") -> Plan:
    return Plan.from_dict(
        {"format": "llz.plan/v1", "project": "llz", "stack": stack, "engine": "offline",
         "resources": list(resources)},
        "test",
    )


def secret(value: str) -> dict[str, str]:
    return {SIG_KEY: SECRET_SIG, "value": value}


RDS_LEFT = {
    "instanceType": "mysql.n2.large.2c",
    "engine": "MySQL",
    "securityIps": ["10.0.1.0/24", "10.0.2.0/24"],
    "tags": {"env": "dev", "owner": "ops"},
}
RDS_RIGHT = {
    "instanceType": "mysql.n4.xlarge.2c",
    "engine": "MySQL",
    "securityIps": ["10.0.1.0/24", "10.0.9.0/24"],
    "tags": {"env": "prod", "owner": "ops", "cost-center": "CC-1"},
}


def sample() -> PlanDiff:
    left = plan(
        res("sw", SWITCH, {"cidrBlock": "10.0.1.0/24", "zoneId": "a"}),
        res("db", RDS, RDS_LEFT),
        res("old", SWITCH, {"cidrBlock": "10.0.3.0/24"}),
        res("same", SWITCH, {"cidrBlock": "10.0.4.0/24"}),
    )
    right = plan(
        res("sw", SWITCH, {"cidrBlock": "10.0.5.0/24", "zoneId": "a"}),
        res("db", RDS, RDS_RIGHT, protect=True),
        res("new", SWITCH, {"cidrBlock": "10.0.6.0/24", "zoneId": "b"}),
        res("same", SWITCH, {"cidrBlock": "10.0.4.0/24"}),
    )
    return diff_plans(left, right, "left", "right")


def by_name(diff: PlanDiff) -> dict[str, ResourceChange]:
    return {c.name: c for c in diff.changes}


def test_actions_per_resource() -> None:
    changes = by_name(sample())
    assert {n: c.action for n, c in changes.items()} == {
        "sw": "replace", "db": "change", "old": "remove", "new": "add",
    }
    assert "same" not in changes


def test_property_paths_old_and_new() -> None:
    props = {p.path: (p.old, p.new) for p in by_name(sample())["db"].properties}
    assert props == {
        "instanceType": ("mysql.n2.large.2c", "mysql.n4.xlarge.2c"),
        "securityIps[1]": ("10.0.2.0/24", "10.0.9.0/24"),
        "tags.env": ("dev", "prod"),
        "tags.cost-center": (None, "CC-1"),
        "protect": (False, True),
    }


def test_replace_is_explained_by_the_force_new_property() -> None:
    sw = by_name(sample())["sw"]
    assert [(p.path, p.old, p.new) for p in sw.properties] == [
        ("cidrBlock", "10.0.1.0/24", "10.0.5.0/24")
    ]
    assert forces_replacement(SWITCH, "cidrBlock")
    assert forces_replacement(SWITCH, "zoneId")
    assert not forces_replacement(RDS, "instanceType")
    assert forces_replacement(RDS, "engine")
    assert not forces_replacement("alicloud:unknown/x:X", "anything")


def test_add_and_remove_list_their_inputs() -> None:
    changes = by_name(sample())
    assert [(p.path, p.old, p.new) for p in changes["new"].properties] == [
        ("cidrBlock", None, "10.0.6.0/24"), ("zoneId", None, "b"),
    ]
    assert [(p.path, p.old, p.new) for p in changes["old"].properties] == [
        ("cidrBlock", "10.0.3.0/24", None),
    ]


def test_nested_lists_of_objects() -> None:
    old = {"servers": [{"serverIds": ["a", "b"], "port": 80}], "xForwardedFor": {"slbIp": True}}
    new = {"servers": [{"serverIds": ["a", "c"], "port": 80}], "xForwardedFor": {"slbIp": False}}
    assert [(p.path, p.old, p.new) for p in property_changes(old, new)] == [
        ("servers[0].serverIds[1]", "b", "c"),
        ("xForwardedFor.slbIp", True, False),
    ]


def test_type_change_with_the_same_name_is_a_replacement() -> None:
    left = plan(res("thing", SWITCH, {"cidrBlock": "10.0.1.0/24"}))
    right = plan(res("thing", RDS, {"engine": "MySQL"}))
    (change,) = diff_plans(left, right, "a", "b").changes
    assert change.action == "replace"
    assert change.properties[0].path == "type"
    assert (change.properties[0].old, change.properties[0].new) == (SWITCH, RDS)


def test_secrets_never_appear_in_plaintext() -> None:
    left = plan(res("acct", ACCOUNT, {"accountName": "oa", "accountPassword": secret("old-pw")}))
    right = plan(
        res("acct", ACCOUNT, {"accountName": "crm", "accountPassword": secret(PLAINTEXT)}),
        res("acct2", ACCOUNT, {"accountPassword": secret(PLAINTEXT)}),
    )
    diff = diff_plans(left, right, "a", "b")
    text = json.dumps(diff_to_dict(diff)) + render_markdown(diff)
    assert PLAINTEXT not in text and "old-pw" not in text
    # Redacted secrets compare equal: only the visible change is reported...
    assert [p.path for p in by_name(diff)["acct"].properties] == ["accountName"]
    # ...unless the caller can tell that the secret changed.
    hinted = diff_plans(left, right, "a", "b",
                        changed_secrets={urn("acct", ACCOUNT): {"accountPassword"}})
    props = {p.path: (p.old, p.new) for p in by_name(hinted)["acct"].properties}
    assert props["accountPassword"] == ("[secret]", "[secret]")
    assert "&#91;secret&#93; -&gt; &#91;secret&#93; (changed)" in render_markdown(hinted)


def test_deterministic_whatever_the_input_order() -> None:
    left = plan(*[res(f"r{i}", SWITCH, {"cidrBlock": f"10.0.{i}.0/24"}) for i in range(30)])
    items = [res(f"r{i}", SWITCH, {"cidrBlock": f"10.1.{i}.0/24"}) for i in range(0, 40, 2)]
    outputs = set()
    for seed in range(3):
        random.Random(seed).shuffle(items)
        diff = diff_plans(left, plan(*items), "a", "b")
        outputs.add(json.dumps(diff_to_dict(diff), sort_keys=True))
    assert len(outputs) == 1
    urns = [c["urn"] for c in json.loads(outputs.pop())["changes"]]
    assert urns == sorted(urns)


def test_identical_plans_have_no_differences() -> None:
    p = plan(res("sw", SWITCH, {"cidrBlock": "10.0.1.0/24"}))
    assert diff_plans(p, p, "a", "b").empty


def test_normalise_environment_replaces_whole_tokens_only() -> None:
    p = plan(res("prod-vpc", SWITCH, {"vpcId": "prod-vpc-id", "tags": {"env": "prod"},
                                      "description": "production prod data"},
                 stack="prod"), stack="prod")
    (r,) = normalise_environment(p).resources
    assert r.name == "<env>-vpc"
    assert r.urn == urn("<env>-vpc", SWITCH, stack="<env>")
    assert r.inputs["vpcId"] == "<env>-vpc-id"
    assert r.inputs["tags"] == {"env": "<env>"}
    assert r.inputs["description"] == "production <env> data"


@pytest.fixture(scope="module")
def staging_vs_prod() -> dict[str, ResourceChange]:
    return by_name(diff_environments(shipped_plan("staging"), shipped_plan("prod")))


def test_staging_vs_prod_shows_what_really_differs(
    staging_vs_prod: dict[str, ResourceChange],
) -> None:
    changes = staging_vs_prod
    mysql = {p.path: (p.old, p.new) for p in changes["<env>-rds-mysql"].properties}
    assert mysql["protect"] == (False, True)
    assert mysql["instanceType"][0] != mysql["instanceType"][1]
    package = changes["<env>-bandwidth-package"]
    assert package.action == "add"
    assert ("internetChargeType", None, "PayBy95") in [
        (p.path, p.old, p.new) for p in package.properties
    ]
    backups = {p.path: (p.old, p.new) for p in changes["<env>-rds-backup"].properties}
    assert backups["backupRetentionPeriod"][1] == 30
    # Names, URNs, ids and tags that only embed the environment are not differences.
    for change in changes.values():
        for prop in change.properties:
            if change.action in ("change", "replace"):
                assert prop.path not in ("tags.env", "instanceName", "vpcName"), change.name
            assert "staging" not in json.dumps([prop.old, prop.new])


def test_environment_diff_shows_the_real_values() -> None:
    """Compared normalised, shown as they are: dev's owner tag really is "it-ops-dev"."""
    changes = by_name(diff_environments(shipped_plan("dev"), shipped_plan("staging")))
    mysql = {p.path: (p.old, p.new) for p in changes["<env>-rds-mysql"].properties}
    assert mysql["tags.owner"] == ("it-ops-dev", "it-ops")
    added = {p.path: p.new for p in changes["<env>-app-3a"].properties}
    assert changes["<env>-app-3a"].action == "add"
    assert added["instanceName"] == "staging-app-3a"


def test_an_environment_against_itself_is_empty() -> None:
    assert diff_environments(shipped_plan("dev"), shipped_plan("dev")).empty


def test_protected_resources_that_would_be_deleted_are_warned_about() -> None:
    left = plan(
        res("db", RDS, {"engine": "MySQL", "instanceType": "a"}, protect=True),
        res("db2", RDS, {"engine": "MySQL", "instanceType": "a"}, protect=True),
        res("gone", RDS, {"engine": "MySQL"}, protect=True),
        res("free", RDS, {"engine": "MySQL"}),
    )
    right = plan(
        res("db", RDS, {"engine": "PostgreSQL", "instanceType": "a"}, protect=True),
        res("db2", RDS, {"engine": "MySQL", "instanceType": "b"}, protect=True),
        res("free", RDS, {"engine": "PostgreSQL"}),
    )
    diff = diff_plans(left, right, "a", "b")
    assert protected_warnings(diff, left) == (
        f"db ({RDS}) is protected: Pulumi refuses to replace it until `protect` is lifted",
        f"gone ({RDS}) is protected: Pulumi refuses to delete it until `protect` is lifted",
    )


def test_the_documented_replacement_table_is_the_code() -> None:
    """docs/sections/diff.md lists exactly FORCE_NEW (no feature only in the docs)."""
    import re

    from cli.diff_engine import FORCE_NEW
    from tests.conftest import PROJECT_DIR

    text = (PROJECT_DIR / "docs" / "sections" / "diff.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z]+:[^`]+)` \| (.+) \|$", text, flags=re.MULTILINE)
    documented = {t: frozenset(re.findall(r"`([^`]+)`", props)) for t, props in rows}
    assert documented == dict(FORCE_NEW)


def test_markdown_values_cannot_break_the_pr_comment() -> None:
    hostile = "a|b <script>x</script> *bold* _it_ `code` [link](http://x) ~~s~~ @ops-team\nrow"
    left = plan(res("sw", SWITCH, {"description": "plain"}))
    right = plan(res("sw", SWITCH, {"description": hostile}))
    markdown = render_markdown(diff_plans(left, right, "a|b", "c"))
    row = next(line for line in markdown.splitlines() if line.startswith("| ~ change"))
    assert row.count("|") == 5  # four cells: the value's pipe did not open a fifth
    cell = row.split("|")[4]
    for raw in ("<script>", "*", "_", "`", "[", "]", "~", "@", "\\"):
        assert raw not in cell, raw
    assert "&lt;script&gt;" in cell and "&#64;ops-team" in cell and "&#42;bold&#42;" in cell
    assert "<code>a&#124;b</code>" in markdown.splitlines()[0]
