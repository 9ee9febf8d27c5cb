"""Reading YAML input files defensively.

Stack configs and price files come from people and pipelines. This loader refuses what
PyYAML would silently accept: aliases (which can expand exponentially when a value is later
walked), duplicate keys (the last one would silently win), oversized files and text that is
not UTF-8. Every refusal is an InputError naming the file, the place and the reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from stacks.errors import InputError
from stacks.input_files import read_input_bytes

MAX_BYTES = 1024 * 1024


BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# The plain scalars Go's gopkg.in/yaml.v2 (the Pulumi CLI's stack-file reader) resolves to
# booleans, integers and floats. Unlike PyYAML it also takes y/n as booleans, has no base-60
# numbers (12:30 stays text) and leaves date-like values as text.
_GO_YAML_V2 = {
    BOOL_TAG: (
        r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
        r"|on|On|ON|off|Off|OFF)$",
        "yYnNtTfFoO",
    ),
    INT_TAG: (
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$",
        "-+0123456789",
    ),
    FLOAT_TAG: (
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
}


def _stack_file_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    """SafeLoader's implicit types, narrowed and widened to what the Pulumi CLI reads.

    The CLI parses ``Pulumi.<stack>.yaml`` with gopkg.in/yaml.v2 and passes the result to the
    program; reading a file differently here would let ``llz validate`` and the offline plan
    accept (or read differently) a file the real engine reads otherwise.
    """
    replaced = (*_GO_YAML_V2, TIMESTAMP_TAG)
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag not in replaced]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    for tag, (pattern, firsts) in reversed(_GO_YAML_V2.items()):  # bool, int, then float
        regexp = re.compile(pattern)
        for first in firsts:
            resolvers.setdefault(first, []).insert(0, (tag, regexp))
    return resolvers


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
                    None, None, f"duplicate key {key!r:.80}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _StackFileLoader(_StrictLoader):
    """_StrictLoader with Go yaml.v2's implicit types, as the Pulumi CLI reads a stack file."""

    yaml_implicit_resolvers = _stack_file_resolvers()
    bool_values = {**yaml.SafeLoader.bool_values, "y": True, "n": False}

def parse_yaml(text: str, source: str, stack_file: bool = False) -> Any:
    """Parse YAML text; any problem becomes an InputError for ``source``.

    ``stack_file``: read plain scalars as the Pulumi CLI does (see _stack_file_resolvers).
    """
    loader = _StackFileLoader if stack_file else _StrictLoader
    try:
        return yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        reason = _one_line(exc.problem or exc.context or "syntax error")
        raise InputError.single(source, where, f"not valid YAML: {reason}") from None
    except yaml.reader.ReaderError as exc:
        where = _position(text, exc.position)
        character: int | str | bytes = exc.character
        if isinstance(character, bytes):
            character = character[0]
        elif isinstance(character, str):
            character = ord(character)
        reason = f"unacceptable character #x{character:04x}"
        raise InputError.single(source, where, f"not valid YAML: {reason}") from None
    except yaml.YAMLError as exc:
        reason = _one_line(str(exc))
        raise InputError.single(source, "document", f"not valid YAML: {reason}") from None
    except RecursionError:
        raise InputError.single(source, "document", "nesting is too deep") from None


def _one_line(reason: str, limit: int = 200) -> str:
    """A parser's message on one bounded line (it may quote the offending text)."""
    flat = " ".join(reason.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _position(text: str | bytes, offset: int) -> str:
    """``line L, column C`` of a character (or byte) offset, both counted from 1."""
    if isinstance(text, bytes):
        text = text[:offset].decode("latin-1")
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def read_yaml_file(
    path: Path, source: str | None = None, max_bytes: int = MAX_BYTES, stack_file: bool = False
) -> Any:
    """Read and parse a YAML file with the limits above (at most ``max_bytes``).

    ``stack_file``: a Pulumi stack config, read with the CLI's implicit types.
    """
    name = source or str(path)
    raw = read_input_bytes(path, name)
    if len(raw) > max_bytes:
        raise InputError.single(name, "document", f"is larger than {max_bytes} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.single(
            name, _position(raw, exc.start),
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
        ) from None
    if "\x00" in text:
        raise InputError.single(
            name, _position(text, text.index("\x00")), "NUL byte: this is not a text file"
        )
    return parse_yaml(text, name, stack_file=stack_file)
