"""Monitoring: contacts, one contact group, an alarm per rule; the webhook stays secret."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from cli.plan import Plan
from components.base import ArgsError
from components.monitoring import AlarmRule, Contact, Monitoring, MonitoringArgs
from tests.components import SECRET, TAGGING, missing_tags, of_type, one, orphans, plan_text, run

ALARM = "alicloud:cms/alarm:Alarm"
CONTACT = "alicloud:cms/alarmContact:AlarmContact"
WEBHOOK = "https://oapi.dingtalk.com/robot/send?access_token=plaintext-test-token"
RULES = (
    AlarmRule("rds-cpu", "acs_rds_dashboard", "CpuUsage", "rm-1", 80),
    AlarmRule("eip-bandwidth", "acs_vpc_eip", "net_tx.rate", "eip-1", 16_000_000.0,
              statistics="Value"),
)


def make_args(**changes: Any) -> MonitoringArgs:
    args = MonitoringArgs(
        contact_group="leasing-ops",
        contacts=(Contact("ops-oncall", "ops@example.cn"), Contact("dba", "dba@example.cn")),
        alarms=RULES,
        tagging=TAGGING,
        webhook=WEBHOOK,
    )
    return replace(args, **changes)


@cache
def monitoring_plan() -> Plan:
    return run(lambda: Monitoring("t-monitoring", make_args()))


def test_one_alarm_per_rule() -> None:
    assert sorted(a.name for a in of_type(monitoring_plan(), ALARM)) == [
        "t-monitoring-eip-bandwidth", "t-monitoring-rds-cpu"
    ]


def test_alarms_page_the_contact_group() -> None:
    groups = {tuple(a.inputs["contactGroups"]) for a in of_type(monitoring_plan(), ALARM)}
    assert groups == {("leasing-ops",)}


@pytest.mark.parametrize(("rule", "threshold"), [("rds-cpu", "80"), ("eip-bandwidth", "16000000")])
def test_alarm_thresholds(rule: str, threshold: str) -> None:
    alarm = next(a for a in of_type(monitoring_plan(), ALARM) if a.name.endswith(rule))
    assert alarm.inputs["escalationsCritical"]["threshold"] == threshold


def test_alarm_uses_an_operator_the_provider_accepts() -> None:
    # alicloud.cms.Alarm validates comparison_operator against >, >=, <, <=, !=, == (and the
    # period comparisons); the API's own names such as GreaterThanThreshold are refused.
    operators = {a.inputs["escalationsCritical"]["comparisonOperator"]
                 for a in of_type(monitoring_plan(), ALARM)}
    assert operators == {">"}


def test_alarm_watches_its_instance() -> None:
    alarm = next(a for a in of_type(monitoring_plan(), ALARM) if a.name.endswith("rds-cpu"))
    assert alarm.inputs["metricDimensions"] == '[{"instanceId": "rm-1"}]'


def test_contact_group_holds_every_contact() -> None:
    group = one(monitoring_plan(), "alicloud:cms/alarmContactGroup:AlarmContactGroup")
    assert sorted(group.inputs["contacts"]) == ["dba", "ops-oncall"]


def test_webhook_is_secret_in_the_plan() -> None:
    hooks = {c.inputs["channelsDingWebHook"] for c in of_type(monitoring_plan(), CONTACT)}
    assert hooks == {SECRET}


def test_webhook_never_appears_in_plaintext() -> None:
    assert "plaintext-test-token" not in plan_text(monitoring_plan())


def test_alarms_are_tagged() -> None:
    assert [a.name for a in of_type(monitoring_plan(), ALARM) if missing_tags(a)] == []


def test_every_resource_is_parented_to_the_component() -> None:
    assert orphans(monitoring_plan()) == []
    assert one(monitoring_plan(), "llz:monitoring:Monitoring").name == "t-monitoring"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"contacts": ()}, "contacts"),
        ({"alarms": (RULES[0], RULES[0])}, "alarms"),
        ({"contacts": (Contact("dba", "a@example.cn"), Contact("dba", "b@example.cn"))},
         "contacts"),
        ({"alarms": (replace(RULES[0], comparison="GreaterThanThreshold"),)},
         r"alarms\[rds-cpu\]\.comparison"),
        ({"alarms": (replace(RULES[0], times=0),)}, r"alarms\[rds-cpu\]\.times"),
    ],
)
def test_args_reject_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ArgsError, match=rf"^MonitoringArgs: {field}: "):
        make_args(**changes)
