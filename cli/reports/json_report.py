"""The JSON report (``llz.audit/v1``): deterministic, sorted keys, no timestamp unless given."""

from __future__ import annotations

from cli.audit.summary import NO_EXTRAS, Extras, result_dict
from cli.findings import AuditResult
from cli.output import to_json


def render_json(result: AuditResult, extras: Extras = NO_EXTRAS) -> str:
    return to_json(result_dict(result, extras))
