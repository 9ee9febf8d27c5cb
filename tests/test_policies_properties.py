"""Property tests of the whitelist and retention rules (hypothesis)."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from policies import checks
from tests.test_policies import violations

BASE = {"category": "HighAvailability", "zoneId": "cn-shanghai-e", "zoneIdSlaveA": "x"}


@settings(max_examples=150, deadline=None)
@given(address=st.ip_addresses(v=4), prefix=st.integers(min_value=0, max_value=32))
def test_net_001_flags_exactly_the_public_ranges(
    address: ipaddress.IPv4Address, prefix: int
) -> None:
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    props = {**BASE, "securityIps": ["10.30.1.0/24", str(network)]}
    found = violations("LLZ-NET-001", checks.RDS, props)
    assert bool(found) == (network.prefixlen == 0 or network.is_global), network


@settings(max_examples=60, deadline=None)
@given(
    days=st.one_of(st.integers(0, 800), st.floats(0, 800, allow_nan=False)),
    env=st.sampled_from(["dev", "staging", "prod"]),
)
def test_bak_001_threshold_depends_on_the_environment(days: float, env: str) -> None:
    found = violations("LLZ-BAK-001", checks.RDS_BACKUP, {"backupRetentionPeriod": days}, env=env)
    minimum = 30 if env == "prod" else 7
    assert bool(found) == (days < minimum)
