"""Entry point of the landing zone's policy pack for the real Pulumi engine.

This is the only place a ``PolicyPack`` is built: its constructor starts serving the engine
and never returns. The policies themselves live in ``policies.rules`` so that the offline
``llz audit`` can import and run them. Per-environment settings come from the policy config
(``--policy-pack-config policy-pack/config/<env>.json``).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pulumi_policy import EnforcementLevel, Policy, PolicyPack  # noqa: E402

from policies.rules import POLICIES  # noqa: E402

PACK_NAME = "llz-landing-zone"


def policies() -> list[Policy]:
    """The pack's policies (tests import this module without starting the server)."""
    return list(POLICIES)


if __name__ == "__main__":
    PolicyPack(
        name=PACK_NAME,
        policies=policies(),
        # Without a config file every rule is advisory; config/prod.json makes them mandatory.
        enforcement_level=EnforcementLevel.ADVISORY,
        description="Leasing landing zone policies (llz)",
        display_name="Leasing landing zone",
        tags=["alicloud", "landing-zone"],
    )
