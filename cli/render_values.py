"""One property value, and one property change, as both change renderers show them.

Used by ``llz preview``/``deploy``/``destroy`` (cli.render_changes) and ``llz diff``
(cli.render_diff), so a value reads the same everywhere: JSON (strings quoted, so ``"true"``
and ``true`` differ), "(none)" for a side where the property is absent, "[secret]" as is,
and long values cut with their length.
"""

from __future__ import annotations

import json
from typing import Any

from cli.plan import SECRET

MAX_VALUE = 160
ABSENT = "(none)"


def format_value(value: Any, limit: int | None = MAX_VALUE) -> str:
    """A one-line rendering of a property value (None: the property is absent)."""
    if value is None:
        return ABSENT
    if value == SECRET:
        return SECRET
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    if limit is not None and len(text) > limit:
        return f"{text[: limit - 20]}… ({len(text)} chars)"
    return text


def format_change(old: Any, new: Any, limit: int | None = MAX_VALUE) -> str:
    """``old -> new``; a secret reported as changed reads ``[secret] -> [secret] (changed)``."""
    if old == SECRET and new == SECRET:
        return f"{SECRET} -> {SECRET} (changed)"
    return f"{format_value(old, limit)} -> {format_value(new, limit)}"
