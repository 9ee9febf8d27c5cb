"""Reading YAML input files defensively.

Stack configs and price files come from people and pipelines. This loader refuses what
PyYAML would silently accept: aliases (which can expand exponentially when a value is later
walked), duplicate keys (the last one would silently win), oversized files and text that is
not UTF-8. Every refusal is an InputError naming the file, the place and the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from stacks.errors import InputError

MAX_BYTES = 1024 * 1024


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without aliases and without duplicate keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) are not allowed in this file", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                ) from None
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; any problem becomes an InputError for ``source``."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        raise InputError.single(source, where, f"not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError.single(source, "document", f"not valid YAML: {exc}") from None
    except RecursionError:
        raise InputError.single(source, "document", "nesting is too deep") from None


def read_yaml_file(path: Path, source: str | None = None) -> Any:
    """Read and parse a YAML file with the limits above."""
    name = source or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError.single(name, "", "file not found") from None
    except IsADirectoryError:
        raise InputError.single(name, "", "is a directory, not a file") from None
    except OSError as exc:
        raise InputError.single(name, "", f"cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise InputError.single(name, "", f"is larger than {MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.single(name, "", f"is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise InputError.single(name, "", "contains NUL bytes; not a text file")
    return parse_yaml(text, name)
