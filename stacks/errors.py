"""The one error type for bad input: it names the file, the key and the reason."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# A key echoed in an error as it stands; any other is quoted, so that a key holding ': ' or
# spaces cannot blur where the key ends and the reason begins.
PLAIN_KEY = re.compile(r"[\w.@/-]+(?::[\w.@/-]*)?")


def printable(text: str) -> str:
    """Text echoed from a file with what could forge or hide output lines escaped (control
    characters, and the separators ``str.splitlines`` breaks on)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def key_text(key: str, limit: int = 80) -> str:
    """A key from a file as an error shows it: as it stands when plain, else quoted (control
    characters escaped); long keys shortened."""
    key = shorten(key, limit)
    return key if PLAIN_KEY.fullmatch(key) else repr(key)


def child_key(path: str, key: str) -> str:
    """``path.key`` for a plain key, ``path['odd key']`` for any other."""
    if PLAIN_KEY.fullmatch(key) and ":" not in key and len(key) <= 80:
        return f"{path}.{key}"
    return f"{path}[{key_text(key)}]"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    key: str
    reason: str

    def render(self, source: str) -> str:
        # Escaped again here, whoever built the problem: one problem is always one line.
        source, key, reason = printable(source), printable(self.key), printable(self.reason)
        return f"{source}: {key}: {reason}" if key else f"{source}: {reason}"


class InputError(Exception):
    """Bad input (a config, a price file, a plan file, an argument).

    ``str(error)`` is the complete user-facing message: ``file: key: reason``, one line per
    problem. It never contains secret values: callers build reasons from key names and
    public values only.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(p.render(source) for p in self.problems))

    @classmethod
    def single(cls, source: str, key: str, reason: str) -> InputError:
        return cls(source, [Problem(key, reason)])
