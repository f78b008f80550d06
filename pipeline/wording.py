"""How counts are worded for a person, in messages and reports of every layer."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str) -> str:
    """A number with its noun, singular or plural: "1 correction", "2 corrections", "3 entries"."""
    return f"{n} {noun if n == 1 else noun[:-1] + 'ies' if noun.endswith('y') and noun[-2:-1] not in 'aeiou' else noun + 's'}"
