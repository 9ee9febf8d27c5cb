"""Monitoring: CloudMonitor alarms that page ops through a contact group."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_alicloud as alicloud

from components.base import LandingZoneComponent, Tagging, require

# The comparison operators alicloud.cms.Alarm accepts for a static threshold (the provider
# validates them and maps ">" to the API's GreaterThanThreshold itself).
COMPARISONS = (">", ">=", "<", "<=", "!=", "==")

@dataclass(frozen=True)
class Contact:
    name: str
    email: str


@dataclass(frozen=True)
class AlarmRule:
    """One metric of one cloud resource crossing one threshold."""

    name: str
    project: str
    metric: str
    instance_id: pulumi.Input[str]
    threshold: float
    comparison: str = ">"
    statistics: str = "Average"
    times: int = 3


@dataclass(frozen=True)
class MonitoringArgs:
    contact_group: str
    contacts: Sequence[Contact]
    alarms: Sequence[AlarmRule]
    tagging: Tagging
    webhook: pulumi.Input[str] | None = None

    def __post_init__(self) -> None:
        c = "MonitoringArgs"
        require(bool(self.contacts), c, "contacts", "at least one contact to page")
        contact_names = [contact.name for contact in self.contacts]
        require(len(contact_names) == len(set(contact_names)), c, "contacts",
                "contact names must be unique (each is a resource name)")
        names = [a.name for a in self.alarms]
        require(len(names) == len(set(names)), c, "alarms", "alarm names must be unique")
        for rule in self.alarms:
            require(rule.comparison in COMPARISONS, c, f"alarms[{rule.name}].comparison",
                    f"one of {' '.join(COMPARISONS)}")
            require(rule.times >= 1, c, f"alarms[{rule.name}].times", "at least 1")


def _threshold(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class Monitoring(LandingZoneComponent):
    """Contacts, one contact group, and an alarm per rule that notifies the group."""

    def __init__(
        self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("llz:monitoring:Monitoring", name, opts)
        contacts = [
            alicloud.cms.AlarmContact(
                self.child_name(f"contact-{contact.name}"),
                alarm_contact_name=contact.name,
                describe=f"{contact.name} ({args.tagging.environment})",
                channels_mail=contact.email,
                channels_ding_web_hook=(
                    pulumi.Output.secret(args.webhook) if args.webhook is not None else None
                ),
                opts=self.child_opts(),
            )
            for contact in args.contacts
        ]
        self.contact_group = alicloud.cms.AlarmContactGroup(
            self.child_name("contacts"),
            alarm_contact_group_name=args.contact_group,
            describe=f"Paged by the {args.tagging.environment} landing zone alarms",
            contacts=[c.alarm_contact_name for c in contacts],
            opts=self.child_opts(),
        )
        tags = args.tagging.tags("monitoring")
        for rule in args.alarms:
            alicloud.cms.Alarm(
                self.child_name(rule.name),
                name=self.child_name(rule.name),
                project=rule.project,
                metric=rule.metric,
                metric_dimensions=pulumi.Output.from_input(rule.instance_id).apply(
                    lambda instance_id: json.dumps([{"instanceId": instance_id}])
                ),
                period=60,
                effective_interval="00:00-23:59",
                silence_time=3600,
                enabled=True,
                contact_groups=[self.contact_group.alarm_contact_group_name],
                escalations_critical=alicloud.cms.AlarmEscalationsCriticalArgs(
                    comparison_operator=rule.comparison,
                    statistics=rule.statistics,
                    threshold=_threshold(rule.threshold),
                    times=rule.times,
                ),
                tags=tags,
                opts=self.child_opts(),
            )
        self.finish({"contactGroup": self.contact_group.alarm_contact_group_name})
