"""A mapping whose values are made on first read, so a 100,000-package fake starts at once.

`LazyMap` knows all its keys up front, plus a small "head" per key (the fields needed to
route and index without the whole record: a slug, a repository URL; a mapping if `peek`
should read it, else anything `make` understands, e.g. a tuple); the full value is made
by `make(key, head)` the first time it is read and kept from then on, so in-place edits
stick exactly as with a plain dict. Everything else behaves like a dict (insertion order,
`in`, `len`, assignment, deletion); `peek(key, field)` reads a field without making the value.

Standard library only: imported by tests and benchmarks, never by pkgcli.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, MutableMapping
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LazyMap(MutableMapping[K, V], Generic[K, V]):
    """Keys known now, values made on first read by `make(key, head)` and then kept."""

    def __init__(self, heads: Mapping[K, Any], make: Callable[[K, Any], V]) -> None:
        self._keys: dict[K, None] = dict.fromkeys(heads)
        self._heads: dict[K, Any] = dict(heads)
        self._made: dict[K, V] = {}
        self._make = make
        self._lock = threading.RLock()
        self._sorted: list[K] | None = None

    def __getitem__(self, key: K) -> V:
        value = self._made.get(key)
        if value is not None:
            return value
        with self._lock:
            if key in self._made:
                return self._made[key]
            head = self._heads.get(key)
            if head is None:
                raise KeyError(key)
            value = self._make(key, head)
            self._made[key] = value  # before the head goes, so peek() always finds one
            del self._heads[key]
            return value

    def __setitem__(self, key: K, value: V) -> None:
        with self._lock:
            if key not in self._keys:
                self._keys[key] = None
                self._sorted = None
            self._heads.pop(key, None)
            self._made[key] = value

    def __delitem__(self, key: K) -> None:
        with self._lock:
            del self._keys[key]
            self._heads.pop(key, None)
            self._made.pop(key, None)
            self._sorted = None

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._keys))

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"LazyMap({len(self._keys)} keys, {len(self._made)} made)"

    def copy(self) -> dict[K, V]:
        """A plain dict of every value (all made), like `dict.copy`."""
        return dict(self.items())

    def peek(self, key: K, field: str, default: Any = None) -> Any:
        """`self[key][field]` without making the value (from its head if not made yet)."""
        value = self._made.get(key)
        if value is not None:
            return value.get(field, default) if isinstance(value, Mapping) else default
        head = self._heads.get(key)
        if head is None:  # unknown, or made meanwhile by another thread
            value = self._made.get(key)
            return value.get(field, default) if isinstance(value, Mapping) else default
        return head.get(field, default) if isinstance(head, Mapping) else default

    def sorted_keys(self, *, reverse: bool = False) -> list[K]:
        """The keys sorted, cached until a key is added or removed."""
        with self._lock:
            if self._sorted is None:
                self._sorted = sorted(self._keys)  # type: ignore[type-var]
            keys = self._sorted
        return keys[::-1] if reverse else list(keys)

    @property
    def made(self) -> int:
        """How many values have been made (or set) so far."""
        return len(self._made)


def peek(table: Mapping[Any, Any], key: Any, field: str, default: Any = None) -> Any:
    """`table[key][field]`, without making a lazy value."""
    if isinstance(table, LazyMap):
        return table.peek(key, field, default)
    record = table.get(key)
    return record.get(field, default) if isinstance(record, Mapping) else default


def sorted_keys(table: Mapping[Any, Any], *, reverse: bool = False) -> list[Any]:
    """The table's keys sorted (cached for a `LazyMap`)."""
    if isinstance(table, LazyMap):
        return table.sorted_keys(reverse=reverse)
    return sorted(table, reverse=reverse)
